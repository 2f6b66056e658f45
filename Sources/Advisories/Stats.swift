public import BulkheadModel
public import Foundation

/// Per-product advisory statistics (`bulkhead advisories stats PRODUCT`).
public struct ProductStats: Codable, Hashable, Sendable {
    public var product: ProductID
    /// Distinct vulnerabilities (records of one CVE from several formats count once).
    public var total: Int
    public var withdrawn: Int
    /// By publication year of the earliest record (not the CVE id's year).
    public var byYear: [Int: Int]
    public var bySeverity: [String: Int]
    public var memorySafety: Int
    public var memorySafetyShare: Double?
    public var knownExploited: Int
    /// Share of vulnerabilities whose records carry a CWE, and a CPE or a named vendor/product/package.
    public var withCWE: Int
    public var withProductName: Int
    /// Median days from publication to a fixed release, from the samples the data allows.
    public var medianDaysToFix: Double?
    public var fixSamples: Int
    public var fixSource: String
}

public enum AdvisoryStats {
    /// Statistics over the advisories that map to `aliases` (grouped by CVE id / alias), with
    /// optional fix dates (e.g. from a Debian changelog: CVE → date of the revision that lists it).
    public static func compute(_ aliases: ProductAliases, candidates: [Advisory], kev: [String: KEVEntry], fixDates: [String: Date] = [:], fixSource: String = "") -> ProductStats {
        var groups: [String: [Advisory]] = [:]
        for a in candidates where ProductMatcher.match(a, aliases, installed: nil) != nil {
            groups[a.cveIDs.first ?? a.id, default: []].append(a)
        }
        var s = ProductStats(product: aliases.product, total: 0, withdrawn: 0, byYear: [:], bySeverity: [:], memorySafety: 0, memorySafetyShare: nil,
            knownExploited: 0, withCWE: 0, withProductName: 0, medianDaysToFix: nil, fixSamples: 0, fixSource: fixSource)
        var delays: [Int] = []
        for (key, records) in groups {
            if records.allSatisfy({ $0.withdrawn != nil }) {
                s.withdrawn += 1
                continue
            }
            s.total += 1
            let pub = records.compactMap { r -> (Int, String?)? in AdvisoryDate.dayNumber(r.published).map { ($0, r.published) } }.min { $0.0 < $1.0 }
            if let y = AdvisoryDate.year(pub?.1) { s.byYear[y, default: 0] += 1 }
            let sev = records.compactMap { $0.bestSeverity?.effectiveRating }.first ?? "UNSCORED"
            s.bySeverity[sev, default: 0] += 1
            // Classify once using every record's CWEs, categories and description.
            var merged = records[0]
            merged.cwes = records.flatMap(\.cwes)
            merged.categories = records.flatMap(\.categories)
            merged.summary = records.map(\.summary).joined(separator: "\n")
            if merged.memorySafety.isMemorySafety { s.memorySafety += 1 }
            if !merged.cwes.isEmpty { s.withCWE += 1 }
            if records.contains(where: { !$0.affected.allSatisfy(ProductAliases.isUnnamed) }) { s.withProductName += 1 }
            let cves = Set(records.flatMap(\.cveIDs) + [key])
            if cves.contains(where: { kev[$0] != nil }) || records.contains(where: { $0.kevDateAdded != nil }) { s.knownExploited += 1 }
            if let p = pub?.0, let fixed = cves.compactMap({ fixDates[$0] }).min() {
                delays.append(max(0, AdvisoryDate.dayNumber(of: fixed) - p))
            }
        }
        if s.total > 0 { s.memorySafetyShare = Double(s.memorySafety) / Double(s.total) }
        delays.sort()
        s.fixSamples = delays.count
        if !delays.isEmpty {
            let mid = delays.count / 2
            s.medianDaysToFix = delays.count % 2 == 1 ? Double(delays[mid]) : Double(delays[mid - 1] + delays[mid]) / 2
        }
        return s
    }

    /// Evidence for ISM-1460 criterion 5 (vulnerability handling and transparency): advisory volume,
    /// CWE and CPE/product transparency of the records, memory-safety share and patch cadence.
    public static func criterion5Evidence(_ s: ProductStats, databasePath: String, now: Date = Date()) -> [Evidence] {
        let src = Evidence.Source.measurement(command: "bulkhead advisories stats \(s.product) --db \(databasePath)")
        func pct(_ n: Int) -> String { s.total == 0 ? "n/a" : String(format: "%.0f%%", 100 * Double(n) / Double(s.total)) }
        var out = [
            Evidence(claim: "\(s.total) published vulnerabilities for \(s.product) in the local advisory database (\(s.knownExploited) known exploited)", source: src, observedAt: now, confidence: .medium),
            Evidence(claim: "CWE transparency: \(pct(s.withCWE)) of \(s.product) vulnerabilities carry a CWE; \(pct(s.withProductName)) name the product (CPE, vendor/product or package)", source: src, observedAt: now, confidence: .medium),
            Evidence(claim: "memory-safety weaknesses: \(s.memorySafety) of \(s.total) (\(pct(s.memorySafety)))", source: src, observedAt: now, confidence: .medium),
        ]
        if let m = s.medianDaysToFix {
            out.append(Evidence(claim: "patch cadence: median \(m) days from publication to a fixed release (\(s.fixSamples) samples, \(s.fixSource))", source: src, observedAt: now, confidence: .medium))
        } else {
            out.append(Evidence(claim: "patch cadence: no publication→fix dates available for \(s.product) in the imported data", source: src, observedAt: now, confidence: .low))
        }
        return out
    }
}
