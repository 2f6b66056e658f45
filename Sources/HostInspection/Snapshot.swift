public import BulkheadModel
import Crypto
import Formats
public import Foundation
import SafeFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `manifest.json` of a snapshot archive (docs/snapshot-format.md).
public struct SnapshotManifest: Codable, Hashable, Sendable {
    public static let formatName = "bulkhead-snapshot"
    public static let currentFormatVersion = 1

    public var format: String
    public var formatVersion: Int
    public var hostname: String?
    public var capturedAt: Date
    public var bulkheadVersion: String
    /// Label of the root that was recorded (`live host`, `root /mnt/img`).
    public var source: String
    public var files: [Entry]

    /// One host path and every answer recorded for it.
    public struct Entry: Codable, Hashable, Sendable {
        /// Absolute host path.
        public var path: String
        /// `regular`, `directory`, `symlink`, `socket`, `other` (device, fifo) or `absent`; nil when unknown.
        public var kind: String?
        /// Tar member holding the content, link or directory (`files/` + path without its leading `/`).
        public var member: String?
        /// Bytes of content read, and their SHA-256 (lower-case hex).
        public var size: Int?
        public var sha256: String?
        /// Permission bits in octal (`0644`), owner and group, when stat'ed.
        public var mode: String?
        public var uid: UInt32?
        public var gid: UInt32?
        /// What `stat` answered (size there is the file system's, 0 for most /proc files).
        public var stat: FileMetadata?
        public var linkTarget: String?
        /// Directory listing as returned (kept even when empty).
        public var entries: [String]?
        /// Errors returned, by operation (`read`, `list`, `readLink`, `metadata`).
        public var errors: [String: RecordedError]?
    }

    public struct RecordedError: Codable, Hashable, Sendable {
        public var code: HostReadError.Code
        public var message: String
    }
}

/// What `SnapshotWriter.write` produced.
public struct SnapshotSummary: Sendable, Hashable {
    public var path: String
    /// Host paths recorded (manifest entries).
    public var pathCount: Int
    /// Regular-file members and their total content bytes.
    public var fileCount: Int
    public var contentBytes: Int
    /// Size and SHA-256 of the .tar.gz written.
    public var archiveBytes: Int
    public var sha256: String
}

/// Writes what a `RecordingHostRoot` saw as a .tar.gz snapshot: `manifest.json` first, then one member
/// per path under `files/` (regular files with the bytes read, symbolic links as link members,
/// directories as directory members). Writes only to the path given, mode 0600, and refuses to replace
/// an existing file unless `overwrite` is set (never through a symbolic link).
public struct SnapshotWriter: Sendable {
    public var bulkheadVersion: String

    public init(bulkheadVersion: String) {
        self.bulkheadVersion = bulkheadVersion
    }

    static func memberName(_ path: String) -> String {
        "files/" + path.drop(while: { $0 == "/" })
    }

    /// The manifest and tar members for a record.
    public func archive(
        _ records: [String: RecordedPath], hostname: String?, source: String, capturedAt: Date
    ) throws(HostInspectionError) -> (manifest: SnapshotManifest, tar: [UInt8]) {
        var manifest = SnapshotManifest(
            format: SnapshotManifest.formatName, formatVersion: SnapshotManifest.currentFormatVersion, hostname: hostname,
            capturedAt: capturedAt, bulkheadVersion: bulkheadVersion, source: source, files: [])
        var members: [TarMember] = []
        let mtime = Int64(capturedAt.timeIntervalSince1970)
        for path in records.keys.sorted() {
            guard let record = records[path], LinkResolver.components(path) != nil,
                !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
            else { continue }
            var entry = SnapshotManifest.Entry(path: path)
            entry.kind = record.kindKnown ? (record.kind?.rawValue ?? "absent") : record.inferredKind?.rawValue
            if let metadata = record.metadata {
                entry.stat = metadata
                entry.mode = metadata.octalMode
                entry.uid = metadata.uid
                entry.gid = metadata.gid
            }
            entry.linkTarget = record.linkTarget
            entry.entries = record.listing?.sorted()
            var errors: [String: SnapshotManifest.RecordedError] = [:]
            for (op, error) in [
                ("read", record.readError), ("list", record.listError), ("readLink", record.linkError), ("metadata", record.metadataError),
            ] {
                if let error { errors[op] = SnapshotManifest.RecordedError(code: error.code, message: error.message) }
            }
            entry.errors = errors.isEmpty ? nil : errors
            let name = Self.memberName(path)
            var member = TarMember(name: name, kind: .regular)
            member.mode = record.metadata?.mode ?? 0o644
            member.uid = record.metadata?.uid ?? 0
            member.gid = record.metadata?.gid ?? 0
            member.mtime = mtime
            if let content = record.content {
                entry.size = content.count
                entry.sha256 = SHA256.hash(data: content).hexString
                member.content = content
                entry.member = name
                members.append(member)
            } else if let target = record.linkTarget {
                member.kind = .symlink
                member.linkTarget = target
                member.mode = 0o777
                entry.member = name
                members.append(member)
            } else if record.listing != nil {
                member.kind = .directory
                member.mode = record.metadata?.mode ?? 0o755
                entry.member = name
                members.append(member)
            }
            manifest.files.append(entry)
        }
        let encoder = JSONCoding.encoder()
        let json: Data
        do {
            json = try encoder.encode(manifest)
        } catch {
            throw HostInspectionError(.io, "cannot encode the snapshot manifest", cause: error)
        }
        var writer = TarWriter()
        writer.append(TarMember(name: "manifest.json", kind: .regular, mode: 0o644, mtime: mtime, content: [UInt8](json)))
        for member in members { writer.append(member) }
        let tar = writer.finish()
        // A snapshot Bulkhead writes is always one it can read back: the reader's caps apply here first.
        let limits = SnapshotLimits()
        let largest = members.map(\.content.count).max() ?? 0
        guard json.count <= limits.maxManifestBytes, members.count + 1 <= limits.maxEntries, tar.count <= limits.maxTotalBytes,
            largest <= limits.maxEntryBytes
        else {
            throw HostInspectionError(
                .tooLarge,
                "this collection (\(members.count) members, \(tar.count) bytes, manifest \(json.count) bytes) is over what a snapshot may hold (\(limits.maxEntries) members, \(limits.maxTotalBytes) bytes, \(limits.maxEntryBytes) bytes a member, manifest \(limits.maxManifestBytes) bytes); it would not load, so it is not written"
            )
        }
        return (manifest, tar)
    }

    /// Writes exactly what a collection read to `path`, dated when it was read and named after the host it
    /// describes.
    public func write(_ evidence: HostEvidence, to path: String, overwrite: Bool = false) throws(HostInspectionError) -> SnapshotSummary {
        let gz = try archive(evidence)
        try Self.writeFile(gz.bytes, to: path, overwrite: overwrite)
        return summary(gz.manifest, gz.bytes, path: path)
    }

    /// The .tar.gz bytes of a collection's snapshot (for a bundle, which carries it without a file).
    public func archive(_ evidence: HostEvidence) throws(HostInspectionError) -> (manifest: SnapshotManifest, bytes: [UInt8]) {
        let (manifest, tar) = try archive(
            evidence.files.records, hostname: evidence.facts.hostname, source: evidence.source, capturedAt: evidence.collectedAt)
        let gz = try Self.compress(tar)
        let cap = SnapshotLimits().maxArchiveBytes
        guard gz.count <= cap else {
            throw HostInspectionError(
                .tooLarge, "the compressed snapshot is \(gz.count) bytes, over the \(cap)-byte cap a snapshot is read with; it is not written")
        }
        return (manifest, gz)
    }

    func summary(_ manifest: SnapshotManifest, _ gz: [UInt8], path: String) -> SnapshotSummary {
        let regular = manifest.files.filter { $0.sha256 != nil }
        return SnapshotSummary(
            path: path, pathCount: manifest.files.count, fileCount: regular.count,
            contentBytes: regular.reduce(0) { $0 + ($1.size ?? 0) }, archiveBytes: gz.count,
            sha256: SHA256.hash(data: gz).hexString)
    }

    /// Writes the snapshot of `recorder` to `path`.
    public func write(
        _ recorder: RecordingHostRoot, hostname: String?, capturedAt: Date = Date(), to path: String, overwrite: Bool = false
    ) throws(HostInspectionError) -> SnapshotSummary {
        let records = recorder.recorded
        let (manifest, tar) = try archive(records, hostname: hostname, source: recorder.label, capturedAt: capturedAt)
        let gz = try Self.compress(tar)
        try Self.writeFile(gz, to: path, overwrite: overwrite)
        let regular = manifest.files.filter { $0.sha256 != nil }
        return SnapshotSummary(
            path: path, pathCount: manifest.files.count, fileCount: regular.count,
            contentBytes: regular.reduce(0) { $0 + ($1.size ?? 0) }, archiveBytes: gz.count,
            sha256: SHA256.hash(data: gz).hexString)
    }

    /// Creates `path` (0600, O_CREAT|O_EXCL|O_NOFOLLOW through `SafeFile`); with `overwrite`, a new file is
    /// renamed over the old one (a link at the path is replaced, never followed).
    static func writeFile(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(HostInspectionError) {
        do {
            try SafeFile.create(path, contents: Data(bytes), replace: overwrite)
        } catch {
            if error.code == .exists {
                throw HostInspectionError(.exists, "\(error.message); choose another --output or pass --force to replace it")
            }
            throw HostInspectionError(.io, "cannot create \(path)", cause: error)
        }
    }
}

extension Digest {
    var hexString: String {
        var out = ""
        for byte in self {
            let hex = String(byte, radix: 16)
            out += hex.count == 1 ? "0" + hex : hex
        }
        return out
    }
}

extension SnapshotWriter {
    /// gzip, in this stage's error terms.
    static func compress(_ tar: [UInt8]) throws(HostInspectionError) -> [UInt8] {
        do throws(FormatError) { return try Gzip.compress(tar) } catch { throw HostInspectionError(error) }
    }
}
