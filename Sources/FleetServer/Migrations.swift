import Logging
public import PostgresNIO

/// The schema, as numbered migrations applied in order inside one transaction each, under an advisory lock so
/// that several server instances starting together apply each migration once. Applied versions are recorded in
/// `schema_migrations`; a database already at the newest version is left untouched.
public enum Migrations {
    /// Arbitrary constant for `pg_advisory_xact_lock`: "BULK" in ASCII.
    static let lockKey: Int64 = 0x4255_4C4B

    /// An assessment's estate summary (migration 6) computed from its own finding and verdict rows, as the SET list
    /// of an `UPDATE assessments a`: migration 6 fills existing rows with it, fleet-bench its cloned runs.
    package static let summaryFromRows = """
        failing_checks = coalesce((SELECT array_agg(DISTINCT f.check_id ORDER BY f.check_id) FROM findings f
            WHERE f.assessment_id = a.id AND f.verdict = 'fail'), '{}'),
        failing_detail = coalesce((SELECT array_agg(DISTINCT concat_ws(chr(31), f.severity, coalesce(f.product, ''), f.check_id))
            FROM findings f WHERE f.assessment_id = a.id AND f.verdict = 'fail'), '{}'),
        failing_count = (SELECT count(*) FROM findings f WHERE f.assessment_id = a.id AND f.verdict = 'fail'),
        not_satisfied = (SELECT count(*) FROM control_verdicts cv WHERE cv.assessment_id = a.id AND cv.status = 'notSatisfied'),
        products = coalesce((SELECT array_agg(DISTINCT cv.product ORDER BY cv.product) FROM control_verdicts cv
            WHERE cv.assessment_id = a.id AND cv.product IS NOT NULL), '{}')
        """

    public static let all: [(version: Int, name: String, statements: [String])] = [
        (
            1, "hosts, enrolment, submissions, assessments, findings, audit",
            [
                """
                CREATE TABLE hosts (
                    id bigserial PRIMARY KEY,
                    name text NOT NULL UNIQUE,
                    public_key bytea,
                    key_id text,
                    enrolled_at timestamptz,
                    revoked_at timestamptz,
                    last_seen_at timestamptz,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE enrol_tokens (
                    id bigserial PRIMARY KEY,
                    host_id bigint NOT NULL REFERENCES hosts(id),
                    token_sha256 text NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    expires_at timestamptz NOT NULL,
                    used_at timestamptz
                )
                """,
                """
                CREATE TABLE submission_nonces (
                    host_id bigint NOT NULL REFERENCES hosts(id),
                    nonce text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (host_id, nonce)
                )
                """,
                """
                CREATE TABLE assessments (
                    id bigserial PRIMARY KEY,
                    host_id bigint NOT NULL REFERENCES hosts(id),
                    bundle_sha256 text NOT NULL,
                    assessed_at timestamptz NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    reported_hostname text,
                    bulkhead_version text NOT NULL,
                    manifest jsonb NOT NULL,
                    document jsonb NOT NULL,
                    UNIQUE (host_id, bundle_sha256)
                )
                """,
                "CREATE INDEX assessments_host_time ON assessments (host_id, assessed_at DESC)",
                """
                CREATE TABLE control_verdicts (
                    assessment_id bigint NOT NULL REFERENCES assessments(id),
                    host_id bigint NOT NULL REFERENCES hosts(id),
                    assessed_at timestamptz NOT NULL,
                    subject text NOT NULL,
                    product text,
                    product_version text,
                    control text NOT NULL,
                    status text NOT NULL
                )
                """,
                "CREATE INDEX control_verdicts_assessment ON control_verdicts (assessment_id)",
                "CREATE INDEX control_verdicts_control ON control_verdicts (control, status)",
                """
                CREATE TABLE findings (
                    assessment_id bigint NOT NULL REFERENCES assessments(id),
                    host_id bigint NOT NULL REFERENCES hosts(id),
                    assessed_at timestamptz NOT NULL,
                    check_id text NOT NULL,
                    severity text NOT NULL,
                    verdict text NOT NULL,
                    subject text NOT NULL,
                    product text,
                    controls text[] NOT NULL
                )
                """,
                "CREATE INDEX findings_assessment ON findings (assessment_id)",
                "CREATE INDEX findings_check ON findings (check_id, verdict)",
                """
                CREATE TABLE audit_log (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL DEFAULT now(),
                    actor text NOT NULL,
                    action text NOT NULL,
                    target text,
                    detail jsonb NOT NULL DEFAULT '{}'::jsonb
                )
                """,
                """
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END
                $$
                """,
                """
                CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
                """,
                """
                CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
                """,
            ]
        ),
        (
            version: 2, name: "nonce pruning",
            statements: [
                // The pruner deletes by age; without this index each pass reads the whole table.
                "CREATE INDEX submission_nonces_received ON submission_nonces (received_at)"
            ]
        ),
        (
            version: 3, name: "fleet waivers",
            statements: [
                // A waiver accepts a failing check until it expires: on one host, or on every host (host NULL).
                """
                CREATE TABLE waivers (
                    id bigserial PRIMARY KEY,
                    check_id text NOT NULL,
                    host text,
                    reason text NOT NULL,
                    expires_at timestamptz NOT NULL,
                    created_by text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX waivers_expiry ON waivers (expires_at)",
            ]
        ),
        (
            version: 4, name: "waiver revocation",
            statements: [
                // A revoked waiver stays in the table (history), marked with when, by whom and why.
                "ALTER TABLE waivers ADD COLUMN revoked_at timestamptz, ADD COLUMN revoked_by text, ADD COLUMN revoke_reason text",
                // Findings look up the waivers of their check.
                "CREATE INDEX waivers_check ON waivers (check_id)",
            ]
        ),
        (
            version: 5, name: "ingest at scale",
            statements: [
                // The stored report (~400 KB of JSON) compressed with lz4 instead of pglz: pgbench inserting this
                // machine's 392 KB report as jsonb ran 85/s against 44/s, stored in 62 KB against 92 KB. A PostgreSQL
                // built without lz4 keeps pglz.
                """
                DO $$ BEGIN
                    ALTER TABLE assessments ALTER COLUMN document SET COMPRESSION lz4, ALTER COLUMN manifest SET COMPRESSION lz4;
                EXCEPTION WHEN feature_not_supported THEN NULL;
                END $$
                """,
                // Ordered as every host's latest assessment is chosen (DISTINCT ON (host_id) … ORDER BY host_id,
                // assessed_at DESC, id DESC), so that needs no sort; it replaces the (host_id, assessed_at DESC) index.
                "CREATE INDEX assessments_latest ON assessments (host_id, assessed_at DESC, id DESC)",
                "DROP INDEX assessments_host_time",
            ]
        ),
        (
            version: 6, name: "latest-assessment pointer and estate summaries",
            statements: [
                // Each host's latest assessment (latest assessed_at, then highest id), kept by the ingest statement
                // itself: estate queries start from it instead of choosing the latest among every run of every host.
                // latest_assessed_at is the pointer's time, so a concurrent ingest compares with the row it locked.
                """
                ALTER TABLE hosts ADD COLUMN latest_assessment_id bigint REFERENCES assessments(id),
                    ADD COLUMN latest_assessed_at timestamptz
                """,
                """
                UPDATE hosts h SET latest_assessment_id = l.id, latest_assessed_at = l.assessed_at
                FROM (SELECT DISTINCT ON (host_id) id, host_id, assessed_at FROM assessments ORDER BY host_id, assessed_at DESC, id DESC) l
                WHERE l.host_id = h.id
                """,
                // What the estate pages read of an assessment, extracted at ingest: the profile's classification (the
                // filter), the distinct failing checks (waivers, the failing-checks table) with their severities and
                // products, the counts of the hosts table. summarised: false for rows stored before this migration,
                // whose control gates (below) were not recorded.
                """
                ALTER TABLE assessments ADD COLUMN classification text, ADD COLUMN failing_checks text[] NOT NULL DEFAULT '{}',
                    ADD COLUMN failing_detail text[] NOT NULL DEFAULT '{}', ADD COLUMN failing_count integer NOT NULL DEFAULT 0,
                    ADD COLUMN not_satisfied integer NOT NULL DEFAULT 0, ADD COLUMN products text[] NOT NULL DEFAULT '{}',
                    ADD COLUMN summarised boolean NOT NULL DEFAULT false
                """,
                """
                UPDATE assessments a SET classification = a.document #>> '{profile,host,classification}',
                    \(summaryFromRows)
                """,
                // A verdict with a failing finding keeps its findings as the posture's waiver gate needs them (outcome,
                // severity, whether filed under the control, check id), so the posture applies waivers in force without
                // decoding stored reports; gate_failing: the failing checks, which a waiver must name to matter.
                "ALTER TABLE control_verdicts ADD COLUMN gate text[], ADD COLUMN gate_failing text[]",
                // Findings are read per latest assessment, often for one check.
                "CREATE INDEX findings_assessment_check ON findings (assessment_id, check_id)",
                "DROP INDEX findings_assessment",
            ]
        ),
        (
            version: 7, name: "reports stored as bytes",
            statements: [
                // The report is kept as the bytes the host signed (UTF-8 JSON, checked at ingest), compressed with lz4
                // where PostgreSQL has it, no longer parsed into jsonb: that parse of a ~400 KB report was the largest
                // part of PostgreSQL's work per submission. Nothing queries inside it since migration 6 (the estate
                // reads what ingest extracted); the server decodes it for the HTML report and the OSCAL export.
                "ALTER TABLE assessments ALTER COLUMN document TYPE bytea USING convert_to(document::text, 'UTF8')",
                """
                DO $$ BEGIN
                    ALTER TABLE assessments ALTER COLUMN document SET COMPRESSION lz4;
                EXCEPTION WHEN feature_not_supported THEN NULL;
                END $$
                """,
                // Every estate query reaches findings and verdicts through an assessment id (the pointer): these two
                // indexes were only upkeep on each ingested row.
                "DROP INDEX findings_check",
                "DROP INDEX control_verdicts_control",
            ]
        ),
        (
            version: 8, name: "hosts failing a check, by index",
            statements: [
                // The failing checks of each host's latest assessment, kept on the host row by the ingest statement as it
                // moves the pointer, with a GIN index: "hosts failing check X" (the dashboard's filter, the exports'
                // pages) is an index lookup instead of a probe of every host's findings.
                "ALTER TABLE hosts ADD COLUMN latest_failing_checks text[] NOT NULL DEFAULT '{}'",
                """
                UPDATE hosts h SET latest_failing_checks = a.failing_checks FROM assessments a
                WHERE a.id = h.latest_assessment_id AND a.failing_checks <> '{}'
                """,
                "CREATE INDEX hosts_latest_failing ON hosts USING gin (latest_failing_checks)",
            ]
        ),
    ]

    public static var newestVersion: Int { all.map(\.version).max() ?? 0 }

    /// Applies every migration not yet applied (up to `through`, when given: a test builds an older schema);
    /// returns the versions applied now.
    @discardableResult
    public static func run(_ client: PostgresClient, logger: Logger, through: Int? = nil) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """,
                logger: logger)
        }
        var applied: [Int] = []
        for migration in all where migration.version <= through ?? Int.max {
            let didApply = try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                let rows = try await connection.query("SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
                for try await _ in rows { return false }
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                return true
            }
            if didApply {
                logger.info("applied migration \(migration.version): \(migration.name)")
                applied.append(migration.version)
            }
        }
        return applied
    }
}
