public import BulkheadModel
public import Foundation
import GRDB
import Synchronization

/// The local advisory database (SQLite via GRDB).
///
/// Default path: `/var/lib/bulkhead/advisories.sqlite` when run as root, otherwise
/// `$XDG_DATA_HOME/bulkhead/advisories.sqlite` (`~/.local/share/bulkhead/advisories.sqlite`).
public struct AdvisoryDatabase: Sendable {
    /// The open database. A first import into an empty database builds the new one in a file beside it and
    /// renames it into place (`BulkLoad`), then opens it here: every copy of this value sees the new one.
    var queue: DatabaseQueue { current.queue.withLock { $0 } }
    let current: Current
    public let path: String
    /// `sharedCandidates(for:)`'s decoded records per product, for the life of this opened database.
    let memo = CandidateMemo()
    /// The advisories a bulk load stored so far (`BulkLoad`; nil for any other database).
    let stored: StoredIdentities?

    final class Current: Sendable {
        let queue: Mutex<DatabaseQueue>
        init(_ q: DatabaseQueue) { queue = Mutex(q) }
    }

    final class CandidateMemo: Sendable {
        let byProduct = Mutex<[ProductAliases: [Advisory]]>([:])
        let candidatesByProduct = Mutex<[ProductAliases: ProductCandidates]>([:])
    }

    /// What a bulk load keeps beside its file (`BulkLoad`): 32 bits of a hash of the (format, id) of every
    /// advisory stored so far, so a batch looks up only the ids that may be stored already (a hash seen before),
    /// instead of every id of the batch in the growing table. A hash is a filter, never an answer: an id whose
    /// hash was seen is looked up in the table as before. 300,000 advisories take about 2 MiB.
    final class StoredIdentities: Sendable {
        let hashes = Mutex(Set<UInt32>())
    }

    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if geteuid() == 0 { return "/var/lib/bulkhead/advisories.sqlite" }
        if let x = environment["XDG_DATA_HOME"], x.hasPrefix("/") { return x + "/bulkhead/advisories.sqlite" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/bulkhead/advisories.sqlite"
    }

    /// Opens (creating when absent) and migrates the database.
    public init(path: String) throws {
        self.path = path
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let queue = try Self.openQueue(path)
            current = Current(queue)
            stored = nil
        } catch {
            throw AdvisoriesError(
                .database, "cannot open the advisory database at \(path); check the path and its permissions, or pass --db", cause: error)
        }
    }

    /// The queue of the database at `path` (WAL, synchronous NORMAL), migrated.
    static func openQueue(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: config)
        try Self.migrator.migrate(queue)
        return queue
    }

    /// A database value over a queue opened elsewhere (the file a bulk load builds).
    init(queue: DatabaseQueue, path: String) {
        self.path = path
        current = Current(queue)
        stored = StoredIdentities()
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE files (
                        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime REAL NOT NULL, content_hash TEXT NOT NULL,
                        records INTEGER NOT NULL, problems INTEGER NOT NULL, imported_at TEXT NOT NULL);
                    CREATE TABLE advisories (
                        id TEXT NOT NULL, format TEXT NOT NULL, file TEXT NOT NULL, published TEXT, published_day INTEGER,
                        modified TEXT, withdrawn TEXT, assigner TEXT, summary TEXT NOT NULL, severity_score REAL,
                        severity_rating TEXT, memory_safety INTEGER NOT NULL, memory_safety_reason TEXT NOT NULL,
                        kev_date TEXT, unnamed INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (id, format));
                    CREATE INDEX advisories_file ON advisories(file);
                    CREATE TABLE aliases (alias TEXT NOT NULL, id TEXT NOT NULL, format TEXT NOT NULL);
                    CREATE INDEX aliases_alias ON aliases(alias);
                    CREATE INDEX aliases_id ON aliases(id, format);
                    CREATE TABLE affected_keys (kind TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL, format TEXT NOT NULL);
                    CREATE INDEX affected_keys_key ON affected_keys(kind, key);
                    CREATE INDEX affected_keys_id ON affected_keys(id, format);
                    CREATE TABLE cwes (id TEXT NOT NULL, format TEXT NOT NULL, cwe INTEGER NOT NULL, source TEXT NOT NULL);
                    CREATE INDEX cwes_id ON cwes(id, format);
                    CREATE TABLE kev (
                        cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, date_added TEXT, due_date TEXT, ransomware TEXT, file TEXT NOT NULL);
                    CREATE TABLE problems (file TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
                    CREATE INDEX problems_file ON problems(file);
                    """)
        }
        // v2: one row per advisory with its lookup keys beside it (the alias and CWE side tables were
        // never queried); keys point at the advisory's integer row id; files have an integer id. The
        // database only holds imported feeds, so v1 data is dropped and the next import reads every file again.
        m.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    DROP TABLE IF EXISTS aliases;
                    DROP TABLE IF EXISTS cwes;
                    DROP TABLE IF EXISTS affected_keys;
                    DROP TABLE IF EXISTS advisories;
                    DROP TABLE IF EXISTS files;
                    DELETE FROM kev;
                    DELETE FROM problems;
                    CREATE TABLE files (
                        id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, mtime REAL NOT NULL,
                        content_hash TEXT NOT NULL, records INTEGER NOT NULL, problems INTEGER NOT NULL, imported_at TEXT NOT NULL);
                    CREATE TABLE advisories (
                        n INTEGER PRIMARY KEY, id TEXT NOT NULL, format TEXT NOT NULL, file INTEGER NOT NULL, published TEXT,
                        published_day INTEGER, modified TEXT, withdrawn TEXT, assigner TEXT, summary TEXT NOT NULL,
                        severity_score REAL, severity_rating TEXT, memory_safety INTEGER NOT NULL, memory_safety_reason TEXT NOT NULL,
                        kev_date TEXT, unnamed INTEGER NOT NULL, keys TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (id, format));
                    CREATE INDEX advisories_file ON advisories(file);
                    CREATE TABLE affected_keys (key TEXT NOT NULL, advisory INTEGER NOT NULL, PRIMARY KEY (key, advisory)) WITHOUT ROWID;
                    """)
        }
        // v3: content hashes are SHA-256 (`sha256:<hex>`). The home-made `xh4:` values v2 stored cannot be
        // compared with them, so they become unknown (''): the next import reads and hashes such a file
        // again — keeping its rows when its size and mtime show it unchanged, re-parsing it otherwise.
        m.registerMigration("v3") { db in
            try db.execute(sql: "UPDATE files SET content_hash = '' WHERE content_hash NOT LIKE 'sha256:%'")
        }
        // v4: the records that name no product, with their summaries, in a partial index, so a description
        // keyword search reads the index instead of every advisory row; and (format, published, modified),
        // so the per-source summary of every report (records, newest record) reads that index alone.
        m.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE INDEX advisories_unnamed ON advisories(unnamed, summary) WHERE unnamed = 1;
                    CREATE INDEX advisories_format ON advisories(format, published, modified);
                    """)
        }
        // v5: when each source (feed format) was last imported into, for the freshness every report shows.
        // A database imported before v5 gets its newest import time for each format it holds.
        m.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sources (format TEXT PRIMARY KEY, imported_at TEXT NOT NULL) WITHOUT ROWID;
                    INSERT INTO sources (format, imported_at)
                      SELECT DISTINCT format, (SELECT MAX(imported_at) FROM files) FROM advisories INDEXED BY advisories_format
                      WHERE (SELECT MAX(imported_at) FROM files) IS NOT NULL;
                    INSERT INTO sources (format, imported_at)
                      SELECT 'kev', MAX(f.imported_at) FROM kev JOIN files f ON f.path = kev.file HAVING MAX(f.imported_at) IS NOT NULL;
                    """)
        }
        // v6: zip members are stored as `<archive>!/<member>` (nested: `<archive>!/cves.zip!/<member>`) with
        // the CRC-32 their real bytes were checked against, so a re-import leaves out every member (and every
        // nested zip) whose CRC-32 and size the archive still declares, without decompressing it. NULL for
        // plain files. Rows of members that older versions stored under temporary extraction paths are dropped
        // (their advisories stay and are replaced by id when the archive is imported again).
        m.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    ALTER TABLE files ADD COLUMN crc32 INTEGER;
                    DELETE FROM files WHERE path GLOB '*/bulkhead-zip-[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]-*';
                    """)
        }
        // v7: what the criterion-5 statistics need of each advisory in a narrow row beside it (`AdvisoryFacts`),
        // so they decode no body; filled from the stored bodies of a database imported before.
        m.registerMigration("v7") { db in try AdvisoryFacts.migrate(db) }
        // v8: per advisory, whether its ISM-1606 status is unknown for every installed version but a few points
        // (`AdvisoryFacts.unknownUnless`), so an assessment decides such records without decoding their bodies;
        // filled from the stored bodies of a v7 database (a database migrated from before v7 has it from v7).
        m.registerMigration("v8") { db in try AdvisoryFacts.migrateV8(db) }
        return m
    }

    // MARK: writing

    /// A file whose bytes did not change: its new mtime (and, for a hash stored before v3, its SHA-256).
    struct Touch: Sendable {
        var path: String
        var state: FileState
    }

    struct FileState: Sendable {
        /// The `files` row id once stored.
        var id: Int64? = nil
        var size: Int64
        var mtime: Double
        var contentHash: String
        /// A zip member's verified CRC-32 (nil for a plain file).
        var crc32: UInt32? = nil
        /// Records stored from it (for a nested zip: the members it had).
        var records: Int = 0
    }

    func fileStates() throws -> [String: FileState] {
        try queue.read { db in
            var out: [String: FileState] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, path, size, mtime, content_hash, crc32, records FROM files")
            while let r = try rows.next() {
                let crc: Int64? = r["crc32"]
                out[r["path"]] = FileState(
                    id: r["id"], size: r["size"], mtime: r["mtime"], contentHash: r["content_hash"], crc32: crc.flatMap { UInt32(exactly: $0) },
                    records: r["records"])
            }
            return out
        }
    }

    /// One advisory ready for insertion, computed off the writer in the parsing tasks: its row values as
    /// SQLite takes them, so the writer only numbers the row (`n`), adds its file's row id and binds them.
    struct Prepared: Sendable {
        var id: String
        var format: String
        /// The `advisories` row after `n` and `file`, in `advisoryColumns` order (`id`, `format`, `published` …).
        var row: [DatabaseValue]
        /// `kind<TAB>value` lookup keys (`cpe`, `vp`, `pkg`, `pkgname`), also stored in the row (`keys`,
        /// newline-separated) so replacing the row can remove exactly its keys.
        var keys: [String]
        /// The `advisory_facts` row after its first column (`n`), in `AdvisoryFacts.columns` order.
        var facts: [DatabaseValue]

        /// `format` and `id` in one hash, 32 bits of it (a bulk load's `StoredIdentities`).
        var identityHash: UInt32 {
            var h = Hasher()
            h.combine(format)
            h.combine(id)
            return UInt32(truncatingIfNeeded: h.finalize())
        }
    }

    static func lookupKey(_ kind: String, _ value: String) -> String { kind + "\t" + value }

    /// The stored body is the advisory without its summary (kept in its own column).
    static func prepare(_ a: Advisory) -> Prepared {
        let body = String(decoding: AdvisoryBody.encode(a), as: UTF8.self)
        var keys = Set<String>()
        for e in a.affected {
            if let v = e.cpeVendor, let p = e.cpeProduct { keys.insert(lookupKey("cpe", ProductAliases.norm(v) + ":" + ProductAliases.norm(p))) }
            if e.vendor != nil || e.product != nil {
                let v = ProductAliases.norm(e.vendor), p = ProductAliases.norm(e.product)
                // `n/a`/`n/a` names nothing: such records are found by description keywords instead.
                if !(ProductAliases.unnamedWords.contains(v) && ProductAliases.unnamedWords.contains(p)) {
                    keys.insert(lookupKey("vp", v + "|" + p))
                }
            }
            if let n = e.packageName {
                if let eco = e.ecosystem {
                    let base = ProductAliases.norm(eco).split(separator: ":").first.map(String.init) ?? ""
                    keys.insert(lookupKey("pkg", base + "|" + n))
                } else {
                    keys.insert(lookupKey("pkgname", n))
                }
            }
        }
        // A key with a newline could not be split back out of the `keys` column: such names are dropped
        // from lookup (the advisory is still stored and still found through its other names).
        let lookup = keys.filter { !$0.utf8.contains(0x0A) }.sorted()
        let memorySafety = a.memorySafety
        let unnamed = a.affected.allSatisfy(ProductAliases.isUnnamed)
        let sev = a.bestSeverity
        // `advisoryColumns` but `n` and `file`, as GRDB converts each Swift value (nil is NULL).
        let row: [DatabaseValue] = [
            a.id.databaseValue, a.format.rawValue.databaseValue, a.published?.databaseValue ?? .null,
            AdvisoryDate.dayNumber(a.published)?.databaseValue ?? .null, a.modified?.databaseValue ?? .null,
            a.withdrawn?.databaseValue ?? .null, a.assigner?.databaseValue ?? .null, a.summary.databaseValue,
            sev?.score?.databaseValue ?? .null, sev?.effectiveRating?.databaseValue ?? .null, memorySafety.isMemorySafety.databaseValue,
            memorySafety.reason.databaseValue, a.kevDateAdded?.databaseValue ?? .null, unnamed.databaseValue,
            lookup.joined(separator: "\n").databaseValue, body.databaseValue,
        ]
        let facts = AdvisoryFacts(n: 0, advisory: a, memorySafety: memorySafety.isMemorySafety, unnamed: unnamed)
        return Prepared(id: a.id, format: a.format.rawValue, row: row, keys: lookup, facts: Array(facts.databaseValues.dropFirst()))
    }

    /// A stored row back as an advisory: `AdvisoryBody.decode` (JSONPull), and `JSONDecoder` only for a
    /// body that reader refuses.
    static func decodeStored(body: String, summary: String, decoder: JSONDecoder) -> Advisory? {
        var decoded = AdvisoryBody.decode(body.utf8.span)
        if decoded == nil { decoded = try? decoder.decode(Advisory.self, from: Data(body.utf8)) }
        guard var a = decoded else { return nil }
        a.summary = summary
        return a
    }

    /// The columns of an `advisories` row as the import binds them: `n` and `file` (given by the writer), then
    /// the `Prepared.row` values.
    static let advisoryColumns = [
        "n", "file", "id", "format", "published", "published_day", "modified", "withdrawn", "assigner", "summary",
        "severity_score", "severity_rating", "memory_safety", "memory_safety_reason", "kev_date", "unnamed", "keys", "body",
    ]
    /// Rows per multi-row INSERT: 18 columns × 48 rows stays far below SQLite's 32,766 bound parameters,
    /// and one statement per 48 rows instead of one per row is most of the writer's saving.
    static let rowsPerInsert = 48
    static let keysPerInsert = 400

    /// Writes a batch of parsed files in one transaction: each file's previous rows are replaced by
    /// its new ones, so no file is ever half-written.
    ///
    /// Advisories go in with multi-row INSERTs and row ids assigned here (the transaction holds the
    /// write lock, so `MAX(n)` cannot move under it). An advisory id already stored (from another file,
    /// or a previous import) is found by one IN query per chunk and replaced, keys and all; within a
    /// batch the last file read wins. The rows were converted to SQLite values by `prepare`, in the
    /// parsing tasks: this writer thread numbers and binds them.
    ///
    /// GRDB's async write: the transaction runs on the database's writer queue while the calling task is
    /// suspended, so no thread of the shared pool waits for SQLite.
    ///
    /// `fresh`: the batch is part of a first import into an empty database (`BulkLoad`), whose files are
    /// all new and distinct: no earlier row, KEV entry or problem of theirs can exist, so none is looked
    /// for, and their `files` rows go in with multi-row INSERTs too. An advisory id is looked up only when
    /// the bulk load stored one of its hash before (`StoredIdentities`).
    func write(_ batch: [PreparedFile], touching touches: [Touch] = [], fresh: Bool = false) async throws {
        let now = ISO8601DateFormatter().string(from: Date())
        memo.byProduct.withLock { $0.removeAll() }
        memo.candidatesByProduct.withLock { $0.removeAll() }
        let stored = fresh ? self.stored : nil
        try await queue.write { db in
            let touch = try db.cachedStatement(sql: "UPDATE files SET mtime = ?, size = ?, content_hash = ?, crc32 = ? WHERE path = ?")
            for t in touches {
                try touch.execute(arguments: [t.state.mtime, t.state.size, t.state.contentHash, t.state.crc32.map { Int64($0) }, t.path])
            }
            let delKey = try db.cachedStatement(sql: "DELETE FROM affected_keys WHERE key = ? AND advisory = ?")
            let delByN = try db.cachedStatement(sql: "DELETE FROM advisories WHERE n = ?")
            let selOld = try db.cachedStatement(sql: "SELECT n, keys FROM advisories WHERE file = ?")
            let delProblems = try db.cachedStatement(sql: "DELETE FROM problems WHERE file = ? OR (file >= ? AND file < ?)")
            let delKEV = try db.cachedStatement(sql: "DELETE FROM kev WHERE file = ?")
            let insProblem = try db.cachedStatement(sql: "INSERT INTO problems (file, code, reason, at) VALUES (?,?,?,?)")
            let upsertFile = try db.cachedStatement(
                sql: """
                    INSERT INTO files (path, size, mtime, content_hash, records, problems, imported_at, crc32) VALUES (?,?,?,?,?,?,?,?)
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, content_hash = excluded.content_hash,
                      records = excluded.records, problems = excluded.problems, imported_at = excluded.imported_at, crc32 = excluded.crc32
                    RETURNING id
                    """)
            let insKEV = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO kev (cve, vendor, product, date_added, due_date, ransomware, file) VALUES (?,?,?,?,?,?,?)
                    """)
            /// Removes one stored advisory and exactly its keys.
            func remove(_ n: Int64, keys: String) throws {
                for k in keys.split(separator: "\n") { try delKey.execute(arguments: [String(k), n]) }
                try delByN.execute(arguments: [n])
            }
            // Files first: their rows, what an earlier version of each contributed, KEV and problems.
            var rows: [(fileID: Int64, prepared: Prepared)] = []
            rows.reserveCapacity(batch.reduce(0) { $0 + $1.prepared.count })
            if fresh {
                let nextFile = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM files")) ?? 1
                for (k, pf) in batch.enumerated() {
                    let parsed = pf.parsed
                    for e in parsed.kev {
                        try insKEV.execute(arguments: [
                            e.cveID, e.vendorProject, e.product, e.dateAdded, e.dueDate, e.knownRansomwareCampaignUse, parsed.file,
                        ])
                    }
                    for p in parsed.problems { try insProblem.execute(arguments: [p.file, p.code, p.reason, now]) }
                    for p in pf.prepared { rows.append((nextFile + Int64(k), p)) }
                }
                try Self.insertRows(
                    db, into: "files (id, path, size, mtime, content_hash, records, problems, imported_at, crc32)", width: 9,
                    perStatement: Self.rowsPerInsert, rows: batch.count
                ) { k, row in
                    let pf = batch[k]
                    try row.bind(nextFile + Int64(k))
                    try row.bind(pf.parsed.file)
                    try row.bind(pf.state.size)
                    try row.bind(pf.state.mtime)
                    try row.bind(pf.state.contentHash)
                    try row.bind(pf.prepared.count + pf.parsed.kev.count)
                    try row.bind(pf.parsed.problems.count)
                    try row.bind(now)
                    try row.bind(pf.state.crc32.map { Int64($0).databaseValue } ?? .null)
                }
            }
            for pf in batch where !fresh {
                let parsed = pf.parsed
                let file = parsed.file
                guard
                    let fileID = try Int64.fetchOne(
                        upsertFile,
                        arguments: [
                            file, pf.state.size, pf.state.mtime, pf.state.contentHash, pf.prepared.count + parsed.kev.count, parsed.problems.count,
                            now, pf.state.crc32.map { Int64($0) },
                        ])
                else { throw AdvisoriesError(.database, "the files row for \(file) was not stored") }
                if pf.previouslyImported {
                    for r in try Row.fetchAll(selOld, arguments: [fileID]) { try remove(r["n"], keys: r["keys"]) }
                    try delKEV.execute(arguments: [file])
                }
                try delProblems.execute(arguments: [file, file + "#", file + "$"])
                for k in parsed.kev {
                    try insKEV.execute(arguments: [k.cveID, k.vendorProject, k.product, k.dateAdded, k.dueDate, k.knownRansomwareCampaignUse, file])
                }
                for p in parsed.problems { try insProblem.execute(arguments: [p.file, p.code, p.reason, now]) }
                for p in pf.prepared { rows.append((fileID, p)) }
            }
            // The same id twice in this batch: the later one wins. `last` maps each (format, id) of the
            // batch to the row kept for it.
            func identity(_ format: String, _ id: String) -> String { format + " " + id }
            var last: [String: Int] = [:]
            last.reserveCapacity(rows.count)
            for (i, r) in rows.enumerated() { last[identity(r.prepared.format, r.prepared.id)] = i }
            if last.count < rows.count {
                rows = rows.enumerated().filter { last[identity($0.element.prepared.format, $0.element.prepared.id)] == $0.offset }.map(\.element)
            }
            // Ids already stored (another file, or an earlier import): replaced. A bulk load looks up only the
            // ids whose hash it stored before (nearly always none).
            var lookup = rows.map(\.prepared.id)
            if let stored {
                let hashes = rows.map(\.prepared.identityHash)
                lookup = stored.hashes.withLock { seen in
                    let maybe = zip(rows, hashes).filter { seen.contains($0.1) }.map(\.0.prepared.id)
                    seen.formUnion(hashes)
                    return maybe
                }
            }
            for chunk in stride(from: 0, to: lookup.count, by: 500) {
                let ids = Set(lookup[chunk..<min(lookup.count, chunk + 500)])
                let sql = "SELECT n, id, format, keys FROM advisories WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))"
                for r in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(Array(ids))) where last[identity(r["format"], r["id"])] != nil {
                    try remove(r["n"], keys: r["keys"])
                }
            }
            // Each source this batch wrote records of was imported now.
            var formats = Set(rows.map(\.prepared.format))
            if batch.contains(where: { !$0.parsed.kev.isEmpty }) { formats.insert("kev") }
            let source = try db.cachedStatement(
                sql: "INSERT INTO sources (format, imported_at) VALUES (?, ?) ON CONFLICT (format) DO UPDATE SET imported_at = excluded.imported_at")
            for f in formats.sorted() { try source.execute(arguments: [f, now]) }
            let first = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(n), 0) + 1 FROM advisories")) ?? 1
            try Self.insertRows(
                db, into: "advisories (\(Self.advisoryColumns.joined(separator: ", ")))", width: Self.advisoryColumns.count,
                perStatement: Self.rowsPerInsert, rows: rows.count
            ) { k, row in
                try row.bind(first + Int64(k))
                try row.bind(rows[k].fileID)
                for v in rows[k].prepared.row { try row.bind(v) }
            }
            try AdvisoryFacts.insert(db, rows: rows.count) { k, row in
                try row.bind(first + Int64(k))
                for v in rows[k].prepared.facts { try row.bind(v) }
            }
            var keyRows: [(key: String, n: Int64)] = []
            for (k, r) in rows.enumerated() {
                for key in r.prepared.keys { keyRows.append((key, first + Int64(k))) }
            }
            try Self.insertRows(
                db, into: "affected_keys (key, advisory)", or: "OR IGNORE ", width: 2, perStatement: Self.keysPerInsert, rows: keyRows.count
            ) {
                k, row in
                try row.bind(keyRows[k].key)
                try row.bind(keyRows[k].n)
            }
        }
    }

    /// The values of one multi-row INSERT, bound one by one straight from the rows: GRDB's `StatementArguments`
    /// would first copy every value into an array of its own (through a generic key path), on the one writer
    /// thread.
    struct InsertBinder {
        let statement: Statement
        /// Values bound so far (the next one is parameter `bound + 1`).
        private(set) var bound: Int32 = 0

        /// Resets the statement and clears its bindings. A cached statement never failed (GRDB drops one that did
        /// from its cache), so the reset cannot fail.
        init(_ statement: Statement) {
            self.statement = statement
            statement.setUncheckedArguments(StatementArguments())
        }

        /// Binds the next parameter as GRDB binds a value of this type.
        mutating func bind(_ value: some StatementBinding) throws {
            bound += 1
            let code = value.bind(to: statement.sqliteStatement, at: bound)
            // 0 is SQLITE_OK.
            guard code == 0 else {
                throw AdvisoriesError(.database, "SQLite refused value \(bound) of a statement (result code \(code)): \(statement.sql.prefix(80))")
            }
        }
    }

    /// Multi-row INSERTs of `rowCount` rows of `width` values each, `perStatement` rows per statement (GRDB caches
    /// one statement per row count); `bindRow(k, binder)` binds the values of row `k`, in column order. A row count
    /// of values bound short or long is an error, never a partly bound row.
    static func insertRows(
        _ db: Database, into table: String, or conflict: String = "", width: Int, perStatement: Int, rows rowCount: Int,
        _ bindRow: (Int, inout InsertBinder) throws -> Void
    ) throws {
        guard rowCount > 0 else { return }
        let head = "INSERT \(conflict)INTO \(table) VALUES "
        let row = "(" + Array(repeating: "?", count: width).joined(separator: ",") + ")"
        let full = rowCount >= perStatement ? head + Array(repeating: row, count: perStatement).joined(separator: ",") : ""
        var start = 0
        while start < rowCount {
            let count = min(perStatement, rowCount - start)
            let statement = try db.cachedStatement(
                sql: count == perStatement ? full : head + Array(repeating: row, count: count).joined(separator: ","))
            var binder = InsertBinder(statement)
            for k in start..<start + count { try bindRow(k, &binder) }
            guard binder.bound == Int32(count * width) else {
                throw AdvisoriesError(.database, "\(binder.bound) values bound for \(count) rows of \(width) columns into \(table)")
            }
            try statement.execute()
            start += count
        }
    }

    /// Records zips found inside an archive whose every member was imported (or left unchanged): the next
    /// import leaves such a zip out, unexpanded, while the outer archive declares the same CRC-32 and size for
    /// it. `records` holds the members it had.
    func recordArchives(_ archives: [(key: String, size: Int64, crc32: UInt32, members: Int)]) async throws {
        guard !archives.isEmpty else { return }
        let now = ISO8601DateFormatter().string(from: Date())
        try await queue.write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO files (path, size, mtime, content_hash, records, problems, imported_at, crc32) VALUES (?,?,0,'',?,0,?,?)
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = 0, content_hash = '', records = excluded.records,
                      problems = 0, imported_at = excluded.imported_at, crc32 = excluded.crc32
                    """)
            for a in archives { try upsert.execute(arguments: [a.key, a.size, a.members, now, Int64(a.crc32)]) }
        }
    }

    /// Records a problem for a file that could not even be read (too large, unreadable).
    func recordProblem(_ p: ImportProblem) async throws {
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM problems WHERE file = ?", arguments: [p.file])
            try db.execute(
                sql: "INSERT INTO problems (file, code, reason, at) VALUES (?,?,?,?)",
                arguments: [p.file, p.code, p.reason, ISO8601DateFormatter().string(from: Date())])
        }
    }

    // MARK: reading

    public struct Counts: Codable, Sendable, Equatable {
        public var advisories: Int
        public var files: Int
        public var kev: Int
        public var problems: Int
    }

    public func counts() throws -> Counts {
        try queue.read { db in
            Counts(
                advisories: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories") ?? 0,
                files: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files") ?? 0,
                kev: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kev") ?? 0,
                problems: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM problems") ?? 0)
        }
    }

    /// What an assessment report says about the database: when it was last imported into, from which
    /// feed formats, how many records each.
    public struct Summary: Codable, Sendable, Equatable {
        public var files: Int
        /// The newest `imported_at` of any file (ISO 8601), nil for an empty database.
        public var lastImport: Date?
        /// Records per feed format (`cve5`, `osv`, `nvd` …).
        public var recordsByFormat: [String: Int]
        /// Per source (feed format, and `kev`): records, newest record date, last import.
        public var sources: [SourceSummary] = []
    }

    /// One source of the database, for freshness (BulkheadModel's record, shared with the assessment report).
    public typealias SourceSummary = AdvisorySourceSummary

    public func summary() throws -> Summary {
        try queue.read { db in
            var byFormat: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT format, COUNT(*) AS n FROM advisories GROUP BY format") {
                byFormat[row["format"]] = row["n"]
            }
            let newest: String? = try String.fetchOne(db, sql: "SELECT MAX(imported_at) FROM files")
            let iso = ISO8601DateFormatter()
            var imported: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT format, imported_at FROM sources") {
                imported[row["format"]] = (row["imported_at"] as String?).flatMap { iso.date(from: $0) }
            }
            // Newest record per format: the last entry of the format's range of advisories_format.
            let newestOf = try db.cachedStatement(sql: "SELECT MAX(published) FROM advisories WHERE format = ?")
            var sources: [SourceSummary] = try byFormat.keys.sorted().map { f in
                SourceSummary(
                    format: f, records: byFormat[f] ?? 0, newestRecord: try String.fetchOne(newestOf, arguments: [f]), importedAt: imported[f])
            }
            let kevCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kev") ?? 0
            if kevCount > 0 {
                sources.append(
                    SourceSummary(
                        format: "kev", records: kevCount, newestRecord: try String.fetchOne(db, sql: "SELECT MAX(date_added) FROM kev"),
                        importedAt: imported["kev"]))
            }
            return Summary(
                files: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files") ?? 0,
                lastImport: newest.flatMap { iso.date(from: $0) }, recordsByFormat: byFormat, sources: sources)
        }
    }

    public func problems() throws -> [ImportProblem] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT file, code, reason FROM problems ORDER BY file").map { r in
                ImportProblem(file: r["file"], code: AdvisoriesError.Code(rawValue: r["code"]) ?? .malformed, reason: r["reason"])
            }
        }
    }

    public func advisory(id: String, format: AdvisoryFormat) throws -> Advisory? {
        try queue.read { db in
            guard
                let r = try Row.fetchOne(
                    db, sql: "SELECT body, summary FROM advisories WHERE id = ? AND format = ?", arguments: [id, format.rawValue])
            else { return nil }
            return Self.decodeStored(body: r["body"], summary: r["summary"], decoder: JSONDecoder())
        }
    }

    /// KEV entries keyed by CVE id.
    public func kevEntries() throws -> [String: KEVEntry] {
        try queue.read { db in
            var out: [String: KEVEntry] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT cve, vendor, product, date_added, due_date, ransomware FROM kev") {
                let k = KEVEntry(
                    cveID: r["cve"], vendorProject: r["vendor"], product: r["product"], dateAdded: r["date_added"],
                    dueDate: r["due_date"], knownRansomwareCampaignUse: r["ransomware"])
                out[k.cveID] = k
            }
            return out
        }
    }

    /// Every advisory that may concern the product (by CPE, CVE 5 vendor/product, OSV package, package
    /// name, or — for records naming no product — a description keyword). Precise mapping and version
    /// evaluation is `ProductMatcher`'s job.
    public func candidates(for p: ProductAliases) throws -> [Advisory] {
        try queue.read { db in
            let decoder = JSONDecoder()
            var out: [Advisory] = []
            let rows = try Self.candidateRows(db, for: p)
            out.reserveCapacity(rows.count)
            try Self.fetchBodies(db, rows: rows) { body, summary in
                if let a = Self.decodeStored(body: body, summary: summary, decoder: decoder) { out.append(a) }
            }
            return out
        }
    }

    /// `candidates(for:)`, read and decoded once per opened database: an assessment needs each discovered
    /// product's records twice (ISM-1460 criterion-5 statistics, then the ISM-1606 check of every installed
    /// package of it). Writing through this value (`import`) forgets them.
    public func sharedCandidates(for p: ProductAliases) throws -> [Advisory] {
        if let known = memo.byProduct.withLock({ $0[p] }) { return known }
        let fresh = try candidates(for: p)
        memo.byProduct.withLock { $0[p] = fresh }
        return fresh
    }

    /// The row ids of `candidates(for:)`, ascending. Each naming system is one indexed query: exact keys
    /// and key ranges on `affected_keys`' primary key, description keywords over the partial index of
    /// records that name no product (`advisories_unnamed`, which holds their summaries, so the advisory
    /// rows themselves are not read), vendor keywords through the vendor's key range. Before v4 this was
    /// one statement whose `OR … summary LIKE` made SQLite scan every advisory row (bodies included) for
    /// each product and installed package: 10–12 s per assessment with 300,000 records.
    static func candidateRows(_ db: Database, for p: ProductAliases) throws -> [Int64] {
        var exact = Set<Int64>()
        return try candidateRows(db, for: p, exact: &exact)
    }

    /// `candidateRows(_:for:)`, also collecting in `exact` the rows found by a key that maps them to the
    /// product as `ProductAliases.naming` does: a CPE, CVE 5 vendor/product, package name or OSV package key
    /// equal to one of the product's, when the product's names hold no key separator (`:`, `|`), so key
    /// equality is name equality. Go sub-package ranges and keyword searches are not exact.
    static func candidateRows(_ db: Database, for p: ProductAliases, exact exactRows: inout Set<Int64>) throws -> [Int64] {
        var ns = Set<Int64>()
        func plain(_ s: String) -> Bool { !s.utf8.contains { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "|") || $0 == 0x0A } }
        var certain = Set<String>()
        for c in p.cpe where plain(ProductAliases.norm(c.vendor)) && plain(ProductAliases.norm(c.product)) {
            certain.insert(lookupKey("cpe", ProductAliases.norm(c.vendor) + ":" + ProductAliases.norm(c.product)))
        }
        for c in p.cve5 where plain(ProductAliases.norm(c.vendor)) && plain(ProductAliases.norm(c.product)) {
            certain.insert(lookupKey("vp", ProductAliases.norm(c.vendor) + "|" + ProductAliases.norm(c.product)))
        }
        for n in p.debianPackages + p.rpmPackages { certain.insert(lookupKey("pkgname", n)) }
        for pk in p.packages where plain(ProductAliases.norm(pk.ecosystem)) && plain(pk.name) {
            certain.insert(lookupKey("pkg", ProductAliases.norm(pk.ecosystem) + "|" + pk.name))
        }
        var exact: [String] = []
        for c in p.cpe { exact.append(lookupKey("cpe", ProductAliases.norm(c.vendor) + ":" + ProductAliases.norm(c.product))) }
        for c in p.cve5 { exact.append(lookupKey("vp", ProductAliases.norm(c.vendor) + "|" + ProductAliases.norm(c.product))) }
        for n in p.debianPackages + p.rpmPackages { exact.append(lookupKey("pkgname", n)) }
        var ranges: [(String, String)] = []
        for pk in p.packages {
            let k = lookupKey("pkg", ProductAliases.norm(pk.ecosystem) + "|" + pk.name)
            // The package itself, or (Go) any package below it: keys in [k + "/", k + "0").
            exact.append(k)
            ranges.append((k + "/", k + "0"))
        }
        let byKey = try db.cachedStatement(sql: "SELECT advisory FROM affected_keys WHERE key = ?")
        for k in Set(exact) {
            let found = try Int64.fetchAll(byKey, arguments: [k])
            ns.formUnion(found)
            if certain.contains(k) { exactRows.formUnion(found) }
        }
        let byRange = try db.cachedStatement(sql: "SELECT advisory FROM affected_keys WHERE key >= ? AND key < ?")
        for (lo, hi) in ranges { ns.formUnion(try Int64.fetchAll(byRange, arguments: [lo, hi])) }
        let unnamed = try db.cachedStatement(
            sql: "SELECT n FROM advisories INDEXED BY advisories_unnamed WHERE unnamed = 1 AND summary LIKE ?")
        for k in p.descriptionKeywords { ns.formUnion(try Int64.fetchAll(unnamed, arguments: ["%" + k + "%"])) }
        if !p.vendorKeywords.isEmpty {
            let summaryLike = try db.cachedStatement(sql: "SELECT 1 FROM advisories WHERE n = ? AND summary LIKE ?")
            for vk in p.vendorKeywords {
                // Any product of the vendor (`vp<TAB>vendor|…`, `cpe<TAB>vendor:…`) whose description has the word.
                let v = ProductAliases.norm(vk.vendor)
                var vendorRows = Set<Int64>()
                for (lo, hi) in [(lookupKey("vp", v + "|"), lookupKey("vp", v + "}")), (lookupKey("cpe", v + ":"), lookupKey("cpe", v + ";"))] {
                    vendorRows.formUnion(try Int64.fetchAll(byRange, arguments: [lo, hi]))
                }
                for n in vendorRows.subtracting(ns) where try Bool.fetchOne(summaryLike, arguments: [n, "%" + vk.keyword + "%"]) == true {
                    ns.insert(n)
                }
            }
        }
        return ns.sorted()
    }

    /// Reads the body and summary of each row id (ascending ids read the table in order), 500 per statement.
    static func fetchBodies(_ db: Database, rows: [Int64], _ each: (String, String) throws -> Void) throws {
        try fetchBodies(db, rows: rows, withN: true) { _, body, summary in try each(body, summary) }
    }

    /// `fetchBodies` with each row's id.
    static func fetchBodies(_ db: Database, rows: [Int64], withN: Bool, _ each: (Int64, String, String) throws -> Void) throws {
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let part = rows[chunk..<min(rows.count, chunk + 500)]
            let sql = "SELECT n, body, summary FROM advisories WHERE n IN (\(Array(repeating: "?", count: part.count).joined(separator: ",")))"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(Array(part)))
            // Columns by position: GRDB's by-name subscript searches the column names for every value.
            while let r = try cursor.next() { try each(r[0], r[1], r[2]) }
        }
    }
}
