import BulkheadModel
import Foundation

// cloud-hypervisor.landlock: its words are in cloud-hypervisor.landlock.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let cloudHypervisorLandlock = Check.on("cloud-hypervisor.landlock", .cloudHypervisor, \.cloudHypervisor) { ctx, s, c in
        let evidence = ctx.guestEvidence(s, c.landlock ? "--landlock (\(c.landlockRules.count) extra rules)" : "no --landlock")
        if c.landlock { return .pass("--landlock" + (c.landlockRules.isEmpty ? "" : " with \(c.landlockRules.count) --landlock-rules"), evidence) }
        return .fail("no --landlock: the VMM can open any host path its uid can", evidence)
    }
}
