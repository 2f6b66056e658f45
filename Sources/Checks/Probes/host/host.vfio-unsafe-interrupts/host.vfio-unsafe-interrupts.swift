import BulkheadModel
import Foundation

// host.vfio-unsafe-interrupts: its words are in host.vfio-unsafe-interrupts.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let vfioUnsafeInterrupts = Check.host("host.vfio-unsafe-interrupts") { ctx in
        let facts = ctx.facts
        let path = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
        if let arg = cmdline(facts, "vfio_iommu_type1.allow_unsafe_interrupts"), flag(arg) == true {
            return .fail(
                "vfio_iommu_type1.allow_unsafe_interrupts=\(arg) on the kernel command line",
                [
                    ctx.file("/proc/cmdline", facts.kernel.commandLine.joined(separator: " "))
                ])
        }
        if let value = facts.kernel.moduleParameters["vfio_iommu_type1"]?["allow_unsafe_interrupts"] {
            let evidence = [ctx.file(path, "allow_unsafe_interrupts = \(value)")]
            switch flag(value) {
            case true?: return .fail("allow_unsafe_interrupts = \(value)", evidence)
            case false?: return .pass("allow_unsafe_interrupts = \(value)", evidence)
            case nil: return .inconclusive("unrecognised value \"\(value)\" in \(path)", evidence)
            }
        }
        if loaded("vfio_iommu_type1", facts) == false {
            return .notApplicable("vfio_iommu_type1 is not loaded (no VFIO passthrough)")
        }
        return ctx.unobserved("the VFIO unsafe-interrupts parameter", at: path)
    }
}
