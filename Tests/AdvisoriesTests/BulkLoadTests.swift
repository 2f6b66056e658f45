import BulkheadTestSupport
import Foundation
import GRDB
import Testing

@testable import Advisories

/// A first import into an empty database is built beside it and renamed into place (`BulkLoad`): the same
/// rows as an import written in place, nothing of it visible when it is killed, and no file left beside.
@Suite(.serialized) struct BulkLoadTests {
    /// Every row of every table (times left out), as text, for comparing two databases.
    static func dump(_ path: String) throws -> [String: [String]] {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in
            var out: [String: [String]] = [:]
            for t in BulkLoad.tables {
                let cols = try Row.fetchAll(db, sql: "PRAGMA table_info(\(t))").map { $0["name"] as String }.filter {
                    $0 != "imported_at" && $0 != "at"
                }
                out[t] = try Row.fetchAll(db, sql: "SELECT \(cols.joined(separator: ", ")) FROM \(t) ORDER BY \(cols.joined(separator: ", "))")
                    .map { $0.description }
            }
            return out
        }
    }

    static func indexes(_ path: String) throws -> [String] {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in
            let sql = "SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
            return try String.fetchAll(db, sql: sql)
        }
    }

    static let inputs = ["cve5", "osv", "nvd2", "kev", "malformed"].map(Fixture.path)

    @Test func bulkLoadStoresTheSameRowsAsAnImportInPlace() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPlace = try AdvisoryDatabase(path: dir + "/in-place.sqlite")
        var options = ImportOptions(batchSize: 7)
        options.bulkLoad = false
        let a = try await AdvisoryImporter.run(Self.inputs, into: inPlace, options: options)
        let bulk = try AdvisoryDatabase(path: dir + "/bulk.sqlite")
        let b = try await AdvisoryImporter.run(Self.inputs, into: bulk, options: ImportOptions(batchSize: 7))
        #expect(a.advisories == b.advisories && a.filesImported == b.filesImported && a.problems.count == b.problems.count)
        #expect(b.advisories > 60)
        // The value the import was given reads the renamed database.
        #expect(try bulk.counts() == inPlace.counts())
        #expect(try bulk.summary().recordsByFormat == inPlace.summary().recordsByFormat)
        #expect(try Self.dump(dir + "/bulk.sqlite") == Self.dump(dir + "/in-place.sqlite"))
        // The indexes left out while loading are all there, as the migrations made them.
        #expect(try Self.indexes(dir + "/bulk.sqlite") == Self.indexes(dir + "/in-place.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bulk.sqlite.import"))
        let mode = try await DatabaseQueue(path: dir + "/bulk.sqlite").read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        // A second import goes in place and finds every file unchanged.
        let again = try await AdvisoryImporter.run(Self.inputs, into: bulk)
        #expect(again.filesImported == 0 && again.filesUnchanged == b.filesImported)
    }

    @Test func anotherConnectionToTheEmptyDatabaseGetsTheRowsCopiedIn() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.sqlite"
        let db = try AdvisoryDatabase(path: path)
        let other = try AdvisoryDatabase(path: path)  // keeps the file (and its WAL) open
        #expect(try other.counts().advisories == 0)
        let report = try await AdvisoryImporter.run(Self.inputs, into: db)
        #expect(report.advisories > 60)
        // Not renamed under the open connection: it sees the rows too.
        #expect(try other.counts() == db.counts())
        #expect(try other.counts().advisories > 60)
        #expect(!FileManager.default.fileExists(atPath: path + ".import"))
        let inPlace = try AdvisoryDatabase(path: dir + "/in-place.sqlite")
        var options = ImportOptions()
        options.bulkLoad = false
        _ = try await AdvisoryImporter.run(Self.inputs, into: inPlace, options: options)
        #expect(try Self.dump(path) == Self.dump(dir + "/in-place.sqlite"))
    }

    @Test func aFailedBulkLoadLeavesTheDatabaseEmptyAndNoFileBeside() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        // Only a missing path: reported, nothing stored, the database still empty and usable.
        let report = try await AdvisoryImporter.run([dir + "/missing"], into: db)
        #expect(report.failedInputs == [dir + "/missing"])
        #expect(try db.problems().count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/a.sqlite.import"))
    }

    /// While one import builds beside an empty database (it holds `<db>.import-lock`), a second import of that
    /// database is refused with the reason, not written in place into the file the first one's rename replaces;
    /// once the lock is free it imports.
    @Test func aSecondImportWhileOneBuildsBesideIsRefusedNotLost() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.sqlite"
        let db = try AdvisoryDatabase(path: path)
        try #require(FileManager.default.createFile(atPath: path + ".import-lock", contents: nil))
        let holder = try #require(FileHandle(forUpdatingAtPath: path + ".import-lock"))
        #expect(flock(holder.fileDescriptor, LOCK_EX | LOCK_NB) == 0)
        await #expect {
            _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        } throws: { error in
            String(describing: error).contains("another import is building the advisory database")
        }
        #expect(try db.counts().advisories == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".import"))
        _ = flock(holder.fileDescriptor, LOCK_UN)
        try holder.close()
        let report = try await AdvisoryImporter.run(Self.inputs, into: db)
        #expect(report.advisories > 60)
        #expect(try db.counts().advisories > 60)
    }

    /// An import with `bulkLoad` off takes no lock: when it writes into the empty database while a bulk load
    /// builds beside it, the bulk load is not renamed over those rows; it is not stored, and says so.
    @Test func rowsWrittenInPlaceDuringABulkLoadAreNotReplaced() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.sqlite"
        let db = try AdvisoryDatabase(path: path)
        let bulk = try #require(try db.beginBulkLoad())
        _ = try await AdvisoryImporter.run([Fixture.path("osv")], writingTo: bulk.database, fresh: true, options: ImportOptions())
        // Written and closed again before the bulk load ends: no other connection is left open, so the bulk load
        // would rename its file over these rows.
        try await {
            let other = try AdvisoryDatabase(path: path)
            var options = ImportOptions()
            options.bulkLoad = false
            let written = try await AdvisoryImporter.run([Fixture.path("kev")], into: other, options: options)
            #expect(written.filesImported == 1)
        }()
        await #expect {
            try await db.finishBulkLoad(bulk)
        } throws: { error in
            String(describing: error).contains("was written by another import meanwhile")
        }
        // The rows written in place are all there; nothing of the bulk load is, and no file is left beside.
        let after = try AdvisoryDatabase(path: path)
        #expect(try after.kevEntries().count == 1674)
        #expect(try after.counts().advisories == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".import"))
    }

    /// `count` CVE 5 records made from the fixtures with new ids, one file each.
    static func corpus(_ dir: String, count: Int) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixture.path("cve5")).filter { $0.hasSuffix(".json") }.sorted()
        let records = try names.map { try String(decoding: Fixture.data("cve5/" + $0), as: UTF8.self) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<count {
            let source = records[i % records.count]
            let id = (names[i % names.count] as NSString).deletingPathExtension
            let text = source.replacingOccurrences(of: id, with: "CVE-2099-\(100_000 + i)")
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/CVE-2099-\(100_000 + i).json"))
        }
    }

    @Test(.enabled(if: (try? builtExecutable("advisories-bench")) != nil, "needs the advisories-bench executable of this build"))
    func killedDuringABulkLoadTheDatabaseIsEmptyAndTheNextImportWorks() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.corpus(dir + "/corpus", count: 4000)
        let path = dir + "/a.sqlite"
        _ = try AdvisoryDatabase(path: path)  // created and migrated, empty
        let child = Process()
        child.executableURL = try builtExecutable("advisories-bench")
        child.arguments = [path, dir + "/corpus"]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        // Killed once the file beside holds rows (well before the end: 4,000 files).
        let deadline = Date().addingTimeInterval(120)
        while child.isRunning, Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + ".import")[.size] as? NSNumber)?.intValue ?? 0
            if size > 256 << 10 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(child.isRunning, "the import finished before it could be killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        // The database is as it was: empty, whole, usable.
        let db = try AdvisoryDatabase(path: path)
        #expect(try db.counts() == AdvisoryDatabase.Counts(advisories: 0, files: 0, kev: 0, problems: 0))
        let integrity = try await DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
        // The next import builds beside it again (the leftover file is replaced) and stores everything.
        let report = try await AdvisoryImporter.run([Fixture.path("cve5")], into: db)
        #expect(report.problems.isEmpty)
        #expect(try db.counts().advisories == 21)
        #expect(!FileManager.default.fileExists(atPath: path + ".import"))
    }
}
