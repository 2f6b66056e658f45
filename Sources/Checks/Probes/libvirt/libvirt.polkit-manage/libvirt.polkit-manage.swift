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
        for directory in ["/etc/polkit-1/rules.d", "/usr/share/polkit-1/rules.d"] {
            if case .unreadable(let why)? = obs.listed[directory] { unclear.append("\(directory): \(why)") }
            guard let files = obs.directoryTexts(directory) else {
                unclear.append("\(directory) was not collected")
                continue
            }
            for (path, text) in files {
                for g in polkitGrants(text) {
                    let who =
                        g.everyone ? "every user" : (g.groups.map { "group \($0)" } + g.users.map { "user \($0)" }).joined(separator: ", ")
                    evidence.append(ctx.file(path, "grants org.libvirt.unix.manage to \(g.opaque ? "a computed group" : who)"))
                    granted.append("\(path): \(who)")
                    if g.everyone {
                        wrong.append("\(path) grants org.libvirt.unix.manage to every user: any local user manages every VM")
                    }
                    for group in g.groups where !allowed.contains(group) {
                        wrong.append("\(path) grants org.libvirt.unix.manage to group \(group), not an administrators' group")
                    }
                    if g.opaque { unclear.append("\(path) grants org.libvirt.unix.manage to a group it computes (isInGroup of a variable)") }
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
                [ctx.file("/etc/polkit-1/rules.d", "no rule mentions org.libvirt.unix.manage")])
        }
        return .pass("granted only to administrators: " + granted.joined(separator: "; "), evidence)
    }
}
