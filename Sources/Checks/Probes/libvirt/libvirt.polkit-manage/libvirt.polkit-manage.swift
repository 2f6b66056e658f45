import BulkheadModel
import Foundation

// libvirt.polkit-manage: its words are in libvirt.polkit-manage.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    /// What one polkit rules file grants for libvirt's management action.
    struct PolkitGrant {
        var groups: [String] = []
        var users: [String] = []
        /// A granting rule with no isInGroup/isUser/subject.user condition: every subject.
        var everyone = false
        /// A condition Bulkhead cannot read (a variable passed to isInGroup).
        var opaque = false
    }

    /// The `polkit.addRule(…)` blocks of a rules file that mention libvirt's actions and return YES or
    /// AUTH_SELF (a user's own password is no barrier), with the subjects they name.
    static func polkitGrants(_ text: String) -> [PolkitGrant] {
        let blocks = text.components(separatedBy: "polkit.addRule(").dropFirst()
        var out: [PolkitGrant] = []
        for block in blocks where block.contains("org.libvirt.unix.manage") || block.contains("\"org.libvirt.") {
            guard block.contains("polkit.Result.YES") || block.contains("polkit.Result.AUTH_SELF") else { continue }
            var g = PolkitGrant()
            g.groups = literals(after: "isInGroup(", in: block)
            g.users =
                literals(after: "isUser(", in: block) + literals(after: "subject.user ==", in: block)
                + literals(after: "subject.user===", in: block) + literals(after: "subject.user ===", in: block)
            g.opaque = block.components(separatedBy: "isInGroup(").dropFirst().contains {
                !$0.trimmingCharacters(in: .whitespaces).hasPrefix("\"") && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("'")
            }
            g.everyone = g.groups.isEmpty && g.users.isEmpty && !g.opaque && !block.contains("isInGroup(") && !block.contains("isUser(")
            out.append(g)
        }
        return out
    }

    /// The authorization entries of a legacy `.pkla` file (a GLib key file; pkla-check-authorization(8)) that
    /// grant libvirt's management action: an `Action=` glob matching org.libvirt.unix.manage and a `ResultAny`,
    /// `ResultInactive` or `ResultActive` of yes, auth_self or auth_self_keep, with the identities named by
    /// `Identity=` (`unix-user:GLOB`, `unix-group:GLOB`, `unix-netgroup:NAME`, `default`).
    static func pklaGrants(_ text: String) -> [PolkitGrant] {
        var entries: [[String: String]] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                entries.append([:])
                continue
            }
            guard !entries.isEmpty, let eq = line.firstIndex(of: "=") else { continue }
            entries[entries.count - 1][line[..<eq].trimmingCharacters(in: .whitespaces)] =
                line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        let granting: Set<String> = ["yes", "auth_self", "auth_self_keep"]
        var out: [PolkitGrant] = []
        for entry in entries {
            let actions = (entry["Action"] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard actions.contains(where: { globMatches($0, "org.libvirt.unix.manage") }) else { continue }
            let results = ["ResultAny", "ResultInactive", "ResultActive"].compactMap { entry[$0]?.lowercased() }
            guard results.contains(where: granting.contains) else { continue }
            var g = PolkitGrant()
            for identity in (entry["Identity"] ?? "").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if identity == "default" {
                    g.everyone = true
                } else if identity.hasPrefix("unix-user:") || identity.hasPrefix("unix-group:") {
                    let isGroup = identity.hasPrefix("unix-group:")
                    let name = String(identity.drop { $0 != ":" }.dropFirst())
                    if name == "*" {
                        g.everyone = true
                    } else if name.isEmpty || name.contains(where: { "*?[".contains($0) }) {
                        g.opaque = true
                    } else if isGroup {
                        g.groups.append(name)
                    } else {
                        g.users.append(name)
                    }
                } else if !identity.isEmpty {
                    // A netgroup (membership is not in /etc/group) or a form pkla does not know.
                    g.opaque = true
                }
            }
            out.append(g)
        }
        return out
    }

    /// A glob (`*`, `?`) as GLib's pattern matching reads an action id.
    static func globMatches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8.prefix(512))
        let t = Array(text.utf8)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// The quoted strings right after each occurrence of `marker`.
    static func literals(after marker: String, in text: String) -> [String] {
        text.components(separatedBy: marker).dropFirst().compactMap { rest in
            let t = rest.drop { $0 == " " }
            guard let q = t.first, q == "\"" || q == "'" else { return nil }
            let body = t.dropFirst().prefix { $0 != q }
            return body.isEmpty ? nil : String(body)
        }
    }

    static let polkitManage = Check.host("libvirt.polkit-manage") { ctx in
        let libvirtHere =
            ctx.input.mechanisms.contains { $0.product == "libvirt" } || ctx.input.daemons.contains { $0.product == "libvirt" }
            || ctx.facts.processes.contains { ["libvirtd", "virtqemud", "virtproxyd"].contains($0.programName) }
        guard libvirtHere else { return .notApplicable("libvirt is not installed or running") }
        guard let obs = ctx.input.observations else { return ctx.unobserved("polkit's rules", at: "/etc/polkit-1/rules.d") }
        let allowed = Set(["libvirt", "root", "wheel", "sudo", "admin"] + ctx.strings("adminGroups"))
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var granted: [String] = []
        let directories =
            ["/etc/polkit-1/rules.d", "/usr/share/polkit-1/rules.d"].map { ($0, false) }
            + HostObservations.polkitLocalAuthorityDirectories.map { ($0, true) }
        for (directory, legacy) in directories {
            if case .unreadable(let why)? = obs.listed[directory] { unclear.append("\(directory): \(why)") }
            guard let files = obs.directoryTexts(directory) else {
                unclear.append("\(directory) was not collected")
                continue
            }
            for (path, text) in files {
                for g in legacy ? pklaGrants(text) : polkitGrants(text) {
                    let who =
                        g.everyone ? "every user" : (g.groups.map { "group \($0)" } + g.users.map { "user \($0)" }).joined(separator: ", ")
                    evidence.append(
                        ctx.file(path, "grants org.libvirt.unix.manage to \(g.opaque ? (legacy ? "a glob or netgroup" : "a computed group") : who)"))
                    granted.append("\(path): \(who)")
                    if g.everyone {
                        wrong.append("\(path) grants org.libvirt.unix.manage to every user: any local user manages every VM")
                    }
                    for group in g.groups where !allowed.contains(group) {
                        wrong.append("\(path) grants org.libvirt.unix.manage to group \(group), not an administrators' group")
                    }
                    if g.opaque {
                        unclear.append(
                            legacy
                                ? "\(path) grants org.libvirt.unix.manage to an identity given by a glob or netgroup, whose members are not known"
                                : "\(path) grants org.libvirt.unix.manage to a group it computes (isInGroup of a variable)")
                    }
                }
            }
            for (path, state) in obs.files where path.hasPrefix(directory + "/") {
                if case .unreadable(let why) = state { unclear.append("\(path): \(why)") }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        if granted.isEmpty {
            return .pass(
                "no polkit rule grants org.libvirt.unix.manage: libvirt's action default (auth_admin_keep, the root password) applies",
                [ctx.file("/etc/polkit-1/rules.d", "no rule or .pkla entry grants org.libvirt.unix.manage")])
        }
        return .pass("granted only to administrators: " + granted.joined(separator: "; "), evidence)
    }
}
