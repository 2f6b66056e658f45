import BulkheadModel
import Foundation

// firecracker.mmds-v1: its words are in firecracker.mmds-v1.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let firecrackerMMDS = Check.on("firecracker.mmds-v1", .firecracker, \.firecracker) { ctx, s, c in
        guard let vm = c.vm else {
            return .inconclusive("no --config-file was read (MMDS may be configured through the API socket)", ctx.guestEvidence(s, "no config file"))
        }
        let evidence = ctx.guestEvidence(
            s, vm.mmds.map { "mmds-config version \($0.version)\($0.versionExplicit ? "" : " (default)")" } ?? "no mmds-config")
        guard let mmds = vm.mmds else { return .notApplicable("MMDS not configured", evidence) }
        if mmds.version.uppercased() == "V1" {
            return .fail("MMDS \(mmds.version)" + (mmds.versionExplicit ? "" : " (no version given: V1 is the default)"), evidence)
        }
        return .pass("MMDS \(mmds.version)", evidence)
    }
}
