import BulkheadModel
import Formats
import Foundation

/// What each log forwarder's configuration ships off the host: routes from an input (the journal, a file glob)
/// to a remote destination, read from rsyslog, systemd-journal-upload, fluent-bit, Vector and Filebeat
/// configurations in their own syntax. Pure functions over collected text; `logging.central` judges the routes.
enum LogForwarding {
    /// Where logs come from.
    enum Input: Hashable, Sendable {
        /// The systemd journal (rsyslog's imjournal, or imuxsock fed by journald's ForwardToSyslog).
        case journal
        /// Files matching a glob (`/var/log/libvirt/qemu/*.log`).
        case files(String)
    }

    /// One input shipped to one remote destination.
    struct Route: Hashable, Sendable {
        var forwarder: String
        var input: Input
        var destination: String
        /// The file and line that make the route (its output or action).
        var path: String
        var line: String
    }

    /// A forwarder's configuration read: its routes and what was seen but does not ship (local outputs, filtered
    /// or disabled inputs), for the finding's words.
    struct Reading: Sendable {
        var routes: [Route] = []
        var notes: [String] = []
    }

    /// A configuration its forwarder would refuse, as the reason a judgement is inconclusive: `PATH line N: why`.
    static func refused(_ e: ConfigParseError) -> String {
        "\(e.source)\(e.line.map { " line \($0)" } ?? ""): \(e.message)"
    }

    // MARK: Destinations

    /// Whether a destination leaves the host: a name or address other than loopback, any-address or a UNIX socket.
    static func isRemote(_ destination: String) -> Bool {
        var d = destination.trimmingCharacters(in: .whitespaces).lowercased()
        if let scheme = d.range(of: "://") { d = String(d[scheme.upperBound...]) }
        if d.hasPrefix("unix:") || d.hasPrefix("/") || d.isEmpty || d.contains("${") { return false }
        if d.hasPrefix("[") {
            d = String(d.dropFirst().prefix { $0 != "]" })
        } else if d.filter({ $0 == ":" }).count == 1 {
            d = String(d.prefix { $0 != ":" })
        }
        d = String(d.prefix { $0 != "/" && $0 != "?" })
        // Loopback as every listener check judges it (Formats' ParseSupport); a destination on the any-address or
        // the host's own name reaches this host too.
        if ["0.0.0.0", "::", "localhost.localdomain"].contains(d) { return false }
        return !d.isEmpty && ParseSupport.beyondLoopback(d)
    }

    /// Whether a file glob reads a directory's logs: the glob's directory is `directory` or below it, or a `**`
    /// glob above it.
    static func glob(_ glob: String, covers directory: String) -> Bool {
        let literal = glob.prefix { !"*?[{".contains($0) }
        let dir =
            literal.hasSuffix("/")
            ? String(literal.dropLast()) : String(literal.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/"))
        if dir == directory || dir.hasPrefix(directory + "/") { return true }
        return glob.contains("**") && (directory + "/").hasPrefix(dir + "/")
    }

    /// `*` and `?` wildcard match (fluent-bit's Match, Vector's input globs), greedy with one backtrack point:
    /// no recursion.
    static func wildcard(_ pattern: String, _ s: String) -> Bool {
        // Tags and patterns are short names; the walk is O(pattern × text), so longer ones are no match.
        guard pattern.count <= 4096, s.count <= 4096 else { return false }
        return Wildcard.matches(pattern, s)
    }

    // MARK: journald

    /// journald's `ForwardToSyslog=` from journald.conf and its drop-ins (the last one wins); unset, the value the
    /// packaged journald.conf shows commented out ("Entries in this file show the compile time defaults"), else no.
    static func journaldForwardsToSyslog(main: String?, dropIns: [(path: String, text: String)]) -> (Bool, String)? {
        guard let main else { return nil }
        var value: (Bool, String)?
        var shownDefault: (Bool, String)?
        for (path, text) in [("/etc/systemd/journald.conf", main)] + dropIns.map({ ($0.path, $0.text) }) {
            for raw in text.split(whereSeparator: \.isNewline) {
                let l = raw.trimmingCharacters(in: .whitespaces)
                if l.hasPrefix("ForwardToSyslog=") {
                    value = (ConfigTree.scalar(String(l.dropFirst(16))).bool ?? false, "\(path): \(l)")
                } else if path == "/etc/systemd/journald.conf", l.hasPrefix("#ForwardToSyslog=") {
                    shownDefault = (ConfigTree.scalar(String(l.dropFirst(17))).bool ?? false, "\(path): \(l) (the compiled default)")
                }
            }
        }
        return value ?? shownDefault ?? (false, "/etc/systemd/journald.conf: ForwardToSyslog unset (systemd's default: no)")
    }

    /// systemd-journal-upload: `URL=` in journal-upload.conf ships the whole journal.
    static func journalUpload(_ text: String, path: String) -> Reading {
        var r = Reading()
        for raw in text.split(whereSeparator: \.isNewline) {
            let l = raw.trimmingCharacters(in: .whitespaces)
            guard l.hasPrefix("URL=") else { continue }
            let url = String(l.dropFirst(4))
            if isRemote(url) {
                r.routes.append(Route(forwarder: "systemd-journal-upload", input: .journal, destination: url, path: path, line: l))
            } else {
                r.notes.append("\(path): `\(l)` is not a remote destination")
            }
        }
        return r
    }

    // MARK: rsyslog

    /// rsyslog's configuration (rsyslog.conf and the rsyslog.d files, in order): remote actions (`@host`,
    /// `@@host`, `action(type="omfwd"|"omrelp" target=…)`) with the ruleset they are in and whether a filter narrows
    /// them, and the inputs feeding each ruleset (imjournal, imuxsock, imfile and legacy `$InputFileName`).
    static func rsyslog(_ files: [(path: String, text: String)], journaldForwards: (Bool, String)?) -> Reading {
        struct Action {
            var ruleset: String?
            var filtered: String?
            var target: String
            var path: String
            var line: String
        }
        var actions: [Action] = []
        var modules: Set<String> = []
        var fileInputs: [(glob: String, ruleset: String?)] = []
        var socketInputs: [String?] = []
        var journalRuleset: String?
        var notes: [String] = []
        for (path, text) in files {
            // Blocks open on this file's stack: a ruleset's name or an `if` filter.
            var stack: [(ruleset: String?, filter: String?)] = []
            var pending = ""
            var open = 0
            for raw in text.split(whereSeparator: \.isNewline) {
                var line = ConfigTree.stripComment(String(raw))
                if line.isEmpty { continue }
                open += line.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) }
                // An object left open for 64 KiB is not rsyslog's: it is read as it stands, never rescanned.
                if open > 0 && pending.utf8.count + line.utf8.count < 1 << 16 {
                    pending += (pending.isEmpty ? "" : " ") + line
                    continue
                }
                if !pending.isEmpty { line = pending + " " + line }
                pending = ""
                open = 0
                var ruleset = stack.last { $0.ruleset != nil }?.ruleset
                let blockFilter = stack.last { $0.filter != nil }?.filter
                if line.hasPrefix("$") {
                    let f = line.split(separator: " ").map(String.init)
                    if f.count >= 2 && f[0].lowercased() == "$modload" { modules.insert(f[1]) }
                    if f.count >= 2 && f[0].lowercased() == "$inputfilename" { fileInputs.append((f[1], ruleset)) }
                    continue
                }
                for object in objects(line) {
                    let p = object.params
                    switch object.name {
                    case "module":
                        if let m = p["load"] {
                            modules.insert(m)
                            if m == "imjournal" { journalRuleset = p["ruleset"] }
                        }
                    case "input":
                        if p["type"] == "imfile", let f = p["file"] { fileInputs.append((f, p["ruleset"] ?? ruleset)) }
                        if p["type"] == "imuxsock" { socketInputs.append(p["ruleset"] ?? ruleset) }
                    case "action":
                        guard p["type"] == "omfwd" || p["type"] == "omrelp" else { continue }
                        let target = p["target"] ?? ""
                        let before = line.components(separatedBy: "action(").first ?? ""
                        var filter = blockFilter
                        if before.contains("if ") || before.hasPrefix(":") { filter = before.trimmingCharacters(in: .whitespaces) }
                        if let selector = before.split(separator: " ").first, selector.contains("."), !before.hasPrefix("if"),
                            !LoggingChecks.selectsEveryFacility(selector)
                        {
                            filter = String(selector)
                        }
                        actions.append(Action(ruleset: ruleset, filtered: filter, target: target, path: path, line: line))
                    case "ruleset":
                        // Actions after it on the same line (`ruleset(name="r") { action(…) }`) are in it.
                        ruleset = p["name"]
                        if line.contains("{") { stack.append((p["name"], nil)) }
                    default: break
                    }
                }
                // Legacy `SELECTOR @host` / `@@host`.
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if fields.count >= 2, let act = fields.last, act.hasPrefix("@"), act.count > 2, !line.contains("action(") {
                    let target = String(act.drop { $0 == "@" }.split(separator: ";").first ?? "")
                    let selector = fields[0]
                    let filter: String? =
                        selector.hasPrefix(":") || line.hasPrefix("if ")
                        ? line : LoggingChecks.selectsEveryFacility(selector) ? blockFilter : String(selector)
                    actions.append(Action(ruleset: ruleset, filtered: filter, target: target, path: path, line: line))
                }
                if line.hasPrefix("if "), line.hasSuffix("{") {
                    stack.append((nil, line))
                } else if !line.contains("ruleset("), line.hasSuffix("{") {
                    stack.append((nil, nil))
                }
                for c in line where c == "}" { _ = stack.popLast() }
            }
        }
        let journal: [(String?, String)] =
            (modules.contains("imjournal") ? [(journalRuleset, "imjournal")] : [])
            + (modules.contains("imuxsock") && journaldForwards?.0 == true
                ? (socketInputs.isEmpty ? [nil] : socketInputs).map { ($0, "imuxsock fed by \(journaldForwards?.1 ?? "journald")") } : [])
        if modules.contains("imuxsock") && journaldForwards?.0 != true && !modules.contains("imjournal") {
            notes.append(
                "rsyslog reads the syslog socket (imuxsock) but journald does not forward the journal to it"
                    + (journaldForwards.map { " (\($0.1))" } ?? " (journald.conf not read)"))
        }
        var r = Reading()
        for a in actions {
            guard isRemote(a.target) else {
                notes.append("\(a.path): `\(a.line)` is not a remote destination")
                continue
            }
            if let f = a.filtered {
                notes.append("\(a.path): `\(a.line)` forwards only what `\(f)` selects")
                continue
            }
            for (ruleset, how) in journal where ruleset == a.ruleset {
                r.routes.append(Route(forwarder: "rsyslog (\(how))", input: .journal, destination: a.target, path: a.path, line: a.line))
            }
            for f in fileInputs where f.ruleset == a.ruleset {
                r.routes.append(Route(forwarder: "rsyslog (imfile)", input: .files(f.glob), destination: a.target, path: a.path, line: a.line))
            }
            if !journal.contains(where: { $0.0 == a.ruleset }) && !fileInputs.contains(where: { $0.ruleset == a.ruleset }) {
                notes.append("\(a.path): `\(a.line)` forwards to \(a.target), but no journal or file input feeds it")
            }
        }
        r.notes = notes
        return r
    }

    /// RainerScript objects on a line: `name(key="value" …)`, parameter names lower-cased.
    static func objects(_ line: String) -> [(name: String, params: [String: String])] {
        var out: [(String, [String: String])] = []
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            guard chars[i] == "(" else {
                i += 1
                continue
            }
            var s = i - 1
            while s >= 0, chars[s].isLetter || chars[s] == "_" { s -= 1 }
            let name = String(chars[(s + 1)..<i]).lowercased()
            var j = i + 1
            var quote: Character?
            while j < chars.count {
                if let q = quote {
                    if chars[j] == q { quote = nil }
                } else if chars[j] == "\"" || chars[j] == "'" {
                    quote = chars[j]
                } else if chars[j] == ")" {
                    break
                }
                j += 1
            }
            if ["module", "input", "action", "ruleset"].contains(name) {
                out.append((name, params(String(chars[(i + 1)..<min(j, chars.count)]))))
            }
            i = j + 1
        }
        return out
    }

    static func params(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            var k = ""
            while i < chars.count, chars[i] != "=", chars[i] != " " { k.append(chars[i]); i += 1 }
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count, chars[i] == "=" else {
                i += 1
                continue
            }
            i += 1
            while i < chars.count, chars[i] == " " { i += 1 }
            var v = ""
            if i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                let q = chars[i]
                i += 1
                while i < chars.count, chars[i] != q { v.append(chars[i]); i += 1 }
                i += 1
            } else {
                while i < chars.count, chars[i] != " " { v.append(chars[i]); i += 1 }
            }
            out[k.lowercased()] = v
        }
        return out
    }

    // MARK: fluent-bit

    /// Outputs that keep logs on the host.
    static let fluentBitLocalOutputs: Set<String> = ["stdout", "file", "null", "counter", "flowcounter", "exit"]
    /// Outputs whose default destination is a cloud service, not 127.0.0.1.
    static let fluentBitCloudOutputs: Set<String> = [
        "cloudwatch_logs", "s3", "stackdriver", "datadog", "azure", "azure_blob", "azure_logs_ingestion", "bigquery",
        "kinesis_firehose", "kinesis_streams", "newrelic", "logdna", "oracle_log_analytics", "chronicle",
    ]

    /// fluent-bit's sections as (name, keys) in order: classic `[INPUT]`/`[OUTPUT]` files (with `@INCLUDE` resolved
    /// among the collected files) or YAML `pipeline: inputs/outputs`.
    static func fluentBitSections(classic: String?, yaml: ConfigTree?, path: String, collected: [String: String]) -> [(String, [String: String])] {
        var sections: [(String, [String: String])] = []
        if let tree = yaml {
            for (kind, key) in [("input", "pipeline.inputs"), ("output", "pipeline.outputs")] {
                for item in tree[key]?.items ?? [] {
                    var keys: [String: String] = [:]
                    for (k, v) in item.entries { keys[k.lowercased()] = v.strings.joined(separator: ",") }
                    sections.append((kind, keys))
                }
            }
        }
        func classicText(_ text: String, base: String, depth: Int) {
            var current: (String, [String: String])?
            for raw in text.split(whereSeparator: \.isNewline) {
                let l = ConfigTree.stripComment(String(raw))
                if l.isEmpty { continue }
                if l.hasPrefix("@INCLUDE") || l.hasPrefix("@include") {
                    if let c = current { sections.append(c); current = nil }
                    let target = l.dropFirst(8).trimmingCharacters(in: .whitespaces)
                    let full = target.hasPrefix("/") ? target : base + "/" + target
                    for (p, t) in collected.sorted(by: { $0.key < $1.key }) where depth < 4 && wildcard(full, p) {
                        classicText(t, base: base, depth: depth + 1)
                    }
                    continue
                }
                if l.hasPrefix("[") && l.hasSuffix("]") {
                    if let c = current { sections.append(c) }
                    current = (l.dropFirst().dropLast().lowercased(), [:])
                    continue
                }
                let f = l.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
                if f.count == 2, var c = current {
                    c.1[f[0].lowercased()] = f[1].trimmingCharacters(in: .whitespaces)
                    current = c
                }
            }
            if let c = current { sections.append(c) }
        }
        if let classic { classicText(classic, base: (path as NSString).deletingLastPathComponent, depth: 0) }
        return sections
    }

    static func fluentBit(_ sections: [(String, [String: String])], path: String) -> Reading {
        var r = Reading()
        var inputs: [(tag: String, input: Input)] = []
        for (index, (kind, keys)) in sections.enumerated() where kind == "input" {
            let name = (keys["name"] ?? "").lowercased()
            let tag = keys["tag"] ?? "\(name).\(index)"
            switch name {
            case "systemd":
                if let units = keys["systemd_filter"] {
                    r.notes.append("\(path): the systemd input reads only \(units)")
                } else {
                    inputs.append((tag, .journal))
                }
            case "tail":
                for p in (keys["path"] ?? "").split(separator: ",") { inputs.append((tag, .files(p.trimmingCharacters(in: .whitespaces)))) }
            default: break
            }
        }
        for (kind, keys) in sections where kind == "output" {
            let name = (keys["name"] ?? "").lowercased()
            let line = "[OUTPUT] Name \(name)" + (keys["host"].map { " Host \($0)" } ?? "") + (keys["match"].map { " Match \($0)" } ?? "")
            let destination: String?
            if fluentBitLocalOutputs.contains(name) {
                destination = nil
            } else if let host = keys["host"] {
                destination = isRemote(host) ? host : nil
            } else if let brokers = keys["brokers"] {
                destination = isRemote(brokers) ? brokers : nil
            } else {
                destination = fluentBitCloudOutputs.contains(name) ? name : nil
            }
            guard let destination else {
                let why = fluentBitLocalOutputs.contains(name) ? "" : " (\(keys["host"] ?? "its default host 127.0.0.1"))"
                r.notes.append("\(path): output \(name) keeps logs on the host\(why)")
                continue
            }
            for i in inputs {
                let matched: Bool
                if let regex = keys["match_regex"] {
                    matched = (try? NSRegularExpression(pattern: regex))?.firstMatch(in: i.tag, range: NSRange(i.tag.startIndex..., in: i.tag)) != nil
                } else {
                    matched = wildcard(keys["match"] ?? "", i.tag)
                }
                if matched { r.routes.append(Route(forwarder: "fluent-bit", input: i.input, destination: destination, path: path, line: line)) }
            }
        }
        return r
    }

    // MARK: Vector

    /// Sinks that keep events on the host (prometheus_exporter listens for scrapes; it sends nothing).
    static let vectorLocalSinks: Set<String> = ["console", "file", "blackhole", "prometheus_exporter"]

    /// Vector's sources, transforms and sinks: each sink's inputs followed back through transforms to sources.
    static func vector(_ tree: ConfigTree, path: String) -> Reading {
        var r = Reading()
        var sources: [String: Input] = [:]
        for (id, s) in tree["sources"]?.entries ?? [] {
            switch s["type"]?.string {
            case "journald":
                if let units = s["include_units"]?.strings, !units.isEmpty {
                    r.notes.append("\(path): source \(id) reads only the units \(units.joined(separator: ", "))")
                } else {
                    sources[id] = .journal
                }
            case "file":
                for (n, g) in (s["include"]?.strings ?? []).enumerated() { sources[n == 0 ? id : "\(id)#\(n)"] = .files(g) }
            default: break
            }
        }
        let transforms = Dictionary(
            (tree["transforms"]?.entries ?? []).map { ($0.0, $0.1["inputs"]?.strings ?? []) }, uniquingKeysWith: { a, _ in a })
        /// The sources a sink's inputs reach through transforms (each component visited once).
        func resolve(_ names: [String]) -> Set<Input> {
            var out: Set<Input> = []
            var queue = names
            var visited: Set<String> = []
            while let n = queue.popLast() {
                guard visited.insert(n).inserted, visited.count < 4096 else { continue }
                for (id, input) in sources where wildcard(n, id.split(separator: "#").first.map(String.init) ?? id) { out.insert(input) }
                for (id, ins) in transforms where wildcard(n, id) && !visited.contains("transform:" + id) {
                    visited.insert("transform:" + id)
                    queue += ins
                }
            }
            return out
        }
        for (id, sink) in tree["sinks"]?.entries ?? [] {
            let type = sink["type"]?.string ?? ""
            let address = ["address", "endpoint", "uri", "endpoints", "bootstrap_servers", "host"].lazy.compactMap { sink[$0]?.strings.first }.first
            let destination: String?
            if vectorLocalSinks.contains(type) {
                destination = nil
            } else if let address {
                destination = isRemote(address) ? address : nil
            } else {
                // Cloud sinks (aws_cloudwatch_logs, datadog_logs, gcp_*) send to their service by default.
                destination = type.hasPrefix("aws_") || type.hasPrefix("gcp_") || type.hasPrefix("azure_") || type.hasPrefix("datadog") ? type : nil
            }
            guard let destination else {
                r.notes.append("\(path): sink \(id) (\(type)) keeps logs on the host")
                continue
            }
            for input in resolve(sink["inputs"]?.strings ?? []) {
                r.routes.append(
                    Route(forwarder: "vector", input: input, destination: destination, path: path, line: "sinks.\(id): type \(type) → \(destination)")
                )
            }
        }
        return r
    }

    // MARK: Filebeat

    /// Filebeat's inputs (`filebeat.inputs`: journald, filestream, log; `enabled: false` ones skipped) and its
    /// one output (`output.elasticsearch`/`logstash`/`kafka`/`redis` hosts, or Elastic Cloud's `cloud.id`).
    static func filebeat(_ tree: ConfigTree, extraInputs: [ConfigTree], path: String) -> Reading {
        var r = Reading()
        var inputs: [Input] = []
        for item in (tree["filebeat.inputs"]?.items ?? []) + extraInputs.flatMap(\.items) {
            let type = item["type"]?.string ?? "log"
            if item["enabled"]?.bool == false {
                r.notes.append("\(path): the \(type) input \(item["id"]?.string ?? "") is disabled (enabled: false)")
                continue
            }
            switch type {
            case "journald":
                if item["include_matches"] != nil || item["units"] != nil {
                    r.notes.append("\(path): the journald input reads only some units")
                } else {
                    inputs.append(.journal)
                }
            case "filestream", "log": inputs += (item["paths"]?.strings ?? []).map { .files($0) }
            default: break
            }
        }
        var destination: (String, String)?
        for kind in ["elasticsearch", "logstash", "kafka", "redis"] {
            guard let out = tree["output.\(kind)"], out["enabled"]?.bool != false else { continue }
            let hosts = out["hosts"]?.strings ?? []
            if let h = hosts.first(where: isRemote) {
                destination = (h, "output.\(kind).hosts: \(hosts)")
            } else if kind == "elasticsearch", let cloud = tree["cloud.id"]?.string, !cloud.isEmpty {
                destination = ("Elastic Cloud", "cloud.id: \(cloud)")
            } else {
                r.notes.append("\(path): output.\(kind) sends to \(hosts.isEmpty ? "its default localhost" : hosts.joined(separator: ", "))")
            }
        }
        if let (d, line) = destination {
            for i in inputs { r.routes.append(Route(forwarder: "filebeat", input: i, destination: d, path: path, line: line)) }
        }
        return r
    }
}
