import Assessment
import BulkheadModel
public import Foundation
import GRDB

extension Store {
    /// The largest document kept per run (a full JSON report is far smaller).
    public static let documentLimit = 64 * 1024 * 1024

    /// Records one assessment in a single transaction and returns its run id.
    /// `afterEachRow` is called after every inserted row, inside the transaction (the crash tests use it
    /// to write slowly); an error it throws rolls the whole run back.
    @discardableResult
    public func record(
        _ r: AssessmentRecord, recordedAt: Date = Date(), afterEachRow: (@Sendable (Int) throws -> Void)? = nil
    ) throws -> Int64 {
        for (name, data) in r.documents where data.count > Self.documentLimit {
            throw StoreError(.invalidArgument, "The document \(name) is \(data.count) bytes, over the store's limit of \(Self.documentLimit).")
        }
        let encoder = JSONCoding.encoder(.compact)
        // Encode before the transaction so an unencodable value cannot leave a half-written run.
        let mechanisms = try r.mechanisms.map { ($0, try encoder.encode($0)) }
        let findings = try r.findings.map { ($0, try encoder.encode($0)) }
        let verdicts = try r.verdicts.map { ($0, try encoder.encode($0)) }
        let inputs = try r.inputs.map { try encoder.encode($0) }
        return try write { db in
            var rows = 0
            func tick() throws {
                rows += 1
                try afterEachRow?(rows)
            }
            try db.execute(
                sql: """
                    INSERT INTO runs (host, source, startedAt, finishedAt, bulkheadVersion, recordedAt, inputs)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [r.host, r.source, r.startedAt, r.finishedAt, r.bulkheadVersion, recordedAt, inputs])
            let runID = db.lastInsertedRowID
            try tick()
            for (m, json) in mechanisms {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO mechanisms (runId, product, name, version, role, state, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [runID, m.product.rawValue, m.name, m.version, m.role.rawValue, m.state.rawValue, json])
                try tick()
                for g in m.guests {
                    try db.execute(
                        sql: "INSERT INTO guests (runId, product, name, running) VALUES (?, ?, ?, ?)",
                        arguments: [runID, m.product.rawValue, g.name, g.running])
                    try tick()
                }
            }
            for (f, json) in findings {
                var reason: String?
                if case .inconclusive(let why) = f.outcome { reason = why }
                try db.execute(
                    sql: "INSERT INTO findings (runId, checkId, subject, outcome, reason, severity, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [runID, f.checkID, f.subject, f.outcome.label, reason, f.severity.rawValue, json])
                try tick()
            }
            for (v, json) in verdicts {
                try db.execute(
                    sql: "INSERT INTO verdicts (runId, control, subject, status, confidence, json) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [runID, v.control.rawValue, v.subject.rawValue, v.status.rawValue, v.confidence.rawValue, json])
                try tick()
            }
            for (product, ids) in r.openAdvisories {
                for id in Set(ids) {
                    try db.execute(
                        sql: "INSERT INTO advisories (runId, product, advisoryId) VALUES (?, ?, ?)",
                        arguments: [runID, product, id])
                    try tick()
                }
            }
            for fact in Set(r.staleFacts) {
                try db.execute(sql: "INSERT INTO staleFacts (runId, fact) VALUES (?, ?)", arguments: [runID, fact])
                try tick()
            }
            for p in r.problems {
                try db.execute(
                    sql: "INSERT INTO problems (runId, subject, message) VALUES (?, ?, ?)",
                    arguments: [runID, p.subject, p.message])
                try tick()
            }
            for (name, data) in r.documents {
                try db.execute(
                    sql: "INSERT INTO documents (runId, name, content) VALUES (?, ?, ?)", arguments: [runID, name, data])
                try tick()
            }
            return runID
        }
    }

    /// Runs, newest first; all hosts unless `host` is given.
    public func runs(host: String? = nil, limit: Int? = nil) throws -> [RunSummary] {
        try read { db in
            var sql = "SELECT * FROM runs"
            var args: StatementArguments = []
            if let host {
                sql += " WHERE host = ?"
                args += [host]
            }
            sql += " ORDER BY finishedAt DESC, id DESC"
            if let limit {
                sql += " LIMIT ?"
                args += [max(0, limit)]
            }
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                let id: Int64 = row["id"]
                var counts: [String: Int] = [:]
                for c in try Row.fetchAll(
                    db, sql: "SELECT outcome, COUNT(*) AS n FROM findings WHERE runId = ? GROUP BY outcome", arguments: [id])
                {
                    counts[c["outcome"]] = c["n"]
                }
                func count(_ table: String) throws -> Int {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE runId = ?", arguments: [id]) ?? 0
                }
                return RunSummary(
                    id: id, host: row["host"], source: row["source"], startedAt: row["startedAt"],
                    finishedAt: row["finishedAt"], bulkheadVersion: row["bulkheadVersion"],
                    mechanismCount: try count("mechanisms"), outcomeCounts: counts,
                    advisoryCount: try count("advisories"), staleFactCount: try count("staleFacts"),
                    problemCount: try count("problems"))
            }
        }
    }

    /// Host names with at least one run, sorted.
    public func hosts() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT host FROM runs ORDER BY host") }
    }

    /// Reads a run back as the record that was stored.
    public func assessment(run id: Int64) throws -> AssessmentRecord {
        try read { db in try Self.loadRecord(db, id: id, path: path) }
    }

    static func loadRecord(_ db: Database, id: Int64, path: String) throws -> AssessmentRecord {
        guard let run = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
            throw StoreError(.notFound, "No assessment #\(id) in \(path); `bulkhead history` lists them.")
        }
        let decoder = JSONCoding.decoder()
        func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ what: String) throws -> T {
            do { return try decoder.decode(type, from: data) } catch {
                throw StoreError(.corrupt, "Assessment #\(id) in \(path) has an unreadable \(what) row.", cause: error)
            }
        }
        let mechanisms = try Data.fetchAll(db, sql: "SELECT json FROM mechanisms WHERE runId = ? ORDER BY product", arguments: [id])
            .map { try decode(IsolationMechanism.self, $0, "mechanism") }
        let findings = try Data.fetchAll(db, sql: "SELECT json FROM findings WHERE runId = ? ORDER BY rowid", arguments: [id])
            .map { try decode(Finding.self, $0, "finding") }
        let verdicts = try Data.fetchAll(db, sql: "SELECT json FROM verdicts WHERE runId = ? ORDER BY rowid", arguments: [id])
            .map { try decode(ControlVerdict.self, $0, "verdict") }
        var advisories: [String: [String]] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT product, advisoryId FROM advisories WHERE runId = ? ORDER BY product, advisoryId", arguments: [id])
        {
            advisories[row["product"], default: []].append(row["advisoryId"])
        }
        let stale = try String.fetchAll(db, sql: "SELECT fact FROM staleFacts WHERE runId = ? ORDER BY fact", arguments: [id])
        let problems = try Row.fetchAll(db, sql: "SELECT subject, message FROM problems WHERE runId = ? ORDER BY rowid", arguments: [id])
            .map { Problem(subject: $0["subject"], message: $0["message"]) }
        var documents: [String: Data] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, content FROM documents WHERE runId = ?", arguments: [id]) {
            documents[row["name"]] = row["content"]
        }
        let inputs = try (run["inputs"] as Data?).map { try decode(AssessmentReport.Inputs.self, $0, "inputs") }
        return AssessmentRecord(
            host: run["host"], source: run["source"], startedAt: run["startedAt"], finishedAt: run["finishedAt"],
            bulkheadVersion: run["bulkheadVersion"], mechanisms: mechanisms, findings: findings, verdicts: verdicts,
            openAdvisories: advisories, staleFacts: stale, documents: documents, problems: problems, inputs: inputs)
    }
}

extension Store {
    /// Finding counts of one run by effective outcome (`pass`, `fail`, `waived`, `notApplicable`,
    /// `inconclusive`), with the host's waivers applied as of `at`.
    public func effectiveCounts(run id: Int64, at date: Date) throws -> [String: Int] {
        let path = self.path
        struct Line: Sendable {
            var check: String
            var subject: String
            var outcome: String
        }
        let (host, rows) = try read { db -> (String, [Line]) in
            guard let host = try String.fetchOne(db, sql: "SELECT host FROM runs WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "No assessment #\(id) in \(path); `bulkhead history` lists them.")
            }
            // Only the columns the count needs: no JSON decoding, so history stays fast on large runs.
            let rows = try Row.fetchAll(db, sql: "SELECT checkId, subject, outcome FROM findings WHERE runId = ?", arguments: [id])
            return (host, rows.map { Line(check: $0["checkId"], subject: $0["subject"], outcome: $0["outcome"]) })
        }
        let waivers = try waivers(host: host)
        var counts: [String: Int] = [:]
        for row in rows {
            var label = row.outcome
            if row.outcome == "fail",
                waivers.contains(where: { $0.isActive(at: date) && $0.covers(host: host, checkID: row.check, subject: row.subject) })
            {
                label = "waived"
            }
            counts[label, default: 0] += 1
        }
        return counts
    }
}

/// One line of `bulkhead history`: a stored run and its finding counts with today's waivers applied.
public struct HistoryEntry: Hashable, Sendable, Encodable {
    public var run: RunSummary
    /// By effective outcome (`pass`, `fail`, `waived`, `notApplicable`, `inconclusive`).
    public var effectiveCounts: [String: Int]
}

extension Store {
    /// Runs, newest first (all hosts unless `host` is given), with the waivers in force at `date` applied
    /// to their counts: a waived failure is counted as waived, never as a pass.
    public func history(host: String? = nil, limit: Int? = nil, at date: Date = Date()) throws -> [HistoryEntry] {
        try runs(host: host, limit: limit).map { HistoryEntry(run: $0, effectiveCounts: try effectiveCounts(run: $0.id, at: date)) }
    }
}
