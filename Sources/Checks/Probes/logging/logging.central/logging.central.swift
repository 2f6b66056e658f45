import BulkheadModel
import Foundation

// logging.central: its words are in logging.central.json and its good and bad configurations in fixtures/, beside this file.
extension LoggingChecks {
    /// Forwarders whose configuration Bulkhead does not read: running, they make an unshipped journal unknown.
    static let unreadForwarders: Set<String> = [
        "fluentd", "td-agent", "elastic-agent", "splunkd", "otelcol", "otelcol-contrib", "nxlog", "wazuh-agentd", "ossec-agentd",
    ]

    /// Where each mechanism writes its own log files (beside the journal).
    static let mechanismLogDirectories: [String: String] = [
        "libvirt": "/var/log/libvirt", "qemu": "/var/log/libvirt/qemu", "xen": "/var/log/xen", "lxc": "/var/log/lxc",
    ]

    static let rsyslogFiles = ("/etc/rsyslog.conf", "/etc/rsyslog.d")
    static let fluentBitFiles = [
        (conf: "/etc/fluent-bit/fluent-bit.conf", yaml: "/etc/fluent-bit/fluent-bit.yaml", dir: "/etc/fluent-bit"),
        (conf: "/etc/td-agent-bit/td-agent-bit.conf", yaml: "/etc/td-agent-bit/td-agent-bit.yaml", dir: "/etc/td-agent-bit"),
    ]
    static let vectorFiles = ["/etc/vector/vector.yaml", "/etc/vector/vector.toml"]
    static let filebeatFiles = (main: "/etc/filebeat/filebeat.yml", inputs: "/etc/filebeat/inputs.d")

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

    /// syslog-ng: `log { source(S); … destination(D); }` paths whose source reads the journal (`system()`,
    /// `systemd-journal()`) or files, and whose destination is a network one (`network()`, `syslog()`, `tcp()` …).
    static func syslogNG(_ files: [(path: String, text: String)]) -> LogForwarding.Reading {
        var r = LogForwarding.Reading()
        let text = files.map { $0.text.split(whereSeparator: \.isNewline).map { ConfigTree.stripComment(String($0)) }.joined(separator: " ") }
            .joined(separator: " ")
        func blocks(_ kind: String) -> [String: String] {
            var out: [String: String] = [:]
            var rest = Substring(text)
            while let r = rest.range(of: kind + " ") {
                rest = rest[r.upperBound...]
                let name = rest.prefix { !$0.isWhitespace && $0 != "{" }
                guard let open = rest.firstIndex(of: "{") else { break }
                var depth = 0
                var end = open
                for i in rest[open...].indices {
                    if rest[i] == "{" { depth += 1 }
                    if rest[i] == "}" { depth -= 1 }
                    if depth == 0 { end = i; break }
                }
                out[String(name)] = String(rest[rest.index(after: open)..<end])
                rest = rest[end...]
            }
            return out
        }
        let sources = blocks("source")
        let destinations = blocks("destination")
        var rest = Substring(text)
        while let l = rest.range(of: "log {") ?? rest.range(of: "log{") {
            rest = rest[l.upperBound...]
            let body = String(rest.prefix { $0 != "}" })
            func names(_ kind: String) -> [String] {
                body.components(separatedBy: kind + "(").dropFirst().map { String($0.prefix { $0 != ")" }).trimmingCharacters(in: .whitespaces) }
            }
            for d in names("destination") {
                guard let dest = destinations[d] else { continue }
                let target = ["network(", "syslog(", "tcp(", "udp(", "tcp6(", "udp6("].lazy.compactMap { kind -> String? in
                    guard let at = dest.range(of: kind) else { return nil }
                    let arg = dest[at.upperBound...].prefix { $0 != ")" && $0 != " " }
                    return ConfigTree.unquote(String(arg))
                }.first
                guard let target else { continue }
                guard LogForwarding.isRemote(target) else {
                    r.notes.append("syslog-ng destination \(d) sends to \(target), not a remote host")
                    continue
                }
                for s in names("source") {
                    let src = sources[s] ?? ""
                    if src.contains("system()") || src.contains("systemd-journal(") {
                        r.routes.append(
                            .init(
                                forwarder: "syslog-ng", input: .journal, destination: target, path: files.first?.path ?? "",
                                line: "log { source(\(s)); destination(\(d)); }"))
                    }
                    for part in src.components(separatedBy: "file(").dropFirst() + src.components(separatedBy: "wildcard-file(").dropFirst() {
                        let f = ConfigTree.unquote(String(part.prefix { $0 != ")" && $0 != " " }))
                        if f.hasPrefix("/") {
                            r.routes.append(
                                .init(
                                    forwarder: "syslog-ng", input: .files(f), destination: target, path: files.first?.path ?? "",
                                    line: "log { source(\(s)); destination(\(d)); }"))
                        }
                    }
                }
            }
        }
        return r
    }

    static let centralLogging = Check.host("logging.central") { ctx in
        guard let obs = ctx.input.observations else {
            return .inconclusive("logging configuration was not collected (no file observations in this run)")
        }
        var readings: [LogForwarding.Reading] = []
        var seen: [String] = []
        var unreadable: [String] = []
        /// The text of a wanted file, noting whether it was seen.
        func text(_ path: String) -> String? {
            switch obs.state(path) {
            case .content(let t)?:
                seen.append(path)
                return t
            case .unreadable(let why)?: unreadable.append("\(path): \(why)")
            default: break
            }
            return nil
        }
        func directory(_ dir: String) -> [(path: String, text: String)] {
            if case .unreadable(let why)? = obs.listed[dir] { unreadable.append("\(dir): \(why)") }
            for (p, s) in obs.files where p.hasPrefix(dir + "/") {
                if case .unreadable(let why) = s { unreadable.append("\(p): \(why)") }
            }
            let texts = obs.directoryTexts(dir) ?? []
            seen += texts.map(\.path)
            return texts
        }
        let journald = LogForwarding.journaldForwardsToSyslog(
            main: text("/etc/systemd/journald.conf"), dropIns: obs.directoryTexts("/etc/systemd/journald.conf.d") ?? [])
        // rsyslog
        let rsyslog = (text(rsyslogFiles.0).map { [(rsyslogFiles.0, $0)] } ?? []) + directory(rsyslogFiles.1)
        if !rsyslog.isEmpty { readings.append(LogForwarding.rsyslog(rsyslog, journaldForwards: journald)) }
        // syslog-ng
        let syslogNGFiles =
            (text("/etc/syslog-ng/syslog-ng.conf").map { [("/etc/syslog-ng/syslog-ng.conf", $0)] } ?? [])
            + directory("/etc/syslog-ng/conf.d")
        if !syslogNGFiles.isEmpty { readings.append(syslogNG(syslogNGFiles)) }
        // systemd-journal-upload
        if let t = text("/etc/systemd/journal-upload.conf") {
            readings.append(LogForwarding.journalUpload(t, path: "/etc/systemd/journal-upload.conf"))
        }
        // systemd-journal-upload given its URL on the command line (`--url=URL`, `-u URL`).
        for p in ctx.facts.processes where p.programName == "systemd-journal-upload" || p.name == "systemd-journal-upload" {
            let args = Array(p.arguments.dropFirst())
            for (i, a) in args.enumerated() {
                let url = a.hasPrefix("--url=") ? String(a.dropFirst(6)) : (a == "-u" || a == "--url") && i + 1 < args.count ? args[i + 1] : nil
                if let url, LogForwarding.isRemote(url) {
                    var r = LogForwarding.Reading()
                    r.routes.append(
                        .init(forwarder: "systemd-journal-upload", input: .journal, destination: url, path: "/proc/\(p.pid)/cmdline", line: a))
                    readings.append(r)
                }
            }
        }
        // fluent-bit (and its td-agent-bit packaging)
        for f in fluentBitFiles {
            let dir = directory(f.dir)
            let classic = dir.first { $0.path == f.conf }?.text
            let yamlText = text(f.yaml)
            guard classic != nil || yamlText != nil else { continue }
            var yaml: ConfigTree?
            if let yamlText {
                switch ConfigTree.yaml(yamlText, source: f.yaml) {
                case .success(let tree): yaml = tree
                // fluent-bit refuses a YAML file it cannot parse; what it would run is unknown, so nothing is guessed.
                case .failure(let e):
                    unreadable.append(LogForwarding.refused(e))
                    if classic == nil { continue }
                }
            }
            let collected = Dictionary(dir.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
            let sections = LogForwarding.fluentBitSections(classic: classic, yaml: yaml, path: classic != nil ? f.conf : f.yaml, collected: collected)
            readings.append(LogForwarding.fluentBit(sections, path: classic != nil ? f.conf : f.yaml))
        }
        // Vector
        for path in vectorFiles {
            guard let t = text(path) else { continue }
            guard path.hasSuffix(".toml") else {
                switch ConfigTree.yaml(t, source: path) {
                case .success(let tree): readings.append(LogForwarding.vector(tree, path: path))
                case .failure(let e): unreadable.append(LogForwarding.refused(e))
                }
                continue
            }
            switch ConfigTree.toml(t) {
            case .success(let tree): readings.append(LogForwarding.vector(tree, path: path))
            // Vector refuses a document that is not TOML; what it would run is unknown, so nothing is guessed.
            case .failure(let f): unreadable.append("\(path): not valid TOML (line \(f.line): \(f.message))")
            }
        }
        // Filebeat
        if let t = text(filebeatFiles.main) {
            var extra: [ConfigTree] = []
            for file in directory(filebeatFiles.inputs) {
                switch ConfigTree.yaml(file.text, source: file.path) {
                case .success(let tree): extra.append(tree)
                case .failure(let e): unreadable.append(LogForwarding.refused(e))
                }
            }
            switch ConfigTree.yaml(t, source: filebeatFiles.main) {
            case .success(let tree): readings.append(LogForwarding.filebeat(tree, extraInputs: extra, path: filebeatFiles.main))
            case .failure(let e): unreadable.append(LogForwarding.refused(e))
            }
        }

        let routes = readings.flatMap(\.routes)
        let notes = readings.flatMap(\.notes)
        func describe(_ r: LogForwarding.Route) -> String {
            let what = if case .files(let g) = r.input { g } else { "the journal" }
            return "\(r.forwarder) ships \(what) to \(r.destination) (\(r.path): \(r.line))"
        }
        let evidenceOf: ([LogForwarding.Route]) -> [Evidence] = { rs in rs.prefix(6).map { ctx.file($0.path, describe($0)) } }
        let journalRoutes = routes.filter { $0.input == .journal }
        var logDirectories: [(String, String)] = []
        for m in ctx.input.mechanisms {
            if let d = mechanismLogDirectories[m.product.rawValue], !logDirectories.contains(where: { $0.1 == d }) {
                logDirectories.append((m.name, d))
            }
        }
        if !journalRoutes.isEmpty {
            let fileRoutes = routes.filter { r in
                logDirectories.contains { if case .files(let g) = r.input { LogForwarding.glob(g, covers: $0.1) } else { false } }
            }
            return .pass(
                (journalRoutes.prefix(2) + fileRoutes.prefix(2)).map(describe).joined(separator: "; "), evidenceOf(journalRoutes + fileRoutes))
        }
        var shipped: [String] = []
        var unshipped: [String] = []
        var dirRoutes: [LogForwarding.Route] = []
        for (name, d) in logDirectories {
            let covering = routes.filter { if case .files(let g) = $0.input { LogForwarding.glob(g, covers: d) } else { false } }
            if covering.isEmpty { unshipped.append("\(name)'s \(d)") } else { shipped.append(d); dirRoutes += covering }
        }
        if !logDirectories.isEmpty && unshipped.isEmpty {
            return .pass(dirRoutes.prefix(3).map(describe).joined(separator: "; "), evidenceOf(dirRoutes))
        }
        let what = "the journal" + (unshipped.isEmpty ? "" : " or " + unshipped.joined(separator: ", "))
        if !unreadable.isEmpty {
            return .inconclusive("no forwarder shown to ship \(what), and " + unreadable.joined(separator: "; "))
        }
        let running = ctx.facts.processes.filter { unreadForwarders.contains($0.programName) || unreadForwarders.contains($0.name) }
        if let p = running.first {
            return .inconclusive(
                "\(p.programName) runs (pid \(p.pid)) but its configuration is not read, so whether it ships \(what) is unknown",
                [ctx.process(p.pid, "exe", "\(p.programName) running")])
        }
        let collected = ["/etc/rsyslog.conf", "/etc/systemd/journald.conf", "/etc/systemd/journal-upload.conf"].contains { obs.state($0) != nil }
        if !collected {
            return .inconclusive(
                "no log forwarder configuration was observed (rsyslog, syslog-ng, journal-upload, fluent-bit, vector, filebeat)")
        }
        if ctx.facts.processes.isEmpty {
            return .inconclusive(
                "no forwarder configuration read ships \(what), and the process table was not observed, so a forwarder whose "
                    + "configuration is not read (fluentd, splunkd, otelcol …) may run")
        }
        let others = routes.filter { r in !dirRoutes.contains(r) }.map(describe)
        return .fail(
            "nothing ships \(what) to a remote collector"
                + (shipped.isEmpty ? "" : "; shipped: " + shipped.joined(separator: ", "))
                + ((others + notes).isEmpty ? "" : "; " + (others + notes).prefix(6).joined(separator: "; ")),
            seen.prefix(4).map {
                ctx.file($0, "read: no route from the journal or \(logDirectories.map(\.1).joined(separator: ", ")) to a remote host")
            })
    }
}
