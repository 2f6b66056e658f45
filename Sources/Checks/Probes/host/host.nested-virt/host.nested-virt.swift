import BulkheadModel
import Foundation

// host.nested-virt: its words are in host.nested-virt.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let nestedVirtualisation = Check.host("host.nested-virt") { ctx in
        let facts = ctx.facts
        var evidence: [Evidence] = []
        var enabled: [String] = []
        var seen = false
        for module in ["kvm_intel", "kvm_amd"] {
            let path = "/sys/module/\(module)/parameters/nested"
            guard let value = facts.kernel.moduleParameters[module]?["nested"] else { continue }
            seen = true
            evidence.append(ctx.file(path, "\(module) nested = \(value)"))
            if flag(value) == true { enabled.append("\(module) nested=\(value)") }
        }
        if !seen {
            // Decided from what is loaded: any KVM vendor module (kvm_pvm too) or /dev/kvm makes the check apply.
            let vendors = ["kvm_intel", "kvm_amd", "kvm_pvm"]
            let states = vendors.map { loaded($0, facts) }
            let loadedVendors = zip(vendors, states).filter { $0.1 == true }.map(\.0)
            if let other = loadedVendors.first(where: { $0 != "kvm_intel" && $0 != "kvm_amd" }) {
                return .inconclusive(
                    "\(other) provides /dev/kvm and has no `nested` parameter: whether its guests may run their own hypervisor is not observed")
            }
            if !loadedVendors.isEmpty || states.contains(where: { $0 == nil }) {
                return ctx.unobserved("the kvm_intel/kvm_amd nested parameter", at: "/sys/module/kvm_intel/parameters/nested")
            }
            if facts.kvm != nil {
                return .inconclusive("/dev/kvm exists but none of kvm_intel, kvm_amd, kvm_pvm was seen loaded: its nested setting is not observed")
            }
            return .notApplicable("no KVM vendor module (kvm_intel, kvm_amd, kvm_pvm) is loaded and there is no /dev/kvm")
        }
        if enabled.isEmpty { return .pass("nested virtualisation off", evidence) }
        if ctx.bool("allowed") {
            return .pass(enabled.joined(separator: ", ") + " (allowed by tailoring)", evidence + ctx.tailoring("allowed"))
        }
        return .fail(enabled.joined(separator: ", "), evidence)
    }
}
