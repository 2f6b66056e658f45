import BulkheadModel
import Foundation

// xen.pci-permissive: its words are in xen.pci-permissive.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenPCIPermissive = Check.on("xen.pci-permissive", .xen, \.xen) { ctx, s, c in
        let permissive = c.pci.filter { $0.permissive == true }.map(\.spec)
        let evidence = ctx.guestEvidence(
            s,
            c.pci.isEmpty
                ? "no pci" : "pci = [\(c.pci.map(\.spec).joined(separator: ", "))] pci_permissive=\(c.pciPermissive.map(String.init) ?? "-")")
        guard !c.pci.isEmpty else { return .notApplicable("no PCI passthrough", evidence) }
        if c.pciPermissive == true { return .fail("pci_permissive=1: guests may write any PCI config space of their devices", evidence) }
        if !permissive.isEmpty { return .fail("permissive=1 on " + permissive.joined(separator: ", "), evidence) }
        return .pass("\(c.pci.count) PCI devices, none permissive", evidence)
    }
}
