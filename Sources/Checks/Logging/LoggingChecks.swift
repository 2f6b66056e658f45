import BulkheadModel
import Foundation

/// ISM-1607: integrity monitoring and centralised event logging, as observed — never assumed.
enum LoggingChecks {
    static let all: [Check] = [auditCoverage, centralLogging, integrityMonitoring]

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

    // MARK: logging.audit-coverage

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

    // MARK: logging.central

    static let forwarderProcesses: Set<String> = [
        "systemd-journal-upload", "systemd-journal-remote", "fluent-bit", "fluentd", "td-agent", "td-agent-bit", "vector",
        "filebeat", "elastic-agent", "splunkd", "otelcol", "otelcol-contrib", "nxlog", "wazuh-agentd", "ossec-agentd",
    ]

    /// A remote action in rsyslog syntax: `*.* @host`, `@@host:514`, `action(type="omfwd" …)`, omrelp.
    static func rsyslogRemote(_ line: String) -> Bool {
        let l = line.trimmingCharacters(in: .whitespaces)
        if l.hasPrefix("#") { return false }
        if l.contains("type=\"omfwd\"") || l.contains("type=\"omrelp\"") || l.contains("type=omfwd") { return true }
        let fields = l.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, let action = fields.last else { return false }
        return action.hasPrefix("@") && action.count > 2
    }

    static func syslogNGRemote(_ line: String) -> Bool {
        let l = line.trimmingCharacters(in: .whitespaces)
        if l.hasPrefix("#") { return false }
        return ["network(", "syslog(", "tcp(", "udp(", "tcp6(", "udp6("].contains { l.contains($0) }
            && !l.contains("source ")
    }

    static let centralLogging = Check.host("logging.central") { ctx in
        var evidence: [Evidence] = []
        var findings: [String] = []
        for p in ctx.facts.processes where forwarderProcesses.contains(p.programName) || forwarderProcesses.contains(p.name) {
            findings.append("\(p.programName) running (pid \(p.pid))")
            evidence.append(ctx.process(p.pid, "exe", "\(p.programName) log forwarder running"))
        }
        guard let obs = ctx.input.observations else {
            if !findings.isEmpty { return .pass(findings.joined(separator: "; "), evidence) }
            return .inconclusive("logging configuration was not collected (no file observations in this run)")
        }
        var sawAnyConfig = false
        var unreadable: [String] = []
        func scan(_ path: String, _ text: String, _ isRemote: (String) -> Bool) {
            sawAnyConfig = true
            for line in text.split(whereSeparator: \.isNewline) where isRemote(String(line)) {
                findings.append("\(path): \(line.trimmingCharacters(in: .whitespaces))")
                evidence.append(ctx.file(path, line.trimmingCharacters(in: .whitespaces)))
            }
        }
        for (path, remote) in [("/etc/rsyslog.conf", rsyslogRemote), ("/etc/syslog-ng/syslog-ng.conf", syslogNGRemote)]
            as [(String, (String) -> Bool)]
        {
            switch obs.state(path) {
            case .content(let t)?: scan(path, t, remote)
            case .unreadable(let why)?: unreadable.append("\(path): \(why)")
            case .absent?: sawAnyConfig = true
            default: break
            }
        }
        for (dir, remote) in [("/etc/rsyslog.d", rsyslogRemote), ("/etc/syslog-ng/conf.d", syslogNGRemote)] as [(String, (String) -> Bool)] {
            for (p, t) in obs.directoryTexts(dir) ?? [] { scan(p, t, remote) }
        }
        if case .content(let t)? = obs.state("/etc/systemd/journal-upload.conf") {
            sawAnyConfig = true
            for line in t.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                if l.hasPrefix("URL=") && l.count > 4 {
                    findings.append("/etc/systemd/journal-upload.conf: \(l)")
                    evidence.append(ctx.file("/etc/systemd/journal-upload.conf", l))
                }
            }
        }
        if !findings.isEmpty { return .pass(findings.prefix(4).joined(separator: "; "), evidence) }
        if !unreadable.isEmpty { return .inconclusive("logging configuration could not be read: " + unreadable.joined(separator: "; ")) }
        if !sawAnyConfig || ctx.facts.processes.isEmpty {
            return .inconclusive("neither syslog configuration nor the process table was observed")
        }
        return .fail(
            "no remote syslog target (rsyslog @/@@/omfwd, syslog-ng network()), journal upload or log forwarder found",
            [ctx.file("/etc/rsyslog.conf", "no remote target"), ctx.file("/proc", "no forwarder among \(ctx.facts.processes.count) processes")])
    }

    // MARK: logging.integrity-monitoring

    static let fileIntegrityPackages = ["aide", "tripwire", "samhain", "osquery", "wazuh-agent"]

    static let integrityMonitoring = Check.host("logging.integrity-monitoring") { ctx in
        let facts = ctx.facts
        var evidence: [Evidence] = []
        // IMA: a policy on the command line or loaded, or more than the boot aggregate measured.
        if let policy = HostChecks.cmdline(facts, "ima_policy") ?? HostChecks.cmdline(facts, "ima_appraise") {
            return .pass(
                "IMA enabled on the kernel command line (\(policy))",
                [
                    ctx.file("/proc/cmdline", facts.kernel.commandLine.joined(separator: " "))
                ])
        }
        let obs = ctx.input.observations
        if let count = obs?.text("/sys/kernel/security/ima/runtime_measurements_count")
            .flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }), count > 1
        {
            return .pass(
                "IMA measuring (\(count) runtime measurements)",
                [
                    ctx.file("/sys/kernel/security/ima/runtime_measurements_count", "\(count)")
                ])
        }
        let installed = fileIntegrityPackages.compactMap { facts.package($0) }
        for p in installed {
            evidence.append(Evidence(claim: "\(p.name) installed", source: p.evidenceSource, observedAt: ctx.observedAt, confidence: .high))
        }
        if let aide = installed.first(where: { $0.name == "aide" }) {
            guard let obs else {
                return .inconclusive("aide \(aide.version) is installed; whether its database exists was not observed", evidence)
            }
            let dbs = HostObservations.wantedExistence.filter {
                switch obs.state($0) {
                case .present?, .content?: true
                default: false
                }
            }
            if let db = dbs.first {
                return .pass("aide \(aide.version) installed with database \(db)", evidence + [ctx.file(db, "AIDE database present")])
            }
            let unread = HostObservations.wantedExistence.compactMap { p -> String? in
                if case .unreadable(let why)? = obs.state(p) { return "\(p): \(why)" }
                return nil
            }
            if !unread.isEmpty || HostObservations.wantedExistence.allSatisfy({ obs.state($0) == nil }) {
                return .inconclusive("aide is installed; its database could not be checked " + unread.joined(separator: "; "), evidence)
            }
            return .fail("aide \(aide.version) installed but never initialised (no /var/lib/aide/aide.db)", evidence)
        }
        if let other = installed.first {
            return .pass("\(other.name) \(other.version) installed", evidence)
        }
        if facts.packages.isEmpty {
            return .inconclusive("the package inventory was not observed, and IMA shows no policy")
        }
        if facts.kernel.commandLine.isEmpty {
            return .inconclusive("the kernel command line was not observed (IMA policy unknown)")
        }
        return .fail(
            "no file integrity monitor installed (\(fileIntegrityPackages.joined(separator: ", "))) and no IMA policy",
            [
                ctx.file("/proc/cmdline", facts.kernel.commandLine.joined(separator: " ")),
                Evidence(
                    claim: "\(facts.packages.count) packages, none an integrity monitor", source: .measurement(command: "bulkhead discover"),
                    observedAt: ctx.observedAt, confidence: .high),
            ])
    }
}
