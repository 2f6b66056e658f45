public import BulkheadModel
import Formats
public import Foundation

/// Everything one collection read from a host: the facts (processes, packages, kernel, CPU…) and every
/// file, listing, link and kind any later stage asked for, with the exact answers. Discovery, the checks,
/// advisory matching and the assessment read this value and never the host; `bulkhead snapshot` writes
/// exactly `files`; a snapshot replayed gives the same value with the same dates.
public struct HostEvidence: Sendable {
    public var facts: HostFacts
    /// Every answer the collection got, answered again from memory.
    public var files: RecordedFiles
    /// True when the evidence describes the running machine (a version probe may then run its binaries).
    public var isLive: Bool
    /// The root the collection read when that was a replayed capture (`snapshot FILE (host …)`); nil otherwise.
    public var replayedFrom: String?

    public init(facts: HostFacts, files: RecordedFiles, isLive: Bool = false, replayedFrom: String? = nil) {
        self.facts = facts
        self.files = files
        self.isLive = isLive
        self.replayedFrom = replayedFrom
    }

    /// When the host was read (for a replayed snapshot: when the snapshot was taken).
    public var collectedAt: Date { facts.collectedAt }
    /// The host the evidence describes (`live host`, `root DIR`): for a snapshot, the host it was taken from.
    public var source: String { facts.source }
}

/// What a stage will read from the host, declared before the collection reads it: files (with their
/// bound), kinds (does the path exist, and as what), and directories whose entries with a suffix are read
/// too. Requests merge: the same file asked twice is read once, with the larger bound.
public struct EvidenceRequest: Sendable, Hashable {
    /// A directory listed, and the entries whose names end with `suffix` read with `limit`.
    public struct Directory: Sendable, Hashable {
        public var path: String
        public var entrySuffix: String?
        public var limit: Int

        public init(path: String, entrySuffix: String?, limit: Int) {
            self.path = path
            self.entrySuffix = entrySuffix
            self.limit = limit
        }
    }

    /// File path → read bound in bytes.
    public private(set) var files: [String: Int] = [:]
    public private(set) var kinds: Set<String> = []
    public private(set) var directories: [Directory] = []
    /// Paths whose metadata (`stat`: kind, mode, owner, group) is recorded without opening them: sockets,
    /// which are never read, and the directories that hold them.
    public private(set) var stats: Set<String> = []
    /// Directories whose entries are symbolic links to record (`/proc/PID/fd`: `socket:[INODE]`), each with
    /// the most entries to read.
    public private(set) var linkDirectories: [String: Int] = [:]
    /// Single symbolic links whose target is read (`/proc/PID/root`).
    public private(set) var links: Set<String> = []
    /// Alternatives read in order until one exists (`changelog.Debian.gz`, then `changelog.Debian` …), with a bound.
    public private(set) var firstExisting: [[String]: Int] = [:]

    public init() {}

    public var isEmpty: Bool {
        files.isEmpty && kinds.isEmpty && directories.isEmpty && firstExisting.isEmpty && stats.isEmpty && linkDirectories.isEmpty
            && links.isEmpty
    }

    /// Read `path` (at most `limit` bytes; a larger file is recorded as too large).
    public mutating func read(_ path: String, limit: Int) {
        files[path] = Swift.max(files[path] ?? 0, limit)
    }

    /// Read the first of `paths` that exists (the others after it are not read).
    public mutating func readFirstExisting(_ paths: [String], limit: Int) {
        guard !paths.isEmpty else { return }
        firstExisting[paths] = Swift.max(firstExisting[paths] ?? 0, limit)
    }

    /// Ask what `path` is (a regular file, a directory, a link…), without reading it.
    public mutating func kind(_ path: String) {
        kinds.insert(path)
    }

    /// Record what `stat` says about `path` (never opening it).
    public mutating func stat(_ path: String) {
        stats.insert(path)
    }

    /// Read the target of the symbolic link at `path`.
    public mutating func readLink(_ path: String) {
        links.insert(path)
    }

    /// List `directory` and read the target of each of its entries that is a link, at most `maxEntries` of them
    /// (by number, lowest first: a process's descriptors 0, 1, 2 …).
    public mutating func readLinks(in directory: String, maxEntries: Int) {
        linkDirectories[directory] = Swift.max(linkDirectories[directory] ?? 0, maxEntries)
    }

    /// List `path`; with `entrySuffix`, also read each entry whose name ends with it.
    public mutating func list(_ path: String, readingEntriesEndingWith entrySuffix: String? = nil, limit: Int = 1 << 20) {
        let directory = Directory(path: path, entrySuffix: entrySuffix, limit: limit)
        if !directories.contains(directory) { directories.append(directory) }
    }

    public mutating func merge(_ other: EvidenceRequest) {
        for (path, limit) in other.files { read(path, limit: limit) }
        kinds.formUnion(other.kinds)
        stats.formUnion(other.stats)
        links.formUnion(other.links)
        for (directory, max) in other.linkDirectories { readLinks(in: directory, maxEntries: max) }
        for (paths, limit) in other.firstExisting { readFirstExisting(paths, limit: limit) }
        for directory in other.directories where !directories.contains(directory) { directories.append(directory) }
    }
}

/// A stage's declaration of what it reads, given what the collection has read so far (the facts, and the
/// answers to the requests of the needs before it). A need reads nothing itself.
public protocol EvidenceNeed: Sendable {
    func request(given evidence: HostEvidence) -> EvidenceRequest
}

extension HostInspector {
    /// Reads the host once: the facts, then each need's request in order (a need sees the answers to the
    /// needs before it). Never throws: what cannot be read is recorded as the error the host gave, and
    /// becomes a problem where a stage uses it.
    ///
    /// A root that replays a capture (a snapshot) dates the evidence at its capture time and names the host
    /// it was taken from, so a replay gives the same dates as the original collection.
    /// - Parameter recordsMetadata: also record each file's mode, owner and group (for a snapshot's manifest).
    /// - Parameter given: facts already known (a test's, or a fact file's); the host is then read only for
    ///   what the needs ask.
    public func collectEvidence(
        _ needs: [any EvidenceNeed], given known: HostFacts? = nil, now: Date = Date(), recordsMetadata: Bool = false
    ) -> HostEvidence {
        let recorder = RecordingHostRoot(wrapping: root, recordsMetadata: recordsMetadata)
        // Whole seconds: the time every report and a snapshot's manifest carry, so a replay dates alike.
        let collectedAt = root.capturedAt ?? Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var facts = known ?? HostInspector(root: recorder, options: options).collect(now: collectedAt)
        if known == nil, let original = root.originalSource { facts.source = original }
        // The evidence's files are the recorder's record, brought up to date after each stage with only what
        // changed (not a new copy of everything recorded so far).
        var evidence = HostEvidence(
            facts: facts, files: RecordedFiles(recorder.takeChanges()), isLive: root.isLive,
            replayedFrom: root.capturedAt == nil ? nil : root.label)
        for need in needs {
            let request = need.request(given: evidence)
            guard !request.isEmpty else { continue }
            Self.perform(request, on: recorder, known: evidence.files.records)
            evidence.files.update(recorder.takeChanges())
        }
        return evidence
    }

    /// Reads what a request names through the recorder (errors are recorded there, not thrown).
    /// - Parameter known: everything the recorder holds now (the evidence's files, just taken from it).
    static func perform(_ request: EvidenceRequest, on recorder: RecordingHostRoot, known: [String: RecordedPath]) {
        // What an earlier request (or the facts) already read is not read again: a successful read holds the
        // whole file; only a file refused as too large may be asked again with a larger bound.
        var reads = request.files
        // The entries of listed directories: read relative to their directory (`withDirectory`, which answers
        // as reads by path do), path -> (directory, name).
        var entries: [String: (directory: String, name: String)] = [:]
        for directory in request.directories {
            guard let names = try? recorder.list(directory.path) else { continue }
            guard let suffix = directory.entrySuffix else { continue }
            for name in names where name.hasSuffix(suffix) && isPlainName(name) {
                let path = directory.path.hasSuffix("/") ? directory.path + name : directory.path + "/" + name
                reads[path] = Swift.max(reads[path] ?? 0, directory.limit)
                entries[path] = (directory.path, name)
            }
        }
        for path in request.kinds.sorted() where known[path]?.kindKnown != true { _ = recorder.kind(of: path) }
        for path in request.stats.sorted() where known[path]?.metadata == nil && known[path]?.metadataError == nil {
            _ = recorder.kind(of: path)
            _ = try? recorder.metadata(of: path)
        }
        for path in request.links.sorted() where known[path]?.linkTarget == nil && known[path]?.linkError == nil {
            _ = try? recorder.readLink(path)
        }
        for (directory, maxEntries) in request.linkDirectories.sorted(by: { $0.key < $1.key }) {
            guard known[directory]?.listing == nil, let names = try? recorder.list(directory) else { continue }
            let ordered = names.filter(isPlainName).sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }
            for name in ordered.prefix(maxEntries) { _ = try? recorder.readLink(directory + "/" + name) }
        }
        for (paths, limit) in request.firstExisting.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for path in paths {
                if let record = known[path], record.content != nil { break }
                do {
                    _ = try recorder.read(path, limit: limit)
                    break
                } catch {
                    if error.code != .notFound { break }
                }
            }
        }
        // Guest configurations can number in the thousands: read them on every core, those of one directory in
        // batches that each open the directory once (not every component of every path resolved again).
        let ordered = reads.filter { path, _ in
            guard let record = known[path] else { return true }
            if record.content != nil { return false }
            return record.readError.map { $0.code == .tooLarge } ?? true
        }.sorted { $0.key < $1.key }
        var batches: [ReadBatch] = []
        var open: [String: Int] = [:]
        for (path, limit) in ordered {
            guard let entry = entries[path] else {
                batches.append(ReadBatch(directory: nil, reads: [(path, limit)]))
                continue
            }
            if let index = open[entry.directory], batches[index].reads.count < ReadBatch.size {
                batches[index].reads.append((entry.name, limit))
            } else {
                open[entry.directory] = batches.count
                batches.append(ReadBatch(directory: entry.directory, reads: [(entry.name, limit)]))
            }
        }
        _ = batches.concurrentMap { batch in
            guard let directory = batch.directory else {
                for (path, limit) in batch.reads { _ = try? recorder.read(path, limit: limit) }
                return true
            }
            return recorder.withDirectory(directory) { opened in
                for (name, limit) in batch.reads { _ = try? opened.read(name, limit: limit) }
                return true
            }
        }
    }

    /// Reads done together: paths read one by one, or names (`directory` set) read relative to it.
    struct ReadBatch: Sendable {
        /// The most names read through one opening of their directory.
        static let size = 64
        var directory: String?
        var reads: [(String, Int)]
    }
}
