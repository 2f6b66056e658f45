import BulkheadTestSupport
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

    // MARK: - Issue 19 #3 and #11

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// The store and SQLite's -wal and -shm were 0644: created 0600 before SQLite opens the file, whatever the umask.
    @Test func storeAndItsCompanionFilesAreOwnerOnlyUnderAPermissiveUmask() throws {
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let old = umask(0o022)
        defer { umask(old) }
        let store = try Store.open(at: path)
        try store.record(sampleRecord(finished: at(2026, 3, 1)))
        // While the store is open, its WAL and shared-memory files exist.
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(mode(file) == 0o600, "\(file) is \(String(mode(file), radix: 8))")
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try store.close()
    }

    /// A dangling --store symlink created its target; it is refused and nothing is created.
    @Test func aDanglingStoreLinkIsRefusedNotCreated() throws {
        let dir = try TempDir()
        let link = dir.path("store.sqlite")
        let target = dir.path("elsewhere/victim.sqlite")
        try FileManager.default.createDirectory(atPath: dir.path("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        expectStoreError(.io) { _ = try Store.open(at: link) }
        #expect(!FileManager.default.fileExists(atPath: target))
        expectStoreError(.io) { _ = try Store.openForReading(at: link) }
    }

    /// `history` could not read a store its user may read but not write ("attempt to write a readonly
    /// database": SQLite wants the -shm file of a WAL store): reading commands open it read-only. Run as
    /// `nobody` on a root-owned 0644 store in a root-owned 0755 directory, as an auditor reading root's store.
    @Test(.enabled(if: geteuid() == 0 && Tool.runs("setpriv"), "needs root and setpriv to run bulkhead as nobody"))
    func aStoreTheUserCannotWriteIsReadable() throws {
        let setpriv = try #require(Tool.find("setpriv"))
        let dir = try TempDir()
        chmod(dir.url.path, 0o755)
        let path = dir.path("ro.sqlite")
        let store = try Store.open(at: path)
        try store.record(sampleRecord(host: "hv-ro", finished: at(2026, 3, 1)))
        try store.close()
        chmod(path, 0o644)
        let bulkhead = try builtExecutable("bulkhead")
        // The binary must be reachable by nobody: skip the check when the build tree is private.
        try #require(access(bulkhead.path, X_OK) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = [
            "--reuid=65534", "--regid=65534", "--clear-groups", bulkhead.path, "history", "--store", path, "--format", "json",
        ]
        process.environment = ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin", "TZ": "UTC"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(output.contains("hv-ro"), "\(output)")
        // Nothing was written beside the store.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["ro.sqlite"])
    }

    /// A FIFO named as the store would block `history`: refused without opening it.
    @Test func aFIFOAsTheStoreIsRefused() throws {
        let dir = try TempDir()
        let fifo = dir.path("fifo.sqlite")
        #expect(mkfifo(fifo, 0o600) == 0)
        expectStoreError(.io) { _ = try Store.openForReading(at: fifo) }
        expectStoreError(.io) { _ = try Store.open(at: fifo) }
    }
}
