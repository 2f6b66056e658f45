import Advisories
public import BulkheadModel
public import Foundation
public import HostInspection
public import VendorEvidence

/// Turns the local advisory database (`bulkhead advisories import|fetch`) into measured facts for ISM-1460
/// criterion 5 (vulnerability handling and transparency): each discovered product's vulnerability count,
/// CWE and product-name transparency of its records, memory-safety share, KEV count and median
/// publication→fix days (`AdvisoryStats.criterion5Facts`). No database at the path: no facts and no
/// problem (the ISM-1460 evaluation stands on the catalog). A database that cannot be read: a problem.
public enum AdvisoryMeasurements {
    public static let stage = "advisories"

    public static func facts(
        for mechanisms: [IsolationMechanism], evidence: HostEvidence, catalog: Catalog, databasePath: String, now: Date
    ) -> (facts: [CriterionFact], problems: [Problem]) {
        facts(for: mechanisms, evidence: evidence, catalog: catalog, database: .open(path: databasePath), now: now)
    }

    /// `changelogs`: the Debian changelogs shared with the ISM-1606 stage (each parsed once per assessment).
    public static func facts(
        for mechanisms: [IsolationMechanism], evidence: HostEvidence, catalog: Catalog, database opened: OpenedAdvisoryDatabase, now: Date,
        changelogs: DebianChangelogs? = nil
    ) -> (facts: [CriterionFact], problems: [Problem]) {
        let changelogs = changelogs ?? DebianChangelogs(files: evidence.files)
        let databasePath = opened.path
        let packages = evidence.facts.packages
        let database: AdvisoryDatabase
        let kev: [String: KEVEntry]
        switch opened {
        case .absent: return ([], [])
        case .unreadable(_, let reason):
            return ([], [Problem(subject: databasePath, message: "the advisory database cannot be read for ISM-1460 criterion 5: \(reason)")])
        case .available(_, let db):
            database = db
            do { kev = try database.kevEntries() } catch {
                return ([], [Problem(subject: databasePath, message: "the advisory database cannot be read for ISM-1460 criterion 5: \(error)")])
            }
        }
        var out: [CriterionFact] = []
        var problems: [Problem] = []
        var seen = Set<ProductID>()
        for mechanism in mechanisms {
            guard let product = catalog.product(mechanism.product) ?? catalog.lookup(mechanism.product.rawValue),
                seen.insert(product.id).inserted
            else { continue }
            let aliases = AdvisoryAliases.aliases(for: product)
            guard AdvisoryAliases.isMappable(aliases) else { continue }
            let (fixDates, fixSource) = fixDates(aliases, packages: packages, changelogs: changelogs)
            do {
                // From the stored per-record facts: no advisory body is decoded for the statistics.
                let stats = try database.statistics(for: aliases, kev: kev, fixDates: fixDates, fixSource: fixSource)
                out += AdvisoryStats.criterion5Facts(stats, databasePath: databasePath, now: now, stage: stage)
            } catch {
                problems.append(Problem(subject: product.id.rawValue, message: "advisory statistics from \(databasePath) failed: \(error)"))
            }
        }
        return (out, problems)
    }

    /// Fix dates where the data allows: the installed Debian package's changelog (the date of the revision
    /// that lists each CVE, i.e. the distribution's fix), as the collection read it (`BackportEvidenceNeed`).
    static func fixDates(_ aliases: Advisories.ProductAliases, packages: [InstalledPackage], changelogs: DebianChangelogs) -> (
        [String: Date], String
    ) {
        guard let pkg = aliases.debianPackages.lazy.compactMap({ name in packages.first { $0.name == name && $0.manager == "dpkg" } }).first
        else {
            return ([:], "no installed Debian package with a changelog to date fixes by")
        }
        let entries: [ChangelogEntry]
        switch changelogs.changelog(forPackage: pkg.name) {
        case .parsed(_, let parsed): entries = parsed
        case .missing: return ([:], "no installed Debian package with a changelog to date fixes by")
        case .unreadable(let path, let error): return ([:], "the changelog \(path) cannot be read: \(error)")
        case .undecodable(let path, let reason): return ([:], "the changelog \(path) cannot be read: \(reason)")
        }
        var dates: [String: Date] = [:]
        for entry in entries {
            guard let date = entry.date else { continue }
            for mention in entry.mentions { dates[mention.cve] = min(dates[mention.cve] ?? date, date) }
        }
        return (dates, "fix dates: the Debian changelog of \(pkg.name) \(pkg.version), i.e. the distribution's fix, not the upstream release")
    }
}
