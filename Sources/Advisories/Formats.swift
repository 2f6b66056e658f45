import Formats
public import Foundation

/// What one input file yielded.
public struct ParsedFile: Sendable {
    public var file: String
    public var advisories: [Advisory] = []
    public var kev: [KEVEntry] = []
    public var problems: [ImportProblem] = []
    public init(file: String) { self.file = file }
}

/// Parsers for the advisory formats. Every input is hostile: a bad record becomes an `ImportProblem`
/// naming the file and the reason, and the other records of the file are still read.
public enum AdvisoryParser {
    /// Files larger than this are refused (reported as `tooLarge`), unless the caller sets another cap.
    public static let defaultMaxFileSize = 256 << 20

    enum Detected { case cve5, osv, nvdEnvelope, nvdRecord, kev, csaf }

    /// Whether the bytes at `i` are `word`.
    @inline(__always)
    static func has(_ s: Span<UInt8>, at i: Int, _ word: String) -> Bool {
        let w = word.utf8.span
        guard i + w.count <= s.count else { return false }
        var j = 1  // s[i] is the quote, already checked
        while j < w.count && s[i + j] == w[j] { j += 1 }
        return j == w.count
    }

    /// Which of the quoted keys `detect` looks for occur anywhere in the bytes, in one pass that looks
    /// only where a `"` is (bits: 0 "cveMetadata", 1 "catalogVersion", 2 "vulnerabilities", 3 "NVD_CVE",
    /// 4 "sourceIdentifier", 5 "schema_version", 6 "id", 7 "modified"); it stops at "cveMetadata", which
    /// decides alone.
    static func keys(in s: Span<UInt8>) -> UInt32 {
        var found: UInt32 = 0
        func mark(_ bit: UInt32, _ i: Int, _ word: String) {
            if found & (1 << bit) == 0, has(s, at: i, word) { found |= 1 << bit }
        }
        let n = s.count - 1
        var i = 0
        while i < n {
            if s[i] == 0x22 {
                switch s[i + 1] {
                case UInt8(ascii: "c"):
                    if has(s, at: i, "\"cveMetadata\"") { return found | 1 }
                    mark(1, i, "\"catalogVersion\"")
                case UInt8(ascii: "v"): mark(2, i, "\"vulnerabilities\"")
                case UInt8(ascii: "N"): mark(3, i, "\"NVD_CVE\"")
                case UInt8(ascii: "s"):
                    mark(4, i, "\"sourceIdentifier\"")
                    mark(5, i, "\"schema_version\"")
                case UInt8(ascii: "i"): mark(6, i, "\"id\"")
                case UInt8(ascii: "m"): mark(7, i, "\"modified\"")
                default: break
                }
            }
            i += 1
        }
        return found
    }

    /// Whether `"name"` (a quoted key, not an escaped quote inside a string) occurs in the first `limit`
    /// bytes; the search anchors on the name's first letter, rarer than the quote in JSON.
    static func containsKey(_ s: Span<UInt8>, _ name: String, in window: Range<Int>) -> Bool {
        let k = name.utf8.span
        guard let first = name.utf8.first else { return false }
        let last = min(s.count, window.upperBound) - k.count - 1
        var i = max(1, window.lowerBound)
        while i <= last {
            if s[i] == first, s[i - 1] == UInt8(ascii: "\""), s[i + k.count] == UInt8(ascii: "\""), i < 2 || s[i - 2] != UInt8(ascii: "\\") {
                var j = 1
                while j < k.count && s[i + j] == k[j] { j += 1 }
                if j == k.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether the top-level object's first key is `name` (after a byte order mark and white space).
    static func firstKeyIs(_ s: Span<UInt8>, _ name: String) -> Bool {
        var i = 0
        if s.count >= 3, s[0] == 0xEF, s[1] == 0xBB, s[2] == 0xBF { i = 3 }
        while i < s.count, s[i] == 0x20 || s[i] == 0x0A || s[i] == 0x0D || s[i] == 0x09 { i += 1 }
        guard i < s.count, s[i] == UInt8(ascii: "{") else { return false }
        i += 1
        while i < s.count, s[i] == 0x20 || s[i] == 0x0A || s[i] == 0x0D || s[i] == 0x09 { i += 1 }
        return has(s, at: i, "\"" + name + "\"")
    }

    /// The format, from which keys occur anywhere in the file (as strings: a value `"id"` counts too).
    static func detect(_ data: Data) -> Detected? { detect(data.span) }

    static func detect(_ s: Span<UInt8>) -> Detected? {
        // cvelistV5 records name their metadata within the first few hundred bytes, or (keys sorted:
        // `containers` first) within the last few hundred: no full scan for them.
        if containsKey(s, "cveMetadata", in: 0..<4096) || containsKey(s, "cveMetadata", in: max(0, s.count - 4096)..<s.count) {
            return .cve5
        }
        // CSAF documents open with their `document` object in Red Hat's files (checked at no cost to other
        // formats); any other order is found by the scan below when no other format's keys are there.
        if firstKeyIs(s, "document"), containsKey(s, "csaf_version", in: 0..<65536) { return .csaf }
        let found = keys(in: s)
        func has(_ bit: Int) -> Bool { found & (1 << bit) != 0 }
        if has(0) { return .cve5 }  // "cveMetadata"
        if has(1), has(2) { return .kev }  // "catalogVersion", "vulnerabilities"
        if has(2), has(3) { return .nvdEnvelope }  // "vulnerabilities", "NVD_CVE"
        if has(4) { return .nvdRecord }  // "sourceIdentifier"
        if has(5) || (has(6) && has(7)) { return .osv }  // "schema_version", or "id" and "modified"
        if containsKey(s, "csaf_version", in: 0..<s.count) { return .csaf }
        return nil
    }

    /// Parses one file's bytes, whatever its format.
    ///
    /// Every format is read in one pass by `JSONPull`. A syntax, UTF-8 or nesting error anywhere fails
    /// the whole file; in the NVD envelope and the KEV catalog an element with a wrong type or a missing
    /// field becomes a problem `file#vulnerabilities[i]` and the other elements are kept.
    public static func parse(_ data: Data, file: String) -> ParsedFile { parse(data.span, file: file) }

    /// `parse` of bytes read into an array (the importer's reads).
    static func parse(_ bytes: [UInt8], file: String) -> ParsedFile { parse(bytes.span, file: file) }

    /// Whether the bytes are UTF-8 (the check `String(validating:as:)` makes).
    static func isUTF8(_ s: Span<UInt8>) -> Bool { (try? UTF8Span(validating: s)) != nil }

    static func parse(_ s: Span<UInt8>, file: String) -> ParsedFile {
        var out = ParsedFile(file: file)
        guard let kind = detect(s) else {
            if !isUTF8(s) {
                out.problems.append(ImportProblem(file: file, code: .invalidUTF8, reason: "not valid UTF-8; file skipped"))
                return out
            }
            out.problems.append(
                ImportProblem(
                    file: file, code: .unknownFormat,
                    reason:
                        "not a CVE 5, OSV, NVD 2.0, KEV or CSAF 2.0 document (no cveMetadata, schema_version/id+modified, sourceIdentifier, NVD_CVE, catalogVersion or csaf_version key)"
                ))
            return out
        }
        func add(_ r: Result<Advisory, AdvisoriesError>) {
            switch r {
            case .success(let a): out.advisories.append(a)
            case .failure(let e): out.problems.append(ImportProblem(file: file, code: e.code, reason: e.message))
            }
        }
        do throws(JSONPull.Failure) {
            switch kind {
            case .cve5:
                add(try CVE5.parse(s))
            case .osv:
                add(OSV.normalise(try OSV.decode(s)))
            case .csaf:
                add(CSAF.normalise(try CSAF.decode(s)))
            case .nvdRecord:
                out.advisories.append(NVD.normalise(try NVD.decodeRecord(s)))
            case .nvdEnvelope:
                let env = try NVD.decodeEnvelope(s)
                if let v = env.version, v.split(separator: ".").first != "2" {
                    out.problems.append(
                        ImportProblem(file: file, code: .unknownSchemaVersion, reason: "NVD feed version \(v) is not 2.x; file skipped"))
                    return out
                }
                for (i, item) in env.vulnerabilities.enumerated() {
                    switch item {
                    case .success(let cve): out.advisories.append(NVD.normalise(cve))
                    case .failure(let why):
                        out.problems.append(ImportProblem(file: "\(file)#vulnerabilities[\(i)]", code: .malformed, reason: why.message))
                    }
                }
            case .kev:
                let cat = try KEV.decode(s)
                for (i, item) in cat.vulnerabilities.enumerated() {
                    switch item {
                    case .success(let k): out.kev.append(k)
                    case .failure(let why):
                        out.problems.append(ImportProblem(file: "\(file)#vulnerabilities[\(i)]", code: .malformed, reason: why.message))
                    }
                }
            }
        } catch {
            // A byte that is not UTF-8 outside a string shows up as a syntax error: the file is judged whole.
            if error.kind == .utf8 {
                out.problems.append(ImportProblem(file: file, code: .invalidUTF8, reason: error.message))
            } else if !isUTF8(s) {
                out.problems.append(ImportProblem(file: file, code: .invalidUTF8, reason: "not valid UTF-8; file skipped"))
            } else {
                out.problems.append(ImportProblem(file: file, code: .malformed, reason: error.message))
            }
        }
        return out
    }

    /// `cpe:2.3:a:qemu:qemu:6.1.0:rc1:…` → (part, vendor, product, version, update). Only the first seven
    /// fields are split out (a CPE 2.3 string has thirteen); `\:` escapes are rare in the feeds and left as-is.
    static func splitCPE(_ s: String) -> (part: String, vendor: String, product: String, version: String, update: String)? {
        let u = s.utf8
        var fields: [Substring] = []
        fields.reserveCapacity(7)
        var start = u.startIndex
        var i = u.startIndex
        while i != u.endIndex, fields.count < 7 {
            if u[i] == UInt8(ascii: ":") {
                fields.append(s[start..<i])
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if fields.count < 7 { fields.append(s[start..<u.endIndex]) }
        guard fields.count >= 7, fields[0] == "cpe", fields[1] == "2.3" else { return nil }
        return (String(fields[2]), String(fields[3]), String(fields[4]), String(fields[5]), String(fields[6]))
    }

    /// The number after the first `CWE-` (at most 6 digits).
    static func cwe(from s: String?) -> Int? {
        guard let s else { return nil }
        let u = Array(s.utf8)
        var i = 0
        while i + 4 < u.count {
            if u[i] == UInt8(ascii: "C"), u[i + 1] == UInt8(ascii: "W"), u[i + 2] == UInt8(ascii: "E"), u[i + 3] == UInt8(ascii: "-") {
                var n = 0
                var k = i + 4
                while k < u.count, k < i + 10, u[k] >= 0x30, u[k] <= 0x39 {
                    n = n * 10 + Int(u[k] - 0x30)
                    k += 1
                }
                return k > i + 4 ? n : nil
            }
            i += 1
        }
        return nil
    }

    /// At most `n` characters (counted only when the UTF-8 length says it may matter).
    static func capped(_ s: String, _ n: Int = 4000) -> String {
        guard s.utf8.count > n, s.count > n else { return s }
        return String(s.prefix(n)) + "…"
    }
}

/// `{"lang": …, "value": …}`: descriptions in CVE 5 and NVD records.
struct LangValue: Sendable {
    var lang: String?
    var value: String?

    static func decode(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> LangValue {
        var d = LangValue()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "lang") {
                d.lang = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "value") {
                d.value = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        return d
    }
}

/// A CVSS score object: CVE 5 `cvssV4_0`/`cvssV3_1`/… and NVD `cvssData`.
struct CVSSScore: Sendable {
    var baseScore: Double?
    var baseSeverity: String?
    var vectorString: String?

    static func decode(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> CVSSScore {
        var c = CVSSScore()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "baseScore") {
                c.baseScore = try r.optionalNumber(s)
            } else if JSONPull.key(s, k, is: "baseSeverity") {
                c.baseSeverity = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "vectorString") {
                c.vectorString = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        return c
    }
}
