import Crypto
public import FleetProtocol
public import Foundation
public import Logging
import NIOCore
public import PostgresNIO

/// Everything the server keeps, in PostgreSQL. Each operation is one statement or one transaction, so a
/// failure anywhere leaves nothing half-written.
public struct FleetDatabase: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// Estate summaries this instance read, with the estate state they were read at (`EstateCache`).
    let cache = EstateCache()

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// How long an enrolment token is valid.
    public static let tokenLifetime: TimeInterval = 24 * 3600

    // MARK: enrolment

    /// Creates (or re-opens) the host `name` and returns a fresh one-time token; only its SHA-256 is stored.
    public func issueEnrolToken(host name: String, actor: String, now: Date = Date()) async throws -> String {
        guard FleetWire.isValidHostName(name) else {
            throw FleetServerError(.malformed, "a host name is 1–253 characters of letters, digits, '.', '-' and '_'")
        }
        let token = "bhe_" + Self.randomHex(bytes: 32)
        let hash = FleetWire.sha256Hex(Data(token.utf8))
        let expires = now.addingTimeInterval(Self.tokenLifetime)
        try await transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO hosts (name) VALUES (\(name)) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
                """, logger: logger)
            var hostID: Int64 = 0
            for try await id in rows.decode(Int64.self) { hostID = id }
            try await connection.query(
                "INSERT INTO enrol_tokens (host_id, token_sha256, expires_at) VALUES (\(hostID), \(hash), \(expires))", logger: logger)
            try await Self.audit(
                connection, actor: actor, action: "enrol.issue", target: name, detail: ["expiresAt": FleetDatabase.iso(expires)], logger: logger)
        }
        return token
    }

    /// Registers the public key of an enrolling host: the token must be unused, unexpired and issued for this
    /// host, and the proof must be the new key's signature. The token is spent in the same transaction.
    public func enrol(_ request: EnrolRequest, now: Date = Date()) async throws -> EnrolResponse {
        guard FleetWire.isValidHostName(request.host) else { throw FleetServerError(.malformed, "the host name is not valid") }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: request.publicKey) else {
            throw FleetServerError(.malformed, "publicKey is not a raw Ed25519 public key (32 bytes, base64)")
        }
        let text = FleetWire.enrolString(host: request.host, token: request.token, publicKey: request.publicKey)
        guard key.isValidSignature(request.proof, for: Data(text.utf8)) else {
            throw FleetServerError(.badSignature, "the enrolment proof is not signed by the key being enrolled")
        }
        let hash = FleetWire.sha256Hex(Data(request.token.utf8))
        let keyID = FleetWire.keyID(request.publicKey)
        let keyBytes = ByteBuffer(bytes: request.publicKey)
        let host = request.host
        let logger = logger
        try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE enrol_tokens t SET used_at = \(now) FROM hosts h
                WHERE t.host_id = h.id AND t.token_sha256 = \(hash) AND h.name = \(host) AND t.used_at IS NULL AND t.expires_at > \(now)
                RETURNING h.id
                """, logger: logger)
            var hostID: Int64?
            for try await id in rows.decode(Int64.self) { hostID = id }
            guard let hostID else {
                throw FleetServerError(.badToken, "the enrolment token is unknown, already used, expired or issued for another host")
            }
            try await connection.query(
                """
                UPDATE hosts SET public_key = \(keyBytes), key_id = \(keyID), enrolled_at = \(now), revoked_at = NULL WHERE id = \(hostID)
                """, logger: logger)
            try await Self.audit(connection, actor: "host:\(host)", action: "enrol.register", target: host, detail: ["keyID": keyID], logger: logger)
        }
        return EnrolResponse(host: host, keyID: keyID, enrolledAt: now)
    }

    /// Revokes the host's key: its submissions are refused from now on (its stored assessments stay).
    public func revoke(host name: String, actor: String, now: Date = Date()) async throws {
        let logger = logger
        try await transaction { connection in
            let rows = try await connection.query(
                "UPDATE hosts SET revoked_at = \(now) WHERE name = \(name) RETURNING id", logger: logger)
            var found = false
            for try await _ in rows.decode(Int64.self) { found = true }
            guard found else { throw FleetServerError(.notFound, "no host named \(name) is enrolled") }
            try await connection.query(
                "UPDATE enrol_tokens SET used_at = \(now) WHERE used_at IS NULL AND host_id = (SELECT id FROM hosts WHERE name = \(name))",
                logger: logger)
            try await Self.audit(connection, actor: actor, action: "host.revoke", target: name, detail: [:], logger: logger)
        }
    }

    // MARK: ingest

    struct HostKey {
        var id: Int64
        var publicKey: [UInt8]?
        var revoked: Bool
    }

    func hostKey(_ name: String) async throws -> HostKey? {
        let rows = try await client.query(
            "SELECT id, public_key, revoked_at IS NOT NULL FROM hosts WHERE name = \(name)", logger: logger)
        for try await (id, key, revoked) in rows.decode((Int64, ByteBuffer?, Bool).self) {
            return HostKey(id: id, publicKey: key.map { Array($0.readableBytesView) }, revoked: revoked)
        }
        return nil
    }

    /// Verifies and stores one submission: the envelope (signature, clock window), the nonce (never seen
    /// for this host), the bundle (signed by the same enrolled key, every file intact), then the report. All
    /// writes are one statement (atomic, one round trip); the same bundle twice answers the first one's id.
    /// `admit` runs once the envelope is verified (the host is who it says): the per-host rate limit.
    public func ingest(
        headers rawHeaders: SubmissionEnvelope.Headers, body: Data, now: Date = Date(),
        admit: @Sendable (String) throws(FleetServerError) -> Void = { _ in }
    ) async throws -> SubmissionResponse {
        let headers = rawHeaders
        guard let host = try await hostKey(headers.host) else {
            throw FleetServerError(.unknownHost, "host \(headers.host) is not enrolled (bulkhead-server enrol --host NAME)")
        }
        guard let keyBytes = host.publicKey, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            throw FleetServerError(.unknownHost, "host \(headers.host) has a token but no key yet: run `bulkhead agent enrol` on it")
        }
        guard !host.revoked else {
            throw FleetServerError(.revokedKey, "the key of host \(headers.host) was revoked; enrol the host again")
        }
        do {
            try SubmissionEnvelope.verify(headers, body: body, publicKey: key, now: now)
        } catch {
            throw FleetServerError(error.code == .staleTimestamp ? .staleTimestamp : .badSignature, error.message)
        }
        try admit(headers.host)
        let payload: BundlePayload
        do {
            payload = try SubmissionReader.payload(body)
        } catch {
            throw FleetServerError(.malformed, "the body is not a bundle payload (JSON with manifest, signature and files)")
        }
        let manifest: BundlePayload.Manifest
        do {
            manifest = try payload.verify(publicKey: key)
        } catch {
            throw FleetServerError(.tampered, error.message)
        }
        guard let reportData = payload.files[BundlePayload.assessmentName] else {
            throw FleetServerError(.malformed, "the bundle has no \(BundlePayload.assessmentName)")
        }
        let digest: ReportDigest
        do {
            digest = try SubmissionReader.digest(reportData)
        } catch {
            throw FleetServerError(.malformed, "\(BundlePayload.assessmentName) is not an assessment report")
        }
        guard String(validating: reportData, as: UTF8.self) != nil, let manifestText = String(data: payload.manifest, encoding: .utf8) else {
            throw FleetServerError(.malformed, "the report or the manifest is not UTF-8")
        }
        let values = Self.ingestValues(
            hostID: host.id, nonce: headers.nonce, bundleSHA: payload.bundleSHA256, hostname: manifest.hostname,
            bulkheadVersion: manifest.bulkheadVersion, manifest: manifestText, report: reportData, digest: digest, now: now)
        let bundleSHA = values.bundleSHA
        let nonce = values.nonce
        var answer: (fresh: Int64, existing: Int64?, created: Int64?)?
        do {
            // A prepared statement: parsed and planned once per connection, not for every submission.
            for try await row in try await client.execute(IngestStatement(values), logger: logger) { answer = row }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // unique_violation: the same bundle was stored by another request between the snapshot and the insert.
            throw FleetServerError(.conflict, "the same bundle is being stored by another request; send it again")
        }
        if let answer {
            guard answer.fresh == 1 else {
                throw FleetServerError(.replay, "nonce \(nonce) was already used by host \(headers.host): a replayed submission")
            }
            if let existing = answer.existing { return SubmissionResponse(id: existing, bundleSHA256: bundleSHA, duplicate: true) }
            if let created = answer.created { return SubmissionResponse(id: created, bundleSHA256: bundleSHA, duplicate: false) }
        }
        throw FleetServerError(.database, "the database did not answer the submission's statement")
    }

    /// What the ingest statement stores of a verified submission: every verdict row and every finding row travel as
    /// arrays. Optional columns travel as "" and come back as NULL; a finding's controls are joined by U+001F.
    static func ingestValues(
        hostID: Int64, nonce: String, bundleSHA: String, hostname: String?, bulkheadVersion: String, manifest: String, report: Data,
        digest: ReportDigest, now: Date
    ) -> IngestStatement.Values {
        let rows = digest.rows
        let findings = rows.flatMap { row in row.findings.map { (row, $0) } }
        let gates = rows.map(ReportDigest.gate)
        let summary = digest.summary(rows)
        return IngestStatement.Values(
            hostID: hostID, nonce: nonce, bundleSHA: bundleSHA, assessedAt: digest.assessedAt,
            hostname: hostname, bulkheadVersion: bulkheadVersion, manifest: manifest,
            report: ByteBuffer(bytes: report), summary: summary, now: now,
            subjects: rows.map(\.subject), products: rows.map { $0.product ?? "" }, versions: rows.map { $0.version ?? "" },
            controls: rows.map(\.control), statuses: rows.map(\.status), gateFindings: gates.map { $0?.gate ?? "" },
            gateFailing: gates.map { $0?.failing ?? "" }, checkIDs: findings.map(\.1.checkID),
            severities: findings.map { $0.1.severity ?? "unknown" }, verdicts: findings.map(\.1.verdict),
            findingSubjects: findings.map { $0.1.subject ?? $0.0.subject }, findingProducts: findings.map { $0.0.product ?? "" },
            findingControls: findings.map { ($0.1.controls ?? [$0.0.control]).joined(separator: "\u{1F}") })
    }

    // MARK: housekeeping

    /// How long a nonce is kept. A replay is refused by its nonce only while its timestamp could still pass the
    /// ±window check: at most 2 × window after the nonce was first received. The rest is margin for the clocks
    /// of the server instances and PostgreSQL (`received_at` is the database's time).
    public static let nonceRetention: TimeInterval = 2 * FleetWire.timestampWindow + 300

    /// Deletes the nonces received more than `retention` seconds ago (by the database's clock); returns how many.
    @discardableResult
    public func pruneNonces(retention: TimeInterval = FleetDatabase.nonceRetention) async throws -> Int {
        let seconds = retention.rounded(.up)
        let rows = try await client.query(
            """
            WITH gone AS (DELETE FROM submission_nonces WHERE received_at < now() - make_interval(secs => \(seconds)) RETURNING 1)
            SELECT count(*) FROM gone
            """, logger: logger)
        var count = 0
        for try await n in rows.decode(Int.self) { count = n }
        return count
    }

    /// One transaction; an error the body throws (a refusal) comes out as itself, not wrapped by PostgresNIO.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> sending T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? FleetServerError { throw refusal }
            throw error
        }
    }

    // MARK: audit

    static func audit(
        _ connection: PostgresConnection, actor: String, action: String, target: String?, detail: [String: String], logger: Logger
    ) async throws {
        let data = try JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys])
        let text = String(decoding: data, as: UTF8.self)
        try await connection.query(
            "INSERT INTO audit_log (actor, action, target, detail) VALUES (\(actor), \(action), \(target), \(text)::jsonb)", logger: logger)
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// The ingest statement as a prepared statement (PostgresNIO prepares it once per connection): PostgreSQL parses and
/// plans this large statement once instead of for every submission. Its SQL is the text `query` renders — the values
/// are all bind parameters, so every submission's text is the same.
struct IngestStatement: PostgresPreparedStatement {
    typealias Row = (Int64, Int64?, Int64?)

    struct Values: Equatable {
        var hostID: Int64
        var nonce: String
        var bundleSHA: String
        var assessedAt: String
        var hostname: String?
        var bulkheadVersion: String
        var manifest: String
        var report: ByteBuffer
        var summary: ReportDigest.Summary
        var now: Date
        var subjects: [String]
        var products: [String]
        var versions: [String]
        var controls: [String]
        var statuses: [String]
        var gateFindings: [String]
        var gateFailing: [String]
        var checkIDs: [String]
        var severities: [String]
        var verdicts: [String]
        var findingSubjects: [String]
        var findingProducts: [String]
        var findingControls: [String]
    }

    static let sql = query(
        Values(
            hostID: 0, nonce: "", bundleSHA: "", assessedAt: "", hostname: "", bulkheadVersion: "", manifest: "", report: ByteBuffer(),
            summary: .init(classification: "", failingChecks: [], failingDetail: [], failingCount: 0, notSatisfied: 0, products: []), now: Date(),
            subjects: [], products: [], versions: [], controls: [], statuses: [], gateFindings: [], gateFailing: [], checkIDs: [], severities: [],
            verdicts: [], findingSubjects: [], findingProducts: [], findingControls: [])
    ).sql

    let bindings: PostgresBindings

    init(_ values: Values) {
        let query = Self.query(values)
        assert(query.sql == Self.sql)
        bindings = query.binds
    }

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    // One statement, so one round trip and atomic without BEGIN/COMMIT: the nonce (a replay inserts nothing
    // and stores nothing), last_seen_at, then — unless this host already stored the bundle — the
    // assessment with its verdict and finding rows. Another request storing the same bundle at the same time
    // makes the assessment's unique key fail: the whole statement, nonce included, is undone (a conflict).
    static func query(_ v: Values) -> PostgresQuery {
        return """
            WITH fresh AS (
                INSERT INTO submission_nonces (host_id, nonce) VALUES (\(v.hostID), \(v.nonce)) ON CONFLICT DO NOTHING RETURNING 1),
            existing AS (
                SELECT id FROM assessments WHERE host_id = \(v.hostID) AND bundle_sha256 = \(v.bundleSHA)),
            created AS (
                INSERT INTO assessments (host_id, bundle_sha256, assessed_at, reported_hostname, bulkhead_version, manifest, document,
                    classification, failing_checks, failing_detail, failing_count, not_satisfied, products, summarised)
                SELECT \(v.hostID), \(v.bundleSHA), \(v.assessedAt)::timestamptz, \(v.hostname), \(v.bulkheadVersion),
                    \(v.manifest)::jsonb, \(v.report), \(v.summary.classification), \(v.summary.failingChecks)::text[],
                    \(v.summary.failingDetail)::text[], \(v.summary.failingCount), \(v.summary.notSatisfied), \(v.summary.products)::text[], true
                WHERE EXISTS (SELECT 1 FROM fresh) AND NOT EXISTS (SELECT 1 FROM existing)
                RETURNING id, assessed_at),
            seen AS (
                -- The latest-assessment pointer moves only forward in (assessed_at, id): an older report arriving late
                -- leaves it. Concurrent submissions of the host wait on this row and compare with the pointer the
                -- previous one committed (READ COMMITTED re-reads the updated row), so the latest always wins.
                UPDATE hosts h SET last_seen_at = \(v.now),
                    latest_assessment_id = CASE WHEN c.id IS NOT NULL AND (h.latest_assessment_id IS NULL
                        OR (c.assessed_at, c.id) > (h.latest_assessed_at, h.latest_assessment_id)) THEN c.id ELSE h.latest_assessment_id END,
                    latest_assessed_at = CASE WHEN c.id IS NOT NULL AND (h.latest_assessment_id IS NULL
                        OR (c.assessed_at, c.id) > (h.latest_assessed_at, h.latest_assessment_id)) THEN c.assessed_at ELSE h.latest_assessed_at END,
                    latest_failing_checks = CASE WHEN c.id IS NOT NULL AND (h.latest_assessment_id IS NULL
                        OR (c.assessed_at, c.id) > (h.latest_assessed_at, h.latest_assessment_id)) THEN \(v.summary.failingChecks)::text[]
                        ELSE h.latest_failing_checks END
                FROM (SELECT 1) AS one LEFT JOIN created c ON true
                WHERE h.id = \(v.hostID) AND EXISTS (SELECT 1 FROM fresh) RETURNING 1),
            verdict_rows AS (
                INSERT INTO control_verdicts (assessment_id, host_id, assessed_at, subject, product, product_version, control, status, gate,
                    gate_failing)
                SELECT created.id, \(v.hostID), created.assessed_at, s, NULLIF(p, ''), NULLIF(v, ''), c, st,
                    string_to_array(NULLIF(g, ''), chr(30)), string_to_array(NULLIF(gf, ''), chr(30))
                FROM created, unnest(\(v.subjects)::text[], \(v.products)::text[], \(v.versions)::text[], \(v.controls)::text[], \(v.statuses)::text[],
                    \(v.gateFindings)::text[], \(v.gateFailing)::text[]) AS t(s, p, v, c, st, g, gf)),
            finding_rows AS (
                INSERT INTO findings (assessment_id, host_id, assessed_at, check_id, severity, verdict, subject, product, controls)
                SELECT created.id, \(v.hostID), created.assessed_at, c, s, v, su, NULLIF(p, ''), string_to_array(ct, chr(31))
                FROM created, unnest(\(v.checkIDs)::text[], \(v.severities)::text[], \(v.verdicts)::text[], \(v.findingSubjects)::text[],
                    \(v.findingProducts)::text[], \(v.findingControls)::text[]) AS t(c, s, v, su, p, ct))
            SELECT (SELECT count(*) FROM fresh)::bigint, (SELECT id FROM existing), (SELECT id FROM created)
            """
    }
}
