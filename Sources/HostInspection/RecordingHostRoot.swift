public import Foundation
import Synchronization

/// Everything a root answered about one host path: bytes read, directory listing, link target, kind,
/// metadata, and the errors it gave. A snapshot stores these and replays them.
public struct RecordedPath: Hashable, Sendable {
    public var content: [UInt8]?
    public var readError: HostReadError?
    public var listing: [String]?
    public var listError: HostReadError?
    public var linkTarget: String?
    public var linkError: HostReadError?
    /// True once `kind(of:)` was answered; `kind` nil then means the path did not exist.
    public var kindKnown = false
    public var kind: FileKind?
    public var metadata: FileMetadata?
    public var metadataError: HostReadError?

    public init() {}

    /// What the path is, for the manifest: the `kind(of:)` answer, else what the other answers imply.
    public var inferredKind: FileKind? {
        if kindKnown { return kind }
        if linkTarget != nil && content == nil && listing == nil { return .symlink }
        if let metadata { return metadata.kind }
        if content != nil { return .regular }
        if listing != nil { return .directory }
        if linkTarget != nil { return .symlink }
        return nil
    }
}

/// Wraps any root and remembers every path read, listed, link-read or stat'ed together with the exact
/// answer (bytes, names, target, metadata or error), so `SnapshotWriter` can write them out and
/// `SnapshotHostRoot` can replay them. Thread-safe: the record is split into shards by path, each behind its
/// own `Mutex`, so the threads that read processes and guest files at once seldom wait for each other (one
/// path always falls in the same shard).
///
/// The first answer for each operation on a path is kept (a live /proc file read twice may differ;
/// the snapshot replays what the first reader saw), except that content replaces an earlier
/// "too large" error. After a successful read the wrapped root's metadata is also recorded (best
/// effort) so the manifest can carry mode, owner and group.
public final class RecordingHostRoot: HostRoot {
    public let base: any HostRoot
    private let shards: [Shard] = (0..<Shard.count).map { _ in Shard() }

    /// One part of the record: the paths whose `Shard.index` is its position.
    final class Shard: Sendable {
        static let count = 16
        /// The records, and the paths whose record changed since `takeChanges` last ran (a path may be named more
        /// than once): under one lock, so an update takes one.
        struct Contents {
            var records: [String: RecordedPath] = [:]
            var changed: [String] = []
        }
        let state = Mutex(Contents())

        /// The shard of `path`, from its length and last bytes (the PIDs and file names that tell paths apart).
        static func index(_ path: String) -> Int {
            var hash = UInt(truncatingIfNeeded: path.utf8.count)
            for byte in path.utf8.suffix(8) { hash = hash &* 31 &+ UInt(byte) }
            return Int(hash % UInt(count))
        }
    }

    /// Whether a successful read also records the file's metadata (mode, owner, group) for a snapshot's
    /// manifest: one more `stat` per file, so only when the record will be written out.
    public let recordsMetadata: Bool

    public init(wrapping base: any HostRoot, recordsMetadata: Bool = true) {
        self.base = base
        self.recordsMetadata = recordsMetadata
    }

    public var label: String { base.label }
    public var isLive: Bool { base.isLive }
    public var capturedAt: Date? { base.capturedAt }
    public var originalSource: String? { base.originalSource }

    /// A copy of everything recorded so far, by host path.
    public var recorded: [String: RecordedPath] {
        var all: [String: RecordedPath] = [:]
        all.reserveCapacity(shards.reduce(0) { count, shard in count + shard.state.withLock { $0.records.count } })
        for shard in shards {
            shard.state.withLock { contents in
                for (path, record) in contents.records { all[path] = record }
            }
        }
        return all
    }

    /// The records that changed since the last call (the first call: everything recorded), by host path: what
    /// a copy of `recorded` taken then lacks or holds in an older form. A collection hands these over after each
    /// stage instead of copying the whole record again.
    func takeChanges() -> [String: RecordedPath] {
        // Room for every path named (one growth, not one rehash of all so far per doubling).
        var changes: [String: RecordedPath] = [:]
        changes.reserveCapacity(shards.reduce(0) { count, shard in count + shard.state.withLock { $0.changed.count } })
        for shard in shards {
            shard.state.withLock { contents in
                for path in contents.changed { changes[path] = contents.records[path] }
                contents.changed.removeAll(keepingCapacity: true)
            }
        }
        return changes
    }

    private func update(_ path: String, _ change: (inout RecordedPath) -> Void) {
        // In place: one lookup, and the record (which may hold a file's bytes) is not copied.
        shards[Shard.index(path)].state.withLock { contents in
            change(&contents.records[path, default: RecordedPath()])
            contents.changed.append(path)
        }
    }

    public func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        try recordRead(path) { () throws(HostReadError) in try base.read(path, limit: limit) }
    }

    public func list(_ path: String) throws(HostReadError) -> [String] {
        try recordList(path) { () throws(HostReadError) in try base.list(path) }
    }

    /// The wrapped root's directory, each answer recorded under the member's host path as `read`, `list`
    /// and `readLink` of that path record it.
    public func withDirectory<T>(_ path: String, _ body: (any HostDirectory) -> T) -> T {
        base.withDirectory(path) { directory in body(RecordingDirectory(recorder: self, base: directory)) }
    }

    struct RecordingDirectory: HostDirectory {
        let recorder: RecordingHostRoot
        let base: any HostDirectory
        var path: String { base.path }

        func read(_ name: String, limit: Int) throws(HostReadError) -> [UInt8] {
            try recorder.recordRead(path(of: name)) { () throws(HostReadError) in try base.read(name, limit: limit) }
        }
        func readLink(_ name: String) throws(HostReadError) -> String {
            try recorder.recordLink(path(of: name)) { () throws(HostReadError) in try base.readLink(name) }
        }
        func list(_ name: String) throws(HostReadError) -> [String] {
            try recorder.recordList(path(of: name)) { () throws(HostReadError) in try base.list(name) }
        }
    }

    func recordRead(_ path: String, _ read: () throws(HostReadError) -> [UInt8]) throws(HostReadError) -> [UInt8] {
        do {
            let bytes = try read()
            var needMetadata = false
            update(path) { record in
                if record.content == nil {
                    record.content = bytes
                    record.readError = nil
                }
                needMetadata = recordsMetadata && record.metadata == nil && record.metadataError == nil
            }
            if needMetadata, let metadata = try? base.metadata(of: path) {
                update(path) { if $0.metadata == nil { $0.metadata = metadata } }
            }
            return bytes
        } catch {
            update(path) { if $0.content == nil && $0.readError == nil { $0.readError = error } }
            throw error
        }
    }

    func recordList(_ path: String, _ list: () throws(HostReadError) -> [String]) throws(HostReadError) -> [String] {
        try recordAnswer(path, \.listing, \.listError, list)
    }

    func recordLink(_ path: String, _ readLink: () throws(HostReadError) -> String) throws(HostReadError) -> String {
        try recordAnswer(path, \.linkTarget, \.linkError, readLink)
    }

    /// Records a listing or a link target: the first answer for the path stays, and replaces an earlier error; an
    /// error is kept only where neither an answer nor an error was recorded.
    private func recordAnswer<T>(
        _ path: String, _ answer: WritableKeyPath<RecordedPath, T?>, _ failure: WritableKeyPath<RecordedPath, HostReadError?>,
        _ ask: () throws(HostReadError) -> T
    ) throws(HostReadError) -> T {
        do {
            let value = try ask()
            update(path) { if $0[keyPath: answer] == nil { $0[keyPath: answer] = value; $0[keyPath: failure] = nil } }
            return value
        } catch {
            update(path) { if $0[keyPath: answer] == nil && $0[keyPath: failure] == nil { $0[keyPath: failure] = error } }
            throw error
        }
    }

    public func kind(of path: String) -> FileKind? {
        let kind = base.kind(of: path)
        update(path) { record in
            if !record.kindKnown {
                record.kindKnown = true
                record.kind = kind
            }
        }
        return kind
    }

    public func readLink(_ path: String) throws(HostReadError) -> String {
        try recordLink(path) { () throws(HostReadError) in try base.readLink(path) }
    }

    public func metadata(of path: String) throws(HostReadError) -> FileMetadata {
        do {
            let metadata = try base.metadata(of: path)
            update(path) { if $0.metadata == nil { $0.metadata = metadata; $0.metadataError = nil } }
            return metadata
        } catch {
            update(path) { if $0.metadata == nil && $0.metadataError == nil { $0.metadataError = error } }
            throw error
        }
    }
}
