import BulkheadModel
import Foundation

/// One central-directory record, as the archive declares it (nothing here is trusted for extraction: the
/// local header is read again and the real bytes are counted and CRC-checked).
struct ZipDirectoryEntry: Sendable {
    var path: String
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    /// Offset of the local header from the start of the archive.
    var localHeaderOffset: UInt64
    var method: UInt16
    var flags: UInt16
    var isSymlink: Bool
    var isDirectory: Bool
}

/// A zip archive's bytes: a whole file, or a stored member of another archive read in place
/// (`base`..`base + length` of the file). Every read is bounded to that region.
struct ZipRegion {
    let file: String
    let base: UInt64
    let length: UInt64
}

/// Reads a zip archive's end-of-central-directory record (Zip64 included) and walks its central directory
/// in bounded chunks, one record at a time. ZIPFoundation's `Archive` iteration reads each member's local
/// header too (a seek and a read per member: most of a 300,000-member walk) and ends silently at a record it
/// cannot read; this walk reads only the directory and refuses a truncated or inconsistent one.
enum ZipDirectory {
    /// The largest central directory read (a 2,000,000-member archive with 100-byte names is about 300 MB;
    /// it is read in `window` chunks, never whole).
    static let maxDirectoryBytes: UInt64 = 1 << 30
    static let window = 1 << 20

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }

    /// Reads `count` bytes at `offset` of the region (fewer only when the region ends first).
    static func read(_ handle: FileHandle, _ region: ZipRegion, at offset: UInt64, count: Int, name: String) throws(ZipExtractionError) -> [UInt8] {
        guard offset <= region.length else { return [] }
        let n = Int(min(UInt64(count), region.length - offset))
        do {
            try handle.seek(toOffset: region.base + offset)
            var out: [UInt8] = []
            out.reserveCapacity(n)
            while out.count < n, let chunk = try handle.read(upToCount: n - out.count), !chunk.isEmpty { out.append(contentsOf: chunk) }
            return out
        } catch {
            throw ZipExtractionError(.unreadable, "\(name) cannot be read", cause: error)
        }
    }

    /// Where the central directory is and how many records it declares.
    static func end(_ handle: FileHandle, _ region: ZipRegion, name: String) throws(ZipExtractionError) -> (
        offset: UInt64, size: UInt64, count: UInt64
    ) {
        let notZip = ZipExtractionError(.unreadable, "\(name) is not a readable zip archive (no end of central directory)")
        guard region.length >= 22 else { throw notZip }
        let tailLength = Int(min(region.length, 22 + 65_535))
        let tailStart = region.length - UInt64(tailLength)
        let tail = try read(handle, region, at: tailStart, count: tailLength, name: name)
        guard tail.count == tailLength else { throw notZip }
        // The last end record whose comment reaches exactly the end of the archive.
        var i = tail.count - 22
        var found: Int?
        while i >= 0 {
            if tail[i] == 0x50, le32(tail, i) == 0x0605_4b50, i + 22 + Int(le16(tail, i + 20)) == tail.count {
                found = i
                break
            }
            i -= 1
        }
        guard let e = found else { throw notZip }
        var count = UInt64(le16(tail, e + 10))
        var size = UInt64(le32(tail, e + 12))
        var offset = UInt64(le32(tail, e + 16))
        guard le16(tail, e + 4) == 0 || le16(tail, e + 4) == 0xFFFF else {
            throw ZipExtractionError(.unreadable, "\(name) is a multi-disk zip archive; refused")
        }
        let endOffset = tailStart + UInt64(e)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // Zip64: the locator sits just before the end record and points at the Zip64 end record.
            guard e >= 20, le32(tail, e - 20) == 0x0706_4b50 else {
                throw ZipExtractionError(.unreadable, "\(name): its end of central directory needs a Zip64 record that is missing")
            }
            let at = le64(tail, e - 20 + 8)
            guard at <= endOffset - 20 else { throw ZipExtractionError(.unreadable, "\(name): its Zip64 locator points outside the archive") }
            let z = try read(handle, region, at: at, count: 56, name: name)
            guard z.count == 56, le32(z, 0) == 0x0606_4b50 else {
                throw ZipExtractionError(.unreadable, "\(name): its Zip64 end of central directory is missing or truncated")
            }
            count = le64(z, 32)
            size = le64(z, 40)
            offset = le64(z, 48)
        }
        guard offset <= region.length, size <= region.length - offset, size <= maxDirectoryBytes else {
            throw ZipExtractionError(.unreadable, "\(name): its central directory (\(size) bytes at \(offset)) lies outside the archive; refused")
        }
        // Each record is at least 46 bytes.
        guard count <= size / 46 else {
            throw ZipExtractionError(.unreadable, "\(name) declares \(count) members in a \(size)-byte central directory; truncated, refused")
        }
        return (offset, size, count)
    }

    /// Calls `visit` with every central-directory record in order. A record that runs past the directory,
    /// has a wrong signature, or a count that disagrees with the end record refuses the archive.
    static func forEach(
        _ region: ZipRegion, name: String, maxMembers: Int, _ visit: (ZipDirectoryEntry) throws(ZipExtractionError) -> Void
    ) throws(ZipExtractionError) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: region.file)) } catch {
            throw ZipExtractionError(.unreadable, "\(name) cannot be opened", cause: error)
        }
        defer { try? handle.close() }
        let (start, size, declared) = try end(handle, region, name: name)
        guard declared <= UInt64(maxMembers) else {
            throw ZipExtractionError(.tooManyMembers, "\(name) declares \(declared) members, more than the \(maxMembers) allowed for this job")
        }
        let truncated = ZipExtractionError(.unreadable, "\(name): its central directory is truncated or corrupt; refused")
        var buffer: [UInt8] = []
        var position = 0
        var consumed: UInt64 = 0  // directory bytes before buffer[0]
        /// Makes `n` bytes available at `position`, within the directory.
        func need(_ n: Int) throws(ZipExtractionError) {
            if buffer.count - position >= n { return }
            buffer.removeSubrange(0..<position)
            consumed += UInt64(position)
            position = 0
            let have = consumed + UInt64(buffer.count)
            let want = min(UInt64(max(n - buffer.count, window)), size - have)
            guard UInt64(buffer.count) + want >= UInt64(n) else { throw truncated }
            let more = try read(handle, region, at: start + have, count: Int(want), name: name)
            guard more.count == Int(want) else { throw truncated }
            buffer += more
        }
        var seen: UInt64 = 0
        while seen < declared {
            try need(46)
            let b = position
            guard le32(buffer, b) == 0x0201_4b50 else { throw truncated }
            let madeBy = le16(buffer, b + 4)
            let flags = le16(buffer, b + 8)
            let method = le16(buffer, b + 10)
            let crc = le32(buffer, b + 16)
            var compressed = UInt64(le32(buffer, b + 20))
            var uncompressed = UInt64(le32(buffer, b + 24))
            let nameLength = Int(le16(buffer, b + 28))
            let extraLength = Int(le16(buffer, b + 30))
            let commentLength = Int(le16(buffer, b + 32))
            let external = le32(buffer, b + 38)
            var local = UInt64(le32(buffer, b + 42))
            let recordLength = 46 + nameLength + extraLength + commentLength
            try need(recordLength)
            let r = position
            let nameBytes = buffer[(r + 46)..<(r + 46 + nameLength)]
            let path = String(decoding: nameBytes, as: UTF8.self)
            // Zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
            var x = r + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = le16(buffer, x)
                let length = Int(le16(buffer, x + 2))
                guard x + 4 + length <= extraEnd else { throw truncated }
                if id == 0x0001 {
                    var f = x + 4
                    let fieldEnd = f + length
                    for field in 0..<3 {
                        let wide = field == 0 ? uncompressed == 0xFFFF_FFFF : field == 1 ? compressed == 0xFFFF_FFFF : local == 0xFFFF_FFFF
                        guard wide else { continue }
                        guard f + 8 <= fieldEnd else { throw truncated }
                        let value = le64(buffer, f)
                        if field == 0 { uncompressed = value } else if field == 1 { compressed = value } else { local = value }
                        f += 8
                    }
                }
                x += 4 + length
            }
            let mode = external >> 16
            let unix = madeBy >> 8 == 3
            let isLink = unix && mode & 0o170000 == 0o120000
            let isDirectory = (unix && mode & 0o170000 == 0o040000) || path.hasSuffix("/")
            position += recordLength
            seen += 1
            try visit(
                ZipDirectoryEntry(
                    path: path, crc32: crc, compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: local, method: method,
                    flags: flags, isSymlink: isLink, isDirectory: isDirectory && !isLink))
        }
    }

    /// Where a member's data starts, from its local header (checked to lie within the region with its
    /// compressed bytes after it).
    static func dataOffset(_ handle: FileHandle, _ region: ZipRegion, _ entry: ZipDirectoryEntry, name: String) throws(ZipExtractionError) -> UInt64 {
        let shown = String(entry.path.prefix(200))
        let bad = ZipExtractionError(.corrupt, "\(name): \(shown) has no valid local header; refused")
        let header = try read(handle, region, at: entry.localHeaderOffset, count: 30, name: name)
        guard header.count == 30, le32(header, 0) == 0x0403_4b50 else { throw bad }
        let start = entry.localHeaderOffset + 30 + UInt64(le16(header, 26)) + UInt64(le16(header, 28))
        guard start <= region.length, entry.compressedSize <= region.length - start else {
            throw ZipExtractionError(.corrupt, "\(name): \(shown) runs past the end of the archive; refused")
        }
        return start
    }
}
