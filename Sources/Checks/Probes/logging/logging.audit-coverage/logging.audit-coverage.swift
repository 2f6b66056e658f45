import BulkheadModel
import Foundation

// logging.audit-coverage: its words are in logging.audit-coverage.json and its good and bad configurations in fixtures/, beside this file.
extension LoggingChecks {
    /// Words that, in an audit rule, show the rule watches a mechanism's binaries, configuration or device.
    static let auditKeywords: [String: [String]] = [
        "qemu": ["qemu"], "libvirt": ["libvirt", "virsh"], "firecracker": ["firecracker", "jailer"],
        "cloud-hypervisor": ["cloud-hypervisor"], "crosvm": ["crosvm"], "runsc": ["runsc", "gvisor"],
        "gvisor": ["runsc", "gvisor"], "kata": ["kata"], "xen": ["/etc/xen", "xl", "xen", "xenstored"], "kvm": ["/dev/kvm"],
        "docker": ["docker", "containerd"], "containerd": ["containerd"], "runc": ["runc"], "crun": ["crun"],
        "podman": ["podman", "crun", "runc"], "lxc": ["lxc"], "bubblewrap": ["bwrap"],
    ]

    /// Whether an audit rule names one of the keywords as a path or program: `/etc/xen` as a path prefix,
    /// `qemu` as a path component or its prefix (`qemu-system-x86_64`) — never as a substring
    /// (`runc` must not match `truncate`). Rule keys (`-k`, `key=`) are not names.
    static func ruleNames(_ rule: String, _ keywords: [String]) -> Bool {
        let fields = rule.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var tokens: [String] = []
        var skipNext = false
        for field in fields {
            if skipNext { skipNext = false; continue }
            if field == "-k" { skipNext = true; continue }
            if field.hasPrefix("key=") { continue }
            tokens.append(contentsOf: field.split(separator: "=").map(String.init))
        }
        for token in tokens {
            let components = token.split(separator: "/").map(String.init)
            for keyword in keywords {
                if keyword.contains("/") {
                    if token == keyword || token.hasPrefix(keyword + "/") || token.hasPrefix(keyword) && keyword.hasSuffix("/") { return true }
                    continue
                }
                for c in components where c == keyword || ["-", "_", "."].contains(where: { c.hasPrefix(keyword + $0) }) {
                    return true
                }
            }
        }
        return false
    }

    static func auditRuleFiles(_ obs: HostObservations) -> (rules: [(String, String)], unreadable: [String], observed: Bool) {
        var rules: [(String, String)] = []
        var unreadable: [String] = []
        var observed = false
        func take(_ path: String, _ text: String) {
            for line in text.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                if l.hasPrefix("-w") || l.hasPrefix("-a") { rules.append((path, l)) }
            }
        }
        switch obs.state("/etc/audit/audit.rules") {
        case .content(let t)?: observed = true; take("/etc/audit/audit.rules", t)
        case .unreadable(let why)?: unreadable.append("/etc/audit/audit.rules: \(why)")
        case .absent?: observed = true
        default: break
        }
        if case .unreadable(let why)? = obs.listed["/etc/audit/rules.d"] { unreadable.append("/etc/audit/rules.d: \(why)") }
        if let texts = obs.directoryTexts("/etc/audit/rules.d") {
            observed = true
            for (p, t) in texts { take(p, t) }
        }
        for (path, state) in obs.files where path.hasPrefix("/etc/audit/rules.d/") {
            if case .unreadable(let why) = state { unreadable.append("\(path): \(why)") }
        }
        return (rules, unreadable, observed)
    }

    static let auditCoverage = Check.mechanism("logging.audit-coverage") { ctx, mechanism in
        guard ctx.definition.products.contains(mechanism.product.rawValue) else { return nil }
        guard let obs = ctx.input.observations else {
            return .inconclusive("audit rules were not collected (no file observations in this run)")
        }
        let processes = ctx.facts.processes
        let auditd = processes.first { $0.name == "auditd" || $0.programName == "auditd" }
        let files = auditRuleFiles(obs)
        if !files.unreadable.isEmpty && files.rules.isEmpty {
            return .inconclusive("audit rules could not be read: " + files.unreadable.joined(separator: "; "))
        }
        if !files.observed {
            return .inconclusive("audit rules were not collected (/etc/audit/audit.rules, /etc/audit/rules.d)")
        }
        if !processes.isEmpty && auditd == nil {
            return .fail(
                "auditd is not running" + (files.rules.isEmpty ? " and no audit rules are configured" : ""),
                [ctx.file("/proc", "no auditd among \(processes.count) processes")])
        }
        let keywords = auditKeywords[mechanism.product.rawValue] ?? [mechanism.product.rawValue]
        let matching = files.rules.filter { _, rule in ruleNames(rule, keywords) }
        var evidence = matching.prefix(5).map { ctx.file($0.0, $0.1) }
        if let auditd { evidence.append(ctx.process(auditd.pid, "comm", "auditd running")) }
        if matching.isEmpty {
            return .fail(
                "\(files.rules.count) audit rules, none watching \(mechanism.name) (\(keywords.joined(separator: ", ")))",
                evidence.isEmpty ? [ctx.file("/etc/audit/rules.d", "\(files.rules.count) rules")] : evidence)
        }
        if auditd == nil {
            return .inconclusive(
                "rules watch \(mechanism.name) but whether auditd runs was not observed (no process table)",
                observed: matching.map(\.1).prefix(3).joined(separator: " | "), evidence)
        }
        return .pass("\(matching.count) audit rule(s) watch \(mechanism.name): " + matching.map(\.1).prefix(3).joined(separator: " | "), evidence)
    }
}
