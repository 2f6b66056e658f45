import Foundation

/// One member of a tar archive as Bulkhead writes and reads it.
package struct TarMember: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        case regular
        case directory
        case symlink
    }

    package var name: String
    package var kind: Kind
    package var mode: UInt32 = 0o644
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    package var mtime: Int64 = 0
    package var linkTarget: String = ""
    package var content: [UInt8] = []

    package init(
        name: String, kind: Kind, mode: UInt32 = 0o644, uid: UInt32 = 0, gid: UInt32 = 0, mtime: Int64 = 0, linkTarget: String = "",
        content: [UInt8] = []
    ) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
        self.linkTarget = linkTarget
        self.content = content
    }
}

/// A POSIX ustar writer with pax extended headers (`path`, `linkpath`) for names that do not fit or are
/// not ASCII.
package struct TarWriter {
    private(set) var bytes: [UInt8] = []

    package init() {}

    package mutating func append(_ member: TarMember) {
        var pax: [(String, String)] = []
        let name = member.kind == .directory && !member.name.hasSuffix("/") ? member.name + "/" : member.name
        let ustarName = Self.fitsUstar(name, 100) ? name : ""
        if ustarName.isEmpty { pax.append(("path", name)) }
        var linkName = ""
        if member.kind == .symlink {
            if Self.fitsUstar(member.linkTarget, 100) { linkName = member.linkTarget } else { pax.append(("linkpath", member.linkTarget)) }
        }
        if !pax.isEmpty {
            var records: [UInt8] = []
            for (key, value) in pax { records += Self.paxRecord(key, value) }
            let paxName = "PaxHeaders/" + String(name.utf8.suffix(80).filter { $0 < 0x80 && $0 != 0x2F }.map { Character(Unicode.Scalar($0)) })
            appendHeader(name: paxName, type: UInt8(ascii: "x"), size: records.count, mode: 0o644, uid: 0, gid: 0, mtime: member.mtime, link: "")
            appendData(records)
        }
        let size = member.kind == .regular ? member.content.count : 0
        let type: UInt8 =
            switch member.kind {
            case .regular: UInt8(ascii: "0")
            case .directory: UInt8(ascii: "5")
            case .symlink: UInt8(ascii: "2")
            }
        let shortName = ustarName.isEmpty ? String(name.utf8.prefix(99).filter { $0 < 0x80 }.map { Character(Unicode.Scalar($0)) }) : ustarName
        appendHeader(
            name: shortName, type: type, size: size, mode: member.mode, uid: member.uid, gid: member.gid, mtime: member.mtime, link: linkName)
        if member.kind == .regular { appendData(member.content) }
    }

    /// Two zero blocks end the archive.
    package mutating func finish() -> [UInt8] {
        bytes += [UInt8](repeating: 0, count: 1024)
        return bytes
    }

    package static func fitsUstar(_ s: String, _ limit: Int) -> Bool {
        s.utf8.count < limit && s.utf8.allSatisfy { $0 > 0 && $0 < 0x80 }
    }

    /// `"%d %s=%s\n"` where the length counts itself.
    package static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length += 1 }
        return Array((String(length) + body).utf8)
    }

    private mutating func appendHeader(name: String, type: UInt8, size: Int, mode: UInt32, uid: UInt32, gid: UInt32, mtime: Int64, link: String) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ width: Int) {
            for (i, b) in s.utf8.prefix(width).enumerated() { h[at + i] = b }
        }
        func octal(_ value: Int64, _ at: Int, _ width: Int) {
            let digits = String(max(0, value), radix: 8)
            let padded = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            put(String(padded.suffix(width - 1)), at, width - 1)
        }
        put(name, 0, 100)
        octal(Int64(mode & 0o7777), 100, 8)
        octal(Int64(min(uid, 0o7777777)), 108, 8)
        octal(Int64(min(gid, 0o7777777)), 116, 8)
        octal(Int64(size), 124, 12)
        octal(mtime, 136, 12)
        for i in 148..<156 { h[i] = 0x20 }
        h[156] = type
        put(link, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        put("root", 265, 32)
        put("root", 297, 32)
        let sum = h.reduce(0) { $0 + Int($1) }
        octal(Int64(sum), 148, 7)
        h[155] = 0x20
        bytes += h
    }

    private mutating func appendData(_ data: [UInt8]) {
        bytes += data
        let pad = (512 - data.count % 512) % 512
        bytes += [UInt8](repeating: 0, count: pad)
    }
}

/// A ustar/pax reader for hostile input: every header's checksum is verified, sizes are bounded, names
/// come back as written (the caller validates them), and anything but regular files, directories,
/// symbolic links and pax headers is refused.
package struct TarReader {
    package struct Limits {
        package var maxEntries: Int
        package var maxEntryBytes: Int

        package init(maxEntries: Int, maxEntryBytes: Int) {
            self.maxEntries = maxEntries
            self.maxEntryBytes = maxEntryBytes
        }
    }

    package static func read(_ bytes: [UInt8], limits: Limits, name archive: String) throws(FormatError) -> [TarMember] {
        var members: [TarMember] = []
        var offset = 0
        var pax: [String: String] = [:]
        var sawEnd = false
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) {
                sawEnd = true
                break
            }
            let stored = try octal(header, 148, 8, field: "checksum", at: offset, archive)
            var sum = 0
            for (i, b) in header.enumerated() { sum += (i >= 148 && i < 156) ? 0x20 : Int(b) }
            guard stored == sum else {
                throw FormatError(.corrupt, "\(archive): tar header checksum mismatch at byte \(offset) (corrupt archive)")
            }
            let size = try octal(header, 124, 12, field: "size", at: offset, archive)
            guard size <= limits.maxEntryBytes else {
                throw FormatError(
                    .tooLarge, "\(archive): tar member at byte \(offset) is \(size) bytes, over the per-entry cap of \(limits.maxEntryBytes)")
            }
            let dataStart = offset + 512
            guard dataStart + size <= bytes.count else {
                throw FormatError(.corrupt, "\(archive): truncated tar archive (member at byte \(offset) needs \(size) bytes)")
            }
            let data = Array(bytes[dataStart..<(dataStart + size)])
            offset = dataStart + (size + 511) / 512 * 512
            let type = header[header.startIndex + 156]
            switch type {
            case UInt8(ascii: "x"):
                pax = try parsePax(data, at: dataStart, archive)
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "0"), 0, UInt8(ascii: "5"), UInt8(ascii: "2"):
                break
            default:
                throw FormatError(
                    .unsupported,
                    "\(archive): tar member at byte \(dataStart - 512) has type `\(Character(Unicode.Scalar(type)))`, which Bulkhead does not read (only files, directories, symbolic links)"
                )
            }
            var name = pax["path"] ?? joinUstarName(header)
            if name.hasSuffix("/") && type == UInt8(ascii: "5") { name.removeLast() }
            let kind: TarMember.Kind =
                type == UInt8(ascii: "5") ? .directory : (type == UInt8(ascii: "2") ? .symlink : .regular)
            var member = TarMember(name: name, kind: kind)
            member.mode = UInt32(truncatingIfNeeded: (try? octal(header, 100, 8, field: "mode", at: offset, archive)) ?? 0)
            member.uid = UInt32(truncatingIfNeeded: (try? octal(header, 108, 8, field: "uid", at: offset, archive)) ?? 0)
            member.gid = UInt32(truncatingIfNeeded: (try? octal(header, 116, 8, field: "gid", at: offset, archive)) ?? 0)
            member.mtime = Int64((try? octal(header, 136, 12, field: "mtime", at: offset, archive)) ?? 0)
            member.linkTarget = pax["linkpath"] ?? cString(header, 157, 100)
            if kind == .regular { member.content = data }
            pax = [:]
            members.append(member)
            guard members.count <= limits.maxEntries else {
                throw FormatError(.tooLarge, "\(archive): more than \(limits.maxEntries) tar members, over the cap (refused)")
            }
        }
        guard sawEnd else {
            throw FormatError(.corrupt, "\(archive): truncated tar archive (no end-of-archive blocks)")
        }
        return members
    }

    package static func cString(_ header: ArraySlice<UInt8>, _ at: Int, _ width: Int) -> String {
        let field = header[(header.startIndex + at)..<(header.startIndex + at + width)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }

    package static func joinUstarName(_ header: ArraySlice<UInt8>) -> String {
        let name = cString(header, 0, 100)
        let magic = cString(header, 257, 6)
        let prefix = magic.hasPrefix("ustar") ? cString(header, 345, 155) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    package static func octal(_ header: ArraySlice<UInt8>, _ at: Int, _ width: Int, field: String, at offset: Int, _ archive: String)
        throws(FormatError) -> Int
    {
        let raw = header[(header.startIndex + at)..<(header.startIndex + at + width)]
        if let first = raw.first, first & 0x80 != 0 {
            throw FormatError(.unsupported, "\(archive): tar header at byte \(offset) uses base-256 \(field), which Bulkhead does not read")
        }
        var value = 0
        var seenDigit = false
        for b in raw {
            if b == 0 || b == 0x20 {
                if seenDigit { break } else { continue }
            }
            guard b >= 0x30 && b <= 0x37, value < (Int.max >> 4) else {
                throw FormatError(.corrupt, "\(archive): tar header at byte \(offset) has an invalid \(field) field (corrupt archive)")
            }
            value = value * 8 + Int(b - 0x30)
            seenDigit = true
        }
        return value
    }

    package static func parsePax(_ data: [UInt8], at offset: Int, _ archive: String) throws(FormatError) -> [String: String] {
        var result: [String: String] = [:]
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20),
                let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > 0, i + length <= data.count,
                data[i + length - 1] == 0x0A
            else {
                throw FormatError(.corrupt, "\(archive): malformed pax extended header at byte \(offset)")
            }
            let record = data[(space + 1)..<(i + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
                let value = String(decoding: record[(eq + 1)...], as: UTF8.self)
                result[key] = value
            }
            i += length
        }
        return result
    }
}
