import BulkheadModel
import Foundation

// logging.integrity-monitoring: its words are in logging.integrity-monitoring.json and its good and bad configurations in fixtures/, beside this file.
extension LoggingChecks {
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
