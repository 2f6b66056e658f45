public import BulkheadModel
public import Foundation

/// ISM-1606 patch timelines (criteria.md: ISM-1696/1877 48 hours when critical or exploited;
/// ISM-1694 two weeks for internet-facing; ISM-1695/1902 one month otherwise).
public enum PatchTimeline {
    public static func deadlineDays(critical: Bool, exploited: Bool, internetFacing: Bool) -> Int {
        if critical || exploited { return 2 }
        return internetFacing ? 14 : 30
    }
}

/// One installed package of a product, as the CLI found it.
public struct InstalledProduct: Codable, Hashable, Sendable {
    public var product: ProductID
    public var package: String
    public var version: String
    public var manager: String
    /// Path of the package's changelog, when one exists.
    public var changelogPath: String?

    public init(product: ProductID, package: String, version: String, manager: String = "dpkg", changelogPath: String? = nil) {
        self.product = product
        self.package = package
        self.version = version
        self.manager = manager
        self.changelogPath = changelogPath
    }
}

/// An advisory's state for one installed package.
public struct CheckFinding: Codable, Hashable, Sendable {
    public enum State: String, Codable, Hashable, Sendable { case open, unknown, fixedByBackport, notAffected }
    public var id: String
    public var cves: [String]
    public var state: State
    public var reason: String
    public var mappedBy: String
    public var severity: Severity?
    public var knownExploited: Bool
    public var published: String?
    /// For open findings: days since publication, and the ISM-1606 deadline.
    public var daysOpen: Int?
    public var deadlineDays: Int?
    public var overdue: Bool?
    public var backport: BackportFix?
    public var evidence: [Evidence]
    /// Which source decided the state: `distribution data: OSV DSA-5514-1 (Debian:12)`, `changelog: …`,
    /// `upstream records: CVE-2024-1234 (cve5), …`. nil in results written before it existed.
    public var decidedBy: String?
    /// The distribution's own data for this CVE on the host's release, when it decided.
    public var distribution: DistroDecision?

    /// "`id` state", as the "decided by" evidence lists a finding (and `UnknownTally` the findings it counts).
    public static func listing(id: String, state: State) -> String { id + " " + state.rawValue }
}

public struct CheckResult: Codable, Hashable, Sendable {
    public var installed: InstalledProduct
    public var findings: [CheckFinding]
    public var problems: [Problem]

    public func count(_ s: CheckFinding.State) -> Int { findings.filter { $0.state == s }.count }
}

public enum AdvisoryCheck {
    /// Which findings carry one evidence sentence per matched record (`CVE-… (cve5) names qemu by …; affected: …`).
    public enum EvidenceDetail: Sendable {
        /// Every finding (`bulkhead advisories check`).
        case full
        /// Only findings open past their deadline: an assessment report shows the evidence of those alone, and a
        /// product with 30,000 kernel records would otherwise write 30,000 sentences for none of them.
        case overdueOnly
    }

    /// Checks one installed package against the database: advisories affecting the installed
    /// version minus those its changelog shows fixed by backport, each with evidence, and ISM-1606
    /// timeliness for the open ones.
    public static func run(
        _ installed: InstalledProduct, aliases: ProductAliases, database: AdvisoryDatabase, now: Date = Date(), internetFacing: Bool = false
    ) throws -> CheckResult {
        var backports = BackportEvidence()
        if let path = installed.changelogPath {
            do {
                let entries = DebianChangelog.parse(try DebianChangelog.load(path: path))
                backports.fixes = DebianChangelog.fixes(entries, installed: installed.version, file: path)
            } catch {
                backports.problems.append(Problem(subject: path, message: "changelog unreadable, backports not considered: \(error)"))
            }
        }
        return try run(installed, aliases: aliases, database: database, backports: backports, now: now, internetFacing: internetFacing)
    }

    /// `run` with backport fixes already read by the caller (from a host root, an rpm database or a
    /// security-tracker file).
    public static func run(
        _ installed: InstalledProduct, aliases: ProductAliases, database: AdvisoryDatabase, backports: BackportEvidence, now: Date = Date(),
        internetFacing: Bool = false
    ) throws -> CheckResult {
        let candidates = try database.candidates(for: aliases)
        let kev = try database.kevEntries()
        return evaluate(
            installed, aliases: aliases, candidates: candidates, kev: kev, fixes: backports.fixes, distro: backports.distro,
            problems: backports.problems, now: now, internetFacing: internetFacing)
    }

    /// The pure part of `run`.
    public static func evaluate(
        _ installed: InstalledProduct, aliases: ProductAliases, candidates: [Advisory], kev: [String: KEVEntry], fixes: [String: BackportFix],
        distro: [String: DistroDecision] = [:], problems: [Problem] = [], now: Date, internetFacing: Bool
    ) -> CheckResult {
        evaluate(
            installed, aliases: aliases, matches: matches(candidates, aliases: aliases, for: installed), kev: kev, fixes: fixes,
            distro: distro, problems: problems, now: now, internetFacing: internetFacing)
    }

    /// The version the advisories' ranges are compared with, and how: the upstream part of a distro version.
    public static func comparedVersion(_ installed: InstalledProduct) -> (version: String, scheme: VersionScheme) {
        installed.manager == "dpkg"
            ? (DebianVersion(installed.version)?.upstreamForMatching ?? installed.version, .upstream)
            : installed.manager == "rpm"
                ? (RPMVersion.parse(installed.version)?.version ?? installed.version, .upstream)
                : (installed.version, .upstream)
    }

    /// The candidates that name the product, each with the status of the installed version. Depends only
    /// on `comparedVersion(installed)`: packages of one product with the same upstream version (qemu-system-x86
    /// and qemu-system-common) share the result. Entries of distribution ecosystems (`Debian:12`, Red Hat
    /// CSAF) are not upstream ranges: they are judged per release by `DistroData.decisions`.
    ///
    /// `reasons: false` (enough for `evaluate(…, detail: .overdueOnly)`, which makes the matches of the findings it
    /// keeps evidence for again) leaves each match's `mappedBy` and its CVE 5 ranges' reasons empty.
    public static func matches(_ candidates: [Advisory], aliases: ProductAliases, for installed: InstalledProduct, reasons: Bool = true)
        -> [AdvisoryMatch]
    {
        let (upstream, scheme) = comparedVersion(installed)
        let naming = aliases.normalized
        return DistroData.upstreamOnly(candidates).compactMap {
            ProductMatcher.match($0, naming, installed: upstream, scheme: scheme, reasons: reasons)
        }
    }

    /// `evaluate` over matches computed before (`matches(_:aliases:for:)`).
    ///
    /// Precedence, per CVE: the distribution's own data for the host's release (`distro`: security tracker,
    /// OSV distribution ecosystem, CSAF VEX) decides; the package's changelog (`fixes`) decides only where
    /// the distribution says nothing, and otherwise corroborates (or is overruled, which the evidence says);
    /// the upstream records' version ranges decide last. `decidedBy` names the source. A CVE the
    /// distribution data covers but no upstream record names is a finding of its own.
    public static func evaluate(
        _ installed: InstalledProduct, aliases: ProductAliases, matches: [AdvisoryMatch], kev: [String: KEVEntry], fixes: [String: BackportFix],
        distro: [String: DistroDecision] = [:], problems: [Problem] = [], now: Date, internetFacing: Bool, detail: EvidenceDetail = .full
    ) -> CheckResult {
        // Group records of the same vulnerability (CVE 5, NVD, OSV aliases) under one key.
        var groups: [String: [AdvisoryMatch]] = [:]
        var order: [String] = []
        for m in matches {
            let a = m.advisory
            let key = a.vulnerabilityKey
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(m)
        }
        let today = AdvisoryDate.dayNumber(of: now)
        let naming = aliases.normalized
        let compared = comparedVersion(installed)
        let pkgEvidence = Evidence(
            claim: "\(installed.package) \(installed.version) is installed",
            source: .package(name: installed.package, version: installed.version, manager: installed.manager), observedAt: now, confidence: .high)
        var findings: [CheckFinding] = []
        let upstreamCVEs = Set(matches.flatMap { $0.advisory.cveIDs })
        for (cve, d) in distro where !upstreamCVEs.contains(cve) {
            // Known only to the distribution's data: a finding decided by it alone.
            var f = CheckFinding(
                id: cve, cves: [cve], state: .unknown, reason: d.reason, mappedBy: "distribution data for \(installed.package)", severity: nil,
                knownExploited: kev[cve] != nil, published: nil, backport: nil, evidence: [pkgEvidence])
            apply(d, to: &f, corroboration: fixes[cve], installed: installed, now: now)
            findings.append(f)
        }
        for key in order.sorted() {
            guard let ms = groups[key], let first = ms.first else { continue }
            // One record (nearly every group): its CVE ids are distinct already.
            let cves = ms.count == 1 ? first.advisory.cveIDs.sorted() : Array(Set(ms.flatMap { $0.advisory.cveIDs })).sorted()
            let statuses = ms.map(\.status)
            // affected from any source wins; else an evaluated notAffected; else unknown.
            let status: AffectedStatus =
                statuses.first { if case .affected = $0 { true } else { false } }
                ?? statuses.first { if case .notAffected = $0 { true } else { false } }
                ?? statuses.first ?? .unknown(reason: "no statement")
            let severity = ms.compactMap { $0.advisory.bestSeverity }.first
            let exploited = cves.contains { kev[$0] != nil } || ms.contains { $0.advisory.kevDateAdded != nil }
            let published = ms.compactMap { $0.advisory.published }.min {
                (AdvisoryDate.dayNumber($0) ?? .max) < (AdvisoryDate.dayNumber($1) ?? .max)
            }
            var f = CheckFinding(
                id: first.advisory.cveIDs.first ?? first.advisory.id, cves: cves, state: .unknown, reason: status.reason,
                mappedBy: first.mappedBy, severity: severity, knownExploited: exploited, published: published, backport: nil,
                evidence: [pkgEvidence])
            let decisions = cves.compactMap { distro[$0] }
            if let d = decisions.first(where: { $0.verdict == .affected }) ?? decisions.first {
                apply(d, to: &f, corroboration: cves.lazy.compactMap({ fixes[$0] }).first, installed: installed, now: now)
            } else if let fix = cves.lazy.compactMap({ fixes[$0] }).first {
                f.state = .fixedByBackport
                f.backport = fix
                f.reason = fix.reason(package: installed.package, installed: installed.version)
                f.decidedBy = Self.label(fix)
                f.evidence.append(Evidence(claim: fix.claim, source: .file(path: fix.file, sha256: nil), observedAt: now, confidence: .high))
            } else {
                switch status {
                case .affected: f.state = .open
                case .notAffected: f.state = .notAffected
                case .unknown: f.state = .unknown
                }
                f.decidedBy =
                    "upstream records: " + ms.prefix(4).map { "\($0.advisory.id) (\($0.advisory.format.rawValue))" }.joined(separator: ", ")
                    + (ms.count > 4 ? ", …" : "")
            }
            if f.state == .open || f.state == .unknown, let pd = AdvisoryDate.dayNumber(published) {
                let days = today - pd
                let deadline = PatchTimeline.deadlineDays(
                    critical: severity?.isCritical ?? false, exploited: exploited, internetFacing: internetFacing)
                f.daysOpen = days
                f.deadlineDays = deadline
                f.overdue = days > deadline
            }
            // One sentence per record, after the package and before the deciding source's evidence; in
            // `.overdueOnly` detail only for the findings an assessment report can show (open and overdue).
            if detail == .full || (f.state == .open && f.overdue == true) {
                // In `.overdueOnly` detail the matches may have been made without reasons (`matches(…, reasons:
                // false)`): they are made again with them.
                let shown =
                    detail == .full
                    ? ms
                    : ms.map { m in
                        ProductMatcher.match(m.advisory, naming, installed: compared.version, scheme: compared.scheme, reasons: true) ?? m
                    }
                f.evidence.insert(
                    contentsOf: shown.map { m in
                        Evidence(
                            claim: "\(m.advisory.id) (\(m.advisory.format.rawValue)) names \(aliases.product) by \(m.mappedBy); \(m.status)",
                            source: .measurement(command: "bulkhead advisories check --product \(aliases.product)"), observedAt: now,
                            confidence: .medium)
                    }, at: 1)
            }
            findings.append(f)
        }
        findings.sort { $0.id < $1.id }
        return CheckResult(installed: installed, findings: findings, problems: problems)
    }

    /// "changelog: …", "rpm %changelog: …", "Debian security tracker (bookworm)".
    static func label(_ fix: BackportFix) -> String {
        switch fix.via ?? .debianChangelog {
        case .debianChangelog: "changelog: \(fix.file) revision \(fix.revision)"
        case .rpmChangelog: "rpm %changelog: \(fix.file) entry \(fix.revision)"
        case .securityTracker: "Debian security tracker: \(fix.file)"
        case .osvDistribution, .csaf: "distribution data: \(fix.file)"
        }
    }

    /// A distribution decision applied to a finding: its state, reason and evidence, with the changelog as
    /// corroboration (agreeing) or overruled (listing a fix the distribution's data does not confirm).
    static func apply(_ d: DistroDecision, to f: inout CheckFinding, corroboration fix: BackportFix?, installed: InstalledProduct, now: Date) {
        f.distribution = d
        f.decidedBy = "distribution data: " + d.sourceLabel
        f.reason = d.reason
        switch d.verdict {
        case .fixed:
            f.state = .fixedByBackport
            f.backport = d.asFix(installed: installed.version)
        case .notAffected:
            f.state = .notAffected
        case .affected:
            f.state = .open
        }
        let source: Evidence.Source =
            d.via == .securityTracker ? .file(path: d.file, sha256: nil) : .measurement(command: "bulkhead advisories check (\(d.file))")
        f.evidence.append(Evidence(claim: "distribution data: \(d.reason)", source: source, observedAt: now, confidence: .high))
        if let fix, fix.via != .securityTracker, fix.via != .osvDistribution, fix.via != .csaf {
            let agrees = d.verdict != .affected
            f.evidence.append(
                Evidence(
                    claim: agrees
                        ? "corroborated by \(fix.claim)"
                        : "the package changelog lists it (\(fix.claim)), but the distribution's data decides: still affected",
                    source: .file(path: fix.file, sha256: nil), observedAt: now, confidence: agrees ? .high : .medium))
            if !agrees { f.reason += "; the changelog's mention (revision \(fix.revision)) is overruled" }
        }
    }
}
