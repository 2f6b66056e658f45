public import BulkheadModel
import Formats
public import Foundation

/// Per-product advisory statistics (`bulkhead advisories stats PRODUCT`).
public struct ProductStats: Codable, Hashable, Sendable {
    public var product: ProductID
    /// Distinct vulnerabilities (records of one CVE from several formats count once).
    public var total: Int
    public var withdrawn: Int
    /// By publication year of the earliest record (not the CVE id's year).
    public var byYear: [Int: Int]
    /// Vulnerabilities none of whose records has a publication date (Go vulndb's `0001-01-01`, an OSV
    /// record without `published`): `byYear` plus this is `total`.
    public var undated: Int = 0
    public var bySeverity: [String: Int]
    public var memorySafety: Int
    public var memorySafetyShare: Double?
    public var knownExploited: Int
    /// Share of vulnerabilities whose records carry a CWE, and a CPE or a named vendor/product/package.
    public var withCWE: Int
    public var withProductName: Int
    /// Vulnerabilities with at least one record in a format that has a CWE field (CVE 5, NVD, GHSA); Go
    /// vulndb and RustSec records never carry one, so the CWE share is taken over these.
    public var withCWEField: Int = 0
    /// Median days from publication to a fixed release, from the samples the data allows.
    public var medianDaysToFix: Double?
    public var fixSamples: Int
    public var fixSource: String
    /// Records that map to the product, per source (feed format): which sources cover it. Empty: no
    /// source does ("product-blind"), and no statement about the product can rest on this database.
    public var recordsBySource: [String: Int] = [:]
    /// The database's sources (records, newest record, last import), when computed from a database.
    public var sources: [AdvisoryDatabase.SourceSummary]? = nil
}

public enum AdvisoryStats {
    /// Statistics over the advisories that map to `aliases` (grouped by CVE id / alias), with
    /// optional fix dates (e.g. from a Debian changelog: CVE → date of the revision that lists it).
    public static func compute(
        _ aliases: ProductAliases, candidates: [Advisory], kev: [String: KEVEntry], fixDates: [String: Date] = [:], fixSource: String = ""
    ) -> ProductStats {
        // One computation for both views of a record: the facts the database keeps (schema v7) are made here from the
        // records that map to the product, in their order, so the two can never decide differently.
        let naming = aliases.normalized
        let facts = candidates.filter(naming.maps).map { a in
            AdvisoryFacts(
                n: 0, advisory: a, memorySafety: a.memorySafety.isMemorySafety, unnamed: a.affected.allSatisfy(ProductAliases.isUnnamed),
                rangeSummary: false)
        }
        return compute(aliases, facts: facts, kev: kev, fixDates: fixDates, fixSource: fixSource)
    }

    /// Below this many vulnerabilities (or fix-date samples) a share or median is `low` confidence.
    public static let smallSample = 5

    /// Measured facts for ISM-1460 criterion 5 (vulnerability handling and transparency) from one product's
    /// statistics: `cveWithCWE` as the share of its vulnerabilities with a CVE 5, NVD or GHSA record whose
    /// records carry a CWE (the claim also gives the total, the share naming the product by CPE,
    /// vendor/product or package, the memory-safety share and the KEV count) and `patchCadence` as the
    /// median publication→fix days with its sample size. Source: the advisory database file. Confidence `medium` (the database holds what was imported, which may be
    /// incomplete), `low` for fewer than `smallSample` vulnerabilities or fix dates. A product no record
    /// maps to gets one `advisories: unknown` fact: an empty record is not evidence of good handling.
    public static func criterion5Facts(_ s: ProductStats, databasePath: String, now: Date = Date(), stage: String = "advisories")
        -> [CriterionFact]
    {
        let src = Evidence.Source.file(path: databasePath, sha256: nil)
        func fact(_ aspect: Aspect, _ value: FactValue, _ claim: String, _ confidence: Confidence) -> CriterionFact {
            CriterionFact(
                product: s.product, aspect: aspect, value: value,
                evidence: Evidence(claim: claim, source: src, observedAt: now, confidence: confidence), origin: .measurement(stage: stage))
        }
        func percent(_ n: Int) -> Double { s.total == 0 ? 0 : (1000 * Double(n) / Double(s.total)).rounded() / 10 }
        func share(_ n: Int) -> String { "\(n) of \(s.total) (\(FactValue.format(percent(n))) %)" }
        let withdrawn = s.withdrawn > 0 ? "; \(s.withdrawn) withdrawn/rejected not counted" : ""
        guard s.total > 0 else {
            return [
                fact(
                    .advisories, .unknown,
                    "no record in the local advisory database maps to \(s.product) through its catalog aliases\(withdrawn); an empty record is not evidence of good vulnerability handling",
                    .low)
            ]
        }
        let head = "CWE/CPE transparency of the \(s.total) \(s.product) vulnerabilities in the local advisory database: "
        let rest =
            "\(share(s.withProductName)) name the product (CPE, CVE 5 vendor/product or package) rather than only in prose; \(share(s.memorySafety)) are memory-safety weaknesses; \(s.knownExploited) known exploited (CISA KEV)\(withdrawn)"
        var out: [CriterionFact]
        if s.withCWEField > 0 {
            let withCWE = min(s.withCWE, s.withCWEField)
            let cweShare = (1000 * Double(withCWE) / Double(s.withCWEField)).rounded() / 10
            out = [
                fact(
                    .cveWithCWE, .percent(cweShare),
                    head + "\(withCWE) of the \(s.withCWEField) with a CVE 5, NVD or GHSA record (\(FactValue.format(cweShare)) %) carry a CWE; "
                        + rest,
                    s.withCWEField >= smallSample ? .medium : .low)
            ]
        } else {
            out = [
                fact(
                    .cveWithCWE, .unknown,
                    head
                        + "none has a CVE 5, NVD or GHSA record, so the CWE share is not measured (Go vulndb and RustSec records have no CWE field); "
                        + rest,
                    .low)
            ]
        }
        if let median = s.medianDaysToFix, s.fixSamples > 0 {
            out.append(
                fact(
                    .patchCadence, .days(median),
                    "patch cadence: median \(FactValue.format(median)) days from publication to a fix, over \(s.fixSamples) of \(s.total) \(s.product) vulnerabilities with a fix date (\(s.fixSource))",
                    s.fixSamples >= smallSample ? .medium : .low))
        } else {
            out.append(
                fact(
                    .patchCadence, .unknown,
                    "patch cadence not measured: none of the \(s.total) \(s.product) vulnerabilities has a fix date in the data (\(s.fixSource))",
                    .low))
        }
        return out
    }
}

extension AdvisoryStats {
    /// Publication→fix dates where this machine's data allows: the changelog of the installed Debian
    /// package of the product (`/var/lib/dpkg/status`, then `/usr/share/doc/PKG/changelog.Debian.gz`).
    /// Empty, with the reason as the source, when there is none. The caller reads the status file (through
    /// its host root); an empty text means no dpkg.
    public static func installedDebianFixDates(for aliases: ProductAliases, dpkgStatus statusText: String) -> (dates: [String: Date], source: String)
    {
        guard let package = DpkgStatus.parse(statusText).packages.first(where: { aliases.debianPackages.contains($0.name) }),
            let path = DebianChangelog.path(forPackage: package.name), let text = try? DebianChangelog.load(path: path)
        else { return ([:], "no fix dates in the data") }
        var dates: [String: Date] = [:]
        for entry in DebianChangelog.parse(text) {
            for mention in entry.mentions { if let date = entry.date { dates[mention.cve] = min(dates[mention.cve] ?? date, date) } }
        }
        return (dates, "Debian changelog dates of \(package.name)")
    }

    /// `bulkhead advisories stats PRODUCT`: the product's statistics from the database, with fix dates
    /// from the installed Debian package's changelog when there is one.
    public static func compute(_ aliases: ProductAliases, database: AdvisoryDatabase, dpkgStatus: String) throws -> ProductStats {
        let (dates, source) = installedDebianFixDates(for: aliases, dpkgStatus: dpkgStatus)
        var stats = compute(
            aliases, candidates: try database.candidates(for: aliases), kev: try database.kevEntries(), fixDates: dates, fixSource: source)
        stats.sources = try database.summary().sources
        return stats
    }
}
