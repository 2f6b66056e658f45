import BulkheadModel
public import Foundation
import GRDB
import SafeFiles

/// The embedded SQLite store (WAL, busy timeout, versioned migrations). Opening never overwrites a file
/// that is not a Bulkhead store: a foreign, corrupt or newer-schema file gives a `StoreError`.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool

    /// How long a writer waits for another process's write transaction before giving up with `.busy`.
    public static let defaultBusyTimeout: TimeInterval = 10

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens the store at `path`, creating it (and its directory, mode 0700) when missing.
    public static func open(at path: String, busyTimeout: TimeInterval = defaultBusyTimeout) throws -> Store {
        try openStore(at: path, busyTimeout: busyTimeout, create: true)
    }

    /// Opens the store when the file exists; nil when it does not (read commands do not create a store).
    public static func openExisting(at path: String, busyTimeout: TimeInterval = defaultBusyTimeout) throws -> Store? {
        guard SafeFile.occupied(path) else { return nil }
        return try openStore(at: path, busyTimeout: busyTimeout, create: false)
    }

    /// Opens an existing store for reading only (`history`, `diff`, `report`): a store the user may read but
    /// not write (another user's, a read-only mount) is readable, and nothing is created or migrated. Nil when
    /// there is no file at `path`. A store of an older schema is migrated (which needs write access).
    public static func openForReading(at path: String, busyTimeout: TimeInterval = defaultBusyTimeout) throws -> Store? {
        guard SafeFile.occupied(path) else { return nil }
        try checkStoreFile(path)
        try StoreInspector.inspect(path: path)
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "bulkhead-store-readonly"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: readOnlyLocation(path), configuration: config)
        } catch {
            throw mapError(error, path: path, doing: "open")
        }
        let complete = (try? pool.read { db in try Schema.migrator.hasCompletedMigrations(db) }) ?? false
        if !complete {
            // An older schema: migrate it (this needs write access, and says so when it is missing).
            try? pool.close()
            return try openStore(at: path, busyTimeout: busyTimeout, create: false)
        }
        return Store(path: path, pool: pool)
    }

    /// Where a read-only connection opens the store. SQLite cannot read a WAL database read-only when it may
    /// not create the `-shm` file beside it (another user's store, a read-only mount): then the store is
    /// opened as an immutable URI (`file:…?immutable=1`, no locking, no -shm). A store the user may write is
    /// opened by its path, with the ordinary locking.
    static func readOnlyLocation(_ path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        if access(path, W_OK) == 0, access(directory.isEmpty ? "." : directory, W_OK) == 0 { return path }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        return "file:\(encoded)?immutable=1"
    }

    /// The path names a regular file (a link to one is followed); a dangling link, FIFO, device or directory is refused.
    static func checkStoreFile(_ path: String) throws {
        do {
            try SafeFile.checkRegular(path)
        } catch {
            if error.code == .notRegular, error.message.contains("a directory") {
                throw StoreError(.io, "The store path \(path) is a directory; give a file path with --store.")
            }
            throw StoreError(.io, "Cannot use \(path) as the store: \(error.message).")
        }
    }

    private static func openStore(at path: String, busyTimeout: TimeInterval, create: Bool) throws -> Store {
        let fm = FileManager.default
        if SafeFile.occupied(path) {
            try checkStoreFile(path)
            try StoreInspector.inspect(path: path)
        } else if create {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !fm.fileExists(atPath: directory) {
                do {
                    try fm.createDirectory(
                        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw StoreError(.io, "Cannot create the store directory \(directory); pass --store PATH to use another place.", cause: error)
                }
            }
            // The store holds a host's security posture: created owner-only (O_CREAT|O_EXCL|O_NOFOLLOW, 0600)
            // before SQLite opens it, so SQLite gives its -journal, -wal and -shm files the same mode.
            do {
                try SafeFile.createEmpty(path)
            } catch  where error.code == .exists {
                // Another process created it this instant: open it as an existing store.
                try checkStoreFile(path)
            } catch {
                throw StoreError(.io, "Cannot create the store \(path).", cause: error)
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "bulkhead-store"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw mapError(error, path: path, doing: "open")
        }
        let migrator = Schema.migrator
        // Other processes may be migrating the same new file at this moment (agents started by one timer). Each
        // migration one of them commits first makes ours fail on the tables it made; our failing statement ran
        // after that commit, so trying again reads it as applied and goes on from there. Every retry gets at
        // least one migration further, so one more try than there are migrations is enough; the schema complete
        // is all that is asked.
        var attempts = 0
        while true {
            do {
                try migrator.migrate(pool)
                break
            } catch {
                attempts += 1
                if (try? pool.read { db in try migrator.hasCompletedMigrations(db) }) == true { break }
                if attempts > Schema.identifiers.count { throw mapError(error, path: path, doing: "migrate") }
            }
        }
        return Store(path: path, pool: pool)
    }

    /// Closes the connections (the WAL is checkpointed into the main file).
    public func close() throws {
        do { try pool.close() } catch { throw Self.mapError(error, path: path, doing: "close") }
    }

    /// The applied schema migrations, in order.
    public func schemaVersions() throws -> [String] {
        try read { db in try Schema.migrator.completedMigrations(db) }
    }

    // MARK: - Transactions

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError {
            throw Self.mapError(error, path: path, doing: "read")
        }
    }

    /// One IMMEDIATE transaction: the write lock is taken at the start, so a busy store fails before
    /// anything is written, and a killed writer leaves nothing behind.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError(.database, "The write transaction returned no result.") }
                return result
            }
        } catch let error as DatabaseError {
            // SQLite failures become StoreErrors; a StoreError or a caller's own error passes through as it is.
            throw Self.mapError(error, path: path, doing: "write")
        }
    }

    static func mapError(_ error: any Error, path: String, doing: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let db = error as? DatabaseError {
            switch db.resultCode.primaryResultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError(
                    .busy,
                    "The store \(path) is busy: another Bulkhead process is writing to it. Try again when it has finished.",
                    cause: error)
            case .SQLITE_NOTADB:
                return StoreError(.notADatabase, "\(path) is not a SQLite database; it was left untouched.", cause: error)
            case .SQLITE_CORRUPT:
                return StoreError(
                    .corrupt, "The store \(path) is corrupt; it was left untouched. Restore it from a backup or use --store to start a new one.",
                    cause: error)
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_FULL:
                return StoreError(.io, "Cannot \(doing) the store \(path): check the path and its permissions.", cause: error)
            default:
                break
            }
        }
        return StoreError(.database, "Cannot \(doing) the store \(path).", cause: error)
    }
}

/// Looks at an existing file before any read-write connection touches it.
enum StoreInspector {
    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    static func inspect(path: String) throws {
        let header: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            header = try handle.read(upToCount: 100) ?? Data()
        } catch {
            throw StoreError(.io, "Cannot read the store file \(path).", cause: error)
        }
        if header.isEmpty { return }  // an empty file is a new database
        guard header.count >= 16, Array(header.prefix(16)) == sqliteHeader else {
            throw StoreError(
                .notADatabase,
                "\(path) is not a SQLite database (it does not start with the SQLite header); it was left untouched. Use --store to choose another file."
            )
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: Store.readOnlyLocation(path), configuration: config)
            defer { try? queue.close() }
            try queue.read { db in
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                if appID == 0 && tables.isEmpty { return }
                // Another process is creating this store right now: GRDB commits its empty migrations
                // table before the first migration (which sets the application id) commits.
                if appID == 0, tables == ["grdb_migrations"], (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")) == 0 {
                    return
                }
                guard appID == Schema.applicationID, tables.contains("bulkhead_store") else {
                    let shown = tables.prefix(5).joined(separator: ", ")
                    throw StoreError(
                        .foreignDatabase,
                        "\(path) is a SQLite database but not a Bulkhead store (application id \(String(format: "0x%08x", UInt32(bitPattern: appID))), tables: \(shown.isEmpty ? "none" : shown)); it was left untouched. Use --store to choose another file."
                    )
                }
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                guard check == ["ok"] else {
                    throw StoreError(
                        .corrupt,
                        "The store \(path) fails its integrity check (\(check.prefix(3).joined(separator: "; "))); it was left untouched. Restore it from a backup or use --store to start a new one."
                    )
                }
                if tables.contains("grdb_migrations") {
                    let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                    let unknown = applied.filter { !Schema.identifiers.contains($0) }
                    if !unknown.isEmpty {
                        throw StoreError(
                            .newerSchema,
                            "The store \(path) was written by a newer Bulkhead (schema \(unknown.sorted().joined(separator: ", "))); upgrade Bulkhead to read it. It was left untouched."
                        )
                    }
                }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw Store.mapError(error, path: path, doing: "inspect")
        }
    }
}
