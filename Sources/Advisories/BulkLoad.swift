import Foundation
import GRDB
import Synchronization

/// A first import into an empty advisory database, built in a private file beside it and renamed into place.
///
/// The file beside (`<database>.import`) is written with no rollback journal and no fsync per transaction
/// (nothing else reads it, and a failed or killed import leaves the database itself untouched: the file is
/// removed, or left for the next import to remove), with a 4 MiB page cache (16 MiB was no faster and took
/// the 300,000-record import to 149.8 MiB peak, against the 150 MiB goal). Its indexes are written as the rows
/// go in: creating the four the import never reads after every row was in (as this did first) cost less CPU
/// but ran alone at the end, each a scan of the whole table, while the parsers had nothing left to do. The
/// file is written to disk while it is built (`Writeback`: an fdatasync every 32 batches on a thread of its
/// own, so neither the parsers nor the writer wait for it), and when the import ends it is made durable
/// (fsync, then little is left to write) and renamed over the database (then the folder is fsynced): a reader
/// sees the empty database or the whole import, never part of it. An import into a database that holds anything is written in place as before
/// (WAL, one transaction per batch).
///
/// One import at a time builds beside a database: `<database>.import-lock` is held (flock) for the whole
/// build. A second import of an empty database meanwhile is refused with a clear error (writing in place then
/// would put its rows in the file the rename replaces); one that takes the lock later reopens the database and
/// looks again, so it writes in place into what the first one renamed there. Before renaming, the database is
/// checked to be still empty (an import with `bulkLoad` off takes no lock): if it is not, this import is not
/// stored and says so. If another connection still has the empty database open when the build ends (its WAL
/// file is still there after this one closes), the rows are copied into it in one transaction instead of
/// renaming the file under that connection.
struct BulkLoad {
    /// The database being built (the file beside).
    let database: AdvisoryDatabase
    let sidePath: String
    let lock: FileHandle
    /// Tables copied when the file cannot be renamed into place.
    static let tables = ["files", "advisories", "affected_keys", "advisory_facts", "kev", "problems", "sources"]
}

extension AdvisoryDatabase {
    /// Whether nothing has been imported into the database (no file, advisory, KEV entry, problem or source).
    func isEmpty() throws -> Bool {
        try queue.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT NOT (EXISTS (SELECT 1 FROM files) OR EXISTS (SELECT 1 FROM advisories) OR EXISTS (SELECT 1 FROM kev)
                      OR EXISTS (SELECT 1 FROM problems) OR EXISTS (SELECT 1 FROM sources))
                    """) ?? false
        }
    }

    /// Starts a bulk load when the database is empty and no other import is building beside it; nil otherwise
    /// (the import then writes in place).
    func beginBulkLoad() throws -> BulkLoad? {
        guard try isEmpty() else { return nil }
        let lockPath = path + ".import-lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return nil }
        let lock = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw AdvisoriesError(
                .database,
                "another import is building the advisory database \(path) (it holds \(lockPath)); run this import again when that one has finished")
        }
        // An import that held the lock before may have renamed a new database over the path since this value
        // opened it: read the path again, and build beside it only if it is still empty.
        let fresh = try Self.openQueue(path)
        let stale = current.queue.withLock { queue in
            defer { queue = fresh }
            return queue
        }
        try? stale.close()
        guard try isEmpty() else {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        let side = path + ".import"
        for leftover in [side, side + "-journal", side + "-wal", side + "-shm"] { try? FileManager.default.removeItem(atPath: leftover) }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(
                sql: """
                    PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
                    PRAGMA cache_size = -4096; PRAGMA threads = 2
                    """)
        }
        let queue = try DatabaseQueue(path: side, configuration: config)
        do {
            try Self.migrator.migrate(queue)
            return BulkLoad(database: AdvisoryDatabase(queue: queue, path: side), sidePath: side, lock: lock)
        } catch {
            try? queue.close()
            try? FileManager.default.removeItem(atPath: side)
            throw error
        }
    }

    /// Gives up a bulk load (the import failed): the file beside is removed; the database was never touched.
    func discard(_ bulk: BulkLoad) {
        try? bulk.database.queue.close()
        try? FileManager.default.removeItem(atPath: bulk.sidePath)
        _ = flock(bulk.lock.fileDescriptor, LOCK_UN)
    }

    /// Ends a bulk load: the file is made durable and renamed over the
    /// database (or, when another connection has the database open, its rows copied in one transaction), and
    /// this value (and every copy of it) reads the new database.
    func finishBulkLoad(_ bulk: BulkLoad) async throws {
        defer { _ = flock(bulk.lock.fileDescriptor, LOCK_UN) }
        memo.byProduct.withLock { $0.removeAll() }
        memo.candidatesByProduct.withLock { $0.removeAll() }
        let side = bulk.database.queue
        do {
            try side.close()
            try Self.fsync(bulk.sidePath)
        } catch {
            discard(bulk)
            throw error
        }
        // Still empty? An import with `bulkLoad` off takes no lock and may have written in place meanwhile: the
        // rename would drop its rows, so this import is not stored instead.
        guard try isEmpty() else {
            discard(bulk)
            throw AdvisoriesError(.database, "\(path) was written by another import meanwhile; this import is not stored (run it again)")
        }
        // The empty database, closed: the last connection's close checkpoints and removes its WAL file.
        let old = queue
        try old.close()
        if FileManager.default.fileExists(atPath: path + "-wal") {
            // Another connection has it open: renaming a file under it would pair its WAL with the new file.
            let reopened = try Self.openQueue(path)
            current.queue.withLock { $0 = reopened }
            defer { try? FileManager.default.removeItem(atPath: bulk.sidePath) }
            try await copy(from: bulk.sidePath, into: reopened)
            return
        }
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        if let mode { try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: bulk.sidePath) }
        guard rename(bulk.sidePath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            let reopened = try Self.openQueue(path)
            current.queue.withLock { $0 = reopened }
            try? FileManager.default.removeItem(atPath: bulk.sidePath)
            throw AdvisoriesError(.database, "cannot rename the database built beside \(path) into place: \(reason)")
        }
        try Self.fsync((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
        // Opened as every database is (WAL from now on; the migrations are all recorded already).
        let reopened = try Self.openQueue(path)
        current.queue.withLock { $0 = reopened }
    }

    /// The rows of the database built beside copied into the (still empty) database, in one transaction.
    func copy(from side: String, into queue: DatabaseQueue) async throws {
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS bulk", arguments: [side])
            defer { try? db.execute(sql: "DETACH DATABASE bulk") }
            try db.inTransaction(.immediate) {
                guard
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT NOT (EXISTS (SELECT 1 FROM main.files) OR EXISTS (SELECT 1 FROM main.advisories)
                              OR EXISTS (SELECT 1 FROM main.kev) OR EXISTS (SELECT 1 FROM main.problems) OR EXISTS (SELECT 1 FROM main.sources))
                            """) == true
                else {
                    throw AdvisoriesError(.database, "\(path) was written by another import meanwhile; this import is not stored (run it again)")
                }
                for t in BulkLoad.tables { try db.execute(sql: "INSERT INTO main.\(t) SELECT * FROM bulk.\(t)") }
                return .commit
            }
        }
    }

    /// fsync of a file or folder.
    static func fsync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AdvisoriesError(.database, "cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do { try handle.synchronize() } catch {
            throw AdvisoriesError(.database, "cannot sync \(path) to disk", cause: error)
        }
    }
}

extension BulkLoad {
    /// Starts writing the file being built to disk while the import goes on: an `fdatasync` on a thread of its
    /// own (not one of the parsing tasks' or the writer's), at most one at a time (a request while one runs is
    /// dropped). Without it the whole file (about 1 GB for 300,000 records) was written by the final fsync,
    /// after everything else had finished; run on the writer, it held up the next batch's write. A failure
    /// here is ignored: the final fsync, whose failure fails the import, writes whatever is still dirty.
    final class Writeback: Sendable {
        let busy = Atomic<Bool>(false)

        func start(_ path: String) {
            guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
            DispatchQueue.global(qos: .utility).async {
                let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                if fd >= 0 {
                    _ = fdatasync(fd)
                    close(fd)
                }
                self.busy.store(false, ordering: .releasing)
            }
        }
    }
}
