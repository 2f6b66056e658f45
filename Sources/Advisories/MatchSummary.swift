import BulkheadModel
public import Foundation
import GRDB

/// What the ISM-1460 criterion-5 statistics need of one stored advisory, in a narrow row of its own
/// (`advisory_facts`, schema v7) beside the advisory: written at import from the parsed record, filled
/// from the stored bodies by the v7 migration for a database imported before, removed with the advisory
/// by a trigger. `AdvisoryDatabase.statistics(for:…)` reads these rows instead of decoding 30,000 kernel
/// record bodies for KVM's statistics.
struct AdvisoryFacts: Sendable, Equatable {
    var n: Int64
    var id: String
    var format: String
    /// `Advisory.vulnerabilityKey`: records of one vulnerability group under it.
    var vulnerabilityKey: String
    /// `Advisory.cveIDs`, newline-separated.
    var cveIDs: String
    var published: String?
    var publishedDay: Int?
    var withdrawn: Bool
    /// `bestSeverity?.effectiveRating`.
    var severityRating: String?
    var memorySafety: Bool
    var kev: Bool
    /// Every affected entry names nothing usable (`ProductAliases.isUnnamed`).
    var unnamed: Bool
    var cweCount: Int
    /// `AdvisoryFacts.unknownUnless(a)` (schema v8): the record's ISM-1606 status for any product that names
    /// it is unknown unless the installed version equals one of these points; nil when that cannot be said.
    var unknownUnless: String?

    /// `rangeSummary`: whether to work out `unknownUnless` (the statistics do not read it).
    init(n: Int64, advisory a: Advisory, memorySafety: Bool, unnamed: Bool, rangeSummary: Bool = true) {
        self.n = n
        id = a.id
        format = a.format.rawValue
        vulnerabilityKey = a.vulnerabilityKey
        cveIDs = a.cveIDs.joined(separator: "\n")
        published = a.published
        publishedDay = AdvisoryDate.dayNumber(a.published)
        withdrawn = a.withdrawn != nil
        severityRating = a.bestSeverity?.effectiveRating
        self.memorySafety = memorySafety
        kev = a.kevDateAdded != nil
        self.unnamed = unnamed
        cweCount = a.cwes.count
        unknownUnless = rangeSummary ? Self.unknownUnless(a) : nil
    }

    init(row r: Row) {
        n = r[0]
        id = r[1]
        format = r[2]
        vulnerabilityKey = r[3]
        cveIDs = r[4]
        published = r[5]
        publishedDay = r[6]
        withdrawn = r[7]
        severityRating = r[8]
        memorySafety = r[9]
        kev = r[10]
        unnamed = r[11]
        cweCount = r[12]
        unknownUnless = r[13]
    }

    static let columns = [
        "n", "id", "format", "vuln_key", "cve_ids", "published", "published_day", "withdrawn", "severity_rating", "memory_safety", "kev",
        "unnamed", "cwe_count", "unknown_unless",
    ]

    /// The row's values in `columns` order, as GRDB converts each Swift value (nil is NULL).
    var databaseValues: [DatabaseValue] {
        [
            n.databaseValue, id.databaseValue, format.databaseValue, vulnerabilityKey.databaseValue, cveIDs.databaseValue,
            published?.databaseValue ?? .null, publishedDay?.databaseValue ?? .null, withdrawn.databaseValue,
            severityRating?.databaseValue ?? .null, memorySafety.databaseValue, kev.databaseValue, unnamed.databaseValue,
            cweCount.databaseValue, unknownUnless?.databaseValue ?? .null,
        ]
    }

    static let createSQL = """
        CREATE TABLE advisory_facts (
            n INTEGER PRIMARY KEY, id TEXT NOT NULL, format TEXT NOT NULL, vuln_key TEXT NOT NULL, cve_ids TEXT NOT NULL, published TEXT,
            published_day INTEGER, withdrawn INTEGER NOT NULL, severity_rating TEXT, memory_safety INTEGER NOT NULL, kev INTEGER NOT NULL,
            unnamed INTEGER NOT NULL, cwe_count INTEGER NOT NULL, unknown_unless TEXT);
        CREATE TRIGGER advisory_facts_gone AFTER DELETE ON advisories BEGIN DELETE FROM advisory_facts WHERE n = old.n; END;
        """

    /// Rows per multi-row INSERT (14 columns × 200 rows, far below SQLite's bound-parameter limit).
    static let rowsPerInsert = 200

    /// The import's hook: the facts of the advisories a batch just stored, in the same transaction.
    static func insert(_ db: Database, _ facts: [AdvisoryFacts]) throws {
        try insert(db, rows: facts.count) { k, row in
            for v in facts[k].databaseValues { try row.bind(v) }
        }
    }

    /// `insert(_:_:)` binding row `k`'s values (`databaseValues`, in `columns` order) with `bindRow(k, binder)`:
    /// the import binds the values `AdvisoryDatabase.prepare` made.
    static func insert(_ db: Database, rows: Int, _ bindRow: (Int, inout AdvisoryDatabase.InsertBinder) throws -> Void) throws {
        try AdvisoryDatabase.insertRows(
            db, into: "advisory_facts (\(columns.joined(separator: ", ")))", or: "OR REPLACE ", width: columns.count, perStatement: rowsPerInsert,
            rows: rows, bindRow)
    }

    /// Schema v7 for a database imported before it: every stored body decoded once, as `candidates(for:)`
    /// decodes it, and classified as the statistics classify a decoded record.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: createSQL)
        let decoder = JSONDecoder()
        var pending: [AdvisoryFacts] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT n, body, summary FROM advisories ORDER BY n")
        while let r = try rows.next() {
            guard let a = AdvisoryDatabase.decodeStored(body: r[1], summary: r[2], decoder: decoder) else { continue }
            pending.append(
                AdvisoryFacts(
                    n: r[0], advisory: a, memorySafety: a.memorySafety.isMemorySafety, unnamed: a.affected.allSatisfy(ProductAliases.isUnnamed)))
            if pending.count >= 5_000 {
                try insert(db, pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try insert(db, pending)
    }
}

extension AdvisoryDatabase {
    /// `AdvisoryStats.compute(aliases, candidates: candidates(for: aliases), …)` without decoding a body for
    /// the records a lookup key maps exactly (`candidateRows(_:for:)`'s `exact` rows: a CPE, CVE 5
    /// vendor/product, package or OSV package key equal to one of the product's): their statistics come from
    /// `advisory_facts`. Records found by a description or vendor keyword, or as a Go sub-package, are
    /// decoded and mapped as `ProductMatcher` maps them.
    public func statistics(for aliases: ProductAliases, kev: [String: KEVEntry], fixDates: [String: Date] = [:], fixSource: String = "")
        throws -> ProductStats
    {
        try queue.read { db in
            var exact = Set<Int64>()
            let rows = try Self.candidateRows(db, for: aliases, exact: &exact)
            let naming = aliases.normalized
            var mapped = exact
            let decoder = JSONDecoder()
            let unsure = rows.filter { !exact.contains($0) }
            try Self.fetchBodies(db, rows: unsure, withN: true) { n, body, summary in
                if let a = Self.decodeStored(body: body, summary: summary, decoder: decoder), naming.maps(a) { mapped.insert(n) }
            }
            var facts = try Self.facts(db, rows: mapped.sorted())
            if facts.count < mapped.count {
                // Rows an older build imported into a v7 database have no facts: made from their bodies.
                let missing = mapped.subtracting(facts.map(\.n)).sorted()
                try Self.fetchBodies(db, rows: missing, withN: true) { n, body, summary in
                    guard let a = Self.decodeStored(body: body, summary: summary, decoder: decoder) else { return }
                    facts.append(
                        AdvisoryFacts(
                            n: n, advisory: a, memorySafety: a.memorySafety.isMemorySafety, unnamed: a.affected.allSatisfy(ProductAliases.isUnnamed)))
                }
                facts.sort { $0.n < $1.n }
            }
            return AdvisoryStats.compute(aliases, facts: facts, kev: kev, fixDates: fixDates, fixSource: fixSource)
        }
    }

    /// The `advisory_facts` rows of these row ids, in their order (ascending ids read in order).
    static func facts(_ db: Database, rows: [Int64]) throws -> [AdvisoryFacts] {
        var out: [AdvisoryFacts] = []
        out.reserveCapacity(rows.count)
        let columns = AdvisoryFacts.columns.joined(separator: ", ")
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let part = rows[chunk..<min(rows.count, chunk + 500)]
            let sql =
                "SELECT \(columns) FROM advisory_facts WHERE n IN (\(Array(repeating: "?", count: part.count).joined(separator: ","))) ORDER BY n"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(Array(part)))
            while let r = try cursor.next() { out.append(AdvisoryFacts(row: r)) }
        }
        return out
    }
}

extension AdvisoryStats {
    /// The statistics of the records that map to the product, from their facts (in row order): records grouped by
    /// vulnerability, the earliest publication, the first severity, memory-safety, CWE, naming and KEV decisions.
    /// `compute(_:candidates:…)` makes the facts of decoded records and calls this.
    static func compute(
        _ aliases: ProductAliases, facts: [AdvisoryFacts], kev: [String: KEVEntry], fixDates: [String: Date], fixSource: String
    ) -> ProductStats {
        var groups: [String: [Int]] = [:]
        groups.reserveCapacity(facts.count)
        var bySource: [String: Int] = [:]
        for (i, f) in facts.enumerated() {
            groups[f.vulnerabilityKey, default: []].append(i)
            bySource[f.format, default: 0] += 1
        }
        var s = ProductStats(
            product: aliases.product, total: 0, withdrawn: 0, byYear: [:], bySeverity: [:], memorySafety: 0, memorySafetyShare: nil,
            knownExploited: 0, withCWE: 0, withProductName: 0, medianDaysToFix: nil, fixSamples: 0, fixSource: fixSource)
        s.recordsBySource = bySource
        var delays: [Int] = []
        for (key, members) in groups {
            if members.allSatisfy({ facts[$0].withdrawn }) {
                s.withdrawn += 1
                continue
            }
            s.total += 1
            var pub: (day: Int, published: String?)?
            for i in members {
                if let d = facts[i].publishedDay, d < (pub?.day ?? .max) { pub = (d, facts[i].published) }
            }
            if let y = AdvisoryDate.year(pub?.published) { s.byYear[y, default: 0] += 1 } else { s.undated += 1 }
            let sev = members.lazy.compactMap { facts[$0].severityRating }.first ?? "UNSCORED"
            s.bySeverity[sev, default: 0] += 1
            if members.contains(where: { facts[$0].memorySafety }) { s.memorySafety += 1 }
            if members.contains(where: { facts[$0].cweCount > 0 }) { s.withCWE += 1 }
            if members.contains(where: { facts[$0].format != AdvisoryFormat.osv.rawValue || facts[$0].id.hasPrefix("GHSA-") }) {
                s.withCWEField += 1
            }
            if members.contains(where: { !facts[$0].unnamed }) { s.withProductName += 1 }
            var exploited = kev[key] != nil
            var fixed: Date? = fixDates[key]
            for i in members {
                if facts[i].kev { exploited = true }
                func note(_ c: String) {
                    if kev[c] != nil { exploited = true }
                    if let f = fixDates[c] { fixed = min(fixed ?? f, f) }
                }
                // Nearly every record names one CVE: its list is that id, split only when it holds more.
                let ids = facts[i].cveIDs
                if !ids.utf8.contains(UInt8(ascii: "\n")) {
                    if !ids.isEmpty { note(ids) }
                } else {
                    for c in ids.split(separator: "\n") { note(String(c)) }
                }
            }
            if exploited { s.knownExploited += 1 }
            if let p = pub?.day, let fixed {
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
}
