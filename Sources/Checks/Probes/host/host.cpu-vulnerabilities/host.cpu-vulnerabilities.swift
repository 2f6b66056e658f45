import BulkheadModel
import Foundation

// host.cpu-vulnerabilities: its words are in host.cpu-vulnerabilities.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let cpuVulnerabilities = Check.host("host.cpu-vulnerabilities") { ctx in
        let vulns = ctx.facts.cpu.vulnerabilities
        let dir = "/sys/devices/system/cpu/vulnerabilities"
        guard !vulns.isEmpty else { return ctx.unobserved("CPU vulnerability status", at: dir) }
        var bad: [String] = []
        var unknown: [String] = []
        var evidence: [Evidence] = []
        for (name, text) in vulns.sorted(by: { $0.key < $1.key }) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.localizedCaseInsensitiveContains("vulnerable") && !t.hasPrefix("Not affected") {
                // "Vulnerable", "Vulnerable: …", and "Mitigation: …; SMT vulnerable" all count: only the
                // SMT clause is judged separately by host.smt, so skip a mitigated line whose only
                // "vulnerable" word is the SMT note.
                let smtOnly =
                    t.hasPrefix("Mitigation")
                    && !t.replacingOccurrences(of: "SMT vulnerable", with: "")
                        .localizedCaseInsensitiveContains("vulnerable")
                if !smtOnly {
                    bad.append("\(name): \(t)")
                    evidence.append(ctx.file("\(dir)/\(name)", "\(name): \(t)"))
                }
            } else if !(t.hasPrefix("Not affected") || t.hasPrefix("Mitigation") || t.hasPrefix("KVM: Mitigation")) {
                unknown.append("\(name): \(t)")
            }
        }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        if !unknown.isEmpty {
            return .inconclusive(
                "unrecognised vulnerability status: " + unknown.joined(separator: "; "),
                [ctx.file(dir, unknown.joined(separator: "; "))])
        }
        return .pass(
            "all \(vulns.count) reported CPU vulnerabilities are Not affected or mitigated",
            [
                ctx.file(dir, vulns.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: "; "))
            ])
    }
}
