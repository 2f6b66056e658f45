import Foundation
import GRDB
import Store
import Testing

@Suite struct OpenSafetyTests {
    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func expectStoreError(_ code: StoreError.Code, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code), got success")
        } catch let e as StoreError {
            #expect(e.code == code, "\(e)")
            #expect(e.message.contains("untouched") || code == .io, "message should say the file was left alone: \(e.message)")
        } catch {
            Issue.record("expected StoreError \(code), got \(error)")
        }
    }

    @Test func newStoreIsMarkedWithApplicationIDAndWAL() throws {
        let dir = try TempDir()
        let path = dir.path("nested/dir/bulkhead.sqlite")
        let store = try Store.open(at: path)
        #expect(try store.schemaVersions() == ["v1-history", "v2-review-process", "v3-whole-assessment"])
        try store.close()
        let q = try DatabaseQueue(path: path)
        let (appID, mode, format) = try q.read { db in
            (
                try Int32.fetchOne(db, sql: "PRAGMA application_id"), try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try String.fetchOne(db, sql: "SELECT format FROM bulkhead_store")
            )
        }
        #expect(appID == 0x424B_4844)
        #expect(mode == "wal")
        #expect(format == "bulkhead-store")
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.path("nested/dir"))
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let fileAttrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((fileAttrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func garbageBytesAreRejectedAndNotOverwritten() throws {
        let dir = try TempDir()
        let path = dir.path("garbage.sqlite")
        var garbage = Data("this is not a database, it is somebody's notes\n".utf8)
        garbage.append(Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        try garbage.write(to: URL(fileURLWithPath: path))
        expectStoreError(.notADatabase) { _ = try Store.open(at: path) }
        expectStoreError(.notADatabase) { _ = try Store.openExisting(at: path) }
        #expect(try bytes(path) == garbage)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func foreignSQLiteDatabaseIsRejectedAndNotOverwritten() throws {
        let dir = try TempDir()
        let path = dir.path("other-app.sqlite")
        do {
            let q = try DatabaseQueue(path: path)
            try q.write { db in
                try db.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices VALUES (1, 99.5)")
            }
            try q.close()
        }
        let before = try bytes(path)
        do {
            _ = try Store.open(at: path)
            Issue.record("opened a foreign database")
        } catch let e as StoreError {
            #expect(e.code == .foreignDatabase)
            #expect(e.message.contains("invoices"))
            #expect(e.message.contains("not a Bulkhead store"))
        }
        #expect(try bytes(path) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func otherApplicationIDIsForeignEvenWithOurTableNames() throws {
        let dir = try TempDir()
        let path = dir.path("lookalike.sqlite")
        do {
            let q = try DatabaseQueue(path: path)
            try q.write { db in
                try db.execute(sql: "PRAGMA application_id = 1234; CREATE TABLE bulkhead_store (format TEXT); CREATE TABLE runs (id INTEGER)")
            }
            try q.close()
        }
        let before = try bytes(path)
        expectStoreError(.foreignDatabase) { _ = try Store.open(at: path) }
        #expect(try bytes(path) == before)
    }

    @Test func corruptStoreIsRejectedAndNotOverwritten() throws {
        let dir = try TempDir()
        let path = dir.path("bulkhead.sqlite")
        do {
            let store = try Store.open(at: path)
            for i in 0..<40 { try store.record(sampleRecord(host: "hv\(i)", finished: at(2026, 1, 1 + i % 28))) }
            try store.close()
        }
        var data = try bytes(path)
        #expect(data.count > 8 * 4096)
        // Keep the header page (so it still looks like our store) and smash pages in the middle.
        let start = 4096 * 2
        for i in start..<min(data.count, start + 4096 * 4) { data[i] = UInt8(truncatingIfNeeded: i &* 131) }
        try data.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Store.open(at: path)
            Issue.record("opened a corrupt store")
        } catch let e as StoreError {
            #expect([.corrupt, .notADatabase].contains(e.code), "\(e)")
            #expect(e.message.contains("untouched"))
        }
        #expect(try bytes(path) == data)
    }

    @Test func newerSchemaIsRejectedAndNotOverwritten() throws {
        let dir = try TempDir()
        let path = dir.path("bulkhead.sqlite")
        do {
            let store = try Store.open(at: path)
            try store.close()
            let q = try DatabaseQueue(path: path)
            try q.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')") }
            try q.close()
        }
        let before = try bytes(path)
        expectStoreError(.newerSchema) { _ = try Store.open(at: path) }
        #expect(try bytes(path) == before)
    }

    @Test func emptyFileIsInitialisedAndDirectoryIsRefused() throws {
        let dir = try TempDir()
        let path = dir.path("empty.sqlite")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let store = try Store.open(at: path)
        #expect(try store.runs().isEmpty)
        try store.close()
        do {
            _ = try Store.open(at: dir.url.path)
            Issue.record("opened a directory")
        } catch let e as StoreError {
            #expect(e.code == .io)
        }
    }

    @Test func openExistingDoesNotCreateAFile() throws {
        let dir = try TempDir()
        let path = dir.path("absent/bulkhead.sqlite")
        #expect(try Store.openExisting(at: path) == nil)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: dir.path("absent")))
    }

    @Test func defaultPathFollowsRootAndXDG() {
        #expect(StoreLocation.defaultPath(isRoot: true, environment: [:], home: "/root") == "/var/lib/bulkhead/bulkhead.sqlite")
        #expect(
            StoreLocation.defaultPath(isRoot: false, environment: ["XDG_DATA_HOME": "/data/x/", "HOME": "/home/a"], home: "/home/a")
                == "/data/x/bulkhead/bulkhead.sqlite")
        // A relative XDG_DATA_HOME is invalid per the spec and ignored.
        #expect(
            StoreLocation.defaultPath(isRoot: false, environment: ["XDG_DATA_HOME": "rel", "HOME": "/home/a"], home: "/x")
                == "/home/a/.local/share/bulkhead/bulkhead.sqlite")
        #expect(StoreLocation.defaultPath(isRoot: false, environment: [:], home: "/home/b") == "/home/b/.local/share/bulkhead/bulkhead.sqlite")
    }
}
