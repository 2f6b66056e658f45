public import Foundation
import ZIPFoundation

/// Builds zip archives at test time — ordinary ones and the hostile forms an import must survive — with
/// ZIPFoundation's writer (no external tool), and patches their bytes where a writer would refuse.
public enum HostileZip {
    /// One member: a regular file (deflated), a directory, or a symbolic link to `target`.
    public enum Member {
        case file(String, Data)
        case directory(String)
        case symlink(String, target: String)
    }

    /// Writes a zip holding `members` at `path` (files deflated, or `stored` uncompressed).
    public static func write(_ members: [Member], to path: String, stored: Bool = false) throws {
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for member in members {
            switch member {
            case .file(let name, let data):
                try archive.addEntry(
                    with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: stored ? .none : .deflate,
                    provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
            case .directory(let name):
                try archive.addEntry(with: name, type: .directory, uncompressedSize: Int64(0), provider: { (_: Int64, _: Int) in Data() })
            case .symlink(let name, let target):
                let bytes = Data(target.utf8)
                try archive.addEntry(
                    with: name, type: .symlink, uncompressedSize: Int64(bytes.count),
                    provider: { position, size in bytes.subdata(in: Int(position)..<Int(position) + size) })
            }
        }
    }

    /// Rewrites every member's declared uncompressed size — in its local header and in the central
    /// directory — to `declared`, leaving the compressed data (and so the real size) as it is: the archive
    /// then claims to be small but decompresses to much more.
    public static func declareUncompressedSize(_ declared: UInt32, in path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func put32(_ at: Int, _ value: UInt32) {
            for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
        }
        // End of central directory: the last "PK\u{5}\u{6}".
        guard let eocd = (0...(bytes.count - 22)).reversed().first(where: { u32($0) == 0x0605_4b50 }) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let entries = u16(eocd + 10)
        var at = u32(eocd + 16)
        for _ in 0..<entries {
            guard u32(at) == 0x0201_4b50 else { throw CocoaError(.fileReadCorruptFile) }
            put32(at + 24, declared)
            let local = u32(at + 42)
            guard u32(local) == 0x0403_4b50 else { throw CocoaError(.fileReadCorruptFile) }
            put32(local + 22, declared)
            at += 46 + u16(at + 28) + u16(at + 30) + u16(at + 32)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The declared uncompressed sizes of the members (from the central directory), to check a patch.
    public static func declaredSizes(in path: String) throws -> [UInt64] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        return archive.map(\.uncompressedSize)
    }
}
