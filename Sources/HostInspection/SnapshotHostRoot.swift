public import BulkheadModel
import Crypto
import Formats
public import Foundation
import SafeFiles

/// Caps applied when loading a snapshot (docs/snapshot-format.md). A snapshot is hostile input: it may
/// come from another machine, be truncated, or be crafted.
public struct SnapshotLimits: Sendable, Hashable {
    /// The .tar.gz file itself.
    public var maxArchiveBytes: Int = 256 << 20
    /// The decompressed tar stream (all members, headers included).
    public var maxTotalBytes: Int = 1 << 30
    /// Tar members, pax headers excluded.
    public var maxEntries: Int = 200_000
    /// One member's content (the largest host read is rpmdb.sqlite, bounded at 256 MiB).
    public var maxEntryBytes: Int = 256 << 20
    /// manifest.json.
    public var maxManifestBytes: Int = 64 << 20

    public init() {}
}

/// A host as a snapshot archive recorded it, loaded into memory and verified. Answers exactly what the
/// recorded root answered; a path that was never asked about is "not in the snapshot". Symbolic links
/// are confined exactly as `DirectoryHostRoot` confines them (shared `LinkResolver`).
public struct SnapshotHostRoot: HostRoot {
    public let label: String
    public var isLive: Bool { false }
    public let manifest: SnapshotManifest
    /// The archive file.
    public let path: String
    /// Every recorded answer, replayed.
    public let files: RecordedFiles

    /// Loads and verifies `path`. Throws `HostInspectionError` naming the file and the failed check.
    public init(path: String, limits: SnapshotLimits = SnapshotLimits()) throws(HostInspectionError) {
        let data = try Self.readArchive(path, cap: limits.maxArchiveBytes)
        try self.init(archive: data, name: path, limits: limits)
    }

    /// Loads a snapshot from bytes already in memory (`name` is used in messages and the label).
    public init(archive bytes: [UInt8], name: String, limits: SnapshotLimits = SnapshotLimits()) throws(HostInspectionError) {
        guard bytes.count <= limits.maxArchiveBytes else {
            throw HostInspectionError(.tooLarge, "\(name) is \(bytes.count) bytes, over the snapshot cap of \(limits.maxArchiveBytes) bytes")
        }
        let members: [TarMember]
        do throws(FormatError) {
            let tar = try Gzip.decompress(
                bytes, maxSize: limits.maxTotalBytes, name: name, hint: "; a snapshot is a .tar.gz written by `bulkhead snapshot`")
            members = try TarReader.read(tar, limits: .init(maxEntries: limits.maxEntries, maxEntryBytes: limits.maxEntryBytes), name: name)
        } catch {
            throw HostInspectionError(error)
        }

        var byName: [String: TarMember] = [:]
        var manifestBytes: [UInt8]?
        for member in members {
            let memberName = try Self.validateMemberName(member.name, archive: name)
            if memberName == "manifest.json" {
                guard member.kind == .regular, manifestBytes == nil else {
                    throw HostInspectionError(.corrupt, "\(name): more than one manifest.json, or not a regular file")
                }
                guard member.content.count <= limits.maxManifestBytes else {
                    throw HostInspectionError(
                        .tooLarge, "\(name): manifest.json is \(member.content.count) bytes, over the cap of \(limits.maxManifestBytes)")
                }
                manifestBytes = member.content
                continue
            }
            guard byName[memberName] == nil else {
                throw HostInspectionError(.corrupt, "\(name): member \(memberName) appears twice")
            }
            byName[memberName] = member
        }
        guard let manifestBytes else {
            throw HostInspectionError(.corrupt, "\(name) has no manifest.json; it is not a Bulkhead snapshot")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: SnapshotManifest
        do {
            manifest = try decoder.decode(SnapshotManifest.self, from: Data(manifestBytes))
        } catch {
            throw HostInspectionError(.corrupt, "\(name): manifest.json does not parse", cause: error)
        }
        guard manifest.format == SnapshotManifest.formatName else {
            throw HostInspectionError(.unsupported, "\(name): manifest format is `\(manifest.format)`, not `\(SnapshotManifest.formatName)`")
        }
        guard manifest.formatVersion == SnapshotManifest.currentFormatVersion else {
            throw HostInspectionError(
                .unsupported,
                "\(name): snapshot format version \(manifest.formatVersion); this Bulkhead reads version \(SnapshotManifest.currentFormatVersion)")
        }

        var records: [String: RecordedPath] = [:]
        var claimed: Set<String> = []
        for entry in manifest.files {
            guard LinkResolver.components(entry.path) != nil, !entry.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                throw HostInspectionError(.unsafeMember, "\(name): manifest path `\(entry.path)` is not a plain absolute path (refused)")
            }
            guard records[entry.path] == nil else {
                throw HostInspectionError(.corrupt, "\(name): manifest lists \(entry.path) twice")
            }
            var record = RecordedPath()
            if let kind = entry.kind {
                record.kindKnown = true
                if kind != "absent" {
                    guard let parsed = FileKind(rawValue: kind) else {
                        throw HostInspectionError(.corrupt, "\(name): manifest kind `\(kind)` of \(entry.path) is unknown")
                    }
                    record.kind = parsed
                }
            }
            record.metadata = entry.stat
            if let entries = entry.entries {
                guard entries.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") }) else {
                    throw HostInspectionError(.unsafeMember, "\(name): listing of \(entry.path) has a name with `/` or `..` (refused)")
                }
                record.listing = entries
            }
            for (op, error) in entry.errors ?? [:] {
                let readError = HostReadError(error.code, path: entry.path, message: error.message)
                switch op {
                case "read": record.readError = readError
                case "list": record.listError = readError
                case "readLink": record.linkError = readError
                case "metadata": record.metadataError = readError
                default: break
                }
            }
            if let memberName = entry.member {
                guard memberName == SnapshotWriter.memberName(entry.path) else {
                    throw HostInspectionError(.corrupt, "\(name): manifest member `\(memberName)` does not match path \(entry.path)")
                }
                guard let member = byName[memberName] else {
                    throw HostInspectionError(.corrupt, "\(name): member \(memberName) named in the manifest is missing from the archive")
                }
                claimed.insert(memberName)
                switch member.kind {
                case .regular:
                    guard let expected = entry.sha256 else {
                        throw HostInspectionError(.corrupt, "\(name): manifest has no sha256 for \(entry.path)")
                    }
                    let actual = SHA256.hash(data: member.content).hexString
                    guard actual == expected.lowercased() else {
                        throw HostInspectionError(
                            .hashMismatch,
                            "\(name): \(entry.path) does not match its manifest hash (manifest sha256 \(expected), content sha256 \(actual)); the snapshot was altered or damaged"
                        )
                    }
                    if let size = entry.size, size != member.content.count {
                        throw HostInspectionError(.hashMismatch, "\(name): \(entry.path) is \(member.content.count) bytes, the manifest says \(size)")
                    }
                    record.content = member.content
                case .symlink:
                    guard entry.linkTarget == nil || entry.linkTarget == member.linkTarget else {
                        throw HostInspectionError(
                            .hashMismatch,
                            "\(name): link \(entry.path) points to `\(member.linkTarget)`, the manifest says `\(entry.linkTarget ?? "")`")
                    }
                    record.linkTarget = member.linkTarget
                case .directory:
                    if record.listing == nil { record.listing = [] }
                }
            }
            if record.linkTarget == nil { record.linkTarget = entry.linkTarget }
            records[entry.path] = record
        }
        for memberName in byName.keys where !claimed.contains(memberName) {
            throw HostInspectionError(.corrupt, "\(name): member \(memberName) is not listed in manifest.json (refused)")
        }
        self.files = RecordedFiles(
            records, missing: "not in the snapshot (it was not read when the snapshot was taken, or did not exist)")
        self.manifest = manifest
        self.path = name
        let captured = ISO8601DateFormatter().string(from: manifest.capturedAt)
        self.label = "snapshot \(name) (host \(manifest.hostname ?? "unknown"), captured \(captured))"
    }

    /// `manifest.json` or `files/…`; never absolute, never `..`, never empty components.
    static func validateMemberName(_ raw: String, archive: String) throws(HostInspectionError) -> String {
        var name = raw
        if name.hasPrefix("./") { name.removeFirst(2) }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.hasPrefix("/"), !parts.contains(where: { $0 == ".." }) else {
            throw HostInspectionError(
                .unsafeMember, "\(archive): member `\(raw)` is absolute or climbs with `..` (refused; a snapshot never names paths outside itself)")
        }
        guard
            name == "manifest.json"
                || (name.hasPrefix("files/") && parts.count >= 2 && !parts.dropFirst().contains(where: { $0.isEmpty || $0 == "." }))
        else {
            throw HostInspectionError(.unsafeMember, "\(archive): member `\(raw)` is outside files/ (refused)")
        }
        return name
    }

    static func readArchive(_ path: String, cap: Int) throws(HostInspectionError) -> [UInt8] {
        do {
            return [UInt8](try SafeFile.readRegular(path, limit: cap))
        } catch {
            switch error.code {
            case .notRegular:
                throw HostInspectionError(.io, "\(path) is not a regular file; a snapshot is a .tar.gz written by `bulkhead snapshot`")
            case .notFound: throw HostInspectionError(.io, "\(path) does not exist")
            case .tooLarge: throw HostInspectionError(.tooLarge, "\(path) is over the snapshot cap of \(cap) bytes (refused)")
            default: throw HostInspectionError(.io, "cannot read \(path)", cause: error)
            }
        }
    }

    // MARK: - HostRoot (answered from the recorded files)

    public func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] { try files.read(path, limit: limit) }
    public func list(_ path: String) throws(HostReadError) -> [String] { try files.list(path) }
    public func kind(of path: String) -> FileKind? { files.kind(of: path) }
    public func readLink(_ path: String) throws(HostReadError) -> String { try files.readLink(path) }
    public func metadata(of path: String) throws(HostReadError) -> FileMetadata { try files.metadata(of: path) }

    /// The capture time: a collection replayed from the snapshot is dated when the snapshot was taken.
    public var capturedAt: Date? { manifest.capturedAt }
    /// The label of the host the snapshot was taken from (`live host`, `root /mnt/img`).
    public var originalSource: String? { manifest.source }
}
