public import Foundation
import GRDB

/// The local advisory database (SQLite via GRDB).
///
/// Default path: `/var/lib/bulkhead/advisories.sqlite` when run as root, otherwise
/// `$XDG_DATA_HOME/bulkhead/advisories.sqlite` (`~/.local/share/bulkhead/advisories.sqlite`).
public struct AdvisoryDatabase: Sendable {
    let queue: DatabaseQueue
    public let path: String

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
            var config = Configuration()
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            }
            queue = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(queue)
        } catch {
            throw AdvisoriesError(.database, "cannot open the advisory database at \(path); check the path and its permissions, or pass --db", cause: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
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
        return m
    }

    // MARK: writing

    struct FileState: Sendable {
        var size: Int64
        var mtime: Double
        var contentHash: String
    }

    func fileStates() throws -> [String: FileState] {
        try queue.read { db in
            var out: [String: FileState] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT path, size, mtime, content_hash FROM files")
            while let r = try rows.next() {
                out[r["path"]] = FileState(size: r["size"], mtime: r["mtime"], contentHash: r["content_hash"])
            }
            return out
        }
    }

    /// One advisory ready for insertion (computed off the writer, in the parsing tasks).
    struct Prepared: Sendable {
        var advisory: Advisory
        var body: String
        var memorySafety: MemorySafety.Classification
        var unnamed: Bool
        var keys: [(String, String)]
    }

    /// The stored body is the advisory without its summary (kept in its own column).
    static func prepare(_ a: Advisory, encoder: JSONEncoder) throws -> Prepared {
        var stripped = a
        stripped.summary = ""
        let body = String(decoding: try encoder.encode(stripped), as: UTF8.self)
        var keys = Set<[String]>()
        for e in a.affected {
            if let v = e.cpeVendor, let p = e.cpeProduct { keys.insert(["cpe", ProductAliases.norm(v) + ":" + ProductAliases.norm(p)]) }
            if e.vendor != nil || e.product != nil {
                keys.insert(["vp", ProductAliases.norm(e.vendor) + "|" + ProductAliases.norm(e.product)])
            }
            if let n = e.packageName {
                if let eco = e.ecosystem {
                    let base = ProductAliases.norm(eco).split(separator: ":").first.map(String.init) ?? ""
                    keys.insert(["pkg", base + "|" + n])
                } else {
                    keys.insert(["pkgname", n])
                }
            }
        }
        return Prepared(advisory: a, body: body, memorySafety: a.memorySafety, unnamed: a.affected.allSatisfy(ProductAliases.isUnnamed),
            keys: keys.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
    }

    static func decodeStored(body: String, summary: String, decoder: JSONDecoder) -> Advisory? {
        guard var a = try? decoder.decode(Advisory.self, from: Data(body.utf8)) else { return nil }
        a.summary = summary
        return a
    }

    /// Writes a batch of parsed files in one transaction: each file's previous rows are replaced by
    /// its new ones, so no file is ever half-written.
    func write(_ batch: [PreparedFile]) throws {
        let now = ISO8601DateFormatter().string(from: Date())
        try queue.write { db in
            let insAdv = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO advisories (id, format, file, published, published_day, modified, withdrawn, assigner, summary,
                  severity_score, severity_rating, memory_safety, memory_safety_reason, kev_date, unnamed, body)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """)
            let insAlias = try db.cachedStatement(sql: "INSERT INTO aliases (alias, id, format) VALUES (?,?,?)")
            let insKey = try db.cachedStatement(sql: "INSERT INTO affected_keys (kind, key, id, format) VALUES (?,?,?,?)")
            let insCWE = try db.cachedStatement(sql: "INSERT INTO cwes (id, format, cwe, source) VALUES (?,?,?,?)")
            let delAdvChildren = [
                try db.cachedStatement(sql: "DELETE FROM aliases WHERE id = ? AND format = ?"),
                try db.cachedStatement(sql: "DELETE FROM affected_keys WHERE id = ? AND format = ?"),
                try db.cachedStatement(sql: "DELETE FROM cwes WHERE id = ? AND format = ?"),
            ]
            let selOld = try db.cachedStatement(sql: "SELECT id, format FROM advisories WHERE file = ?")
            let delOld = try db.cachedStatement(sql: "DELETE FROM advisories WHERE file = ?")
            let delProblems = try db.cachedStatement(sql: "DELETE FROM problems WHERE file = ? OR (file >= ? AND file < ?)")
            let delKEV = try db.cachedStatement(sql: "DELETE FROM kev WHERE file = ?")
            let insProblem = try db.cachedStatement(sql: "INSERT INTO problems (file, code, reason, at) VALUES (?,?,?,?)")
            let insFile = try db.cachedStatement(sql: "INSERT OR REPLACE INTO files (path, size, mtime, content_hash, records, problems, imported_at) VALUES (?,?,?,?,?,?,?)")
            let insKEV = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO kev (cve, vendor, product, date_added, due_date, ransomware, file) VALUES (?,?,?,?,?,?,?)
                """)
            for pf in batch {
                let parsed = pf.parsed
                let file = parsed.file
                if pf.previouslyImported {
                    // Remove what an earlier version of this file contributed.
                    for r in try Row.fetchAll(selOld, arguments: [file]) {
                        let id: String = r["id"], format: String = r["format"]
                        for s in delAdvChildren { try s.execute(arguments: [id, format]) }
                    }
                    try delOld.execute(arguments: [file])
                    try delKEV.execute(arguments: [file])
                }
                try delProblems.execute(arguments: [file, file + "#", file + "$"])
                for p in pf.prepared {
                    let a = p.advisory
                    let f = a.format.rawValue
                    // The same id may come from another file: replace its children too.
                    for s in delAdvChildren { try s.execute(arguments: [a.id, f]) }
                    let sev = a.bestSeverity
                    try insAdv.execute(arguments: [
                        a.id, f, file, a.published, AdvisoryDate.dayNumber(a.published), a.modified, a.withdrawn, a.assigner,
                        a.summary, sev?.score, sev?.effectiveRating, p.memorySafety.isMemorySafety, p.memorySafety.reason, a.kevDateAdded,
                        p.unnamed, p.body,
                    ])
                    for alias in Set(a.aliases + [a.id]) { try insAlias.execute(arguments: [alias, a.id, f]) }
                    for k in p.keys { try insKey.execute(arguments: [k.0, k.1, a.id, f]) }
                    for c in a.cwes { try insCWE.execute(arguments: [a.id, f, c.id, c.source]) }
                }
                for k in parsed.kev {
                    try insKEV.execute(arguments: [k.cveID, k.vendorProject, k.product, k.dateAdded, k.dueDate, k.knownRansomwareCampaignUse, file])
                }
                for p in parsed.problems { try insProblem.execute(arguments: [p.file, p.code, p.reason, now]) }
                try insFile.execute(arguments: [file, pf.state.size, pf.state.mtime, pf.state.contentHash, parsed.advisories.count + parsed.kev.count, parsed.problems.count, now])
            }
        }
    }

    func touch(_ path: String, _ state: FileState) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE files SET mtime = ?, size = ? WHERE path = ?", arguments: [state.mtime, state.size, path])
        }
    }

    /// Records a problem for a file that could not even be read (too large, unreadable).
    func recordProblem(_ p: ImportProblem) throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM problems WHERE file = ?", arguments: [p.file])
            try db.execute(sql: "INSERT INTO problems (file, code, reason, at) VALUES (?,?,?,?)",
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

    public func problems() throws -> [ImportProblem] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT file, code, reason FROM problems ORDER BY file").map { r in
                ImportProblem(file: r["file"], code: AdvisoriesError.Code(rawValue: r["code"]) ?? .malformed, reason: r["reason"])
            }
        }
    }

    public func advisory(id: String, format: AdvisoryFormat) throws -> Advisory? {
        try queue.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT body, summary FROM advisories WHERE id = ? AND format = ?", arguments: [id, format.rawValue])
            else { return nil }
            return Self.decodeStored(body: r["body"], summary: r["summary"], decoder: JSONDecoder())
        }
    }

    /// KEV entries keyed by CVE id.
    public func kevEntries() throws -> [String: KEVEntry] {
        try queue.read { db in
            var out: [String: KEVEntry] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT cve, vendor, product, date_added, due_date, ransomware FROM kev") {
                let k = KEVEntry(cveID: r["cve"], vendorProject: r["vendor"], product: r["product"], dateAdded: r["date_added"],
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
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            for c in p.cpe {
                clauses.append("(kind = 'cpe' AND key = ?)")
                args.append(ProductAliases.norm(c.vendor) + ":" + ProductAliases.norm(c.product))
            }
            for c in p.cve5 {
                clauses.append("(kind = 'vp' AND key = ?)")
                args.append(ProductAliases.norm(c.vendor) + "|" + ProductAliases.norm(c.product))
            }
            for pk in p.packages {
                let k = ProductAliases.norm(pk.ecosystem) + "|" + pk.name
                clauses.append("(kind = 'pkg' AND (key = ? OR key LIKE ? ESCAPE '\\'))")
                args.append(k)
                args.append(k.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "/%")
            }
            for n in p.debianPackages + p.rpmPackages {
                clauses.append("(kind = 'pkgname' AND key = ?)")
                args.append(n)
            }
            var sql = "SELECT body, summary FROM advisories WHERE (id, format) IN (SELECT id, format FROM affected_keys WHERE \(clauses.isEmpty ? "0" : clauses.joined(separator: " OR ")))"
            for k in p.descriptionKeywords {
                sql += " OR (unnamed = 1 AND summary LIKE ?)"
                args.append("%" + k + "%")
            }
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap {
                Self.decodeStored(body: $0["body"], summary: $0["summary"], decoder: decoder)
            }
        }
    }
}
