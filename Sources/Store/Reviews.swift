public import Foundation
import GRDB

/// A periodic review of the isolation layer: who started it, which assessments it covered, who signed it off
/// and what was decided.
public struct Review: Hashable, Sendable, Encodable {
    public var id: Int64
    public var startedAt: Date
    public var startedBy: String
    public var scope: String
    public var notes: String
    public var signedOffAt: Date?
    public var signedOffBy: String?
    public var decisions: String?
    public var runIDs: [Int64]
}

extension Store {
    /// Starts a review covering `runs` (default: the latest assessment of every host).
    @discardableResult
    public func startReview(
        by reviewer: String, scope: String = "isolation layer", notes: String = "", runs: [Int64]? = nil,
        at date: Date = Date()
    ) throws -> Review {
        let reviewer = reviewer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reviewer.isEmpty else { throw StoreError(.invalidArgument, "A review needs a --reviewer.") }
        let path = self.path
        return try write { db in
            let covered: [Int64]
            if let runs {
                for id in runs where try !Bool(Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE id = ?", arguments: [id]) ?? 0 > 0) {
                    throw StoreError(.notFound, "No assessment #\(id) in \(path); `bulkhead history` lists them.")
                }
                covered = runs
            } else {
                covered = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM runs r WHERE id = (
                          SELECT id FROM runs WHERE host = r.host ORDER BY finishedAt DESC, id DESC LIMIT 1)
                        ORDER BY host
                        """)
            }
            try db.execute(
                sql: "INSERT INTO reviews (startedAt, startedBy, scope, notes) VALUES (?, ?, ?, ?)",
                arguments: [date, reviewer, scope, notes])
            let id = db.lastInsertedRowID
            for run in Set(covered) {
                try db.execute(sql: "INSERT INTO reviewRuns (reviewId, runId) VALUES (?, ?)", arguments: [id, run])
            }
            return Review(
                id: id, startedAt: date, startedBy: reviewer, scope: scope, notes: notes, signedOffAt: nil,
                signedOffBy: nil, decisions: nil, runIDs: covered.sorted())
        }
    }

    /// Signs off a review (default: the most recent open one).
    @discardableResult
    public func signOffReview(
        id: Int64? = nil, by approver: String, decisions: String, notes: String? = nil, at date: Date = Date()
    ) throws -> Review {
        let approver = approver.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !approver.isEmpty else { throw StoreError(.invalidArgument, "A sign-off needs a --reviewer.") }
        let path = self.path
        return try write { db in
            let target: Int64
            if let id {
                target = id
            } else {
                guard let open = try Int64.fetchOne(db, sql: "SELECT id FROM reviews WHERE signedOffAt IS NULL ORDER BY id DESC LIMIT 1") else {
                    throw StoreError(.notFound, "There is no open review in \(path); start one with `bulkhead review start`.")
                }
                target = open
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM reviews WHERE id = ?", arguments: [target]) else {
                throw StoreError(.notFound, "No review #\(target) in \(path).")
            }
            if let signed: Date = row["signedOffAt"] {
                throw StoreError(.invalidArgument, "Review #\(target) was already signed off at \(signed); start a new review.")
            }
            let startedAt: Date = row["startedAt"]
            guard date >= startedAt else {
                throw StoreError(.invalidArgument, "Review #\(target) cannot be signed off before it started.")
            }
            var allNotes: String = row["notes"]
            if let notes, !notes.isEmpty { allNotes = allNotes.isEmpty ? notes : allNotes + "\n" + notes }
            try db.execute(
                sql: "UPDATE reviews SET signedOffAt = ?, signedOffBy = ?, decisions = ?, notes = ? WHERE id = ?",
                arguments: [date, approver, decisions, allNotes, target])
            return try Self.loadReviews(db, sql: "SELECT * FROM reviews WHERE id = ?", arguments: [target]).first
                ?? Review(
                    id: target, startedAt: startedAt, startedBy: row["startedBy"], scope: row["scope"], notes: allNotes,
                    signedOffAt: date, signedOffBy: approver, decisions: decisions, runIDs: [])
        }
    }

    /// Every review, oldest first.
    public func reviews() throws -> [Review] {
        try read { db in try Self.loadReviews(db, sql: "SELECT * FROM reviews ORDER BY startedAt, id", arguments: []) }
    }

    static func loadReviews(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Review] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let id: Int64 = row["id"]
            let runs = try Int64.fetchAll(db, sql: "SELECT runId FROM reviewRuns WHERE reviewId = ? ORDER BY runId", arguments: [id])
            return Review(
                id: id, startedAt: row["startedAt"], startedBy: row["startedBy"], scope: row["scope"], notes: row["notes"],
                signedOffAt: row["signedOffAt"], signedOffBy: row["signedOffBy"], decisions: row["decisions"], runIDs: runs)
        }
    }

    /// Whether a review is due: one interval after the last sign-off, in `calendar`'s time zone.
    public func reviewDue(cadence: Cadence = .quarterly, calendar: Calendar, now: Date = Date()) throws -> DueStatus {
        let last = try read { db in
            try Date.fetchOne(db, sql: "SELECT MAX(signedOffAt) FROM reviews WHERE signedOffAt IS NOT NULL AND signedOffAt <= ?", arguments: [now])
        }
        return DueStatus.evaluate(lastDone: last, cadence: cadence, now: now, calendar: calendar)
    }
}
