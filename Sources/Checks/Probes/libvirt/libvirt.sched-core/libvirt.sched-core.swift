import BulkheadModel
import Foundation

// libvirt.sched-core: its words are in libvirt.sched-core.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    /// qemu.conf `sched_core` values that put each QEMU's vCPUs in a core-scheduling group of their own.
    static let schedCoreGroups: Set<String> = ["vcpus", "emulator", "full"]

    static let schedCore = conf("libvirt.sched-core") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "sched_core", c.schedCore.map { "\"\($0)\"" })]
        let value = c.schedCore ?? "none"
        if schedCoreGroups.contains(value) {
            return .pass("sched_core = \"\(value)\": each QEMU's vCPU threads share a core only with their own guest", evidence)
        }
        guard value == "none" else {
            return .inconclusive("sched_core = \"\(value)\" is none of libvirt's values (none, vcpus, emulator, full)", evidence)
        }
        let controlPath = "/sys/devices/system/cpu/smt/control"
        guard let control = ctx.facts.cpu.smtControl?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return .inconclusive(
                "sched_core is \(c.schedCore == nil ? "not set (default \"none\")" : "\"none\"") and whether SMT is on was not observed (\(controlPath))",
                evidence)
        }
        let smt = ctx.file(controlPath, "smt/control = \(control)")
        switch control {
        case "off", "forceoff", "notsupported", "notimplemented":
            return .notApplicable("SMT \(control): no sibling thread to share with another guest", evidence + [smt])
        case "on":
            let observed =
                "sched_core \(c.schedCore == nil ? "not set (default \"none\")" : "= \"none\"") with SMT on: another guest's vCPU or a host process can run on the sibling thread of this guest's vCPU"
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + [smt] + ctx.tailoring("allowed")) }
            return .fail(observed, evidence + [smt])
        default:
            return .inconclusive("unrecognised \(controlPath) value \"\(control)\"", evidence + [smt])
        }
    }
}
