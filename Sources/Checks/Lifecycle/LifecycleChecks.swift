import BulkheadModel
import Foundation
import HostInspection

/// ISM-1848: the isolation mechanism and the host OS are inside their vendors' support windows.
enum LifecycleChecks {
    static let all: [Check] = [mechanismSupport, hostOSSupport]

    static let dateFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day()

    /// Judges `version` of `product` against the lifecycle records.
    static func judge(
        _ ctx: CheckContext, product: ProductID, version: String, versionEvidence: [Evidence]
    ) -> CheckResult {
        guard let lifecycle = ctx.input.lifecycle else {
            return .inconclusive("no vendor lifecycle data was supplied to this run", observed: "\(product) \(version)", versionEvidence)
        }
        let lines = lifecycle.filter { $0.product == product }
        guard !lines.isEmpty else {
            return .inconclusive("the catalog has no support lifecycle for \(product)", observed: "\(product) \(version)", versionEvidence)
        }
        guard let line = lines.filter({ $0.matches(version: version) }).max(by: { $0.cycle.count < $1.cycle.count }) else {
            return .inconclusive(
                "version \(version) matches no release line of \(product) in the lifecycle data (known: \(lines.map(\.cycle).sorted().joined(separator: ", ")))",
                observed: "\(product) \(version)", versionEvidence)
        }
        let doc = Evidence(
            claim: "\(product) \(line.cycle) support: " + (line.supportEnds.map { "until \($0.formatted(dateFormat))" } ?? (line.supported == false ? "ended" : "no end announced")),
            source: line.source, observedAt: ctx.input.now, confidence: .medium)
        let evidence = versionEvidence + [doc]
        if line.supported == false {
            return .fail("\(product) \(version) (line \(line.cycle)) is no longer supported by its vendor", evidence)
        }
        guard let end = line.supportEnds else {
            return .pass("\(product) \(version) (line \(line.cycle)): supported, no end of support announced", evidence)
        }
        let days = Int(end.timeIntervalSince(ctx.input.now) / 86_400)
        if end < ctx.input.now {
            return .fail("\(product) \(version) (line \(line.cycle)): support ended \(end.formatted(dateFormat)) (\(-days) days ago)", evidence)
        }
        return .pass("\(product) \(version) (line \(line.cycle)): supported until \(end.formatted(dateFormat)) (\(days) days left)", evidence)
    }

    static let mechanismSupport = Check.mechanism("lifecycle.support-window") { ctx, mechanism in
        guard ctx.definition.products.contains(mechanism.product.rawValue) else { return nil }
        guard let version = mechanism.version, !version.isEmpty else {
            return .inconclusive("the installed version of \(mechanism.name) is unknown", mechanism.evidence)
        }
        let versionEvidence = mechanism.evidence.filter {
            if case .package = $0.source { return true }
            return $0.claim.localizedCaseInsensitiveContains("version")
        }
        return judge(ctx, product: mechanism.product, version: version, versionEvidence: Array(versionEvidence.prefix(2)))
    }

    static let hostOSSupport = Check.host("lifecycle.host-os") { ctx in
        let path = "/etc/os-release"
        guard let obs = ctx.input.observations, let state = obs.state(path) else { return ctx.unobserved("the host OS release", at: path) }
        guard case .content(let text) = state else {
            if case .unreadable(let why) = state { return .inconclusive("\(path) could not be read: \(why)") }
            return .inconclusive("\(path) is absent (host OS release unknown)")
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<eq])] = value
        }
        guard let id = fields["ID"], let version = fields["VERSION_ID"] else {
            return .inconclusive("\(path) has no ID/VERSION_ID (rolling or unknown distribution)", [ctx.file(path, text.prefix(200).description)])
        }
        return judge(ctx, product: ProductID(id), version: version, versionEvidence: [ctx.file(path, "ID=\(id) VERSION_ID=\(version)")])
    }
}
