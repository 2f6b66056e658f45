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
        let smt = ctx.facts.cpu.smtControl?.trimmingCharacters(in: .whitespacesAndNewlines)
        for (name, text) in vulns.sorted(by: { $0.key < $1.key }) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // "Vulnerable", "Vulnerable: …" and "Mitigation: …; SMT vulnerable" (the kernel's word that the
            // flaw stays open across sibling threads, e.g. AMD retbleed without STIBP) all fail.
            if t.localizedCaseInsensitiveContains("vulnerable") && !t.hasPrefix("Not affected") {
                bad.append("\(name): \(t)")
                evidence.append(ctx.file("\(dir)/\(name)", "\(name): \(t)"))
            } else if t.contains("STIBP: disabled") && smt == "on" {
                // spectre_v2 without cross-thread branch isolation while sibling threads run.
                bad.append("\(name): \(t) (with smt/control = on)")
                evidence.append(ctx.file("\(dir)/\(name)", "\(name): \(t)"))
                evidence.append(ctx.file("/sys/devices/system/cpu/smt/control", "smt/control = on"))
            } else if t.contains("STIBP: disabled") && smt == nil {
                unknown.append("\(name): \(t) (smt/control not observed, so `STIBP: disabled` cannot be judged)")
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
