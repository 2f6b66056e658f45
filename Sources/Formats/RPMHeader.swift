public import BulkheadModel
import Foundation
import GRDB

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

    package struct Entry {
        var type: UInt32
        var offset: Int
        var count: Int
    }

    /// A header that cannot be read: `FormatError` with code `corrupt` or `tooLarge`.
    public typealias ParseError = FormatError

    /// rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX).
    package static let maxTags = 0xFFFF
    package static let maxData = 0x0FFF_FFFF
    /// Values read from one array entry (a changelog has hundreds, not millions).
    public static let maxArray = 100_000

    private(set) var entries: [Int32: Entry] = [:]
    private let data: ArraySlice<UInt8>

    public init(bytes: [UInt8]) throws(ParseError) {
        var start = 0
        if bytes.count >= 8, bytes[0] == 0x8E, bytes[1] == 0xAD, bytes[2] == 0xE8, bytes[3] == 0x01 { start = 8 }
        guard let il = Self.u32(bytes, start), let dl = Self.u32(bytes, start + 4) else {
            throw ParseError(.corrupt, "RPM header shorter than its 8-byte preamble")
        }
        guard il >= 1, il <= Self.maxTags else { throw ParseError(.corrupt, "RPM header index count \(il) out of range") }
        guard dl <= Self.maxData else { throw ParseError(.corrupt, "RPM header data size \(dl) out of range") }
        let indexStart = start + 8
        let dataStart = indexStart + Int(il) * 16
        guard dataStart + Int(dl) <= bytes.count else {
            throw ParseError(.corrupt, "RPM header truncated: needs \(dataStart + Int(dl)) bytes, has \(bytes.count)")
        }
        data = bytes[dataStart..<(dataStart + Int(dl))]
        for i in 0..<Int(il) {
            let at = indexStart + i * 16
            guard let tag = Self.u32(bytes, at), let type = Self.u32(bytes, at + 4), let offset = Self.u32(bytes, at + 8),
                let count = Self.u32(bytes, at + 12)
            else { throw ParseError(.corrupt, "RPM header index entry \(i) truncated") }
            let signedOffset = Int32(bitPattern: offset)
            guard signedOffset >= 0, Int(signedOffset) < Int(dl) || (count == 0) else { continue }  // region trailers etc.
            entries[Int32(bitPattern: tag)] = Entry(type: type, offset: Int(signedOffset), count: Int(count))
        }
    }

    package static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32? {
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
    public static func headerBlobs(_ bytes: [UInt8], path: String) throws(FormatError) -> [(hnum: Int64, blob: [UInt8])] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-rpmdb-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FormatError(.io, "cannot create a private directory for a copy of \(path)", cause: error)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw FormatError(.io, "cannot write a private copy of \(path) under \(directory.path)")
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
            throw FormatError(.corrupt, "\(path) is not a readable rpm sqlite database", cause: error)
        }
    }
}
