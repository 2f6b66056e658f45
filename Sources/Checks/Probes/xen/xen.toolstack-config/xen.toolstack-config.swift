import BulkheadModel
import Foundation

// xen.toolstack-config: its words are in xen.toolstack-config.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// xl.conf keys naming a script xl runs as root in dom0 (xl.conf(5): the default hotplug script of virtual
    /// network devices, its deprecated `vifscript` spelling, Remus's and COLO's network scripts).
    static let xenScriptKeys = ["vif.default.script", "vifscript", "remus.default.netbufscript", "colo.default.proxyscript"]
    /// Directories whose files local users (not only root) can create or write.
    static let userWritableDirectories = ["/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/run/user/", "/var/run/user/"]

    /// An xl BOOLEAN (xl.conf(5): a NUMBER, decimal, octal with a leading 0 or hexadecimal with 0x; 0 is false,
    /// any other value true): nil when absent, `.some(nil)` when not a number (xl refuses it).
    static func xlBoolean(_ value: XenValue?) -> Bool?? {
        guard let value else { return .none }
        guard value.kind == .number || value.kind == .string, let text = value.string?.trimmingCharacters(in: .whitespaces), !text.isEmpty
        else { return .some(nil) }
        let lower = text.lowercased()
        let n: Int?
        if lower.hasPrefix("0x") {
            n = Int(lower.dropFirst(2), radix: 16)
        } else if lower.count > 1, lower.hasPrefix("0") {
            n = Int(lower.dropFirst(), radix: 8)
        } else {
            n = Int(lower)
        }
        guard let n else { return .some(nil) }
        return .some(n != 0)
    }

    /// Whether a path lies where local users can write.
    static func inUserWritableDirectory(_ path: String) -> Bool {
        userWritableDirectories.contains { path.hasPrefix($0) }
    }

    static let xenToolstackConfig = Check.daemon("xen.toolstack-config") { ctx, daemon in
        guard daemon.product == "xen" else { return nil }
        guard case .xenToolstack(let c)? = daemon.settings else {
            return .inconclusive(
                "\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
        }
        var wrong: [String] = []
        var unclear = daemon.problems.map { "\(daemon.path): \($0.description)" }
        var evidence: [Evidence] = []
        // Scripts xl runs as root for every guest (run_hotplug_scripts=1, the default, runs them from xl itself).
        for key in xenScriptKeys {
            guard let value = c.settings[key] else { continue }
            guard let script = value.string, value.kind != .list else {
                unclear.append("\(key) is not a string")
                continue
            }
            evidence.append(ctx.file(daemon.path, "\(key) = \"\(script)\""))
            if script.hasPrefix("/") {
                if inUserWritableDirectory(script) || script.contains("/../") {
                    wrong.append(
                        "\(key) = \"\(script)\": xl runs this script as root in dom0 for guest devices, from a directory local users can write")
                }
            } else if script.contains("..") {
                unclear.append("\(key) = \"\(script)\" climbs out of Xen's script directory")
            }
        }
        // The bootloader (pygrub) parses the guest's own disk image in dom0: bootloader_restrict runs it as an
        // unprivileged user. A guest's own setting wins, then xl.conf's, then libxl's default (restricted only
        // when the guest names a bootloader_user).
        let global: Bool?
        var globalInvalid = false
        switch xlBoolean(c.settings["bootloader_restrict"]) {
        case .none:
            global = nil
            evidence.append(
                ctx.file(daemon.path, "bootloader_restrict not set (xl's default: a guest's bootloader is restricted only with bootloader_user)"))
        case .some(nil):
            global = nil
            globalInvalid = true
            unclear.append("bootloader_restrict = \(c.settings["bootloader_restrict"]?.string ?? "?") is not a number (xl refuses it)")
        case .some(let b?):
            global = b
            evidence.append(ctx.file(daemon.path, "bootloader_restrict = \(b ? 1 : 0)"))
        }
        var unrestricted: [String] = []
        var bootloaderGuests = 0
        for mechanism in ctx.input.mechanisms where mechanism.product == "xen" {
            for guest in mechanism.guests {
                guard case .xen(let g)? = guest.configuration else {
                    // Its bootloader is unknown: what was not read never passes.
                    let why = guest.problems.map(\.description).joined(separator: "; ")
                    unclear.append("guest \(guest.name): its xl configuration could not be read\(why.isEmpty ? "" : " (\(why))")")
                    continue
                }
                guard let bootloader = g.settings["bootloader"]?.string, !bootloader.isEmpty else { continue }
                bootloaderGuests += 1
                let path = guest.evidence.compactMap { e -> String? in if case .file(let p, _) = e.source { p } else { nil } }.first
                let own = xlBoolean(g.settings["bootloader_restrict"])
                let restricted: Bool
                switch own {
                case .some(nil):
                    unclear.append("guest \(guest.name): bootloader_restrict is not a number")
                    continue
                case .some(let b?): restricted = b
                case .none where globalInvalid: continue  // decided by the unreadable xl.conf value (already inconclusive)
                case .none: restricted = global ?? (g.settings["bootloader_user"]?.string.map { !$0.isEmpty } ?? false)
                }
                let claim = "guest \(guest.name): bootloader = \"\(bootloader)\", " + (restricted ? "restricted" : "not restricted")
                evidence.append(
                    path.map { ctx.file($0, claim) }
                        ?? Evidence(claim: claim, source: .file(path: daemon.path, sha256: nil), observedAt: ctx.observedAt, confidence: .high))
                if !restricted { unrestricted.append("\(guest.name) (bootloader = \"\(bootloader)\")") }
            }
        }
        if !unrestricted.isEmpty {
            wrong.append(
                "the bootloader of \(unrestricted.joined(separator: ", ")) runs unrestricted: dom0 parses each guest-owned disk image as root (XSA-443); set bootloader_restrict=1"
                    + (global == false ? " (xl.conf sets bootloader_restrict=0)" : ""))
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        let guests =
            bootloaderGuests == 0
            ? "no xl guest configuration runs a bootloader in dom0" : "\(bootloaderGuests) guests' bootloaders run restricted"
        return .pass("no hotplug script from a user-writable directory; \(guests)", evidence)
    }
}
