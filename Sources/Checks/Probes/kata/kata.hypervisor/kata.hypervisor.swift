import BulkheadModel
import Foundation

// kata.hypervisor: its words are in kata.hypervisor.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    /// VMMs written in a memory-safe language (ISM-1460's preference).
    static let memorySafeVMMs: Set<String> = ["clh", "cloud-hypervisor", "firecracker", "dragonball", "stratovirt"]

    static let hypervisor = kata("kata.hypervisor") { ctx, d, c in
        let chosen = c.hypervisors
        let evidence = [setting(ctx, d, "hypervisor sections: \(chosen.joined(separator: ", "))")]
        guard !chosen.isEmpty else { return .inconclusive("no [hypervisor.*] section", evidence) }
        let unsafe = chosen.filter { !memorySafeVMMs.contains($0) }
        if unsafe.isEmpty { return .pass("memory-safe VMM: \(chosen.joined(separator: ", "))", evidence) }
        return .fail("VMM written in C: \(unsafe.joined(separator: ", "))", evidence)
    }
}
