import Foundation

/// Every answer one collection got from a host, by host path, answered again from memory: what a
/// `RecordingHostRoot` kept and what a snapshot holds. It does no I/O; a path the collection never asked
/// about is `notFound` with a message that says so. Link resolution follows the recorded links with the
/// same chroot rules as the roots (`LinkResolver`).
public struct RecordedFiles: Sendable {
    public private(set) var records: [String: RecordedPath]
    /// The end of the message for a path that was never asked about ("not in the snapshot …").
    let missing: String

    public init(_ records: [String: RecordedPath] = [:], missing: String = "not collected (no stage asked for it)") {
        self.records = records
        self.missing = missing
    }

    /// With `changes` (`RecordingHostRoot.takeChanges`) put in place of the records of their paths.
    mutating func update(_ changes: [String: RecordedPath]) {
        records.merge(changes) { _, new in new }
    }

    /// The host paths recorded.
    public var paths: Dictionary<String, RecordedPath>.Keys { records.keys }
    public var count: Int { records.count }

    func resolve(_ path: String, followLast: Bool) throws(HostReadError) -> String {
        try LinkResolver.resolve(path, followLast: followLast, refuseProcLinks: true) { candidate in
            guard let record = records[candidate], record.content == nil, record.listing == nil else { return nil }
            return record.linkTarget
        }
    }

    /// The record answering for `path`: the literal one if it has an answer, else the one links lead to.
    private func lookup(_ path: String, followLast: Bool, has: (RecordedPath) -> Bool) throws(HostReadError) -> RecordedPath? {
        if let record = records[path], has(record) { return record }
        let resolved = try resolve(path, followLast: followLast)
        if resolved != path, let record = records[resolved], has(record) { return record }
        return nil
    }

    private func notRecorded(_ path: String) -> HostReadError {
        HostReadError(.notFound, path: path, message: missing)
    }

    /// The bytes read (at most `limit`; a longer recorded file is `tooLarge`, as a live read would be).
    public func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        guard let record = try lookup(path, followLast: true, has: { $0.content != nil || $0.readError != nil || $0.listing != nil }) else {
            throw notRecorded(path)
        }
        if let content = record.content {
            guard content.count <= limit else {
                throw HostReadError(.tooLarge, path: path, message: "file is \(content.count) bytes, over the read bound of \(limit) bytes")
            }
            return content
        }
        if let error = record.readError { throw HostReadError(error.code, path: path, message: error.message) }
        throw HostReadError(.wrongKind, path: path, message: "not a regular file (refused)")
    }

    /// The text read; invalid UTF-8 is repaired (U+FFFD), never trusted.
    public func readText(_ path: String, limit: Int) throws(HostReadError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    public func list(_ path: String) throws(HostReadError) -> [String] {
        guard let record = try lookup(path, followLast: true, has: { $0.listing != nil || $0.listError != nil || $0.content != nil }) else {
            throw notRecorded(path)
        }
        if let listing = record.listing { return listing }
        if let error = record.listError { throw HostReadError(error.code, path: path, message: error.message) }
        throw HostReadError(.wrongKind, path: path, message: "not a directory")
    }

    public func kind(of path: String) -> FileKind? {
        guard let record = try? lookup(path, followLast: false, has: { $0.kindKnown || $0.inferredKind != nil }) else { return nil }
        return record.kindKnown ? record.kind : record.inferredKind
    }

    public func exists(_ path: String) -> Bool { kind(of: path) != nil }

    public func readLink(_ path: String) throws(HostReadError) -> String {
        guard let record = try lookup(path, followLast: false, has: { $0.linkTarget != nil || $0.linkError != nil }) else {
            if records[path]?.content != nil || records[path]?.listing != nil {
                throw HostReadError(.wrongKind, path: path, message: "not a symbolic link")
            }
            throw notRecorded(path)
        }
        if let target = record.linkTarget { return target }
        if let error = record.linkError { throw HostReadError(error.code, path: path, message: error.message) }
        throw notRecorded(path)
    }

    public func metadata(of path: String) throws(HostReadError) -> FileMetadata {
        guard let record = try lookup(path, followLast: true, has: { $0.metadata != nil || $0.metadataError != nil }) else {
            throw notRecorded(path)
        }
        if let metadata = record.metadata { return metadata }
        if let error = record.metadataError { throw HostReadError(error.code, path: path, message: error.message) }
        throw notRecorded(path)
    }
}
