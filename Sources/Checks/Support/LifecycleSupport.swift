import BulkheadModel
import Foundation

extension LifecycleChecks {
    static let dateFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day()

    /// Judges `version` of `product` against the lifecycle records. A window from the host's distribution (the
    /// package is patched by Debian for the life of the release) decides when it matches; the upstream vendor's
    /// verdict is then reported beside it.
    static func judge(
        _ ctx: CheckContext, product: ProductID, version: String, versionEvidence: [Evidence]
    ) -> CheckResult {
        guard let lifecycle = ctx.input.lifecycle else {
            return .inconclusive("no vendor lifecycle data was supplied to this run", observed: "\(product) \(version)", versionEvidence)
        }
        let matching = lifecycle.filter { $0.product == product && $0.matches(version: version) }
        let upstream = judgeUpstream(ctx, product: product, version: version, versionEvidence: versionEvidence)
        guard let distro = best(matching.filter { $0.distribution != nil }) else { return upstream }
        var result = judge(ctx, product: product, version: version, line: distro, versionEvidence: versionEvidence)
        let vendor: String
        switch upstream.outcome {
        case .pass: vendor = "upstream: supported" + (upstream.observed.map { " (\($0))" } ?? "")
        case .fail: vendor = "upstream: out of support" + (upstream.observed.map { " (\($0))" } ?? "")
        case .inconclusive(let why): vendor = "upstream: unknown (\(why))"
        case .notApplicable: vendor = "upstream: not applicable"
        }
        result.observed = (result.observed ?? "") + "; \(vendor)"
        result.evidence += upstream.evidence.filter { !result.evidence.contains($0) }
        return result
    }

    /// The most specific line: most numeric components, then the longest written cycle.
    static func best(_ lines: [SupportWindow]) -> SupportWindow? {
        lines.max {
            let a = SupportWindow.numbers($0.cycle).count, b = SupportWindow.numbers($1.cycle).count
            return a != b ? a < b : $0.cycle.count < $1.cycle.count
        }
    }

    /// The upstream vendor's verdict (catalog lines and policy only).
    static func judgeUpstream(
        _ ctx: CheckContext, product: ProductID, version: String, versionEvidence: [Evidence]
    ) -> CheckResult {
        let subject = "\(product) \(version)"
        let policy = ctx.input.supportPolicies.first { $0.product == product }
        let lines = (ctx.input.lifecycle ?? []).filter { $0.product == product && $0.distribution == nil }
        if let policy, !policy.published {
            return .inconclusive(
                "\(product)'s vendor publishes no support policy (\(policy.policy))", observed: subject,
                versionEvidence + [policyEvidence(ctx, policy)])
        }
        guard !lines.isEmpty || policy != nil else {
            return .inconclusive("the catalog has no support lifecycle for \(product)", observed: subject, versionEvidence)
        }
        guard let line = best(lines.filter { $0.matches(version: version) }) else {
            if let policy, let n = policy.latestLines {
                return judgeLatest(ctx, policy: policy, latest: n, version: version, line: nil, versionEvidence: versionEvidence)
            }
            if let policy, lines.isEmpty {
                return .inconclusive(
                    "\(product)'s published support policy names no release lines with support dates (\(policy.policy))",
                    observed: subject, versionEvidence + [policyEvidence(ctx, policy)])
            }
            return .inconclusive(
                "version \(version) matches no release line of \(product) in the lifecycle data (known: \(lines.map(\.cycle).sorted().joined(separator: ", ")))",
                observed: subject, versionEvidence)
        }
        if line.supported != false, line.supportEnds == nil, line.supportedAtLeastUntil == nil, let policy, let n = policy.latestLines {
            return judgeLatest(ctx, policy: policy, latest: n, version: version, line: line, versionEvidence: versionEvidence)
        }
        return judge(ctx, product: product, version: version, line: line, versionEvidence: versionEvidence)
    }

    /// One line's verdict from its dates and published state.
    static func judge(
        _ ctx: CheckContext, product: ProductID, version: String, line: SupportWindow, versionEvidence: [Evidence]
    ) -> CheckResult {
        let now = ctx.input.now
        let owner = line.distribution.map { "\($0) package" } ?? "line \(line.cycle)"
        let state: String =
            if let end = line.supportEnds { "until \(end.formatted(dateFormat))" } else if let min = line.supportedAtLeastUntil {
                "at least until \(min.formatted(dateFormat))"
            } else if line.supported == false { "ended" } else if line.supported == true { "supported, end not dated" } else { "no end announced" }
        let doc = Evidence(
            claim: "\(product) \(line.cycle) support: \(state)" + (line.note.map { " (\($0))" } ?? ""),
            source: line.source, observedAt: line.observedAt ?? now, confidence: .medium)
        let evidence = versionEvidence + [doc]
        // A distribution's note (support ended early, or limited) belongs in the verdict itself.
        let distroNote = line.distribution == nil ? "" : line.note.map { " — \($0)" } ?? ""
        if let end = line.supportEnds {
            let days = Int(end.timeIntervalSince(now) / 86_400)
            if end < now {
                return .fail(
                    "\(product) \(version) (\(owner)): support ended \(end.formatted(dateFormat)) (\(-days) days ago)\(distroNote)", evidence)
            }
            return .pass("\(product) \(version) (\(owner)): supported until \(end.formatted(dateFormat)) (\(days) days left)\(distroNote)", evidence)
        }
        if line.supported == false {
            return .fail("\(product) \(version) (\(owner)) is no longer supported by its vendor", evidence)
        }
        if let min = line.supportedAtLeastUntil {
            let days = Int(min.timeIntervalSince(now) / 86_400)
            if now < min {
                return .pass("\(product) \(version) (\(owner)): supported at least until \(min.formatted(dateFormat)) (\(days) days left)", evidence)
            }
            return .inconclusive(
                "\(product) \(version) (\(owner)): guaranteed support ended \(min.formatted(dateFormat)); whether it continues depends on releases after the catalog was observed",
                observed: "\(product) \(version)", evidence)
        }
        if line.supported == true {
            return .inconclusive(
                "\(product) \(version) (\(owner)) was published as supported with no end date" + (line.note.map { " (\($0))" } ?? "")
                    + "; the catalog cannot tell whether it still is",
                observed: "\(product) \(version)", evidence)
        }
        return .pass("\(product) \(version) (\(owner)): supported, no end of support announced", evidence)
    }

    /// "Only the newest N lines are supported": a version older than the N-th newest line the catalog knows is
    /// out of support; one among them may have been superseded since, so it is inconclusive, never a pass.
    static func judgeLatest(
        _ ctx: CheckContext, policy: SupportPolicy, latest n: Int, version: String, line: SupportWindow?, versionEvidence: [Evidence]
    ) -> CheckResult {
        let product = policy.product
        let subject = "\(product) \(version)"
        let observed = policy.observed.formatted(dateFormat)
        var known: [[Int]] = []
        for l in policy.knownLines {
            let c = SupportWindow.numbers(l)
            if !c.isEmpty, !known.contains(c) { known.append(c) }
        }
        known.sort { $0.lexicographicallyPrecedes($1) }
        known.reverse()
        let newest = known.prefix(n)
        let written = newest.map { $0.map(String.init).joined(separator: ".") }.joined(separator: ", ")
        let evidence =
            versionEvidence + [policyEvidence(ctx, policy)]
            + (line.map {
                [
                    Evidence(
                        claim: "\(product) \($0.cycle) is a known release line", source: $0.source, observedAt: $0.observedAt ?? ctx.input.now,
                        confidence: .medium)
                ]
            } ?? [])
        let have = SupportWindow.numbers(version)
        guard !have.isEmpty else {
            return .inconclusive("version \(version) of \(product) has no numeric release line", observed: subject, evidence)
        }
        guard !known.isEmpty else {
            return .inconclusive(
                "the catalog knows no release line of \(product), which supports only its \(n) newest: \(subject) cannot be placed",
                observed: subject, evidence)
        }
        // Missing components count as zero (crun "1.29" is 1.29.0, older than 1.29.1).
        func older(_ a: [Int], than b: [Int]) -> Bool { Array(a.prefix(b.count)).lexicographicallyPrecedes(b) }
        if known.count >= n, let cutoff = newest.last, older(have, than: cutoff) {
            return .fail(
                "\(subject) is older than the \(n) newest release line(s) known on \(observed) (\(written)); \(product) supports only its \(n) newest",
                evidence)
        }
        if let top = known.first, top.lexicographicallyPrecedes(Array(have.prefix(top.count))) {
            return .inconclusive(
                "\(subject) is newer than every release line the catalog knows (observed \(observed)); \(product) supports only its \(n) newest",
                observed: subject, evidence)
        }
        return .inconclusive(
            "\(subject) is among the \(n) newest release line(s) known on \(observed) (\(written)), but \(product) supports only its \(n) newest and newer releases may exist",
            observed: subject, evidence)
    }

    static func policyEvidence(_ ctx: CheckContext, _ policy: SupportPolicy) -> Evidence {
        Evidence(
            claim: "\(policy.product) support policy (observed \(policy.observed.formatted(dateFormat))): \(policy.policy)",
            source: policy.source, observedAt: policy.observed, confidence: .medium)
    }
}
