import Assessment
import BulkheadModel
import Foundation
import GRDB

/// The store's schema, one GRDB migration per version. Never edit a shipped migration: add a new one,
/// and add a fixture of the previous version to StoreTests/MigrationTests.
enum Schema {
    /// `PRAGMA application_id`: "BKHD". A file with any other non-zero id is never touched.
    static let applicationID: Int32 = 0x424B_4844
    /// Written to `bulkhead_store.format` by v1.
    static let marker = "bulkhead-store"

    static let identifiers = ["v1-history", "v2-review-process", "v3-whole-assessment"]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-history") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: v1SQL)
            try db.execute(sql: "INSERT INTO bulkhead_store (format, createdAt) VALUES (?, CURRENT_TIMESTAMP)", arguments: [marker])
        }
        m.registerMigration("v2-review-process") { db in
            try db.execute(sql: v2SQL)
        }
        m.registerMigration("v3-whole-assessment") { db in
            try db.execute(sql: v3SQL)
            try backfillV3(db)
        }
        return m
    }

    /// v3: the run's inputs. Runs recorded before v3 kept only the mechanisms' findings and verdicts; the
    /// host's own (ISM-1605, 1461, 1607, 1848 about `host`), the inputs and the open advisories are read
    /// back from the run's verbatim `assessment.json` document.
    static let v3SQL = "ALTER TABLE runs ADD COLUMN inputs BLOB;"

    /// The parts of an `assess --format json` document that v1 and v2 did not normalise. Every key is
    /// optional, so a document of any schema-1 shape decodes; one that does not decode is left as it was.
    private struct StoredReport: Decodable {
        struct Control: Decodable {
            var verdict: ControlVerdict
            var findings: [Finding]
        }
        var hostControls: [Control]?
        var inputs: AssessmentReport.Inputs?
        var openAdvisories: [String: [String]]?
    }

    static func backfillV3(_ db: Database) throws {
        let decoder = JSONCoding.decoder()
        let encoder = JSONCoding.encoder(.compact)
        let documents = try Row.fetchAll(db, sql: "SELECT runId, content FROM documents WHERE name = 'assessment.json'")
        for row in documents {
            let runID: Int64 = row["runId"]
            let content: Data = row["content"]
            guard let report = try? decoder.decode(StoredReport.self, from: content) else { continue }
            if let inputs = report.inputs, let json = try? encoder.encode(inputs) {
                try db.execute(sql: "UPDATE runs SET inputs = ? WHERE id = ?", arguments: [json, runID])
            }
            let controls = report.hostControls ?? []
            var seen = Set(
                try Row.fetchAll(db, sql: "SELECT checkId, subject FROM findings WHERE runId = ?", arguments: [runID]).map {
                    ($0["checkId"] as String) + "\u{0}" + ($0["subject"] as String)
                })
            for finding in controls.flatMap(\.findings) where seen.insert(finding.checkID + "\u{0}" + finding.subject).inserted {
                guard let json = try? encoder.encode(finding) else { continue }
                var reason: String?
                if case .inconclusive(let why) = finding.outcome { reason = why }
                try db.execute(
                    sql: "INSERT INTO findings (runId, checkId, subject, outcome, reason, severity, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [runID, finding.checkID, finding.subject, finding.outcome.label, reason, finding.severity.rawValue, json])
            }
            for verdict in controls.map(\.verdict) {
                let known =
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM verdicts WHERE runId = ? AND control = ? AND subject = ?",
                        arguments: [runID, verdict.control.rawValue, verdict.subject.rawValue]) ?? 0
                guard known == 0, let json = try? encoder.encode(verdict) else { continue }
                try db.execute(
                    sql: "INSERT INTO verdicts (runId, control, subject, status, confidence, json) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        runID, verdict.control.rawValue, verdict.subject.rawValue, verdict.status.rawValue, verdict.confidence.rawValue, json,
                    ])
            }
            for (product, ids) in report.openAdvisories ?? [:] {
                for id in Set(ids) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO advisories (runId, product, advisoryId) VALUES (?, ?, ?)", arguments: [runID, product, id])
                }
            }
        }
    }

    /// v1: assessment history. Kept verbatim in StoreTests/MigrationTests as the v1 fixture.
    static let v1SQL = """
        CREATE TABLE bulkhead_store (format TEXT NOT NULL, createdAt TEXT NOT NULL);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            host TEXT NOT NULL,
            source TEXT NOT NULL,
            startedAt DATETIME NOT NULL,
            finishedAt DATETIME NOT NULL,
            bulkheadVersion TEXT NOT NULL,
            recordedAt DATETIME NOT NULL
        );
        CREATE INDEX runs_host ON runs(host, finishedAt);
        CREATE TABLE mechanisms (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            product TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT,
            role TEXT NOT NULL,
            state TEXT NOT NULL,
            json BLOB NOT NULL,
            PRIMARY KEY (runId, product)
        );
        CREATE TABLE guests (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            product TEXT NOT NULL,
            name TEXT NOT NULL,
            running INTEGER NOT NULL
        );
        CREATE INDEX guests_run ON guests(runId);
        CREATE TABLE findings (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            checkId TEXT NOT NULL,
            subject TEXT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT,
            severity TEXT NOT NULL,
            json BLOB NOT NULL
        );
        CREATE INDEX findings_run ON findings(runId, checkId, subject);
        CREATE TABLE verdicts (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            control TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL,
            confidence TEXT NOT NULL,
            json BLOB NOT NULL
        );
        CREATE INDEX verdicts_run ON verdicts(runId);
        CREATE TABLE advisories (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            product TEXT NOT NULL,
            advisoryId TEXT NOT NULL,
            PRIMARY KEY (runId, product, advisoryId)
        );
        CREATE TABLE staleFacts (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            fact TEXT NOT NULL,
            PRIMARY KEY (runId, fact)
        );
        CREATE TABLE problems (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            subject TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX problems_run ON problems(runId);
        CREATE TABLE documents (
            runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (runId, name)
        );
        """

    /// v2: the review process — reviews (and the runs they covered), waivers, the training register.
    static let v2SQL = """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            startedAt DATETIME NOT NULL,
            startedBy TEXT NOT NULL,
            scope TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            signedOffAt DATETIME,
            signedOffBy TEXT,
            decisions TEXT
        );
        CREATE TABLE reviewRuns (
            reviewId INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
            runId INTEGER NOT NULL REFERENCES runs(id),
            PRIMARY KEY (reviewId, runId)
        );
        CREATE TABLE waivers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            checkId TEXT NOT NULL,
            host TEXT NOT NULL,
            subject TEXT,
            validFrom DATETIME NOT NULL,
            validUntil DATETIME NOT NULL,
            reason TEXT NOT NULL,
            approver TEXT NOT NULL,
            recordedAt DATETIME NOT NULL
        );
        CREATE INDEX waivers_check ON waivers(host, checkId);
        CREATE TABLE training (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            person TEXT NOT NULL,
            topic TEXT NOT NULL,
            completedAt DATETIME NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            recordedAt DATETIME NOT NULL
        );
        CREATE INDEX training_person ON training(person, completedAt);
        """
}
