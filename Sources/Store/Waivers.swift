public import BulkheadModel
public import Foundation
import GRDB

/// A time-limited exception for a failing check on one host (optionally one subject on it).
/// A waived failure is reported as `waived`, never as `pass`, and is a failure again once the waiver expires.
public struct Waiver: Hashable, Sendable {
    public var id: Int64
    public var checkID: String
    public var host: String
    /// nil: every subject on the host.
    public var subject: String?
    public var validFrom: Date
    /// Exclusive end.
    public var validUntil: Date
    public var reason: String
    public var approver: String
    public var recordedAt: Date

    public init(
        id: Int64, checkID: String, host: String, subject: String?, validFrom: Date, validUntil: Date, reason: String,
        approver: String, recordedAt: Date
    ) {
        self.id = id
        self.checkID = checkID
        self.host = host
        self.subject = subject
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.reason = reason
        self.approver = approver
        self.recordedAt = recordedAt
    }

    public func isActive(at date: Date) -> Bool { validFrom <= date && date < validUntil }

    public func covers(host: String, checkID: String, subject: String) -> Bool {
        self.host == host && self.checkID == checkID && (self.subject == nil || self.subject == subject)
    }
}

/// A finding's outcome once waivers are applied.
public enum EffectiveOutcome: Hashable, Sendable, Encodable, CustomStringConvertible {
    case pass
    case fail
    /// A failure covered by an active waiver.
    case waived(waiverID: Int64, until: Date)
    case notApplicable
    case inconclusive(reason: String)

    public var label: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .waived: "waived"
        case .notApplicable: "notApplicable"
        case .inconclusive: "inconclusive"
        }
    }

    public var description: String { label }

    /// Open: needs attention (fail or inconclusive). Waived is not open but is never a pass.
    public var isOpen: Bool {
        switch self {
        case .fail, .inconclusive: true
        default: false
        }
    }

    /// Applies the first active waiver that covers a failing finding; every other outcome is unchanged.
    public static func of(_ finding: Finding, host: String, at date: Date, waivers: [Waiver]) -> EffectiveOutcome {
        switch finding.outcome {
        case .pass: return .pass
        case .notApplicable: return .notApplicable
        case .inconclusive(let reason): return .inconclusive(reason: reason)
        case .fail:
            let active = waivers.filter {
                $0.isActive(at: date) && $0.covers(host: host, checkID: finding.checkID, subject: finding.subject)
            }
            if let w = active.max(by: { $0.validUntil < $1.validUntil }) {
                return .waived(waiverID: w.id, until: w.validUntil)
            }
            return .fail
        }
    }
}

extension Store {
    /// Records a waiver. `until` is exclusive and must be after `from`.
    @discardableResult
    public func addWaiver(
        checkID: String, host: String, subject: String? = nil, from: Date = Date(), until: Date, reason: String,
        approver: String, recordedAt: Date = Date()
    ) throws -> Waiver {
        let checkID = checkID.trimmingCharacters(in: .whitespaces)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        let approver = approver.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !checkID.isEmpty else { throw StoreError(.invalidArgument, "A waiver needs a check id.") }
        guard !host.isEmpty else { throw StoreError(.invalidArgument, "A waiver needs --host.") }
        guard !reason.isEmpty else { throw StoreError(.invalidArgument, "A waiver needs a --reason.") }
        guard !approver.isEmpty else { throw StoreError(.invalidArgument, "A waiver needs an --approver.") }
        guard until > from else {
            throw StoreError(.invalidArgument, "The waiver would end before it starts: --until must be in the future.")
        }
        let id = try write { db in
            try db.execute(
                sql: """
                    INSERT INTO waivers (checkId, host, subject, validFrom, validUntil, reason, approver, recordedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [checkID, host, subject, from, until, reason, approver, recordedAt])
            return db.lastInsertedRowID
        }
        return Waiver(
            id: id, checkID: checkID, host: host, subject: subject, validFrom: from, validUntil: until, reason: reason,
            approver: approver, recordedAt: recordedAt)
    }

    /// Every waiver, oldest first (optionally one host's).
    public func waivers(host: String? = nil) throws -> [Waiver] {
        try read { db in
            let rows =
                if let host {
                    try Row.fetchAll(db, sql: "SELECT * FROM waivers WHERE host = ? ORDER BY id", arguments: [host])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM waivers ORDER BY id")
                }
            return rows.map {
                Waiver(
                    id: $0["id"], checkID: $0["checkId"], host: $0["host"], subject: $0["subject"],
                    validFrom: $0["validFrom"], validUntil: $0["validUntil"], reason: $0["reason"],
                    approver: $0["approver"], recordedAt: $0["recordedAt"])
            }
        }
    }
}

extension Store {
    /// Refuses a waiver that would cover nothing: a host with no recorded assessment, a check id that is
    /// neither in `knownCheckIDs` (the check catalog and other finding sources) nor among the host's recorded
    /// findings, or a subject on which that check never reported for the host. The error names what exists.
    public func checkWaiverTarget(checkID: String, host: String, subject: String?, knownCheckIDs: Set<String>) throws {
        let checkID = checkID.trimmingCharacters(in: .whitespaces)
        struct Pair: Hashable, Sendable {
            var check: String
            var subject: String
        }
        let recorded = try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT DISTINCT f.checkId, f.subject FROM findings f JOIN runs r ON r.id = f.runId WHERE r.host = ?",
                arguments: [host]
            ).map { Pair(check: $0["checkId"], subject: $0["subject"]) }
        }
        let hosts = try hosts()
        guard hosts.contains(host) else {
            let known = hosts.isEmpty ? "none yet: run `bulkhead assess` first" : hosts.prefix(10).joined(separator: ", ")
            throw StoreError(
                .invalidArgument,
                "No assessment of host \(host) is recorded in \(path), so a waiver for it would cover nothing (recorded hosts: \(known)).")
        }
        let checks = knownCheckIDs.union(recorded.map(\.check))
        guard checks.contains(checkID) else {
            let close = CloseMatches.suggestions(for: checkID, in: checks)
            let hint = close.isEmpty ? "" : " Did you mean \(close.joined(separator: ", "))?"
            throw StoreError(.invalidArgument, "Unknown check id \(checkID): `bulkhead checks list` lists them.\(hint)")
        }
        guard let subject else { return }
        let subjects = Set(recorded.filter { $0.check == checkID }.map(\.subject)).sorted()
        guard subjects.contains(subject) else {
            let known =
                subjects.isEmpty ? "it has no recorded finding on this host" : "its subjects there: " + subjects.prefix(10).joined(separator: ", ")
            throw StoreError(
                .invalidArgument,
                "Check \(checkID) never reported on subject \(subject) of host \(host), so the waiver would cover nothing (\(known)).")
        }
    }
}
