import BulkheadModel
import Foundation
import GRDB

extension AdvisoryFacts {
    /// The points (`versionType<TAB>version` lines, "" for none) that alone can make this record's ISM-1606
    /// status anything but unknown, for every product that names it and every installed version; nil when
    /// the record is not of that shape. It is of it when it is not withdrawn, and every affected
    /// entry is upstream (no ecosystem, no OSV versions list) with only CVE 5 ranges, one of them with a
    /// versionType that cannot be ordered (git, original_commit_for_fix): `RangeEvaluator` makes that range
    /// unknown whatever the installed version, which decides every entry as unknown unless another range of
    /// it says affected. A range that can say affected must be a single version (no bounds, no expression):
    /// it says affected only for a version equal to it, which `AdvisoryCheck.matches(_:database:…)` checks
    /// with `RangeEvaluator.cve5` itself. Linux kernel records (git ranges beside the stable branches) are
    /// of this shape.
    static func unknownUnless(_ a: Advisory) -> String? {
        guard a.withdrawn == nil, !a.affected.isEmpty else { return nil }
        var points: [String] = []
        for e in a.affected {
            guard e.versions.isEmpty, e.ecosystem == nil, !e.ranges.isEmpty else { return nil }
            var unorderable = false
            for r in e.ranges {
                guard case .cve5(let version, let lessThan, let lessThanOrEqual, let status, let versionType, let changes) = r else {
                    return nil
                }
                if RangeEvaluator.schemeFor(versionType: versionType, fallback: .upstream) == nil {
                    unorderable = true
                    continue
                }
                let canAffect =
                    ProductAliases.norm(status) != "unaffected" || changes.contains { ProductAliases.norm($0.status) != "unaffected" }
                guard canAffect else { continue }
                let v = Whitespace.trimmed(version)
                let type = versionType ?? ""
                // Byte searches: each finds every `<`, `>`, leading `=`, tab and newline the Foundation/Character
                // searches `RangeEvaluator.cve5` makes find, and also one a combining mark follows (`<` U+0338),
                // which those skip: such a record is then left to the full evaluation (nil), and no point
                // holds a tab or newline byte that would split the stored list.
                guard lessThan == nil, lessThanOrEqual == nil, !Self.hasByte(v, UInt8(ascii: "<"), UInt8(ascii: ">")),
                    v.utf8.first != UInt8(ascii: "="), !RangeEvaluator.unbounded.contains(v), !Self.hasByte(version, 0x09, 0x0A),
                    !Self.hasByte(type, 0x09, 0x0A)
                else { return nil }
                points.append(type + "\t" + version)
            }
            guard unorderable else { return nil }
        }
        return points.joined(separator: "\n")
    }

    /// Whether `text` holds byte `a` or byte `b`.
    static func hasByte(_ text: String, _ a: UInt8, _ b: UInt8) -> Bool {
        text.utf8.contains { $0 == a || $0 == b }
    }

    /// Schema v8 for a v7 database: `unknown_unless` from every stored body. A database migrated from before
    /// v7 made its facts with the column already (v7's table has it).
    static func migrateV8(_ db: Database) throws {
        guard try !db.columns(in: "advisory_facts").contains(where: { $0.name == "unknown_unless" }) else { return }
        try db.execute(sql: "ALTER TABLE advisory_facts ADD COLUMN unknown_unless TEXT")
        let decoder = JSONDecoder()
        let update = try db.cachedStatement(sql: "UPDATE advisory_facts SET unknown_unless = ? WHERE n = ?")
        let rows = try Row.fetchCursor(db, sql: "SELECT a.n, a.body, a.summary FROM advisories a JOIN advisory_facts f ON f.n = a.n ORDER BY a.n")
        while let r = try rows.next() {
            guard let a = AdvisoryDatabase.decodeStored(body: r[1], summary: r[2], decoder: decoder), let points = unknownUnless(a) else { continue }
            let n: Int64 = r[0]
            try update.execute(arguments: [points, n])
        }
    }
}

/// A product's candidate records for the ISM-1606 check: decoded bodies, except for records a lookup key
/// maps to the product exactly whose facts say their status is unknown unless the installed version equals
/// one of a few points (`AdvisoryFacts.unknownUnless`). Those stay undecoded until a version, a
/// distribution decision or a record of the same vulnerability needs their bodies.
public struct ProductCandidates: Sendable {
    struct Thin: Sendable {
        var n: Int64
        /// The record as `AdvisoryCheck.evaluate` reads it for a finding that stays unknown: id, format, CVE ids,
        /// publication. Its severity and KEV date are left out: they set only the deadline and the flags of a finding
        /// that is open, and a stand-in's finding is never open (a vulnerability with a record that may be affected,
        /// or a CVE the package's own data decides, is read from the bodies).
        var advisory: Advisory
        /// `advisory.vulnerabilityKey` and `advisory.cveIDs`, worked out once.
        var key: String
        var cves: [String]
        var points: [(versionType: String?, version: String)]
    }
    /// Decoded candidates with their row ids, ascending.
    var decoded: [(n: Int64, advisory: Advisory)]
    var thin: [Thin]
    /// Vulnerability keys of the decoded candidates: a thin record sharing one is decoded.
    var decodedKeys: Set<String>

    /// `text.split(separator: "\n").map(String.init)`, without walking the characters of a text with no newline byte
    /// (nearly every stored CVE list and point list is one line).
    static func lines(_ text: String) -> [String] {
        guard text.utf8.contains(UInt8(ascii: "\n")) else { return text.isEmpty ? [] : [text] }
        return text.split(separator: "\n").map(String.init)
    }

    /// How many records were left undecoded (for tests and benchmarks).
    public var undecodedCount: Int { thin.count }
}

extension AdvisoryDatabase {
    /// `candidates(for:)` as `ProductCandidates`, read once per opened database.
    public func productCandidates(for p: ProductAliases) throws -> ProductCandidates {
        if let known = memo.candidatesByProduct.withLock({ $0[p] }) { return known }
        let fresh: ProductCandidates = try queue.read { db in
            var exact = Set<Int64>()
            let rows = try Self.candidateRows(db, for: p, exact: &exact)
            var thin: [ProductCandidates.Thin] = []
            var thinRows = Set<Int64>()
            let sql =
                "SELECT n, id, format, vuln_key, cve_ids, published, unknown_unless FROM advisory_facts WHERE unknown_unless IS NOT NULL AND n IN "
            let exactRows = rows.filter { exact.contains($0) }
            for chunk in stride(from: 0, to: exactRows.count, by: 500) {
                let part = exactRows[chunk..<min(exactRows.count, chunk + 500)]
                let cursor = try Row.fetchCursor(
                    db, sql: sql + "(\(Array(repeating: "?", count: part.count).joined(separator: ","))) ORDER BY n",
                    arguments: StatementArguments(Array(part)))
                while let r = try cursor.next() {
                    let id: String = r[1]
                    let cves = ProductCandidates.lines(r[4])
                    guard let format = AdvisoryFormat(rawValue: r[2]) else { continue }
                    let advisory = Advisory(
                        id: id, format: format, aliases: id.hasPrefix("CVE-") ? cves.filter { $0 != id } : cves, published: r[5])
                    // The stand-in must group and name the vulnerability as the record does.
                    guard advisory.cveIDs == cves, advisory.vulnerabilityKey == (r[3] as String) else { continue }
                    let points = ProductCandidates.lines(r[6]).map { line in
                        let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                        let type = String(parts[0])
                        return (versionType: type.isEmpty ? nil : type, version: parts.count > 1 ? String(parts[1]) : "")
                    }
                    thin.append(ProductCandidates.Thin(n: r[0], advisory: advisory, key: advisory.vulnerabilityKey, cves: cves, points: points))
                    thinRows.insert(r[0])
                }
            }
            let decoder = JSONDecoder()
            var decoded: [(n: Int64, advisory: Advisory)] = []
            try Self.fetchBodies(db, rows: rows.filter { !thinRows.contains($0) }, withN: true) { n, body, summary in
                if let a = Self.decodeStored(body: body, summary: summary, decoder: decoder) { decoded.append((n, a)) }
            }
            decoded.sort { $0.n < $1.n }
            return ProductCandidates(decoded: decoded, thin: thin, decodedKeys: Set(decoded.map(\.advisory.vulnerabilityKey)))
        }
        memo.candidatesByProduct.withLock { $0[p] = fresh }
        return fresh
    }

    /// The decoded bodies of these row ids, by row id.
    func bodies(rows: [Int64]) throws -> [Int64: Advisory] {
        try queue.read { db in
            let decoder = JSONDecoder()
            var out: [Int64: Advisory] = [:]
            try Self.fetchBodies(db, rows: rows, withN: true) { n, body, summary in
                if let a = Self.decodeStored(body: body, summary: summary, decoder: decoder) { out[n] = a }
            }
            return out
        }
    }
}

/// The records `AdvisoryCheck.matches(_:database:aliases:for:decided:unknownIDs:)` decided as unknown without their
/// bodies, counted instead of matched. Each vulnerability among them is one finding of `AdvisoryCheck.evaluate`:
/// unknown, decided by "upstream records", with no distribution decision, backport or evidence an assessment
/// report shows. The report needs only how many there are, how many records of each source they come from, and the
/// first few of its sorted "`id` unknown" entries (`AdvisoryFindings.decidedByEvidence`).
public struct UnknownTally: Sendable, Equatable {
    /// Findings (vulnerabilities) the records make.
    public var findings = 0
    /// Records per source (`AdvisoryFormat.rawValue`).
    public var recordsByFormat: [String: Int] = [:]
    /// The smallest of the findings' "`id` unknown" entries (`CheckFinding.id`, `CheckFinding.State.unknown`), ascending,
    /// repeats kept: at most the `unknownIDs` asked for.
    public var smallestEntries: [String] = []

    public init() {}
}

extension AdvisoryCheck {
    /// `matches(candidates, aliases:, for:, reasons: false)` over `ProductCandidates`: the same matches in the
    /// same order. A thin record is matched as `.unknown(reason: "")` (what `ProductMatcher.match` decides for
    /// it without reasons) unless the installed version equals one of its points, one of its CVEs is in
    /// `decided` (the package's distribution data or changelog fixes, which may make its finding open), or a
    /// decoded candidate shares its vulnerability: then its body is read and matched.
    public static func matches(
        _ candidates: ProductCandidates, database: AdvisoryDatabase, aliases: ProductAliases, for installed: InstalledProduct,
        decided: Set<String>
    ) throws -> [AdvisoryMatch] {
        try matches(candidates, database: database, aliases: aliases, for: installed, decided: decided, unknownIDs: nil).matches
    }

    /// `matches(_:database:aliases:for:decided:)`, but with `unknownIDs` set the thin records it would match as
    /// unknown without their bodies are counted in the tally instead (keeping the `unknownIDs` smallest "`id` unknown"
    /// entries of their findings): the matches are the rest, in the same order. `evaluate` over the matches plus the
    /// tally is `evaluate` over every match, for what an assessment reports.
    public static func matches(
        _ candidates: ProductCandidates, database: AdvisoryDatabase, aliases: ProductAliases, for installed: InstalledProduct,
        decided: Set<String>, unknownIDs: Int?
    ) throws -> (matches: [AdvisoryMatch], unknown: UnknownTally) {
        let (upstream, scheme) = comparedVersion(installed)
        let naming = aliases.normalized
        var all: [(n: Int64, advisory: Advisory)] = candidates.decoded
        var quick: [(n: Int64, match: AdvisoryMatch)] = []
        var slow: [Int64] = []
        // Whether the installed version equals a point, per distinct point (the kernel's records share a few hundred).
        struct Point: Hashable {
            var versionType: String?
            var version: String
        }
        var equalsPoint: [Point: Bool] = [:]
        func affects(_ p: (versionType: String?, version: String)) -> Bool {
            let key = Point(versionType: p.versionType, version: p.version)
            if let known = equalsPoint[key] { return known }
            var answer = false
            if case .affected = RangeEvaluator.cve5(
                version: p.version, lessThan: nil, lessThanOrEqual: nil, status: "affected", versionType: p.versionType, changes: [],
                installed: upstream, scheme: scheme, reasons: false)
            {
                answer = true
            }
            equalsPoint[key] = answer
            return answer
        }
        var needsBody = candidates.thin.map { t in
            candidates.decodedKeys.contains(t.key) || (!decided.isEmpty && t.cves.contains { decided.contains($0) })
                || t.points.contains { affects($0) }
        }
        // A vulnerability is read whole: a finding whose records are partly stand-ins could become open.
        let slowKeys = Set(zip(candidates.thin, needsBody).filter(\.1).map(\.0.key))
        if !slowKeys.isEmpty {
            for (i, t) in candidates.thin.enumerated() where slowKeys.contains(t.key) { needsBody[i] = true }
        }
        var tally = UnknownTally()
        // Each counted vulnerability's first record in row order names its finding, as in `evaluate`.
        var counted = Set<String>()
        if unknownIDs != nil { counted.reserveCapacity(candidates.thin.count) }
        for (t, body) in zip(candidates.thin, needsBody) {
            if body {
                slow.append(t.n)
            } else if let keep = unknownIDs {
                tally.recordsByFormat[t.advisory.format.rawValue, default: 0] += 1
                guard counted.insert(t.key).inserted else { continue }
                tally.findings += 1
                guard keep > 0 else { continue }
                let entry = CheckFinding.listing(id: t.cves.first ?? t.advisory.id, state: .unknown)
                if tally.smallestEntries.count == keep {
                    guard let last = tally.smallestEntries.last, entry < last else { continue }
                    tally.smallestEntries.removeLast()
                }
                let at = tally.smallestEntries.firstIndex { entry < $0 } ?? tally.smallestEntries.endIndex
                tally.smallestEntries.insert(entry, at: at)
            } else {
                quick.append((t.n, AdvisoryMatch(advisory: t.advisory, mappedBy: "", status: .unknown(reason: ""))))
            }
        }
        if !slow.isEmpty {
            let bodies = try database.bodies(rows: slow)
            for n in slow { if let a = bodies[n] { all.append((n, a)) } }
            all.sort { $0.n < $1.n }
        }
        // `DistroData.upstreamOnly` decides each record alone: applied per record, each keeps its row id.
        var slowMatches: [(n: Int64, match: AdvisoryMatch)] = []
        slowMatches.reserveCapacity(all.count)
        for (n, a) in all {
            guard let s = DistroData.upstreamOnly([a]).first,
                let m = ProductMatcher.match(s, naming, installed: upstream, scheme: scheme, reasons: false)
            else { continue }
            slowMatches.append((n, m))
        }
        if quick.isEmpty { return (slowMatches.map(\.match), tally) }
        var out: [AdvisoryMatch] = []
        out.reserveCapacity(quick.count + slowMatches.count)
        var i = 0
        var k = 0
        while i < quick.count || k < slowMatches.count {
            if k == slowMatches.count || (i < quick.count && quick[i].n < slowMatches[k].n) {
                out.append(quick[i].match)
                i += 1
            } else {
                out.append(slowMatches[k].match)
                k += 1
            }
        }
        return (out, tally)
    }
}
