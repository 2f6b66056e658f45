import Assessment
import BulkheadModel
public import Foundation
import Logging
import PostgresNIO

/// Fleet-wide waivers: an administrator accepts a failing check until a date, on one host or on every host;
/// each is audited (`waiver.add`, `waiver.revoke`). A waiver in force (not expired, not revoked) acts as a
/// host's own `bulkhead waive` does (`FailPolicy`): the failing findings of its check are shown as waived,
/// never as passes, and the posture counts each control as a `--fail-on` gate judges it. A revoked waiver is
/// kept, marked revoked, with who revoked it and why.
extension FleetDatabase {
    public enum WaiverState: String, Codable, Sendable, Equatable {
        case active, expired, revoked
    }

    public struct WaiverRow: Codable, Sendable, Equatable {
        public var id: Int64
        public var checkID: String
        /// nil: every host.
        public var host: String?
        public var reason: String
        public var expiresAt: Date
        public var createdBy: String
        public var createdAt: Date
        public var expired: Bool
        /// Hosts whose latest assessment fails the check (within the waiver's host).
        public var failingHosts: Int
        public var state: WaiverState
        public var revokedAt: Date?
        public var revokedBy: String?
        public var revokeReason: String?
    }

    /// The waiver a finding is shown under: in force (it acts) or expired/revoked (it acts no more).
    public struct FindingWaiver: Codable, Sendable, Equatable {
        public var id: Int64
        public var expiresAt: Date
    }

    public struct WaiverRequest: Codable, Sendable {
        public var check: String
        public var host: String?
        public var reason: String
        /// `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 time.
        public var expires: String
        public init(check: String, host: String? = nil, reason: String, expires: String) {
            self.check = check
            self.host = host
            self.reason = reason
            self.expires = expires
        }
    }

    /// Records a waiver (audited); refused when a field is empty or too long, the host is unknown, or the
    /// expiry is not a date in the future.
    public func addWaiver(_ request: WaiverRequest, actor: String, now: Date = Date()) async throws -> Int64 {
        let check = request.check.trimmingCharacters(in: .whitespaces)
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !check.isEmpty, check.utf8.count <= 200, !reason.isEmpty, reason.utf8.count <= 2000 else {
            throw FleetServerError(.malformed, "a waiver needs a check id (at most 200 bytes) and a reason (at most 2000 bytes)")
        }
        guard let expires = Self.expiry(request.expires), expires > now else {
            throw FleetServerError(.malformed, "expires must be a date in the future, YYYY-MM-DD or an RFC 3339 time")
        }
        let host = request.host.flatMap { $0.isEmpty ? nil : $0 }
        if let host, try await hostKey(host) == nil { throw FleetServerError(.notFound, "no host named \(host) is enrolled") }
        let logger = logger
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO waivers (check_id, host, reason, expires_at, created_by) VALUES (\(check), \(host), \(reason), \(expires), \(actor))
                RETURNING id
                """, logger: logger)
            var id: Int64 = 0
            for try await value in rows.decode(Int64.self) { id = value }
            try await Self.audit(
                connection, actor: actor, action: "waiver.add", target: host ?? "*",
                detail: ["check": check, "expires": expires.formatted(.iso8601), "reason": reason], logger: logger)
            return id
        }
    }

    /// Revokes a waiver (audited `waiver.revoke` with the reason): it acts no more and stays listed, marked
    /// revoked. Refused without a reason (400), for an unknown id (404) and for one already revoked (409).
    public func revokeWaiver(id: Int64, reason: String, actor: String) async throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.utf8.count <= 2000 else {
            throw FleetServerError(.malformed, "revoking a waiver needs a reason (at most 2000 bytes)")
        }
        let logger = logger
        try await transaction { connection in
            let rows = try await connection.query(
                "SELECT check_id, host, revoked_at IS NOT NULL FROM waivers WHERE id = \(id) FOR UPDATE", logger: logger)
            var found: (check: String, host: String?, revoked: Bool)?
            for try await (check, host, revoked) in rows.decode((String, String?, Bool).self) { found = (check, host, revoked) }
            guard let found else { throw FleetServerError(.notFound, "no waiver \(id)") }
            guard !found.revoked else { throw FleetServerError(.conflict, "waiver \(id) is already revoked") }
            try await connection.query(
                "UPDATE waivers SET revoked_at = now(), revoked_by = \(actor), revoke_reason = \(reason) WHERE id = \(id)", logger: logger)
            try await Self.audit(
                connection, actor: actor, action: "waiver.revoke", target: found.host ?? "*",
                detail: ["waiver": String(id), "check": found.check, "reason": reason], logger: logger)
        }
    }

    /// Every waiver, those expiring first at the top, with its state and the hosts it covers now.
    public func waivers(host: String? = nil, now: Date = Date()) async throws -> [WaiverRow] {
        let rows = try await client.query(
            """
            SELECT w.id, w.check_id, w.host, w.reason, w.expires_at, w.created_by, w.created_at, w.expires_at <= \(now),
                (SELECT count(*) FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id
                 WHERE w.check_id = ANY(a.failing_checks) AND (w.host IS NULL OR h.name = w.host))::bigint,
                w.revoked_at, w.revoked_by, w.revoke_reason
            FROM waivers w WHERE (\(host)::text IS NULL OR w.host IS NULL OR w.host = \(host))
            ORDER BY w.expires_at, w.id
            """, logger: logger)
        var out: [WaiverRow] = []
        for try await (id, check, host, reason, expires, by, at, expired, failing, revokedAt, revokedBy, revokeReason) in rows.decode(
            (Int64, String, String?, String, Date, String, Date, Bool, Int64, Date?, String?, String?).self)
        {
            out.append(
                WaiverRow(
                    id: id, checkID: check, host: host, reason: reason, expiresAt: expires, createdBy: by, createdAt: at, expired: expired,
                    failingHosts: Int(failing), state: revokedAt != nil ? .revoked : expired ? .expired : .active, revokedAt: revokedAt,
                    revokedBy: revokedBy, revokeReason: revokeReason))
        }
        return out
    }

    /// The checks a waiver in force covers on `host` (its own waivers and those for every host).
    func waivedChecks(host: String, now: Date = Date()) async throws -> Set<String> {
        let rows = try await client.query(
            """
            SELECT DISTINCT check_id FROM waivers
            WHERE (host IS NULL OR host = \(host)) AND revoked_at IS NULL AND expires_at > \(now)
            """, logger: logger)
        var out = Set<String>()
        for try await check in rows.decode(String.self) { out.insert(check) }
        return out
    }

    /// The keys (`FailPolicy.key`) of a report's failing findings whose check is waived.
    static func waivedKeys(_ report: AssessmentReport, checks: Set<String>) -> Set<String> {
        guard !checks.isEmpty else { return [] }
        var out = Set<String>()
        let controls = report.mechanisms.flatMap(\.controls) + (report.hostControls ?? [])
        for control in controls {
            for finding in control.findings where finding.outcome == .fail && checks.contains(finding.checkID) {
                out.insert(FailPolicy.key(checkID: finding.checkID, subject: finding.subject))
            }
        }
        return out
    }

    /// An RFC 3339 time, or `YYYY-MM-DD` as the start of that day (UTC).
    static func instant(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let time = try? Date(text, strategy: .iso8601) { return time }
        let day = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .gmt).year().month().day().dateSeparator(.dash)
        return try? day.parse(text)
    }

    static func expiry(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let time = try? Date(text, strategy: .iso8601) { return time }
        let day = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .gmt).year().month().day().dateSeparator(.dash)
        return (try? day.parse(text)).map { $0.addingTimeInterval(86_399) }
    }
}

/// Drift since the last review: an administrator marks a review (`POST /api/v1/admin/reviews`, recorded in the
/// append-only audit table as `review.mark`); each host's latest assessment is compared with the one the server
/// had received by then: checks failing now that did not (new) and checks that failed then but not now
/// (resolved), by check id and subject.
extension FleetDatabase {
    public struct DriftRow: Codable, Sendable, Equatable {
        public var host: String
        /// `new` or `resolved`.
        public var change: String
        public var checkID: String
        public var subject: String
    }

    public func markReview(actor: String, note: String?) async throws -> Date {
        let logger = logger
        let now = Date()
        try await transaction { connection in
            try await Self.audit(
                connection, actor: actor, action: "review.mark", target: nil, detail: ["note": String((note ?? "").prefix(500))], logger: logger)
        }
        return now
    }

    /// When the last review was marked, if ever.
    public func lastReview() async throws -> Date? {
        let rows = try await client.query("SELECT max(at) FROM audit_log WHERE action = 'review.mark'", logger: logger)
        for try await at in rows.decode(Date?.self) { return at }
        return nil
    }

    public func drift(since: Date, limit: Int = 5000) async throws -> [DriftRow] {
        let rows = try await client.query(
            """
            WITH latest AS (SELECT latest_assessment_id AS id, id AS host_id FROM hosts WHERE latest_assessment_id IS NOT NULL),
            base AS (
                SELECT DISTINCT ON (host_id) id, host_id FROM assessments WHERE received_at <= \(since)
                ORDER BY host_id, assessed_at DESC, id DESC),
            cur AS (SELECT DISTINCT f.host_id, f.check_id, f.subject FROM findings f JOIN latest l ON f.assessment_id = l.id WHERE f.verdict = 'fail'),
            old AS (SELECT DISTINCT f.host_id, f.check_id, f.subject FROM findings f JOIN base b ON f.assessment_id = b.id WHERE f.verdict = 'fail')
            SELECT h.name, 'new', c.check_id, c.subject FROM cur c JOIN hosts h ON h.id = c.host_id
            WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.host_id = c.host_id AND o.check_id = c.check_id AND o.subject = c.subject)
            UNION ALL
            SELECT h.name, 'resolved', o.check_id, o.subject FROM old o JOIN hosts h ON h.id = o.host_id
            WHERE NOT EXISTS (SELECT 1 FROM cur c WHERE c.host_id = o.host_id AND c.check_id = o.check_id AND c.subject = o.subject)
            ORDER BY 1, 2, 3, 4 LIMIT \(limit)
            """, logger: logger)
        var out: [DriftRow] = []
        for try await (host, change, check, subject) in rows.decode((String, String, String, String).self) {
            out.append(DriftRow(host: host, change: change, checkID: check, subject: subject))
        }
        return out
    }
}

/// Drift of one host: its latest assessment compared with a base — the one the server had received by
/// `since` (by default the last review), else the assessment before the latest: checks that started or
/// stopped failing, control verdicts that changed, mechanisms (product and version) added or removed.
extension FleetDatabase {
    public struct HostDrift: Codable, Sendable, Equatable {
        public struct Assessment: Codable, Sendable, Equatable {
            public var id: Int64
            public var assessedAt: Date
        }
        public struct CheckChange: Codable, Sendable, Equatable {
            /// `new` (failing now, not in the base) or `resolved`.
            public var change: String
            public var checkID: String
            public var subject: String
        }
        public struct VerdictChange: Codable, Sendable, Equatable {
            public var subject: String
            public var control: String
            /// nil: no such verdict in the base (or now).
            public var from: String?
            public var to: String?
        }
        public struct MechanismChange: Codable, Sendable, Equatable {
            /// `added` or `removed`.
            public var change: String
            public var subject: String
            public var product: String?
            public var version: String?
        }
        public var host: String
        /// What the base is: `since` (the given time), `review` (the last review) or `previous` (the assessment
        /// before the latest).
        public var basis: String
        public var since: Date?
        public var base: Assessment?
        public var latest: Assessment?
        public var checks: [CheckChange]
        public var verdicts: [VerdictChange]
        public var mechanisms: [MechanismChange]
    }

    /// Nil when no host has the name.
    public func hostDrift(host: String, since: Date?) async throws -> HostDrift? {
        guard try await hostKey(host) != nil else { return nil }
        let history = try await self.history(host: host, limit: 2)
        let review = since == nil ? try await lastReview() : nil
        func received(by at: Date) async throws -> HostDrift.Assessment? {
            let rows = try await client.query(
                """
                SELECT a.id, a.assessed_at FROM assessments a JOIN hosts h ON h.id = a.host_id
                WHERE h.name = \(host) AND a.received_at <= \(at) ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1
                """, logger: logger)
            for try await (id, assessed) in rows.decode((Int64, Date).self) { return .init(id: id, assessedAt: assessed) }
            return nil
        }
        let basis: String
        var base: HostDrift.Assessment?
        if let since {
            basis = "since"
            base = try await received(by: since)
        } else if let review, let atReview = try await received(by: review) {
            basis = "review"
            base = atReview
        } else {
            basis = "previous"
            base = history.count > 1 ? .init(id: history[1].id, assessedAt: history[1].assessedAt) : nil
        }
        let latest = history.first.map { HostDrift.Assessment(id: $0.id, assessedAt: $0.assessedAt) }
        var drift = HostDrift(
            host: host, basis: basis, since: since ?? (basis == "review" ? review : nil), base: base, latest: latest, checks: [], verdicts: [],
            mechanisms: [])
        guard let latest, let base, base.id != latest.id else { return drift }

        func failing(_ id: Int64) async throws -> Set<[String]> {
            let rows = try await client.query(
                "SELECT DISTINCT check_id, subject FROM findings WHERE assessment_id = \(id) AND verdict = 'fail' LIMIT 100000", logger: logger)
            var out = Set<[String]>()
            for try await (check, subject) in rows.decode((String, String).self) { out.insert([check, subject]) }
            return out
        }
        func verdicts(_ id: Int64) async throws -> (statuses: [[String]: String], mechanisms: Set<[String?]>) {
            let rows = try await client.query(
                "SELECT subject, control, status, product, product_version FROM control_verdicts WHERE assessment_id = \(id) LIMIT 100000",
                logger: logger)
            var statuses: [[String]: String] = [:]
            var mechanisms = Set<[String?]>()
            for try await (subject, control, status, product, version) in rows.decode((String, String, String, String?, String?).self) {
                statuses[[subject, control]] = status
                if product != nil { mechanisms.insert([subject, product, version]) }
            }
            return (statuses, mechanisms)
        }
        let (oldFailing, newFailing) = (try await failing(base.id), try await failing(latest.id))
        drift.checks =
            newFailing.subtracting(oldFailing).map { HostDrift.CheckChange(change: "new", checkID: $0[0], subject: $0[1]) }
            + oldFailing.subtracting(newFailing).map { HostDrift.CheckChange(change: "resolved", checkID: $0[0], subject: $0[1]) }
        drift.checks.sort { ($0.change, $0.checkID, $0.subject) < ($1.change, $1.checkID, $1.subject) }
        let (old, new) = (try await verdicts(base.id), try await verdicts(latest.id))
        for key in Set(old.statuses.keys).union(new.statuses.keys) where old.statuses[key] != new.statuses[key] {
            drift.verdicts.append(.init(subject: key[0], control: key[1], from: old.statuses[key], to: new.statuses[key]))
        }
        drift.verdicts.sort { ($0.control, $0.subject) < ($1.control, $1.subject) }
        drift.mechanisms =
            new.mechanisms.subtracting(old.mechanisms).map { .init(change: "added", subject: $0[0] ?? "", product: $0[1], version: $0[2]) }
            + old.mechanisms.subtracting(new.mechanisms).map { .init(change: "removed", subject: $0[0] ?? "", product: $0[1], version: $0[2]) }
        drift.mechanisms.sort { ($0.change, $0.subject, $0.version ?? "") < ($1.change, $1.subject, $1.version ?? "") }
        return drift
    }
}
