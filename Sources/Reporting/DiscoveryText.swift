import BulkheadModel
public import Discovery
import Foundation

/// The terminal rendering of `bulkhead discover`.
public enum DiscoveryText {
    public static func render(_ result: DiscoveryResult) -> String {
        var out = "Host \(TextTable.sanitise(result.hostname ?? "(unknown)")) — \(result.source), "
        out += "observed \(ISO8601DateFormatter().string(from: result.collectedAt))\n"
        out += "This host itself: \(virtualizationLine(result.virtualization))\n\n"
        if result.mechanisms.isEmpty {
            out += "No isolation mechanisms found.\n"
        } else {
            var table = TextTable(headers: ["PRODUCT", "VERSION", "ROLE", "STATE", "GUESTS", "EVIDENCE"])
            for m in result.mechanisms {
                table.append([
                    m.name, m.version ?? "unknown", m.role.rawValue, m.state.rawValue,
                    String(m.guests.count), evidenceSummary(m.evidence),
                ])
            }
            out += table.render()
        }
        for m in result.mechanisms where !m.guests.isEmpty || !m.problems.isEmpty {
            out += "\n\(TextTable.sanitise(m.name)):\n"
            for guest in m.guests {
                let where_ = guest.pid.map { "pid \($0)" } ?? (guest.running ? "running" : "defined")
                out += "  - \(TextTable.sanitise(guest.name)) (\(where_))\n"
                for fact in GuestSummary.facts(guest) {
                    out += "      \(TextTable.sanitise(fact, max: 300))\n"
                }
                for problem in guest.problems {
                    out += "      inconclusive: \(TextTable.sanitise(problem.description, max: 300))\n"
                }
            }
            for problem in m.problems {
                out += "  note: \(TextTable.sanitise(problem.description, max: 300))\n"
            }
        }
        if !result.problems.isEmpty {
            out += "\n\(result.problems.count) item(s) could not be read (marked inconclusive):\n"
            for problem in result.problems.prefix(20) {
                out += "  - \(TextTable.sanitise(problem.description, max: 300))\n"
            }
            if result.problems.count > 20 { out += "  … and \(result.problems.count - 20) more (see --format json)\n" }
        }
        return out
    }

    static func virtualizationLine(_ v: HostVirtualization) -> String {
        switch v.isGuest {
        case true?:
            return "a virtual machine (\(v.hypervisor ?? "hypervisor not identified")); "
                + "\(v.evidence.count) fingerprint(s)"
        case false?: return "bare metal (no hypervisor fingerprint found)"
        case nil: return "unknown (fingerprints could not be read)"
        }
    }

    static func evidenceSummary(_ evidence: [Evidence]) -> String {
        var kinds: [String] = []
        let packages = evidence.compactMap { e -> String? in
            if case .package(let name, _, _) = e.source { return name }
            return nil
        }
        if !packages.isEmpty { kinds.append("pkg " + packages.prefix(2).joined(separator: ",")) }
        let processes = evidence.filter { if case .process = $0.source { true } else { false } }.count
        if processes > 0 { kinds.append("\(processes) process(es)") }
        let files = evidence.compactMap { e -> String? in
            if case .file(let path, _) = e.source { return path }
            return nil
        }
        if !files.isEmpty { kinds.append(files.prefix(2).joined(separator: ",")) }
        return kinds.joined(separator: "; ")
    }
}
