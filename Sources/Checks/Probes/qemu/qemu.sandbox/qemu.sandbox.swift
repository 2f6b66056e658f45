import BulkheadModel
import Foundation

// qemu.sandbox: its words are in qemu.sandbox.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let sandboxKnobs = ["obsolete", "elevateprivileges", "spawn", "resourcecontrol"]

    static let sandbox = Check.on("qemu.sandbox", .qemu, \.qemu) { ctx, s, q in
        var evidence = ctx.guestEvidence(
            s,
            "-sandbox "
                + (q.sandbox.map { sb in
                    (sb.enabled ? "on" : "off")
                        + [
                            ("obsolete", sb.obsolete), ("elevateprivileges", sb.elevatePrivileges), ("spawn", sb.spawn),
                            ("resourcecontrol", sb.resourceControl),
                        ]
                        .compactMap { k, v in v.map { ",\(k)=\($0)" } }.joined()
                } ?? "absent"))
        if let mode = s.guest.confinement?.seccomp, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "status:Seccomp", "Seccomp: \(mode)"))
        }
        guard let sb = q.sandbox, sb.enabled else {
            return .fail(q.sandbox == nil ? "no -sandbox option (QEMU's default is off)" : "-sandbox off", evidence)
        }
        let values = ["obsolete": sb.obsolete, "elevateprivileges": sb.elevatePrivileges, "spawn": sb.spawn, "resourcecontrol": sb.resourceControl]
        let open = sandboxKnobs.filter { values[$0] ?? nil != "deny" }
        // QEMU's own default for obsolete is deny; the others default to allow.
        let missing = open.filter { !($0 == "obsolete" && values[$0] ?? nil == nil) }
        if let mode = s.guest.confinement?.seccomp, mode != 2 {
            return .fail("-sandbox on but the process reports Seccomp: \(mode)", evidence)
        }
        // Kata Containers documents that elevateprivileges=deny does not work with QEMU's -daemonize, and
        // ships seccompsandbox without it: accept that one knob's absence on a daemonized QEMU, and say so.
        let excused = q.daemonize && missing.contains("elevateprivileges")
        let required = excused ? missing.filter { $0 != "elevateprivileges" } : missing
        if !required.isEmpty {
            return .fail("-sandbox on without " + required.map { "\($0)=deny" }.joined(separator: ", "), evidence)
        }
        if excused {
            return .pass(
                "-sandbox on with obsolete, spawn and resourcecontrol denied; elevateprivileges not denied, which -daemonize needs (Kata's documented setting)",
                evidence + ctx.guestEvidence(s, "-daemonize"))
        }
        return .pass("-sandbox on with obsolete, elevateprivileges, spawn and resourcecontrol denied", evidence)
    }
}
