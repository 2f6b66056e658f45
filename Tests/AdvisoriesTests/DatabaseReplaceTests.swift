import Foundation
import GRDB
import Testing

@testable import Advisories

/// The writer's replacement paths: an id stored by another file (or twice in one batch), a file touched
/// but not changed, and a database written by the first schema.
@Suite struct DatabaseReplaceTests {
    static let runcRecord = "cve5/CVE-2024-21626.json"

    /// Lookup keys that point at no stored advisory (must stay 0 whatever is replaced).
    static func orphanKeys(_ db: AdvisoryDatabase) throws -> Int {
        try db.queue.read { (db: Database) in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM affected_keys WHERE advisory NOT IN (SELECT n FROM advisories)") ?? -1
        }
    }

    static func writeChanged(_ dir: String, vendor: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var text = try String(contentsOfFile: Fixture.path(runcRecord), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"opencontainers\"", with: "\"\(vendor)\"")
        try text.write(toFile: dir + "/CVE-2024-21626.json", atomically: true, encoding: .utf8)
    }

    @Test func sameIDInTwoFilesOfOneImportLastFileWins() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.path(Self.runcRecord), toPath: dir + "/a/CVE-2024-21626.json")
        try Self.writeChanged(dir + "/b", vendor: "someone-else")
        let db = try AdvisoryDatabase(path: dir + "/db.sqlite")
        let r = try await AdvisoryImporter.run([dir + "/a", dir + "/b"], into: db)
        #expect(r.problems.isEmpty && r.advisories == 2)
        #expect(try db.counts().advisories == 1)
        #expect(try db.advisory(id: "CVE-2024-21626", format: .cve5)?.affected.first?.vendor == "someone-else")
        #expect(try db.candidates(for: try Fixture.aliases("runc")).allSatisfy { $0.id != "CVE-2024-21626" })
        #expect(try Self.orphanKeys(db) == 0)
    }

    @Test func sameIDFromAnotherFileInALaterImportReplacesItsKeysToo() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/db.sqlite")
        _ = try await AdvisoryImporter.run([Fixture.path(Self.runcRecord)], into: db)
        let runc = try Fixture.aliases("runc")
        #expect(try db.candidates(for: runc).contains { $0.id == "CVE-2024-21626" })
        try Self.writeChanged(dir + "/other", vendor: "someone-else")
        _ = try await AdvisoryImporter.run([dir + "/other"], into: db)
        #expect(try db.counts().advisories == 1)
        #expect(try db.candidates(for: runc).allSatisfy { $0.id != "CVE-2024-21626" })
        #expect(try Self.orphanKeys(db) == 0)
        // And back, from a third file holding the original record.
        let original = dir + "/original.json"
        try FileManager.default.copyItem(atPath: Fixture.path(Self.runcRecord), toPath: original)
        _ = try await AdvisoryImporter.run([original], into: db)
        #expect(try db.candidates(for: runc).contains { $0.id == "CVE-2024-21626" })
        #expect(try Self.orphanKeys(db) == 0)
    }

    @Test func touchedButUnchangedFileIsNotRewritten() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/CVE-2024-21626.json"
        try FileManager.default.copyItem(atPath: Fixture.path(Self.runcRecord), toPath: file)
        let db = try AdvisoryDatabase(path: dir + "/db.sqlite")
        let first = try await AdvisoryImporter.run([file], into: db)
        #expect(first.filesImported == 1)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: file)
        let second = try await AdvisoryImporter.run([file], into: db)
        #expect(second.filesImported == 0 && second.filesUnchanged == 1)
        // The new mtime was recorded: a third run does not even read the file.
        let third = try await AdvisoryImporter.run([file], into: db)
        #expect(third.filesUnchanged == 1)
        #expect(try db.counts().advisories == 1)
    }

    @Test func firstSchemaIsMigratedAndTheNextImportReadsEverythingAgain() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try AdvisoryDatabase.migrator.migrate(queue, upTo: "v1")
            try await queue.write { db in
                try db.execute(
                    sql: "INSERT INTO files VALUES (?, 1, 1, 'fnv1a64:0:1', 1, 0, '2026-01-01')", arguments: [Fixture.path(Self.runcRecord)])
                try db.execute(
                    sql: """
                        INSERT INTO advisories VALUES ('CVE-2024-21626', 'cve5', 'f', NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, 0, '', NULL, 0, '{}')
                        """)
            }
        }
        let db = try AdvisoryDatabase(path: path)
        #expect(try db.counts() == AdvisoryDatabase.Counts(advisories: 0, files: 0, kev: 0, problems: 0))
        let r = try await AdvisoryImporter.run([Fixture.path(Self.runcRecord)], into: db)
        #expect(r.filesImported == 1)
        #expect(try db.candidates(for: try Fixture.aliases("runc")).contains { $0.id == "CVE-2024-21626" })
    }
}
