/// The stored form of an advisory (the `body` column): JSON in exactly the shape `Advisory`'s Codable
/// conformance reads, written by hand because `JSONEncoder` was a fifth of the import's time. The round
/// trip (`encode` → `JSONDecoder`) is tested over every fixture record and every `VersionRange` case.
enum AdvisoryBody {
    /// The advisory as JSON bytes; the summary is written as "" (it has its own column).
    static func encode(_ a: Advisory) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("id", a.id)
        w.field("format", a.format.rawValue)
        w.field("aliases", strings: a.aliases)
        w.field("published", a.published)
        w.field("modified", a.modified)
        w.field("withdrawn", a.withdrawn)
        w.field("assigner", a.assigner)
        w.field("summary", "")
        w.key("cwes")
        w.beginArray()
        for c in a.cwes {
            w.beginObject()
            w.field("id", number: Double(c.id))
            w.field("source", c.source)
            w.endObject()
        }
        w.endArray()
        w.key("severities")
        w.beginArray()
        for sv in a.severities {
            w.beginObject()
            if let score = sv.score { w.field("score", number: score) }
            w.field("rating", sv.rating)
            w.field("vector", sv.vector)
            w.field("source", sv.source)
            w.endObject()
        }
        w.endArray()
        w.key("affected")
        w.beginArray()
        for e in a.affected {
            w.beginObject()
            w.field("vendor", e.vendor)
            w.field("product", e.product)
            w.field("packageName", e.packageName)
            w.field("ecosystem", e.ecosystem)
            w.field("cpePart", e.cpePart)
            w.field("cpeVendor", e.cpeVendor)
            w.field("cpeProduct", e.cpeProduct)
            w.field("defaultStatus", e.defaultStatus)
            w.key("ranges")
            w.beginArray()
            for range in e.ranges { write(range, &w) }
            w.endArray()
            w.field("versions", strings: e.versions)
            w.field("note", e.note)
            w.endObject()
        }
        w.endArray()
        w.field("kevDateAdded", a.kevDateAdded)
        w.field("categories", strings: a.categories)
        w.endObject()
        return w.bytes
    }

    /// Synthesized Codable of an enum with associated values: `{"case":{"label":value,…}}`; optional
    /// associated values are written as `null` (read back as nil whether decoded with or without IfPresent).
    private static func write(_ range: VersionRange, _ w: inout JSONWriter) {
        w.beginObject()
        switch range {
        case .cve5(let version, let lessThan, let lessThanOrEqual, let status, let versionType, let changes):
            w.key("cve5")
            w.beginObject()
            w.field("version", version)
            w.field("lessThan", orNull: lessThan)
            w.field("lessThanOrEqual", orNull: lessThanOrEqual)
            w.field("status", status)
            w.field("versionType", orNull: versionType)
            w.key("changes")
            w.beginArray()
            for c in changes {
                w.beginObject()
                w.field("at", c.at)
                w.field("status", c.status)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        case .osv(let type, let events):
            w.key("osv")
            w.beginObject()
            w.field("type", type)
            w.key("events")
            w.beginArray()
            for e in events {
                w.beginObject()
                w.field("kind", e.kind.rawValue)
                w.field("version", e.version)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        case .cpe(
            let version, let update, let startIncluding, let startExcluding, let endIncluding, let endExcluding, let vulnerable, let platformCondition
        ):
            w.key("cpe")
            w.beginObject()
            w.field("version", version)
            w.field("update", orNull: update)
            w.field("startIncluding", orNull: startIncluding)
            w.field("startExcluding", orNull: startExcluding)
            w.field("endIncluding", orNull: endIncluding)
            w.field("endExcluding", orNull: endExcluding)
            w.field("vulnerable", bool: vulnerable)
            w.field("platformCondition", bool: platformCondition)
            w.endObject()
        }
        w.endObject()
    }
}

/// A minimal JSON writer into a byte array (RFC 8259 escaping; output is always valid UTF-8 because
/// every input is a Swift `String`).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var plain = true
        let span = s.utf8.span
        for i in span.indices where span[i] < 0x20 || span[i] == 0x22 || span[i] == 0x5C {
            plain = false
            break
        }
        if plain {
            bytes.append(contentsOf: s.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(b >> 4)], Self.hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func separator() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    /// A member name: the names written are the `Advisory` field names, which hold nothing to escape.
    mutating func key(_ k: String) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: k.utf8)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func field(_ k: String, _ v: String) {
        key(k)
        string(v)
        needsComma = true
    }

    /// Omitted when nil (Codable's `encodeIfPresent`).
    mutating func field(_ k: String, _ v: String?) {
        guard let v else { return }
        field(k, v)
    }

    mutating func field(_ k: String, orNull v: String?) {
        key(k)
        if let v { string(v) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    mutating func field(_ k: String, strings: [String]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, s) in strings.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(s)
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func field(_ k: String, number: Double) {
        key(k)
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            integer(Int64(number))
        } else {
            bytes.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)
        }
        needsComma = true
    }

    /// The decimal digits of `n` (what `String(n)` writes), without making a string.
    private mutating func integer(_ n: Int64) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = n.magnitude
        var p: UInt64 = 1
        while p <= m / 10 { p *= 10 }
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: (m / p) % 10) + 0x30)
            p /= 10
        } while p > 0
    }

    mutating func field(_ k: String, bool: Bool) {
        key(k)
        bytes.append(contentsOf: (bool ? "true" : "false").utf8)
        needsComma = true
    }
}
