public import Foundation
import Logging
import PostgresNIO

/// Fleet-wide waivers: an administrator accepts a failing check until a date, on one host or on every host;
/// each is audited (`waiver.add`). The dashboard lists them with their expiry and how many hosts' latest
/// assessments the waiver currently covers.
extension FleetDatabase {
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

    /// Every waiver, those expiring first at the top, with whether it has expired and the hosts it covers now.
    public func waivers(now: Date = Date()) async throws -> [WaiverRow] {
        let rows = try await client.query(
            """
            WITH latest AS (
                SELECT DISTINCT ON (host_id) id, host_id FROM assessments ORDER BY host_id, assessed_at DESC, id DESC)
            SELECT w.id, w.check_id, w.host, w.reason, w.expires_at, w.created_by, w.created_at, w.expires_at <= \(now),
                (SELECT count(DISTINCT f.host_id) FROM findings f JOIN latest l ON f.assessment_id = l.id JOIN hosts h ON h.id = f.host_id
                 WHERE f.check_id = w.check_id AND f.verdict = 'fail' AND (w.host IS NULL OR h.name = w.host))::bigint
            FROM waivers w ORDER BY w.expires_at, w.id
            """, logger: logger)
        var out: [WaiverRow] = []
        for try await (id, check, host, reason, expires, by, at, expired, failing) in rows.decode(
            (Int64, String, String?, String, Date, String, Date, Bool, Int64).self)
        {
            out.append(
                WaiverRow(
                    id: id, checkID: check, host: host, reason: reason, expiresAt: expires, createdBy: by, createdAt: at, expired: expired,
                    failingHosts: Int(failing)))
        }
        return out
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
            WITH latest AS (
                SELECT DISTINCT ON (host_id) id, host_id FROM assessments ORDER BY host_id, assessed_at DESC, id DESC),
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
