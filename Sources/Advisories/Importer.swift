public import Foundation

/// A parsed file with its rows prepared for the writer.
struct PreparedFile: Sendable {
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
    public var advisories = 0
    public var kevEntries = 0
    public var problems: [ImportProblem] = []
    /// Command-line inputs that could not be read at all (missing path, bad archive).
    public var failedInputs: [String] = []
    public var seconds = 0.0
    public init() {}
}

public struct ImportOptions: Sendable {
    /// Per-file size cap in bytes; larger files are reported (`tooLarge`) and skipped.
    public var maxFileSize: Int
    /// Total uncompressed size allowed for one archive.
    public var maxArchiveSize: Int64
    /// Files per transaction.
    public var batchSize: Int
    /// Parallel parsers.
    public var parallelism: Int
    public var progress: (@Sendable (ImportProgress) -> Void)?

    public init(
        maxFileSize: Int = AdvisoryParser.defaultMaxFileSize, maxArchiveSize: Int64 = 16 << 30, batchSize: Int = 1000,
        parallelism: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) {
        self.maxFileSize = maxFileSize
        self.maxArchiveSize = maxArchiveSize
        self.batchSize = batchSize
        self.parallelism = parallelism
        self.progress = progress
    }
}

/// `bulkhead advisories import`: files, directories (recursively, `*.json`) and `.zip` archives
/// (the cvelistV5 release zip, including its nested `cves.zip`).
public enum AdvisoryImporter {
    enum Work: Sendable {
        case parsed(PreparedFile)
        case unchanged(String, AdvisoryDatabase.FileState, touch: Bool)
        case failed(ImportProblem)
    }

    public static func run(_ paths: [String], into db: AdvisoryDatabase, options: ImportOptions = ImportOptions()) async throws -> ImportReport {
        let start = Date()
        var report = ImportReport()
        var scratch: [String] = []
        defer { for d in scratch { try? FileManager.default.removeItem(atPath: d) } }
        var files: [String] = []
        for p in paths {
            do {
                files += try collect(p, options: options, scratch: &scratch)
            } catch let e as AdvisoriesError {
                let problem = ImportProblem(file: p, code: e.code, reason: e.message + (e.cause.map { " (\($0))" } ?? ""))
                report.failedInputs.append(p)
                report.problems.append(problem)
                try db.recordProblem(problem)
            }
        }
        report.filesSeen = files.count
        let known = try db.fileStates()
        var done = 0
        var index = 0
        // The writer runs on its own thread (GRDB's queue, entered from `writer`), not on the cooperative
        // pool: a pool thread blocked in `db.write` would leave one core to the parsers.
        let writer = DispatchQueue(label: "bulkhead.advisories.writer")
        var pendingWrite: Task<Void, any Error>?
        while index < files.count {
            let batch = Array(files[index..<min(files.count, index + options.batchSize)])
            index += batch.count
            let results = await parseBatch(batch, known: known, options: options)
            var toWrite: [PreparedFile] = []
            // Files whose mtime moved but whose bytes did not: the new mtime is recorded with the batch.
            var touches: [(String, AdvisoryDatabase.FileState)] = []
            for r in results {
                switch r {
                case .parsed(let pf):
                    toWrite.append(pf)
                    report.advisories += pf.parsed.advisories.count
                    report.kevEntries += pf.parsed.kev.count
                    report.problems += pf.parsed.problems
                case .unchanged(let path, let st, let touch):
                    report.filesUnchanged += 1
                    if touch { touches.append((path, st)) }
                case .failed(let p):
                    report.problems.append(p)
                    try db.recordProblem(p)
                }
            }
            // Write this batch while the next one is parsed.
            try await pendingWrite?.value
            let writeBatch = toWrite
            let writeTouches = touches
            pendingWrite = Task {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    writer.async { c.resume(with: Result { try db.write(writeBatch, touching: writeTouches) }) }
                }
            }
            report.filesImported += writeBatch.count
            done += batch.count
            options.progress?(
                ImportProgress(filesDone: done, filesTotal: files.count, advisories: report.advisories, problems: report.problems.count))
        }
        try await pendingWrite?.value
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func parseBatch(_ batch: [String], known: [String: AdvisoryDatabase.FileState], options: ImportOptions) async -> [Work] {
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
                let previous = paths.map { known[$0] }
                group.addTask { (k, zip(paths, previous).map { work($0, previous: $1, options: options) }) }
            }
            var out = [[Work]](repeating: [], count: slices)
            for await (k, w) in group where k < out.count { out[k] = w }
            return out.flatMap { $0 }
        }
    }

    /// Opens, checks and reads one input file: `(bytes, size, mtime)`, `nil` bytes when size and mtime
    /// say it is unchanged since `previous`.
    static func read(_ path: String, previous: AdvisoryDatabase.FileState?, limit: Int) throws(AdvisoriesError) -> (Data?, Int64, Double) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw AdvisoriesError(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AdvisoriesError(.unreadable, "cannot stat \(path): \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw AdvisoriesError(.unreadable, "\(path) is not a regular file; skipped") }
        let size = Int64(st.st_size)
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        if let previous, previous.size == size, previous.mtime == mtime { return (nil, size, mtime) }
        guard size <= Int64(limit) else {
            throw AdvisoriesError(.tooLarge, "\(size) bytes is over the \(limit)-byte cap; file skipped")
        }
        var data = Data()
        do {
            // One read for the size fstat gave; more only if the file grew meanwhile (never past the cap).
            while data.count <= limit, let chunk = try handle.read(upToCount: max(Int(size) + 1 - data.count, 65536)), !chunk.isEmpty {
                data.append(chunk)
            }
        } catch {
            throw AdvisoriesError(.unreadable, "cannot read \(path)", cause: "\(error)")
        }
        guard data.count <= limit else { throw AdvisoriesError(.tooLarge, "\(path) grew over the \(limit)-byte cap while read; skipped") }
        return (data, Int64(data.count), mtime)
    }

    static func work(_ path: String, previous: AdvisoryDatabase.FileState?, options: ImportOptions) -> Work {
        let data: Data
        let mtime: Double
        do {
            let (bytes, size, modified) = try read(path, previous: previous, limit: options.maxFileSize)
            guard let bytes else {
                if let previous { return .unchanged(path, previous, touch: false) }
                return .failed(ImportProblem(file: path, code: .unreadable, reason: "\(path) changed while read (\(size) bytes)"))
            }
            data = bytes
            mtime = modified
        } catch {
            return .failed(ImportProblem(file: path, code: error.code, reason: error.message + (error.cause.map { " (\($0))" } ?? "")))
        }
        let sha = ContentHash.of(data)
        let state = AdvisoryDatabase.FileState(id: previous?.id, size: Int64(data.count), mtime: mtime, contentHash: sha)
        if let previous, previous.contentHash == sha { return .unchanged(path, state, touch: true) }
        let parsed = AdvisoryParser.parse(data, file: path)
        let prepared = parsed.advisories.map(AdvisoryDatabase.prepare)
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

    /// Expands a path into the JSON files to import.
    static func collect(_ path: String, options: ImportOptions, scratch: inout [String]) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw AdvisoriesError(.unreadable, "\(path) does not exist")
        }
        if !isDir.boolValue {
            if path.lowercased().hasSuffix(".zip") {
                let dir = try Archive.extract(path, maxTotal: options.maxArchiveSize)
                scratch.append(dir)
                return try collect(dir, options: options, scratch: &scratch)
            }
            return [path]
        }
        var out: [String] = []
        var zips: [String] = []
        try walk(path, depth: 0, files: &out, zips: &zips)
        for z in zips { out += try collect(z, options: options, scratch: &scratch) }
        return out.sorted()
    }
}

/// Zip extraction through the `unzip` program (argument array, never a shell), with the archive's
/// declared uncompressed size checked against a cap first.
enum Archive {
    static func extract(_ zip: String, maxTotal: Int64) throws -> String {
        let listing = try Run.capture(["/usr/bin/unzip", "-l", zip], limit: 256 << 20)
        guard listing.status == 0 else {
            throw AdvisoriesError(
                .archive, "\(zip) is not a readable zip archive (is `unzip` installed?)", cause: "unzip exit status \(listing.status)")
        }
        // The last line of `unzip -l` is "<total bytes>  <n> files".
        let last = listing.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let total = last.split(separator: " ").first.flatMap({ Int64($0) }) else {
            throw AdvisoriesError(.archive, "cannot read the size of \(zip)")
        }
        guard total <= maxTotal else {
            throw AdvisoriesError(.tooLarge, "\(zip) expands to \(total) bytes, over the \(maxTotal)-byte cap")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-zip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try Run.capture(["/usr/bin/unzip", "-qq", "-o", zip, "*.json", "*.zip", "-d", dir], limit: 1 << 20)
        guard r.status == 0 || r.status == 11 else {  // 11: no matching files
            throw AdvisoriesError(.archive, "cannot extract \(zip)", cause: "unzip exit status \(r.status)")
        }
        return dir
    }
}

/// Runs a program with an argument array (never a shell); standard output is read up to a cap,
/// standard error is discarded (the exit status says whether it worked).
enum Run {
    struct Output {
        var status: Int32
        var stdout: String
        var data: Data
    }

    static func capture(_ argv: [String], limit: Int) throws -> Output {
        guard let exe = argv.first else { throw AdvisoriesError(.usage, "empty command") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = Array(argv.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw AdvisoriesError(.unreadable, "cannot run \(exe)", cause: "\(error)")
        }
        var data = Data()
        let h = out.fileHandleForReading
        var truncated = false
        while true {
            let chunk = h.availableData
            if chunk.isEmpty { break }
            if data.count + chunk.count > limit {
                truncated = true
                p.terminate()
                break
            }
            data.append(chunk)
        }
        p.waitUntilExit()
        if truncated { throw AdvisoriesError(.tooLarge, "output of \(exe) is larger than the \(limit)-byte cap") }
        return Output(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self), data: data)
    }
}
