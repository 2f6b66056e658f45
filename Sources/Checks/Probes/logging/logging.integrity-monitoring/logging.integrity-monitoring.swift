import BulkheadModel
import Foundation

// logging.integrity-monitoring: its words are in logging.integrity-monitoring.json and its good and bad configurations in fixtures/, beside this file.
extension LoggingChecks {
    /// Integrity monitors whose rules Bulkhead does not read: installed, they make an uncovered path unknown, not failed.
    static let unreadIntegrityPackages = ["samhain", "osquery", "wazuh-agent"]
    static let aideConfigurations = ["/etc/aide/aide.conf", "/etc/aide.conf"]
    static let aideIncludeDirectory = "/etc/aide/aide.conf.d"
    static let tripwirePolicy = "/etc/tripwire/twpol.txt"

    /// A monitor's rules: which target each covers, and why a rule naming a target does not count.
    struct Monitor {
        var name: String
        var covers: (IntegrityCoverage.Target) -> (rule: String?, note: String?)
        /// Counts only when confirmed (auditd's process was not observed: rules may never be loaded).
        var unconfirmed: String?
        var evidence: [Evidence]
    }

    static let integrityMonitoring = Check.host("logging.integrity-monitoring") { ctx in
        let facts = ctx.facts
        guard let obs = ctx.input.observations else {
            return .inconclusive("integrity monitor rules were not collected (no file observations in this run)")
        }
        if ctx.input.mechanisms.isEmpty {
            return .notApplicable("no isolation mechanism was discovered, so no mechanism's files need covering")
        }
        let (targets, unobservedDirectories) = IntegrityCoverage.targets(ctx.input)
        var monitors: [Monitor] = []
        var notes: [String] = []
        var problems: [String] = []

        // IMA: the built-in tcb policies measure (appraise_tcb: appraise) every executed binary and every file root opens.
        let policies = (HostChecks.cmdline(facts, "ima_policy") ?? "").split(separator: "|").map(String.init)
        if let tcb = policies.first(where: { $0 == "tcb" || $0 == "appraise_tcb" }) {
            monitors.append(
                Monitor(
                    name: "IMA", covers: { _ in ("ima_policy=\(tcb)", nil) },
                    evidence: [ctx.file("/proc/cmdline", "ima_policy=\(tcb)")]))
        } else if let policy = obs.text("/sys/kernel/security/ima/policy") {
            let lines = policy.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            let active = lines.filter { $0.hasPrefix("measure ") || $0.hasPrefix("appraise ") }
            let exec = active.first { $0.contains("func=BPRM_CHECK") }
            let read = active.first { $0.contains("func=FILE_CHECK") }
            if exec != nil || read != nil {
                monitors.append(
                    Monitor(
                        name: "IMA",
                        covers: { t in (t.directory == nil ? exec : read, nil) },
                        evidence: [ctx.file("/sys/kernel/security/ima/policy", [exec, read].compactMap { $0 }.joined(separator: " | "))]))
            }
        }

        // auditd: watches for writes or attribute changes (`-p wa`), loaded only while auditd runs.
        let audit = auditRuleFiles(obs)
        problems += audit.unreadable
        let watches = IntegrityCoverage.auditWatches(audit.rules.map(\.1))
        if !watches.isEmpty {
            let auditd = facts.processes.first { $0.name == "auditd" || $0.programName == "auditd" }
            if auditd == nil && !facts.processes.isEmpty {
                notes.append("auditd is not running, so its \(watches.count) watches are not loaded")
            } else {
                let ruleFile = Dictionary(audit.rules.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
                monitors.append(
                    Monitor(
                        name: "auditd",
                        covers: { t in
                            let c = IntegrityCoverage.auditCovers(watches, t)
                            return (c.covered?.rule, c.weak.map { "`\($0.rule)` watches \(t.path) for \($0.permissions) only, not writes" })
                        },
                        unconfirmed: auditd == nil ? "whether auditd runs was not observed (no process table)" : nil,
                        evidence: watches.prefix(6).map { ctx.file(ruleFile[$0.rule] ?? "/etc/audit/rules.d", $0.rule) }
                            + (auditd.map { [ctx.process($0.pid, "comm", "auditd running")] } ?? [])))
            }
        }

        // AIDE: installed, its database initialised, and its selection lines.
        if let aide = facts.package("aide") {
            let databases = HostObservations.wantedExistence.filter { $0.hasPrefix("/var/lib/aide/") }
            let db = databases.first { if case .present? = obs.state($0) { true } else { false } }
            let config = aideConfigurations.lazy.compactMap { p in obs.text(p).map { (p, $0) } }.first
            for p in aideConfigurations + databases {
                if case .unreadable(let why)? = obs.state(p) { problems.append("\(p): \(why)") }
            }
            if db == nil {
                notes.append("aide \(aide.version) is installed but never initialised (no /var/lib/aide/aide.db)")
            } else if let (path, text) = config {
                let includes = obs.directoryTexts(aideIncludeDirectory).map { [aideIncludeDirectory: $0] } ?? [:]
                let parsed = IntegrityCoverage.aideRules(main: text, includes: includes)
                problems += parsed.problems.map { "\(path): \($0)" }
                monitors.append(
                    Monitor(
                        name: "AIDE",
                        covers: { t in
                            let c = IntegrityCoverage.aideCovers(parsed.rules, t.path)
                            return (c.covered?.line, c.excludedBy.map { "AIDE excludes \(t.path) (`\($0.line)`)" })
                        },
                        evidence: [
                            Evidence(
                                claim: "aide \(aide.version) installed", source: aide.evidenceSource, observedAt: ctx.observedAt, confidence: .high),
                            ctx.file(db ?? "/var/lib/aide/aide.db", "AIDE database present"),
                            ctx.file(path, "\(parsed.rules.count) selection lines"),
                        ]))
            } else {
                problems.append(
                    "aide \(aide.version) is installed but its configuration (\(aideConfigurations.joined(separator: ", "))) was not read")
            }
        }

        // Tripwire: installed, with its plain-text policy.
        if let tripwire = facts.package("tripwire") {
            if let text = obs.text(tripwirePolicy) {
                let objects = IntegrityCoverage.tripwireObjects(text)
                monitors.append(
                    Monitor(
                        name: "Tripwire", covers: { t in (IntegrityCoverage.tripwireCovers(objects, t.path)?.line, nil) },
                        evidence: [
                            Evidence(
                                claim: "tripwire \(tripwire.version) installed", source: tripwire.evidenceSource, observedAt: ctx.observedAt,
                                confidence: .high),
                            ctx.file(tripwirePolicy, "\(objects.count) policy objects"),
                        ]))
            } else {
                problems.append("tripwire \(tripwire.version) is installed but its policy \(tripwirePolicy) was not read")
            }
        }

        if targets.isEmpty {
            if !unobservedDirectories.isEmpty {
                return .inconclusive("whether \(unobservedDirectories.joined(separator: ", ")) exist was not collected")
            }
            return .notApplicable(
                "no configuration directory or binary of \(ctx.input.mechanisms.map(\.name).joined(separator: ", ")) was observed")
        }
        var covered: [String] = []
        var uncovered: [String] = []
        var unconfirmed: [String] = []
        var used: Set<String> = []
        for t in targets {
            var by: (String, String)?
            for m in monitors {
                let c = m.covers(t)
                if let rule = c.rule {
                    by = (m.name, rule)
                    if let u = m.unconfirmed { unconfirmed.append(u) }
                    used.insert(m.name)
                    break
                }
                if let note = c.note { notes.append(note) }
            }
            if let (name, rule) = by { covered.append("\(t.path) by \(name) (`\(rule)`)") } else { uncovered.append("\(t.what) \(t.path)") }
        }
        let evidence = monitors.filter { used.contains($0.name) || uncovered.count > 0 }.flatMap(\.evidence)
        let noteText = notes.isEmpty ? "" : "; " + Array(Set(notes)).sorted().joined(separator: "; ")
        if uncovered.isEmpty {
            if let u = unconfirmed.first {
                return .inconclusive(u, observed: covered.joined(separator: "; "), evidence)
            }
            if !unobservedDirectories.isEmpty {
                return .inconclusive(
                    "whether \(unobservedDirectories.joined(separator: ", ")) exist was not collected", observed: covered.joined(separator: "; "),
                    evidence)
            }
            return .pass("every file of the mechanisms is covered: " + covered.joined(separator: "; "), evidence)
        }
        if !problems.isEmpty {
            return .inconclusive(
                "\(uncovered.joined(separator: ", ")) not shown covered, and " + problems.joined(separator: "; "),
                observed: covered.joined(separator: "; "), evidence)
        }
        let unread = unreadIntegrityPackages.compactMap { facts.package($0) }
        if !unread.isEmpty {
            return .inconclusive(
                "\(unread.map(\.name).joined(separator: ", ")) installed; its rules are not read, so whether it covers "
                    + uncovered.joined(separator: ", ") + " is unknown", evidence)
        }
        let tools =
            monitors.isEmpty
            ? "no integrity monitor (auditd write watches, initialised AIDE, Tripwire, IMA tcb policy) covers"
            : "not covered by " + monitors.map(\.name).joined(separator: ", ") + ":"
        return .fail(
            "\(tools) " + uncovered.joined(separator: ", ")
                + (covered.isEmpty ? "" : "; covered: " + covered.joined(separator: "; ")) + noteText,
            evidence.isEmpty
                ? [ctx.file("/etc/audit/rules.d", "\(audit.rules.count) audit rules"), ctx.file("/proc/cmdline", "no IMA tcb policy")] : evidence)
    }
}
