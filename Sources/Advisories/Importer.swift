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
        var pendingWrite: Task<Void, any Error>?
        while index < files.count {
            let batch = Array(files[index..<min(files.count, index + options.batchSize)])
            index += batch.count
            let results = await parseBatch(batch, known: known, options: options)
            var toWrite: [PreparedFile] = []
            for r in results {
                switch r {
                case .parsed(let pf):
                    toWrite.append(pf)
                    report.advisories += pf.parsed.advisories.count
                    report.kevEntries += pf.parsed.kev.count
                    report.problems += pf.parsed.problems
                case .unchanged(let path, let st, let touch):
                    report.filesUnchanged += 1
                    if touch { try db.touch(path, st) }
                case .failed(let p):
                    report.problems.append(p)
                    try db.recordProblem(p)
                }
            }
            // Write this batch while the next one is parsed.
            try await pendingWrite?.value
            let writeBatch = toWrite
            pendingWrite = Task.detached { try db.write(writeBatch) }
            report.filesImported += writeBatch.count
            done += batch.count
            options.progress?(ImportProgress(filesDone: done, filesTotal: files.count, advisories: report.advisories, problems: report.problems.count))
        }
        try await pendingWrite?.value
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func parseBatch(_ batch: [String], known: [String: AdvisoryDatabase.FileState], options: ImportOptions) async -> [Work] {
        await withTaskGroup(of: (Int, Work).self) { group in
            var out = [Work?](repeating: nil, count: batch.count)
            var next = 0
            func add(_ g: inout TaskGroup<(Int, Work)>) {
                // Each task handles a contiguous slice to keep task overhead low.
                let stride = max(1, batch.count / (options.parallelism * 4))
                let lo = next
                let hi = min(batch.count, next + stride)
                next = hi
                for i in lo..<hi {
                    let path = batch[i]
                    let prev = known[path]
                    g.addTask { (i, work(path, previous: prev, options: options)) }
                }
            }
            while next < batch.count { add(&group) }
            for await (i, w) in group where i < out.count { out[i] = w }
            return out.compactMap { $0 }
        }
    }

    static func work(_ path: String, previous: AdvisoryDatabase.FileState?, options: ImportOptions) -> Work {
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attrs?[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let previous, previous.size == size, previous.mtime == mtime {
            return .unchanged(path, previous, touch: false)
        }
        if size > Int64(options.maxFileSize) {
            return .failed(ImportProblem(file: path, code: .tooLarge, reason: "\(size) bytes is over the \(options.maxFileSize)-byte cap; file skipped"))
        }
        let data: Data
        do { data = try BoundedFile.read(path, limit: options.maxFileSize) } catch let e as AdvisoriesError {
            return .failed(ImportProblem(file: path, code: e.code, reason: e.description))
        } catch {
            return .failed(ImportProblem(file: path, code: .unreadable, reason: "\(error)"))
        }
        let sha = ContentHash.of(data)
        let state = AdvisoryDatabase.FileState(size: Int64(data.count), mtime: mtime, contentHash: sha)
        if let previous, previous.contentHash == sha { return .unchanged(path, state, touch: true) }
        var parsed = AdvisoryParser.parse(data, file: path)
        let encoder = JSONEncoder()
        var prepared: [AdvisoryDatabase.Prepared] = []
        for a in parsed.advisories {
            do { prepared.append(try AdvisoryDatabase.prepare(a, encoder: encoder)) } catch {
                parsed.problems.append(ImportProblem(file: path, code: .malformed, reason: "\(a.id) cannot be stored: \(error)"))
            }
        }
        parsed.advisories = prepared.map(\.advisory)
        return .parsed(PreparedFile(parsed: parsed, prepared: prepared, state: state, previouslyImported: previous != nil))
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
        guard let e = FileManager.default.enumerator(atPath: path) else {
            throw AdvisoriesError(.unreadable, "cannot list \(path)")
        }
        var zips: [String] = []
        while let rel = e.nextObject() as? String {
            let l = rel.lowercased()
            if l.hasSuffix(".json") {
                let base = (l as NSString).lastPathComponent
                // cvelistV5 carries delta logs that are not records.
                if base == "delta.json" || base == "deltalog.json" || base.hasSuffix("_schema.json") { continue }
                out.append(path + "/" + rel)
            } else if l.hasSuffix(".zip") {
                zips.append(path + "/" + rel)
            }
        }
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
            throw AdvisoriesError(.archive, "\(zip) is not a readable zip archive (is `unzip` installed?)", cause: "unzip exit status \(listing.status)")
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
