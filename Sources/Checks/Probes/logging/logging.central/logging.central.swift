import BulkheadModel
import Foundation

// logging.central: its words are in logging.central.json and its good and bad configurations in fixtures/, beside this file.
extension LoggingChecks {
    static let forwarderProcesses: Set<String> = [
        // systemd-journal-remote is not here: it receives journals from other hosts, it ships nothing.
        "systemd-journal-upload", "fluent-bit", "fluentd", "td-agent", "td-agent-bit", "vector",
        "filebeat", "elastic-agent", "splunkd", "otelcol", "otelcol-contrib", "nxlog", "wazuh-agentd", "ossec-agentd",
    ]

    /// A remote action in rsyslog syntax: `*.* @host`, `@@host:514`, `action(type="omfwd" …)`, omrelp.
    static func rsyslogRemote(_ line: String) -> Bool {
        let l = line.trimmingCharacters(in: .whitespaces)
        if l.hasPrefix("#") { return false }
        if l.contains("type=\"omfwd\"") || l.contains("type=\"omrelp\"") || l.contains("type=omfwd") { return true }
        let fields = l.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, let action = fields.last, action.hasPrefix("@"), action.count > 2 else { return false }
        return selectsEveryFacility(fields[0])
    }

    /// Whether a legacy syslog selector (`*.*`, `*.info;mail.none`) forwards messages of every facility at
    /// informational level or below: a remote action for some facilities only (`mail.* @host`, `*.err @host`)
    /// does not ship the isolation mechanism's daemon messages.
    static func selectsEveryFacility(_ selector: Substring) -> Bool {
        selector.split(separator: ";").contains { part in
            let fp = part.split(separator: ".", maxSplits: 1)
            guard fp.count == 2, fp[0].split(separator: ",").contains("*") else { return false }
            let priority = fp[1].drop { $0 == "=" || $0 == "!" }.lowercased()
            return !fp[1].hasPrefix("!") && ["*", "debug", "info", "notice"].contains(priority)
        }
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
}
