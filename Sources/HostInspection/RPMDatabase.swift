import BulkheadModel
import Foundation
import GRDB

/// RPM's package database (rpm ≥ 4.16 sqlite backend): `Packages(hnum, blob)` where each blob is an RPM
/// header. The database file is read through the host root (bounded), copied into a private temporary
/// directory and opened there read-only and immutable, so neither the host's database nor its lock is
/// touched and a snapshot can carry it. Headers are parsed here as hostile input.
enum RPMDatabase {
    /// Where rpm keeps its database: the classic path, then the `/usr/lib/sysimage` one (Fedora ≥ 36, SUSE).
    static let candidatePaths = ["/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"]
    /// Older backends Bulkhead does not read (Berkeley DB, ndb).
    static let legacyPaths = [
        "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db", "/usr/lib/sysimage/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db",
    ]

    static func collect(root: any HostRoot, limit: Int, problems: inout ProblemLog) -> [InstalledPackage] {
        for path in candidatePaths {
            let bytes: [UInt8]
            do {
                bytes = try root.read(path, limit: limit)
            } catch {
                if error.code == .notFound { continue }
                problems.add(Problem(subject: path, message: "\(error.message); the RPM package inventory is inconclusive"))
                return []
            }
            do {
                let (packages, headerProblems) = try packagesFromDatabase(bytes: bytes, path: path)
                for problem in headerProblems { problems.add(problem) }
                return packages
            } catch {
                problems.add(Problem(subject: path, message: "\(error); the RPM package inventory is inconclusive"))
                return []
            }
        }
        for path in legacyPaths where root.kind(of: path) == .regular {
            problems.add(
                Problem(
                    subject: path,
                    message:
                        "RPM database in a legacy format (Berkeley DB or ndb) that Bulkhead does not read; run `rpmdb --rebuilddb` on rpm ≥ 4.16 or inspect packages another way. The RPM package inventory is inconclusive"
                ))
        }
        return []
    }

    /// Reads every header blob from an rpmdb.sqlite image.
    static func packagesFromDatabase(bytes: [UInt8], path: String) throws -> (packages: [InstalledPackage], problems: [Problem]) {
        let blobs = try RPMDatabaseImage.headerBlobs(bytes, path: path)
        var packages: [InstalledPackage] = []
        var problems: [Problem] = []
        for (hnum, blob) in blobs {
            do {
                let header = try RPMHeader(bytes: blob)
                guard let name = header.string(RPMHeader.Tag.name), let version = header.string(RPMHeader.Tag.version) else {
                    problems.append(Problem(subject: "\(path) header \(hnum)", message: "RPM header without NAME or VERSION; skipped"))
                    continue
                }
                var full = version
                if let release = header.string(RPMHeader.Tag.release) { full += "-" + release }
                if let epoch = header.int32(RPMHeader.Tag.epoch) { full = "\(epoch):" + full }
                var source: String?
                if let sourceRPM = header.string(RPMHeader.Tag.sourceRPM), let sourceName = sourceName(sourceRPM), sourceName != name {
                    source = sourceName
                }
                packages.append(
                    InstalledPackage(
                        name: name, version: full, architecture: header.string(RPMHeader.Tag.arch), manager: "rpm", sourcePackage: source))
            } catch {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "\(error.message); skipped"))
            }
        }
        return (packages, problems)
    }

    /// `bash-5.2.15-3.fc38.src.rpm` → `bash`.
    static func sourceName(_ sourceRPM: String) -> String? {
        var base = Substring(sourceRPM)
        for suffix in [".src.rpm", ".nosrc.rpm"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
        }
        var parts = base.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        parts.removeLast(2)
        let name = parts.joined(separator: "-")
        return name.isEmpty ? nil : name
    }
}

/// An RPM header (the form rpm stores in its database): optional 8-byte magic, then
/// `il` (index count, big-endian u32), `dl` (data size), `il` 16-byte index entries
/// (tag, type, offset, count) and `dl` bytes of data. Every offset and count is checked.
public struct RPMHeader: Sendable {
    public enum Tag {
        public static let name: Int32 = 1000
        public static let version: Int32 = 1001
        public static let release: Int32 = 1002
        public static let epoch: Int32 = 1003
        public static let arch: Int32 = 1022
        public static let sourceRPM: Int32 = 1044
        public static let changelogTime: Int32 = 1080
        public static let changelogName: Int32 = 1081
        public static let changelogText: Int32 = 1082
    }

    struct Entry {
        var type: UInt32
        var offset: Int
        var count: Int
    }

    public struct ParseError: Error, Sendable {
        public var message: String
    }

    /// rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX).
    static let maxTags = 0xFFFF
    static let maxData = 0x0FFF_FFFF
    /// Values read from one array entry (a changelog has hundreds, not millions).
    public static let maxArray = 100_000

    private(set) var entries: [Int32: Entry] = [:]
    private let data: ArraySlice<UInt8>

    public init(bytes: [UInt8]) throws(ParseError) {
        var start = 0
        if bytes.count >= 8, bytes[0] == 0x8E, bytes[1] == 0xAD, bytes[2] == 0xE8, bytes[3] == 0x01 { start = 8 }
        guard let il = Self.u32(bytes, start), let dl = Self.u32(bytes, start + 4) else {
            throw ParseError(message: "RPM header shorter than its 8-byte preamble")
        }
        guard il >= 1, il <= Self.maxTags else { throw ParseError(message: "RPM header index count \(il) out of range") }
        guard dl <= Self.maxData else { throw ParseError(message: "RPM header data size \(dl) out of range") }
        let indexStart = start + 8
        let dataStart = indexStart + Int(il) * 16
        guard dataStart + Int(dl) <= bytes.count else {
            throw ParseError(message: "RPM header truncated: needs \(dataStart + Int(dl)) bytes, has \(bytes.count)")
        }
        data = bytes[dataStart..<(dataStart + Int(dl))]
        for i in 0..<Int(il) {
            let at = indexStart + i * 16
            guard let tag = Self.u32(bytes, at), let type = Self.u32(bytes, at + 4), let offset = Self.u32(bytes, at + 8),
                let count = Self.u32(bytes, at + 12)
            else { throw ParseError(message: "RPM header index entry \(i) truncated") }
            let signedOffset = Int32(bitPattern: offset)
            guard signedOffset >= 0, Int(signedOffset) < Int(dl) || (count == 0) else { continue }  // region trailers etc.
            entries[Int32(bitPattern: tag)] = Entry(type: type, offset: Int(signedOffset), count: Int(count))
        }
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// A STRING (6) or the first of a STRING_ARRAY (8) / I18NSTRING (9): bytes up to NUL inside the data.
    public func string(_ tag: Int32) -> String? { strings(tag, max: 1).first }

    /// A STRING (6, one value), STRING_ARRAY (8) or I18NSTRING (9): NUL-terminated strings inside the data;
    /// a string running off the end stops the array.
    public func strings(_ tag: Int32, max: Int = RPMHeader.maxArray) -> [String] {
        guard let entry = entries[tag], [6, 8, 9].contains(entry.type) else { return [] }
        let count = entry.type == 6 ? 1 : Swift.min(entry.count, max, Self.maxArray)
        var out: [String] = []
        var at = data.startIndex + entry.offset
        for _ in 0..<count {
            guard at < data.endIndex, let end = data[at...].firstIndex(of: 0) else { break }
            out.append(String(decoding: data[at..<end], as: UTF8.self))
            at = end + 1
        }
        return out
    }

    /// The first value of an INT32 (4) entry.
    public func int32(_ tag: Int32) -> Int32? { int32s(tag).first }

    /// Values of an INT32 (4) array, as many as fit in the data.
    public func int32s(_ tag: Int32) -> [Int32] {
        guard let entry = entries[tag], entry.type == 4 else { return [] }
        var out: [Int32] = []
        for i in 0..<Swift.min(entry.count, Self.maxArray) {
            let begin = data.startIndex + entry.offset + i * 4
            guard begin + 4 <= data.endIndex else { break }
            let value = UInt32(data[begin]) << 24 | UInt32(data[begin + 1]) << 16 | UInt32(data[begin + 2]) << 8 | UInt32(data[begin + 3])
            out.append(Int32(bitPattern: value))
        }
        return out
    }
}

/// The header blobs of an rpmdb.sqlite image (rpm ≥ 4.16), read from a private read-only copy.
public enum RPMDatabaseImage {
    /// `(hnum, blob)` of every row of `Packages`, in `hnum` order.
    public static func headerBlobs(_ bytes: [UInt8], path: String) throws(HostInspectionError) -> [(hnum: Int64, blob: [UInt8])] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-rpmdb-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw HostInspectionError(.io, "cannot create a private directory for a copy of \(path)", cause: error)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw HostInspectionError(.io, "cannot write a private copy of \(path) under \(directory.path)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "rpmdb"
        do {
            // immutable=1: no locks, no WAL, no journal; the private copy never changes.
            let encoded = file.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file.path
            let queue = try DatabaseQueue(path: "file:\(encoded)?immutable=1", configuration: configuration)
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT hnum, blob FROM Packages ORDER BY hnum").compactMap { row in
                    guard let hnum: Int64 = row["hnum"], let blob: Data = row["blob"] else { return nil }
                    return (hnum, [UInt8](blob))
                }
            }
        } catch {
            throw HostInspectionError(.corrupt, "\(path) is not a readable rpm sqlite database", cause: error)
        }
    }
}
