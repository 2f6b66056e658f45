public import Foundation
import GRDB
import ZipExtraction

/// `read(2)` into the start of `buffer`, again after EINTR (bounded by `count`, at most the buffer's size).
private func readRetrying(_ fd: Int32, _ buffer: inout [UInt8], _ count: Int) -> Int {
    precondition(count <= buffer.count)
    while true {
        let n = read(fd, &buffer, count)
        if n >= 0 || errno != EINTR { return n }
    }
}

/// `read(2)` of one byte, again after EINTR.
private func readByteRetrying(_ fd: Int32, _ byte: inout UInt8) -> Int {
    while true {
        let n = read(fd, &byte, 1)
        if n >= 0 || errno != EINTR { return n }
    }
}

/// A parsed file with its rows prepared for the writer.
struct PreparedFile: Sendable {
    /// The file as parsed; its `advisories` are emptied once `prepared` holds their rows (the writer binds those).
    var parsed: ParsedFile
    var prepared: [AdvisoryDatabase.Prepared]
    var state: AdvisoryDatabase.FileState
    /// The file was imported before (its old rows must be removed first).
    var previouslyImported: Bool
}

/// Progress of a running import (for a progress line).
public struct ImportProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var advisories: Int
    public var problems: Int
}

/// What an import did.
public struct ImportReport: Codable, Sendable {
    public var filesSeen = 0
    public var filesImported = 0
    public var filesUnchanged = 0
    /// Of `filesUnchanged`, zip members left out without being decompressed: their CRC-32 and size are those
    /// of the member imported before (a nested zip left out counts the members it had).
    public var membersUnchanged = 0
    public var advisories = 0
    public var kevEntries = 0
    public var problems: [ImportProblem] = []
    /// Command-line inputs that could not be read at all (missing path, bad archive).
    public var failedInputs: [String] = []
    public var seconds = 0.0
    public init() {}
}

public struct ImportOptions: Sendable {
    /// Per-file size cap in bytes; larger files (and zip members that decompress to more) are reported
    /// (`tooLarge`) and skipped.
    public var maxFileSize: Int
    /// Decompressed bytes allowed for all the zip archives of one import together, nested ones included,
    /// counted as they are written (declared sizes are never trusted). Past it the archive being read is
    /// refused (`tooLarge`) and its extraction folder removed.
    public var maxTotalBytes: Int64
    /// Zip members allowed for the whole import.
    public var maxArchiveMembers: Int
    /// Zips inside zips: 2 reads the cvelistV5 release zip and the `cves.zip` inside it, and no deeper.
    public var maxArchiveDepth: Int
    /// Where extraction folders are made (nil: the system's temporary directory); each is removed when
    /// the import ends, also on failure.
    public var temporaryDirectory: String?
    /// Files per transaction.
    public var batchSize: Int
    /// Parallel parsers.
    public var parallelism: Int
    /// A first import into an empty database is built in a file beside it and renamed into place
    /// (`BulkLoad`); false writes it in place, batch by batch, as an import into a database holding rows is.
    public var bulkLoad = true
    public var progress: (@Sendable (ImportProgress) -> Void)?

    /// The default total budget: 4 GiB (a cvelistV5 release zip with its nested `cves.zip` and the
    /// expanded records is about 2.5 GB in 2025).
    public static let defaultMaxTotalBytes: Int64 = 4 << 30

    public init(
        maxFileSize: Int = AdvisoryParser.defaultMaxFileSize, maxTotalBytes: Int64 = defaultMaxTotalBytes,
        maxArchiveMembers: Int = 2_000_000, maxArchiveDepth: Int = 2, temporaryDirectory: String? = nil, batchSize: Int = 1000,
        parallelism: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) {
        self.maxFileSize = maxFileSize
        self.maxTotalBytes = maxTotalBytes
        self.maxArchiveMembers = maxArchiveMembers
        self.maxArchiveDepth = maxArchiveDepth
        self.temporaryDirectory = temporaryDirectory
        self.batchSize = batchSize
        self.parallelism = parallelism
        self.progress = progress
    }
}

/// `bulkhead advisories import`: files, directories (recursively, `*.json`) and `.zip` archives
/// (the cvelistV5 release zip, including its nested `cves.zip`).
public enum AdvisoryImporter {
    /// One file to read: where it is, and the name its rows are recorded under — its path, or for a zip
    /// member `<archive as given>!/<member>` (`…!/cves.zip!/<member>` inside a nested zip), so the same
    /// member of the same archive is recognised whichever temporary folder it was extracted into.
    ///
    /// A zip member is held as its name in the archive with the extraction folder and the archive key as
    /// prefixes shared by all the members of one archive (one copy each, not 300,000).
    struct Input: Sendable {
        var pathPrefix = ""
        var keyPrefix = ""
        var name: String
        /// A zip member's verified CRC-32.
        var crc32: UInt32? = nil
        /// The number a zip member was written under in the extraction folder (`pathPrefix + "\(serial)"`), 0
        /// when it was written at `pathPrefix + name`.
        var serial = 0
        /// The file, when it is not `pathPrefix + name`.
        var file: String?
        var path: String { file ?? (serial > 0 ? pathPrefix + String(serial) : pathPrefix + name) }
        var key: String { keyPrefix + name }

        init(path: String) { name = path }
        init(pathPrefix: String, keyPrefix: String, name: String, crc32: UInt32?) {
            self.pathPrefix = pathPrefix
            self.keyPrefix = keyPrefix
            self.name = name
            self.crc32 = crc32
        }

        static func < (a: Input, b: Input) -> Bool { a.keyPrefix != b.keyPrefix ? a.keyPrefix < b.keyPrefix : a.name < b.name }
    }

    enum Work: Sendable {
        case parsed(PreparedFile)
        case unchanged(String, AdvisoryDatabase.FileState, touch: Bool)
        case failed(ImportProblem)
    }

    public static func run(_ paths: [String], into database: AdvisoryDatabase, options: ImportOptions = ImportOptions()) async throws
        -> ImportReport
    {
        let start = Date()
        // An empty database: everything goes to the file beside it, renamed into place at the end.
        let bulk = options.bulkLoad ? try database.beginBulkLoad() : nil
        let db = bulk?.database ?? database
        var report: ImportReport
        do {
            report = try await run(paths, writingTo: db, fresh: bulk != nil, options: options)
        } catch {
            if let bulk { database.discard(bulk) }
            throw error
        }
        if let bulk { try await database.finishBulkLoad(bulk) }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// `fresh`: `db` is the empty database of a bulk load, where no file was imported before.
    static func run(_ paths: [String], writingTo db: AdvisoryDatabase, fresh: Bool, options: ImportOptions) async throws -> ImportReport {
        var report = ImportReport()
        var inputs = Inputs(options: options, db: db)
        defer { inputs.removeScratch() }
        var files: [Input] = []
        for p in paths {
            do {
                files += try inputs.collect(p)
            } catch let e as AdvisoriesError {
                let problem = ImportProblem(file: p, code: e.code, reason: e.message + (e.cause.map { " (\($0))" } ?? ""))
                report.failedInputs.append(p)
                report.problems.append(problem)
                try await db.recordProblem(problem)
            }
        }
        for problem in inputs.problems {
            report.problems.append(problem)
            try await db.recordProblem(problem)
        }
        report.filesSeen = files.count + inputs.membersUnchanged
        // A file named twice (the same path given twice, or inside a directory also given) is read once;
        // the other namings count as unchanged. One path's files are distinct already.
        let named = files.count
        if paths.count > 1 {
            var seenKeys = Set<String>()
            files = files.filter { seenKeys.insert($0.key).inserted }
        }
        report.filesUnchanged = inputs.membersUnchanged + named - files.count
        report.membersUnchanged = inputs.membersUnchanged
        // Keys of the files that could not be read (their archives are not recorded as done).
        var failedKeys: [String] = inputs.problems.map(\.file)
        var done = 0
        var index = 0
        // The previous batch is written (GRDB's async write, on the database's own writer thread) while
        // the next one is parsed. The database queue runs reads and writes one at a time, so what earlier
        // imports stored for a batch is read before the write of the batch ahead of it starts (a lookup
        // queued behind that write would wait for it, and parsing would never overlap writing); a key
        // given twice is read once (`unique` above), so no batch's lookup misses a row the write ahead of
        // it stores.
        var pendingWrite: Task<Void, any Error>?
        // A bulk load's file goes to disk as it grows, so that the fsync at the end has little left to write.
        let writeback = BulkLoad.Writeback()
        func slice(_ at: Int) -> [Input] { Array(files[at..<min(files.count, at + options.batchSize)]) }
        var batch = slice(0)
        // Nothing to look up in an empty database.
        func states(_ batch: [Input]) throws -> [String: AdvisoryDatabase.FileState] {
            batch.isEmpty || fresh ? [:] : try db.fileStates(batch.map(\.key))
        }
        var known = try states(batch)
        while !batch.isEmpty {
            index += batch.count
            let results = await parseBatch(batch, known: known, options: options)
            var toWrite: [PreparedFile] = []
            // Files whose mtime moved but whose bytes did not: the new mtime (and a hash stored before
            // schema v3, computed again) is recorded with the batch.
            var touches: [AdvisoryDatabase.Touch] = []
            for r in results {
                switch r {
                case .parsed(let pf):
                    toWrite.append(pf)
                    report.advisories += pf.prepared.count
                    report.kevEntries += pf.parsed.kev.count
                    report.problems += pf.parsed.problems
                case .unchanged(let path, let st, let touch):
                    report.filesUnchanged += 1
                    if touch { touches.append(AdvisoryDatabase.Touch(path: path, state: st)) }
                case .failed(let p):
                    failedKeys.append(p.file)
                    report.problems.append(p)
                    try await db.recordProblem(p)
                }
            }
            try await pendingWrite?.value
            done += batch.count
            batch = slice(index)
            known = try states(batch)
            let writeBatch = toWrite
            let writeTouches = touches
            pendingWrite = Task { try await db.write(writeBatch, touching: writeTouches, fresh: fresh) }
            if fresh, (index / max(1, options.batchSize)) % 32 == 0 { writeback.start(db.path) }
            report.filesImported += writeBatch.count
            options.progress?(
                ImportProgress(filesDone: done, filesTotal: files.count, advisories: report.advisories, problems: report.problems.count))
        }
        try await pendingWrite?.value
        // Nested zips whose every member is now stored: left out, unexpanded, by the next import.
        let complete = inputs.expanded.filter { archive in !failedKeys.contains { $0.hasPrefix(archive.key + "!/") } }
        try await db.recordArchives(complete)
        return report
    }

    static func parseBatch(_ batch: [Input], known: [String: AdvisoryDatabase.FileState], options: ImportOptions) async -> [Work] {
        // A few contiguous slices per core: enough to balance uneven files, few enough that task
        // overhead stays invisible.
        let slices = max(1, min(batch.count, options.parallelism * 4))
        let per = (batch.count + slices - 1) / slices
        return await withTaskGroup(of: (Int, [Work]).self) { group in
            for k in 0..<slices {
                let lo = k * per
                let hi = min(batch.count, lo + per)
                guard lo < hi else { continue }
                let paths = Array(batch[lo..<hi])
                let previous = paths.map { known[$0.key] }
                group.addTask { (k, zip(paths, previous).map { work($0, previous: $1, options: options) }) }
            }
            var out = [[Work]](repeating: [], count: slices)
            for await (k, w) in group where k < out.count { out[k] = w }
            return out.flatMap { $0 }
        }
    }

    /// Opens, checks and reads one input file: `(bytes, size, mtime)`, `nil` bytes when size and mtime
    /// say it is unchanged since `previous`.
    ///
    /// The bytes are read straight into an array of the size `fstat` gave (plus one byte, to see growth): one
    /// `read(2)` for the file and one that finds its end; more only if the file grew meanwhile (never past
    /// the cap).
    static func read(_ path: String, previous: AdvisoryDatabase.FileState?, limit: Int) throws(AdvisoriesError) -> ([UInt8]?, Int64, Double) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw AdvisoriesError(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AdvisoriesError(.unreadable, "cannot stat \(path): \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw AdvisoriesError(.unreadable, "\(path) is not a regular file; skipped") }
        let size = Int64(st.st_size)
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        // Unchanged by size and mtime: not read — unless its stored hash is unknown (schema v2), which is
        // then computed again.
        if let previous, previous.size == size, previous.mtime == mtime, ContentHash.isKnown(previous.contentHash) {
            return (nil, size, mtime)
        }
        guard size <= Int64(limit), size >= 0 else {
            throw AdvisoriesError(.tooLarge, "\(size) bytes is over the \(limit)-byte cap; file skipped")
        }
        func failed(_ code: Int32) -> AdvisoriesError {
            AdvisoriesError(.unreadable, "cannot read \(path)", cause: String(cString: strerror(code)))
        }
        var data = [UInt8](repeating: 0, count: Int(size) + 1)
        let first = readRetrying(fd, &data, data.count)
        guard first >= 0 else { throw failed(errno) }
        data.removeLast(data.count - first)
        // To the end of the file, never past the cap: a one-byte read finds the end; a file that grew (or a
        // short read) goes on in chunks.
        if data.count <= limit {
            var byte: UInt8 = 0
            var got = readByteRetrying(fd, &byte)
            guard got >= 0 else { throw failed(errno) }
            if got == 1 {
                data.append(byte)
                var chunk = [UInt8](repeating: 0, count: 65536)
                while data.count <= limit {
                    got = readRetrying(fd, &chunk, min(chunk.count, limit + 1 - data.count))
                    guard got >= 0 else { throw failed(errno) }
                    if got == 0 { break }
                    data.append(contentsOf: chunk[0..<got])
                }
            }
        }
        guard data.count <= limit else { throw AdvisoriesError(.tooLarge, "\(path) grew over the \(limit)-byte cap while read; skipped") }
        return (data, Int64(data.count), mtime)
    }

    static func work(_ input: Input, previous: AdvisoryDatabase.FileState?, options: ImportOptions) -> Work {
        let path = input.key
        let data: [UInt8]
        let mtime: Double
        do {
            // A zip member was extracted because its CRC-32 or size changed: never skipped by mtime.
            let (bytes, size, modified) = try read(input.path, previous: input.crc32 == nil ? previous : nil, limit: options.maxFileSize)
            guard let bytes else {
                if let previous { return .unchanged(path, previous, touch: false) }
                return .failed(ImportProblem(file: path, code: .unreadable, reason: "\(path) changed while read (\(size) bytes)"))
            }
            data = bytes
            mtime = input.crc32 == nil ? modified : 0
        } catch {
            return .failed(ImportProblem(file: path, code: error.code, reason: error.message + (error.cause.map { " (\($0))" } ?? "")))
        }
        let sha = ContentHash.of(data)
        let state = AdvisoryDatabase.FileState(id: previous?.id, size: Int64(data.count), mtime: mtime, contentHash: sha, crc32: input.crc32)
        if let previous {
            if previous.contentHash == sha { return .unchanged(path, state, touch: true) }
            // A hash from before schema v3 cannot be compared; size and mtime as recorded mean the bytes
            // imported then are these: keep the rows, record the SHA-256.
            if !ContentHash.isKnown(previous.contentHash) && previous.size == state.size && previous.mtime == mtime {
                return .unchanged(path, state, touch: true)
            }
        }
        var parsed = AdvisoryParser.parse(data, file: path)
        let prepared = parsed.advisories.map(AdvisoryDatabase.prepare)
        // The writer binds the prepared rows only: the decoded advisories are freed here, on the parsing task,
        // not carried to (and freed on) the writer's thread.
        parsed.advisories = []
        return .parsed(PreparedFile(parsed: parsed, prepared: prepared, state: state, previouslyImported: previous != nil))
    }

    /// Lists `dir` recursively: `*.json` files (not cvelistV5's delta logs and schemas) and `*.zip`
    /// archives. Only entries that are neither are stat'ed (to find sub-directories), so a 300,000-file
    /// tree costs one `getdents` stream per directory, not a `stat` per file. Symbolic links to
    /// directories are not followed; depth is capped.
    static func walk(_ dir: String, depth: Int, files: inout [String], zips: inout [String]) throws {
        guard depth < 32 else { throw AdvisoriesError(.unreadable, "\(dir): directories nested deeper than 32; not followed") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw AdvisoriesError(.unreadable, "cannot list \(dir)", cause: "\(error)")
        }
        for name in names {
            let full = dir + "/" + name
            let lower = name.lowercased()
            if lower.hasSuffix(".json") {
                // cvelistV5 carries delta logs and schemas that are not records.
                if lower == "delta.json" || lower == "deltalog.json" || lower.hasSuffix("_schema.json") { continue }
                files.append(full)
            } else if lower.hasSuffix(".zip") {
                zips.append(full)
            } else {
                var st = stat()
                if lstat(full, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                    try walk(full, depth: depth + 1, files: &files, zips: &zips)
                }
            }
        }
    }

    /// The inputs of one import: paths expanded into the JSON files to read, zip archives extracted
    /// under one budget into folders that `removeScratch()` removes.
    struct Inputs {
        let options: ImportOptions
        let budget: ExtractionBudget
        /// Extraction folders made so far.
        var scratch: [String] = []
        /// Zip members left out (over the per-file cap).
        var problems: [ImportProblem] = []
        /// Where earlier imports are recorded (read one archive's members at a time).
        let db: AdvisoryDatabase
        /// Zip members (a nested zip counting the members it had) left out because unchanged.
        var membersUnchanged = 0
        /// Nested zips expanded in this import, with their members' count.
        var expanded: [(key: String, size: Int64, crc32: UInt32, members: Int)] = []

        init(options: ImportOptions, db: AdvisoryDatabase) {
            self.options = options
            self.db = db
            budget = ExtractionBudget(totalBytes: options.maxTotalBytes, maxMembers: options.maxArchiveMembers)
        }

        func removeScratch() { for dir in scratch { try? FileManager.default.removeItem(atPath: dir) } }

        /// Expands a path into the JSON files to import.
        mutating func collect(_ path: String) throws -> [Input] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw AdvisoriesError(.unreadable, "\(path) does not exist")
            }
            if !isDir.boolValue {
                return path.lowercased().hasSuffix(".zip") ? try extract(path) : [Input(path: path)]
            }
            var out: [String] = []
            var zips: [String] = []
            try AdvisoryImporter.walk(path, depth: 0, files: &out, zips: &zips)
            var inputs = out.sorted().map { Input(path: $0) }
            for z in zips.sorted() { inputs += try extract(z) }
            return inputs
        }

        /// Extracts a zip archive's records (and the zips inside it, one level down) into a new private
        /// folder; on failure the folder is removed at once.
        mutating func extract(_ zip: String) throws -> [Input] {
            let base = options.temporaryDirectory ?? FileManager.default.temporaryDirectory.path
            let dir = base + "/bulkhead-zip-\(UUID().uuidString)"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } catch {
                throw AdvisoriesError(.archive, "cannot create a folder to extract \(zip) in \(base)", cause: error)
            }
            scratch.append(dir)
            let extraction: ZipExtraction
            let db = db
            // The archive the walk is in (the chain of nested archive names above its members), its key and the
            // members earlier imports recorded under it, loaded when the walk enters it; members of one archive
            // come together, so each is computed once per archive, not per member.
            var parentChain: [String]? = nil
            var parentKey = ""
            var recorded = AdvisoryDatabase.RecordedMembers()
            var lookupFailed: (any Error)?
            var inputs: [Input] = []
            var extractedUnder: [String: Int] = [:]
            // The prefixes of the last member extracted, shared by the next ones of the same archive.
            var pathPrefix = ""
            var keyPrefix = ""
            var unchanged = 0
            // Members left out unchanged, by the key of the (nested) archive holding them; `unchangedHere`
            // counts those of the archive being walked until the walk leaves it.
            var unchangedUnder: [String: Int] = [:]
            var unchangedHere = 0
            func key(_ chain: some Collection<String>) -> String { zip + "!/" + chain.joined(separator: "!/") }
            /// The key prefix of the members of the archive a member with this chain is in.
            func parentPrefix(_ chain: [String]) -> String { chain.count <= 1 ? zip + "!/" : key(chain.dropLast()) + "!/" }
            /// Moves the walk's state to the archive holding a member with this chain, when it is another one.
            func enter(_ chain: [String]) {
                let parent = chain.dropLast()
                if let current = parentChain, current.count == parent.count, current.elementsEqual(parent) { return }
                if parentChain != nil, unchangedHere > 0 { unchangedUnder[parentKey, default: 0] += unchangedHere }
                unchangedHere = 0
                // A nested zip's member count as recorded in the archive around it (read just before): the
                // capacity to reserve.
                let expected = parent.last.flatMap { recorded.byName[$0]?.records } ?? 0
                parentChain = Array(parent)
                parentKey = key(parent)
                recorded = AdvisoryDatabase.RecordedMembers()
                do { recorded = try db.recordedMembers(under: parentPrefix(chain), expected: expected) } catch {
                    // Not known to be unchanged: every member is read (and the failure reported).
                    recorded = AdvisoryDatabase.RecordedMembers()
                    lookupFailed = error
                }
            }
            do {
                extraction = try ZipExtractor.extractMembers(
                    zip, into: dir, budget: budget,
                    limits: ZipExtractionLimits(
                        maxMemberBytes: Int64(options.maxFileSize), maxDepth: options.maxArchiveDepth, links: .refuse, layout: .flat),
                    chooseMember: { member in
                        let choice = AdvisoryImporter.memberChoice(member.path)
                        guard choice != .skip else { return .skip }
                        enter(member.chain)
                        // Read before, and declared with the same CRC-32 and size as the bytes checked then: left
                        // out undecompressed (a nested zip with all it holds).
                        if let previous = recorded.unchanged(member.path, crc32: member.crc32, size: member.uncompressedSize) {
                            let count = choice == .expand ? previous.records : 1
                            unchanged += count
                            unchangedHere += count
                            return .skip
                        }
                        return choice
                    },
                    onMember: { m in
                        let name = m.chain[m.chain.count - 1]
                        extractedUnder[key(Array(m.chain.dropLast())), default: 0] += 1
                        let parent = parentPrefix(m.chain)
                        if parent != keyPrefix { keyPrefix = parent }
                        // The flat layout's `<folder>/<number>`: the folder kept once, the number in the input.
                        if let slash = m.file.utf8.lastIndex(of: UInt8(ascii: "/")),
                            case let digits = m.file.utf8[m.file.utf8.index(after: slash)...],
                            digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let serial = Int(Substring(digits)), serial > 0,
                            digits.first != 0x30
                        {
                            let prefix = m.file.utf8[...slash]
                            if !prefix.elementsEqual(pathPrefix.utf8) { pathPrefix = String(Substring(prefix)) }
                            var input = Input(pathPrefix: pathPrefix, keyPrefix: keyPrefix, name: name, crc32: m.crc32)
                            input.serial = serial
                            inputs.append(input)
                        } else if m.file.hasSuffix(name) {
                            let prefix = String(m.file.dropLast(name.count))
                            if prefix != pathPrefix { pathPrefix = prefix }
                            inputs.append(Input(pathPrefix: pathPrefix, keyPrefix: keyPrefix, name: name, crc32: m.crc32))
                        } else {
                            // A name the extraction normalised (`./`, `//`): the key keeps the name, the path the file.
                            var input = Input(pathPrefix: "", keyPrefix: keyPrefix, name: name, crc32: m.crc32)
                            input.file = m.file
                            inputs.append(input)
                        }
                    })
            } catch {
                try? FileManager.default.removeItem(atPath: dir)
                switch error.code {
                case .budgetExceeded:
                    throw AdvisoriesError(
                        .tooLarge, "\(zip): \(error.message); nothing from it is imported (raise --max-total-mib if the archive is genuine)")
                case .tooManyMembers, .tooDeep:
                    throw AdvisoriesError(.tooLarge, "\(zip): \(error.message); nothing from it is imported")
                default:
                    throw AdvisoriesError(.archive, "\(zip): \(error.message); nothing from it is imported", cause: error.cause)
                }
            }
            if parentChain != nil, unchangedHere > 0 { unchangedUnder[parentKey, default: 0] += unchangedHere }
            for skipped in extraction.skipped {
                problems.append(ImportProblem(file: skipped.member, code: .tooLarge, reason: skipped.reason))
            }
            if let lookupFailed {
                problems.append(
                    ImportProblem(
                        file: zip, code: .database,
                        reason: "cannot read what earlier imports recorded for \(zip) (\(lookupFailed)); every member read"))
            }
            membersUnchanged += unchanged
            // A member left out over the cap keeps the nested zips of this archive from being recorded as
            // done (the next import expands them again and reports it again).
            if extraction.skipped.isEmpty {
                for archive in extraction.expanded {
                    let k = key(archive.chain)
                    expanded.append((k, archive.size, archive.crc32, extractedUnder[k, default: 0] + unchangedUnder[k, default: 0]))
                }
            }
            inputs.sort(by: <)
            return inputs
        }
    }

    /// Which zip members an import reads: the records (`*.json`, not cvelistV5's delta logs and schemas)
    /// and the zips inside (expanded).
    ///
    /// Compared in bytes, ASCII letters without case, on the last path component: no allocation for each of a
    /// release zip's 300,000 members. (The same answers as lower-casing the name: the names compared with are
    /// ASCII, and no other character lower-cases to an ASCII letter of theirs.)
    static func memberChoice(_ member: String) -> ZipMemberChoice {
        let bytes = member.utf8
        let start = bytes.lastIndex(of: UInt8(ascii: "/")).map { bytes.index(after: $0) } ?? bytes.startIndex
        let name = bytes[start...]
        func endsWith(_ suffix: [UInt8]) -> Bool {
            guard name.count >= suffix.count else { return false }
            return zip(name.suffix(suffix.count), suffix).allSatisfy { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
        }
        if endsWith(ChoiceNames.zip) { return .expand }
        guard endsWith(ChoiceNames.json) else { return .skip }
        let length = name.count
        if (length == ChoiceNames.delta.count && endsWith(ChoiceNames.delta))
            || (length == ChoiceNames.deltaLog.count && endsWith(ChoiceNames.deltaLog)) || endsWith(ChoiceNames.schema)
        {
            return .skip
        }
        return .extract
    }

    /// The lower-case names `memberChoice` compares with.
    enum ChoiceNames {
        static let zip = Array(".zip".utf8)
        static let json = Array(".json".utf8)
        static let delta = Array("delta.json".utf8)
        static let deltaLog = Array("deltalog.json".utf8)
        static let schema = Array("_schema.json".utf8)
    }
}

extension AdvisoryDatabase {
    /// What an import compares a zip member with: the CRC-32 and size recorded, and for a nested zip the
    /// members it had.
    struct MemberState: Sendable {
        var crc32: UInt32
        var size: Int64
        var records: Int
    }

    /// The members earlier imports recorded directly under one archive key, by their name in that archive.
    struct RecordedMembers {
        var byName: [String: MemberState] = [:]

        /// The member recorded with this name, when the archive still declares the CRC-32 and size its bytes
        /// were checked against then.
        func unchanged(_ name: String, crc32: UInt32, size: UInt64) -> MemberState? {
            guard let previous = byName[name], previous.crc32 == crc32, previous.size >= 0, UInt64(previous.size) == size else { return nil }
            return previous
        }
    }

    /// The members recorded directly under an archive key (`<key>!/`), by their name in that archive — not
    /// those of the archives nested in it: one range read of the `path` index, the names cut from the keys by
    /// SQLite and the columns read by position (GRDB's by-name lookup and a Swift substring per row were
    /// most of the load of a 300,000-member archive).
    func recordedMembers(under prefix: String, expected: Int = 0) throws -> RecordedMembers {
        guard let last = prefix.utf8.last, last == UInt8(ascii: "/") else { return RecordedMembers() }
        let upper = String(prefix.dropLast()) + "0"
        let from = prefix.unicodeScalars.count + 1  // substr counts characters
        return try queue.read { db in
            var out = RecordedMembers()
            out.byName.reserveCapacity(min(max(0, expected), 2_000_000))
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT substr(path, ?) AS name, size, crc32, records FROM files
                    WHERE path >= ? AND path < ? AND crc32 IS NOT NULL AND instr(substr(path, ?), '!/') = 0
                    """,
                arguments: [from, prefix, upper, from])
            while let r = try rows.next() {
                let crc: Int64 = r[2]
                guard let crc32 = UInt32(exactly: crc) else { continue }
                out.byName[r[0]] = MemberState(crc32: crc32, size: r[1], records: r[3])
            }
            return out
        }
    }

    /// What earlier imports recorded for these keys (one indexed lookup each).
    func fileStates(_ paths: [String]) throws -> [String: FileState] {
        try queue.read { db in
            var out: [String: FileState] = [:]
            let statement = try db.cachedStatement(sql: "SELECT id, size, mtime, content_hash, crc32, records FROM files WHERE path = ?")
            for path in paths {
                guard let r = try Row.fetchOne(statement, arguments: [path]) else { continue }
                let crc: Int64? = r["crc32"]
                out[path] = FileState(
                    id: r["id"], size: r["size"], mtime: r["mtime"], contentHash: r["content_hash"], crc32: crc.flatMap { UInt32(exactly: $0) },
                    records: r["records"])
            }
            return out
        }
    }
}
