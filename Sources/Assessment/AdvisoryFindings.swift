public import Advisories
public import BulkheadModel
public import Foundation
public import HostInspection

/// ISM-1606 for each mechanism from the local advisory database (`bulkhead advisories import|fetch`):
/// advisories affecting the installed version, minus those the distribution fixed by backport (read from
/// the package's changelog), and whether any open one is past its ISM patch deadline.
public enum AdvisoryFindings {
    public static let checkID = "advisories.patched"
    /// A database last imported into more than this many days before the assessment is stale: its
    /// "nothing open" is not claimed as a pass (ISM-1606's shortest deadline is 48 hours).
    public static let maximumAgeDays = 7.0

    /// The report's description of the database, and whether it is stale at `now`.
    public static func info(_ opened: OpenedAdvisoryDatabase, now: Date, maximumAgeDays: Double = maximumAgeDays)
        -> AssessmentReport.AdvisoryDatabaseInfo
    {
        switch opened {
        case .absent(let path):
            return .init(path: path, lastImport: nil, ageDays: nil, recordsByFormat: [:], files: 0, stale: true, state: "absent")
        case .unreadable(let path, let reason):
            return .init(
                path: path, lastImport: nil, ageDays: nil, recordsByFormat: [:], files: 0, stale: true, state: "unreadable: \(reason)")
        case .available(let path, let db):
            guard let s = try? db.summary() else {
                return .init(
                    path: path, lastImport: nil, ageDays: nil, recordsByFormat: [:], files: 0, stale: true,
                    state: "unreadable: summary query failed")
            }
            let age = s.lastImport.map { max(0, now.timeIntervalSince($0) / 86400) }
            var info = AssessmentReport.AdvisoryDatabaseInfo(
                path: path, lastImport: s.lastImport, ageDays: age, recordsByFormat: s.recordsByFormat, files: s.files,
                stale: (age ?? .infinity) > maximumAgeDays, state: "available")
            info.maximumAgeDays = maximumAgeDays
            info.sources = s.sources
            return info
        }
    }

    /// A stale database cannot show that nothing is open: its passes become inconclusive, saying why.
    public static func applyAge(_ findings: [Finding], _ info: AssessmentReport.AdvisoryDatabaseInfo) -> [Finding] {
        guard info.stale, info.state == "available" else { return findings }
        let age = info.ageDays.map { "\(FactValue.format($0)) days old" } ?? "of unknown age"
        let limit = info.maximumAgeDays ?? maximumAgeDays
        return findings.map { f in
            guard f.checkID == checkID, f.outcome == .pass else { return f }
            var g = f
            g.outcome = .inconclusive(
                reason:
                    "no open advisory in \(info.path), but the database is \(age) (more than \(FactValue.format(limit)) days, --advisory-max-age-days): refresh it with `bulkhead advisories fetch` before this counts — \(f.observed ?? "")"
            )
            return g
        }
    }

    /// What `bulkhead checks show advisories.patched` and every report print for this check.
    public static let guidance = CheckGuidance(
        title: "No advisory affecting the installed version is open past its ISM-1606 patch deadline",
        remediation:
            "Update the package to the distribution's fixed version (apt-get install --only-upgrade PKG, dnf upgrade PKG) and restart the mechanism's processes; `bulkhead advisories check` lists each open advisory with its deadline.",
        effort: "low",
        rationale:
            "ISM-1606: patches, updates or vendor mitigations for vulnerabilities are applied to the isolation mechanism and underlying operating system in a timely manner; the ISM's patching controls (e.g. ISM-1877) set 48 hours for critical or exploited vulnerabilities.",
        references: [
            CheckGuidance.Reference(
                title: "ISM Guidelines for System Management: system patching (ISM-1606, ISM-1877)",
                url: "https://www.cyber.gov.au/resources-business-and-government/essential-cyber-security/ism"),
            CheckGuidance.Reference(
                title: "CISA Known Exploited Vulnerabilities catalog", url: "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"),
        ])

    /// `aliases`: each product's advisory names, from the catalog (`AdvisoryAliases.all(catalog)`).
    public static func findings(
        mechanisms: [IsolationMechanism], evidence: HostEvidence, aliases: [ProductAliases], databasePath: String, now: Date
    ) -> [Finding] {
        findings(mechanisms: mechanisms, evidence: evidence, aliases: aliases, database: .open(path: databasePath), now: now)
    }

    public static func findings(
        mechanisms: [IsolationMechanism], evidence: HostEvidence, aliases: [ProductAliases], database opened: OpenedAdvisoryDatabase,
        now: Date
    ) -> [Finding] {
        evaluate(mechanisms: mechanisms, evidence: evidence, aliases: aliases, database: opened, now: now).findings
    }

    /// The findings, the ids of the advisories still open per product id (what the store keeps for
    /// `history` and `diff`; empty for a product that could not be checked), and which sources cover each
    /// checked product. `changelogs`: the Debian changelogs shared with criterion 5 (each parsed once per
    /// assessment).
    ///
    /// A product no record of the database maps to cannot be shown patched ("product-blind"): its finding
    /// is inconclusive, never a pass. Kernel products (KVM) are matched against the running kernel
    /// (`RunningKernel`).
    public static func evaluate(
        mechanisms: [IsolationMechanism], evidence: HostEvidence, aliases: [ProductAliases], database opened: OpenedAdvisoryDatabase,
        now: Date, changelogs: DebianChangelogs? = nil
    ) -> (findings: [Finding], open: [String: [String]], coverage: [AssessmentReport.ProductCoverage]) {
        let databasePath = opened.path
        let packages = evidence.facts.packages
        let database: AdvisoryDatabase
        switch opened {
        case .absent:
            let findings = mechanisms.filter { m in aliases.contains { $0.product == m.product } }.map {
                inconclusive(
                    $0,
                    "no advisory database at \(databasePath): load one with `bulkhead advisories fetch` or `bulkhead advisories import PATH…`")
            }
            return (findings, [:], [])
        case .unreadable(_, let reason):
            return (mechanisms.map { inconclusive($0, "the advisory database \(databasePath) cannot be opened: \(reason)") }, [:], [])
        case .available(_, let db):
            database = db
        }
        var out: [Finding] = []
        var openIDs: [String: [String]] = [:]
        var coverage: [AssessmentReport.ProductCoverage] = []
        var reader = BackportReader(evidence: evidence, aliases: aliases, mechanisms: mechanisms, changelogs: changelogs)
        let tracker = BackportReader.trackerBeside(databasePath: databasePath)
        // KEV once, and each product's candidate records once for all its installed packages.
        let kev = Result { try database.kevEntries() }
        for mechanism in mechanisms {
            guard let alias = aliases.first(where: { $0.product == mechanism.product }) else { continue }
            var results: [Advisories.CheckResult] = []
            // The records decided unknown without their bodies, counted rather than made into findings.
            var tallies: [UnknownTally] = []
            var problems: [String] = []
            var candidates: Result<ProductCandidates, any Error>?
            // Matches per compared version (and CVEs the package's own data decides, whose records are read in
            // full): a product's packages mostly share one upstream version.
            var matchesByVersion: [String: (matches: [AdvisoryMatch], unknown: UnknownTally)] = [:]
            let kernel = RunningKernel.isKernelProduct(alias) ? RunningKernel.target(evidence.facts) : nil
            let toCheck = kernel.map { $0.package.map { [$0] } ?? [] } ?? BackportReader.packagesToCheck(of: alias, in: packages)
            if let kernel, kernel.package == nil { problems.append(kernel.note) }
            for pkg in toCheck {
                var backports =
                    pkg.manager == RunningKernel.unpackagedManager ? BackportEvidence() : reader.backports(for: pkg)
                // The distribution's own data (tracker, OSV distribution records, CSAF) decides first.
                backports.merge(reader.distroEvidence(for: pkg, database: database, tracker: tracker.tracker))
                let installed = InstalledProduct(product: mechanism.product, package: pkg.name, version: pkg.version, manager: pkg.manager)
                if candidates == nil { candidates = Result { try database.productCandidates(for: alias) } }
                do {
                    let compared = AdvisoryCheck.comparedVersion(installed)
                    let decided = Set(backports.fixes.keys).union(backports.distro.keys)
                    let key = compared.scheme.rawValue + " " + compared.version + "\n" + decided.sorted().joined(separator: " ")
                    let matched =
                        try matchesByVersion[key]
                        ?? AdvisoryCheck.matches(
                            try candidates?.get() ?? database.productCandidates(for: alias), database: database, aliases: alias, for: installed,
                            decided: decided, unknownIDs: Self.entriesShown)
                    matchesByVersion[key] = matched
                    results.append(
                        AdvisoryCheck.evaluate(
                            installed, aliases: alias, matches: matched.matches, kev: try kev.get(), fixes: backports.fixes,
                            distro: backports.distro, problems: backports.problems, now: now, internetFacing: false, detail: .overdueOnly))
                    tallies.append(matched.unknown)
                } catch {
                    problems.append("\(pkg.name): \(error)")
                }
            }
            // Which sources cover the product: its records per source (format), from the matches when a
            // version was checked, else by mapping alone.
            var bySource: [String: Int] = [:]
            if let matched = matchesByVersion.values.first {
                for m in matched.matches { bySource[m.advisory.format.rawValue, default: 0] += 1 }
                for (format, n) in matched.unknown.recordsByFormat { bySource[format, default: 0] += n }
            } else {
                for a in (try? database.sharedCandidates(for: alias)) ?? [] where ProductMatcher.maps(a, alias) {
                    bySource[a.format.rawValue, default: 0] += 1
                }
            }
            // Distribution data that decided CVEs of the installed packages covers the product too.
            for f in results.flatMap(\.findings) {
                if let d = f.distribution { bySource[d.via == .securityTracker ? "debian-security-tracker" : d.via.rawValue, default: 0] += 1 }
            }
            coverage.append(.init(product: mechanism.product.rawValue, recordsBySource: bySource))
            guard !results.isEmpty else {
                out.append(
                    inconclusive(
                        mechanism,
                        problems.isEmpty ? "no installed Debian or RPM package of \(mechanism.name) to check" : problems.joined(separator: "; ")))
                continue
            }
            /// Inconclusive because the database cannot show that the product is patched; for the kernel, with what
            /// was matched against (`RunningKernel.Target.note`).
            func unshown(_ reason: String) -> Finding { inconclusive(mechanism, reason + (kernel.map { "; \($0.note)" } ?? "")) }
            guard !bySource.isEmpty else {
                // Product-blind: nothing in the database describes this product, so "nothing open" means nothing.
                out.append(
                    unshown(
                        "no record in \(databasePath) maps to \(mechanism.name) (no source covers it): the database cannot show that it is patched; import a feed that names it (e.g. cvelistV5)"
                    ))
                continue
            }
            let all = results.flatMap(\.findings)
            let tallied = tallies.reduce(0) { $0 + $1.findings }
            // Records matched, but not one could be evaluated against the installed version (no version range, no
            // fix, no backport): nothing was shown either way, so "nothing open" is not a pass.
            if all.count + tallied > 0, all.allSatisfy({ $0.state == .unknown }) {
                out.append(
                    unshown(
                        "\(all.count + tallied) advisories in \(databasePath) name \(mechanism.name), but none could be evaluated against the installed version (no version range or fix that applies): the database cannot show that it is patched"
                    ))
                continue
            }
            let open = all.filter { $0.state == .open }
            if !open.isEmpty { openIDs[mechanism.product.rawValue, default: []] += Set(open.map(\.id)).sorted() }
            let overdue = open.filter { $0.overdue == true }
            let unknown = all.filter { $0.state == .unknown }.count + tallied
            let backported = all.filter { $0.state == .fixedByBackport }.count
            var observed =
                "\(open.count) open (\(overdue.count) past the ISM-1606 deadline), \(unknown) not evaluable, \(backported) fixed by backport"
            if !overdue.isEmpty { observed += ": " + overdue.prefix(8).map(\.id).joined(separator: ", ") }
            let readProblems = tracker.problems + results.flatMap(\.problems)
            if !readProblems.isEmpty {
                observed += "; backports not fully read: " + readProblems.prefix(4).map(\.description).joined(separator: "; ")
            }
            if let kernel {
                observed += "; " + kernel.note
                if let reboot = RunningKernel.rebootPending(evidence) { observed += "; reboot pending — \(reboot)" }
            }
            let evidence =
                results.map { r in
                    Evidence(
                        claim: "\(r.installed.package) \(r.installed.version) checked against the advisory database",
                        source: .package(name: r.installed.package, version: r.installed.version, manager: r.installed.manager),
                        observedAt: now, confidence: .high)
                } + backportEvidence(all, source: evidence.source, now: now) + decidedByEvidence(all, unknown: tallies, now: now)
                + overdue.prefix(8).flatMap { $0.evidence.prefix(2) }
            out.append(
                Finding(
                    checkID: checkID, subject: mechanism.product.rawValue, outcome: overdue.isEmpty ? .pass : .fail,
                    observed: observed,
                    expected: "no open advisory past its ISM-1606 deadline (48 h critical or exploited, 2 weeks internet-facing, 1 month otherwise)",
                    severity: .high, controls: [.ism1606], evidence: evidence))
        }
        return (out, openIDs, coverage)
    }

    /// One evidence item per backport source that removed findings: the file read and the CVEs it fixed.
    static func backportEvidence(_ findings: [CheckFinding], source: String, now: Date) -> [Evidence] {
        var byFile: [String: [String]] = [:]
        for f in findings where f.state == .fixedByBackport {
            if let fix = f.backport { byFile[fix.file, default: []].append(fix.cve) }
        }
        return byFile.keys.sorted().compactMap { file in
            guard let cves = byFile[file] else { return nil }
            let list = cves.sorted().prefix(12).joined(separator: ", ") + (cves.count > 12 ? ", …" : "")
            return Evidence(
                claim: "\(cves.count) advisories fixed by backport per \(file) (\(source)): \(list)",
                source: .file(path: file, sha256: nil), observedAt: now, confidence: .high)
        }
    }

    /// How many of a source's "`id` state" entries `decidedByEvidence` lists.
    static let entriesShown = 16

    /// One evidence item per source that decided CVEs (distribution data, changelog, upstream records), with
    /// the CVEs it decided and their states: which source decided each CVE, in every report. The tallies' findings
    /// are unknown and decided by upstream records (`UnknownTally`).
    static func decidedByEvidence(_ findings: [CheckFinding], unknown tallies: [UnknownTally] = [], now: Date) -> [Evidence] {
        var bySource: [String: [String]] = [:]
        // Findings of a source beyond those in its list (a tally keeps only its first entries).
        var unlisted: [String: Int] = [:]
        for t in tallies where t.findings > 0 {
            bySource["upstream records", default: []] += t.smallestEntries
            unlisted["upstream records", default: 0] += t.findings - t.smallestEntries.count
        }
        for f in findings {
            let who = f.decidedBy ?? "upstream records"
            // Group by kind of source: the label before the record name.
            let kind =
                f.distribution.map { d in
                    d.via == .securityTracker
                        ? "distribution data: Debian security tracker (\(d.stream))"
                        : d.via == .csaf ? "distribution data: Red Hat CSAF VEX (\(d.stream))" : "distribution data: OSV (\(d.stream))"
                } ?? (who.hasPrefix("upstream") ? "upstream records" : who.components(separatedBy: ":").first ?? who)
            bySource[kind, default: []].append(CheckFinding.listing(id: f.id, state: f.state))
        }
        return bySource.keys.sorted().compactMap { kind in
            guard let list = bySource[kind] else { return nil }
            let count = list.count + unlisted[kind, default: 0]
            let shown =
                list.sorted().prefix(entriesShown).joined(separator: ", ")
                + (count > entriesShown ? ", … (\(count - entriesShown) more)" : "")
            return Evidence(
                claim: "decided by \(kind): \(count) advisories — \(shown)", source: .measurement(command: "bulkhead advisories check"),
                observedAt: now, confidence: kind.hasPrefix("distribution") ? .high : .medium)
        }
    }

    static func inconclusive(_ m: IsolationMechanism, _ reason: String) -> Finding {
        Finding(
            checkID: checkID, subject: m.product.rawValue, outcome: .inconclusive(reason: reason), severity: .high,
            controls: [.ism1606])
    }
}

/// Reads the backport sources of installed packages from the collected evidence (live, `--root DIR`,
/// `--snapshot FILE` alike): the Debian changelog under /usr/share/doc, the rpm database's %changelog,
/// and the release codename from /etc/os-release for the security tracker. `BackportEvidenceNeed`
/// declares these files, so the collection (and a snapshot) holds exactly what this reads.
public struct BackportReader {
    public static let osReleaseLimit = 64 << 10
    public static let rpmDatabasePaths = ["/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"]
    public static let rpmDatabaseLimit = 256 << 20

    public let files: RecordedFiles
    /// The Debian changelogs, parsed once and shared with criterion 5 (`AdvisoryMeasurements`).
    public let changelogs: DebianChangelogs
    /// The host the evidence describes, for problem messages.
    public let source: String
    /// RPM package names whose changelogs are read (one pass over the rpm database).
    let rpmNames: Set<String>
    private var rpm: (packages: [String: [RPMChangelog.Package]], path: String?, problem: Problem?)?
    /// Names the cached `rpm` pass looked for.
    private var rpmLoaded: Set<String> = []
    private var codename: String??

    public init(
        evidence: HostEvidence, aliases: [ProductAliases], mechanisms: [IsolationMechanism], changelogs: DebianChangelogs? = nil
    ) {
        self.files = evidence.files
        self.changelogs = changelogs ?? DebianChangelogs(files: evidence.files)
        self.source = evidence.source
        let products = Set(mechanisms.map(\.product))
        // No mechanisms given (the `advisories check` command): every product's rpm packages.
        rpmNames = Set(aliases.filter { mechanisms.isEmpty || products.contains($0.product) }.flatMap(\.rpmPackages))
    }

    /// Installed dpkg and rpm packages of a product, in alias order.
    public static func installedPackages(of alias: ProductAliases, in packages: [InstalledPackage]) -> [InstalledPackage] {
        alias.debianPackages.compactMap { n in packages.first { $0.name == n && $0.manager == "dpkg" } }
            + alias.rpmPackages.flatMap { n in packages.filter { $0.name == n && $0.manager == "rpm" } }
    }

    /// The packages checked for a product: one per source package version and manager
    /// (qemu-system-x86, -common and -data share a changelog; a binNMU suffix `+bN` aside).
    public static func packagesToCheck(of alias: ProductAliases, in packages: [InstalledPackage]) -> [InstalledPackage] {
        var seen = Set<String>()
        return installedPackages(of: alias, in: packages).filter { pkg in
            let sourceVersion = pkg.version.replacingOccurrences(of: #"\+b[0-9]+$"#, with: "", options: .regularExpression)
            return seen.insert((pkg.sourcePackage ?? pkg.name) + " " + sourceVersion + " " + pkg.manager).inserted
        }
    }

    /// Backport fixes of one installed package from its own changelog.
    public mutating func backports(for pkg: InstalledPackage) -> BackportEvidence {
        pkg.manager == "rpm" ? rpmBackports(for: pkg) : debianBackports(for: pkg)
    }

    /// /usr/share/doc/PKG/changelog.Debian.gz (or .Debian, .gz) read bounded and decoded in memory, once per
    /// assessment (`changelogs`, shared with criterion 5's fix dates).
    func debianBackports(for pkg: InstalledPackage) -> BackportEvidence {
        switch changelogs.changelog(forPackage: pkg.name) {
        case .parsed(let path, let entries):
            return BackportEvidence(fixes: DebianChangelog.fixes(entries, installed: pkg.version, file: path))
        case .unreadable(let path, let error):
            return BackportEvidence(problems: [Problem(subject: path, message: "\(error.message) (\(source)); backports not considered")])
        case .undecodable(let path, let reason):
            return BackportEvidence(problems: [Problem(subject: path, message: "changelog unreadable, backports not considered: \(reason)")])
        case .missing:
            return BackportEvidence(problems: [
                Problem(
                    subject: "/usr/share/doc/\(pkg.name)", message: "no changelog.Debian.gz for \(pkg.name) in \(source); backports not considered")
            ])
        }
    }

    /// The %changelog of the installed header in rpmdb.sqlite (read once for all packages).
    mutating func rpmBackports(for pkg: InstalledPackage) -> BackportEvidence {
        if rpm == nil || !rpmLoaded.contains(pkg.name) {
            rpmLoaded = rpmNames.union(rpmLoaded).union([pkg.name])
            rpm = readRPM(names: rpmLoaded)
        }
        guard let rpm else { return BackportEvidence() }
        if let problem = rpm.problem { return BackportEvidence(problems: [problem]) }
        guard let path = rpm.path, let header = rpm.packages[pkg.name]?.first(where: { $0.version == pkg.version }) else {
            return BackportEvidence(problems: [
                Problem(subject: pkg.name, message: "no rpm database header for \(pkg.name) \(pkg.version); backports not considered")
            ])
        }
        var evidence = BackportEvidence(fixes: RPMChangelog.fixes(header.entries, installed: pkg.version, file: "\(path) (\(pkg.name) %changelog)"))
        if header.unversionedEntries > 0 {
            evidence.problems.append(
                Problem(
                    subject: "\(path) \(pkg.name)",
                    message: "\(header.unversionedEntries) %changelog entries name no version; their CVEs are not counted as fixed"))
        }
        return evidence
    }

    func readRPM(names: Set<String>) -> (packages: [String: [RPMChangelog.Package]], path: String?, problem: Problem?) {
        for path in Self.rpmDatabasePaths {
            let bytes: [UInt8]
            do {
                bytes = try files.read(path, limit: Self.rpmDatabaseLimit)
            } catch {
                if error.code == .notFound { continue }
                return ([:], nil, Problem(subject: path, message: "\(error.message); rpm changelogs (backports) not considered"))
            }
            do {
                let (packages, _) = try RPMChangelog.read(database: bytes, path: path, names: names)
                return (packages, path, nil)
            } catch {
                return ([:], nil, Problem(subject: path, message: "\(error); rpm changelogs (backports) not considered"))
            }
        }
        return (
            [:], nil,
            Problem(
                subject: "/var/lib/rpm/rpmdb.sqlite", message: "no rpm sqlite database in \(source); rpm changelogs (backports) not considered")
        )
    }

    /// `VERSION_CODENAME` from /etc/os-release (bookworm), for the security tracker.
    public mutating func releaseCodename() -> String? {
        if let codename { return codename }
        var value: String?
        if let text = try? files.readText("/etc/os-release", limit: Self.osReleaseLimit) {
            for line in text.split(separator: "\n") where line.hasPrefix("VERSION_CODENAME=") {
                let v = line.dropFirst("VERSION_CODENAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"' \t"))
                if !v.isEmpty { value = v }
            }
        }
        codename = .some(value)
        return value
    }

    /// Tracker fixes for a Debian package (by source package name and the host's codename).
    public mutating func trackerFixes(_ tracker: DebianSecurityTracker, for pkg: InstalledPackage) -> BackportEvidence {
        guard let codename = releaseCodename() else {
            return BackportEvidence(problems: [
                Problem(subject: "/etc/os-release", message: "no VERSION_CODENAME in \(source); the security tracker \(tracker.file) is not used")
            ])
        }
        let source = pkg.sourcePackage ?? pkg.name
        let version = pkg.version.replacingOccurrences(of: #"\+b[0-9]+$"#, with: "", options: .regularExpression)
        return BackportEvidence(fixes: tracker.fixes(sourcePackage: source, codename: codename, installed: version))
    }

    /// The tracker export beside the advisory database (`debian-security-tracker.json` or `.json.gz`
    /// in the database's directory), when present.
    public static let trackerFileNames = ["debian-security-tracker.json", "debian-security-tracker.json.gz"]

    public static func trackerBeside(databasePath: String) -> (tracker: DebianSecurityTracker?, problems: [Problem]) {
        let dir = (databasePath as NSString).deletingLastPathComponent
        for name in trackerFileNames {
            let path = (dir.isEmpty ? "." : dir) + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                let t = try DebianSecurityTracker.load(path: path)
                return (t, t.problems)
            } catch {
                return (nil, [Problem(subject: path, message: "security tracker not used: \(error)")])
            }
        }
        return (nil, [])
    }
}

/// The advisory database an assessment uses, opened once for every stage that reads it.
public enum OpenedAdvisoryDatabase: Sendable {
    /// No file at the path.
    case absent(path: String)
    case unreadable(path: String, reason: String)
    case available(path: String, AdvisoryDatabase)

    /// Opens the database at `path` (a missing file is `absent`, not an error).
    public static func open(path: String) -> OpenedAdvisoryDatabase {
        guard FileManager.default.fileExists(atPath: path) else { return .absent(path: path) }
        do { return .available(path: path, try AdvisoryDatabase(path: path)) } catch {
            return .unreadable(path: path, reason: "\(error)")
        }
    }

    public var path: String {
        switch self {
        case .absent(let path), .unreadable(let path, _), .available(let path, _): path
        }
    }
}
