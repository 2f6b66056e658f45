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

    enum Detected { case cve5, osv, nvdEnvelope, nvdRecord, kev }

    /// Whether `needle` occurs in the first `limit` bytes (a plain search over the span).
    static func contains(_ s: Span<UInt8>, _ needle: String, limit: Int = .max) -> Bool {
        let k = needle.utf8.span
        guard k.count > 0, let first = needle.utf8.first else { return false }
        let last = min(s.count, limit) - k.count
        var i = 0
        while i <= last {
            if s[i] == first {
                var j = 1
                while j < k.count && s[i + j] == k[j] { j += 1 }
                if j == k.count { return true }
            }
            i += 1
        }
        return false
    }

    static func contains(_ data: Data, _ needle: String) -> Bool { contains(data.span, needle) }

    /// Whether `"name"` (a quoted key, not an escaped quote inside a string) occurs in the first `limit`
    /// bytes; the search anchors on the name's first letter, rarer than the quote in JSON.
    static func containsKey(_ s: Span<UInt8>, _ name: String, limit: Int) -> Bool {
        let k = name.utf8.span
        guard let first = name.utf8.first else { return false }
        let last = min(s.count, limit) - k.count - 1
        var i = 1
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

    static func detect(_ data: Data) -> Detected? {
        // cvelistV5 records name their metadata within the first few hundred bytes.
        if containsKey(data.span, "cveMetadata", limit: 4096) { return .cve5 }
        if contains(data, "\"cveMetadata\"") { return .cve5 }
        if contains(data, "\"catalogVersion\""), contains(data, "\"vulnerabilities\"") { return .kev }
        if contains(data, "\"vulnerabilities\""), contains(data, "\"NVD_CVE\"") { return .nvdEnvelope }
        if contains(data, "\"sourceIdentifier\"") { return .nvdRecord }
        if contains(data, "\"schema_version\"") || (contains(data, "\"id\"") && contains(data, "\"modified\"")) { return .osv }
        return nil
    }

    /// Parses one file's bytes, whatever its format.
    public static func parse(_ data: Data, file: String) -> ParsedFile {
        var out = ParsedFile(file: file)
        func invalidUTF8() -> Bool { String(validating: data, as: UTF8.self) == nil }
        guard let kind = detect(data) else {
            if invalidUTF8() {
                out.problems.append(ImportProblem(file: file, code: .invalidUTF8, reason: "not valid UTF-8; file skipped"))
                return out
            }
            out.problems.append(ImportProblem(file: file, code: .unknownFormat,
                reason: "not a CVE 5, OSV, NVD 2.0 or KEV document (no cveMetadata, schema_version/id+modified, sourceIdentifier, NVD_CVE or catalogVersion key)"))
            return out
        }
        let decoder = JSONDecoder()
        do {
            switch kind {
            case .cve5:
                let r: CVE5.Record
                do { r = try CVE5.decode(data.span) } catch {
                    out.problems.append(ImportProblem(file: file, code: error.kind == .utf8 ? .invalidUTF8 : .malformed, reason: error.description))
                    return out
                }
                switch CVE5.normalise(r) {
                case .success(let a): out.advisories.append(a)
                case .failure(let e): out.problems.append(ImportProblem(file: file, code: e.code, reason: e.message))
                }
            case .osv:
                let r = try decoder.decode(OSV.Record.self, from: data)
                switch OSV.normalise(r) {
                case .success(let a): out.advisories.append(a)
                case .failure(let e): out.problems.append(ImportProblem(file: file, code: e.code, reason: e.message))
                }
            case .nvdRecord:
                let r = try decoder.decode(NVD.CVE.self, from: data)
                out.advisories.append(NVD.normalise(r))
            case .nvdEnvelope:
                let env = try decoder.decode(NVD.Envelope.self, from: data)
                if let v = env.version, v.split(separator: ".").first != "2" {
                    out.problems.append(ImportProblem(file: file, code: .unknownSchemaVersion, reason: "NVD feed version \(v) is not 2.x; file skipped"))
                    return out
                }
                for (i, item) in env.vulnerabilities.enumerated() {
                    switch item {
                    case .good(let w): out.advisories.append(NVD.normalise(w.cve))
                    case .bad(let why):
                        out.problems.append(ImportProblem(file: "\(file)#vulnerabilities[\(i)]", code: .malformed, reason: why))
                    }
                }
            case .kev:
                let cat = try decoder.decode(KEVCatalog.self, from: data)
                for (i, item) in cat.vulnerabilities.enumerated() {
                    switch item {
                    case .good(let k): out.kev.append(k)
                    case .bad(let why):
                        out.problems.append(ImportProblem(file: "\(file)#vulnerabilities[\(i)]", code: .malformed, reason: why))
                    }
                }
            }
        } catch let e as DecodingError {
            if invalidUTF8() {
                out.problems.append(ImportProblem(file: file, code: .invalidUTF8, reason: "not valid UTF-8; file skipped"))
            } else {
                out.problems.append(ImportProblem(file: file, code: .malformed, reason: describe(e)))
            }
        } catch {
            out.problems.append(ImportProblem(file: file, code: .malformed, reason: "\(error)"))
        }
        return out
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String {
            p.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
        }
        switch e {
        case .keyNotFound(let k, let c): return "missing field \(path(c.codingPath + [k]))"
        case .typeMismatch(let t, let c): return "wrong type at \(path(c.codingPath)): expected \(t)"
        case .valueNotFound(let t, let c): return "null at \(path(c.codingPath)): expected \(t)"
        case .dataCorrupted(let c): return "invalid JSON\(c.codingPath.isEmpty ? "" : " at \(path(c.codingPath))"): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
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

/// An array element that may be malformed without failing the whole array.
enum Lenient<T: Decodable & Sendable>: Decodable, Sendable {
    case good(T)
    case bad(String)
    init(from decoder: any Decoder) throws {
        do { self = .good(try T(from: decoder)) } catch let e as DecodingError {
            self = .bad(AdvisoryParser.describe(e))
        }
    }
}

// MARK: - CVE JSON 5.x

/// CVE JSON 5.x records (the cvelistV5 layout), read with `JSONPull`: only the fields Bulkhead keeps are
/// materialised; a modelled field of the wrong type fails the record with its path.
enum CVE5 {
    struct Record: Sendable {
        var dataType: String?
        var dataVersion: String?
        var cveMetadata: Meta
        var containers: Containers?
    }
    struct Meta: Sendable {
        var cveId: String
        var state: String?
        var assignerShortName: String?
        var datePublished: String?
        var dateUpdated: String?
        var dateReserved: String?
    }
    struct Containers: Sendable {
        var cna: Container?
        var adp: [Container]?
    }
    struct Container: Sendable {
        var title: String?
        var datePublic: String?
        var descriptions: [Description]?
        var affected: [Affected]?
        var problemTypes: [ProblemType]?
        var metrics: [Metric]?
        var rejectedReasons: [Description]?
    }
    struct Description: Sendable {
        var lang: String?
        var value: String?
    }
    struct Affected: Sendable {
        var vendor: String?
        var product: String?
        var packageName: String?
        var collectionURL: String?
        var cpes: [String]?
        var defaultStatus: String?
        var versions: [Version]?
    }
    struct Version: Sendable {
        var version: String
        var status: String
        var lessThan: String?
        var lessThanOrEqual: String?
        var versionType: String?
        var changes: [Change]?
    }
    struct Change: Sendable {
        var at: String
        var status: String
    }
    struct ProblemType: Sendable {
        var descriptions: [PTDescription]?
    }
    struct PTDescription: Sendable {
        var cweId: String?
        var description: String?
        var type: String?
    }
    struct Metric: Sendable {
        var cvssV4_0: CVSS?
        var cvssV3_1: CVSS?
        var cvssV3_0: CVSS?
        var cvssV2_0: CVSS?
        var other: Other?
    }
    struct CVSS: Sendable {
        var baseScore: Double?
        var baseSeverity: String?
        var vectorString: String?
    }
    struct Other: Sendable {
        var type: String?
        var content: OtherContent?
    }
    struct OtherContent: Sendable {
        var dateAdded: String?
        var value: String?
    }

    typealias Failure = JSONPull.Failure

    static func decode(_ s: Span<UInt8>) throws(Failure) -> Record {
        var r = JSONPull()
        var dataType: String?
        var dataVersion: String?
        var meta: Meta?
        var containers: Containers?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "dataType") {
                dataType = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "dataVersion") {
                dataVersion = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cveMetadata") {
                meta = try decodeMeta(s, &r)
            } else if JSONPull.key(s, k, is: "containers") {
                containers = try r.skipNull(s) ? nil : try decodeContainers(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard let meta else { throw r.missing(s, "cveMetadata") }
        return Record(dataType: dataType, dataVersion: dataVersion, cveMetadata: meta, containers: containers)
    }

    static func decodeMeta(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Meta {
        var m = Meta(cveId: "")
        var haveID = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cveId") {
                m.cveId = try r.string(s)
                haveID = true
            } else if JSONPull.key(s, k, is: "state") {
                m.state = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "assignerShortName") {
                m.assignerShortName = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "datePublished") {
                m.datePublished = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "dateUpdated") {
                m.dateUpdated = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "dateReserved") {
                m.dateReserved = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard haveID else { throw r.missing(s, "cveMetadata.cveId") }
        return m
    }

    static func decodeContainers(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Containers {
        var c = Containers()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cna") {
                c.cna = try r.skipNull(s) ? nil : try decodeContainer(s, &r)
            } else if JSONPull.key(s, k, is: "adp") {
                var list: [Container] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeContainer(s, &r)) }
                c.adp = list
            } else {
                try r.skipValue(s)
            }
        }
        return c
    }

    static func decodeDescriptions(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> [Description] {
        var out: [Description] = []
        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
            var d = Description()
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
            out.append(d)
        }
        return out
    }

    static func decodeContainer(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Container {
        var c = Container()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "affected") {
                var list: [Affected] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeAffected(s, &r)) }
                c.affected = list
            } else if JSONPull.key(s, k, is: "descriptions") {
                c.descriptions = try decodeDescriptions(s, &r)
            } else if JSONPull.key(s, k, is: "problemTypes") {
                var list: [ProblemType] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeProblemType(s, &r)) }
                c.problemTypes = list
            } else if JSONPull.key(s, k, is: "metrics") {
                var list: [Metric] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeMetric(s, &r)) }
                c.metrics = list
            } else if JSONPull.key(s, k, is: "title") {
                c.title = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "datePublic") {
                c.datePublic = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "rejectedReasons") {
                c.rejectedReasons = try decodeDescriptions(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        return c
    }

    static func decodeAffected(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Affected {
        var a = Affected()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "vendor") {
                a.vendor = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "product") {
                a.product = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versions") {
                var list: [Version] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeVersion(s, &r)) }
                a.versions = list
            } else if JSONPull.key(s, k, is: "defaultStatus") {
                a.defaultStatus = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "packageName") {
                a.packageName = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "collectionURL") {
                a.collectionURL = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cpes") {
                a.cpes = try r.optionalStrings(s)
            } else {
                try r.skipValue(s)
            }
        }
        return a
    }

    static func decodeVersion(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Version {
        var version: String?
        var status: String?
        var v = Version(version: "", status: "")
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "version") {
                version = try r.string(s)
            } else if JSONPull.key(s, k, is: "status") {
                status = try r.string(s)
            } else if JSONPull.key(s, k, is: "lessThan") {
                v.lessThan = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "lessThanOrEqual") {
                v.lessThanOrEqual = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versionType") {
                v.versionType = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "changes") {
                var list: [Change] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                    var at: String?
                    var st: String?
                    var o = try r.beginObject(s)
                    while let k = try r.nextKey(s, &o) {
                        if JSONPull.key(s, k, is: "at") {
                            at = try r.string(s)
                        } else if JSONPull.key(s, k, is: "status") {
                            st = try r.string(s)
                        } else {
                            try r.skipValue(s)
                        }
                    }
                    guard let at else { throw r.missing(s, "at") }
                    guard let st else { throw r.missing(s, "status") }
                    list.append(Change(at: at, status: st))
                }
                v.changes = list
            } else {
                try r.skipValue(s)
            }
        }
        guard let version else { throw r.missing(s, "version") }
        guard let status else { throw r.missing(s, "status") }
        v.version = version
        v.status = status
        return v
    }

    static func decodeProblemType(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> ProblemType {
        var p = ProblemType()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            guard JSONPull.key(s, k, is: "descriptions") else {
                try r.skipValue(s)
                continue
            }
            var list: [PTDescription] = []
            try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                var d = PTDescription()
                var o = try r.beginObject(s)
                while let k = try r.nextKey(s, &o) {
                    if JSONPull.key(s, k, is: "cweId") {
                        d.cweId = try r.optionalString(s)
                    } else if JSONPull.key(s, k, is: "description") {
                        d.description = try r.optionalString(s)
                    } else if JSONPull.key(s, k, is: "type") {
                        d.type = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
                list.append(d)
            }
            p.descriptions = list
        }
        return p
    }

    static func decodeMetric(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Metric {
        var m = Metric()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cvssV3_1") {
                m.cvssV3_1 = try decodeCVSS(s, &r)
            } else if JSONPull.key(s, k, is: "cvssV4_0") {
                m.cvssV4_0 = try decodeCVSS(s, &r)
            } else if JSONPull.key(s, k, is: "cvssV3_0") {
                m.cvssV3_0 = try decodeCVSS(s, &r)
            } else if JSONPull.key(s, k, is: "cvssV2_0") {
                m.cvssV2_0 = try decodeCVSS(s, &r)
            } else if JSONPull.key(s, k, is: "other") {
                if try r.skipNull(s) { continue }
                var other = Other()
                var o = try r.beginObject(s)
                while let k = try r.nextKey(s, &o) {
                    if JSONPull.key(s, k, is: "type") {
                        other.type = try r.optionalString(s)
                    } else if JSONPull.key(s, k, is: "content"), try r.peek(s) == .object {
                        // `content` is free-form: keep the two fields Bulkhead uses when they are strings.
                        var content = OtherContent()
                        var o = try r.beginObject(s)
                        while let k = try r.nextKey(s, &o) {
                            let field = JSONPull.key(s, k, is: "dateAdded") ? 1 : JSONPull.key(s, k, is: "value") ? 2 : 0
                            if field != 0, try r.peek(s) == .string {
                                let v = try r.string(s)
                                if field == 1 { content.dateAdded = v } else { content.value = v }
                            } else {
                                try r.skipValue(s)
                            }
                        }
                        other.content = content
                    } else {
                        try r.skipValue(s)
                    }
                }
                m.other = other
            } else {
                try r.skipValue(s)
            }
        }
        return m
    }

    static func decodeCVSS(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CVSS? {
        if try r.skipNull(s) { return nil }
        var c = CVSS()
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

    static func normalise(_ r: Record) -> Result<Advisory, AdvisoriesError> {
        guard let v = r.dataVersion, v.hasPrefix("5.") else {
            return .failure(AdvisoriesError(.unknownSchemaVersion,
                "\(r.cveMetadata.cveId): dataVersion \(r.dataVersion ?? "missing") is not 5.x; record skipped"))
        }
        let id = r.cveMetadata.cveId
        guard id.hasPrefix("CVE-"), id.count <= 32 else {
            return .failure(AdvisoriesError(.malformed, "cveMetadata.cveId \"\(id.prefix(40))\" is not a CVE id"))
        }
        var a = Advisory(id: id, format: .cve5)
        a.assigner = r.cveMetadata.assignerShortName
        a.published = r.cveMetadata.datePublished ?? r.containers?.cna?.datePublic
        a.modified = r.cveMetadata.dateUpdated
        if r.cveMetadata.state?.uppercased() == "REJECTED" { a.withdrawn = "REJECTED" }
        let cna = r.containers?.cna
        let english = cna?.descriptions?.first { ($0.lang ?? "").lowercased().hasPrefix("en") } ?? cna?.descriptions?.first
        a.summary = AdvisoryParser.capped(english?.value ?? cna?.rejectedReasons?.first?.value ?? "")
        var containers: [(String, Container)] = []
        if let cna { containers.append(("cna", cna)) }
        for adp in r.containers?.adp ?? [] { containers.append(("adp:\(adp.title ?? "?")", adp)) }
        for (source, c) in containers {
            for pt in c.problemTypes ?? [] {
                for d in pt.descriptions ?? [] {
                    if let n = AdvisoryParser.cwe(from: d.cweId) ?? AdvisoryParser.cwe(from: d.description),
                        !a.cwes.contains(CWERef(id: n, source: source))
                    {
                        a.cwes.append(CWERef(id: n, source: source))
                    }
                }
            }
            for m in c.metrics ?? [] {
                for (name, cv) in [("cvssV4_0", m.cvssV4_0), ("cvssV3_1", m.cvssV3_1), ("cvssV3_0", m.cvssV3_0), ("cvssV2_0", m.cvssV2_0)] {
                    if let cv { a.severities.append(Severity(score: cv.baseScore, rating: cv.baseSeverity, vector: cv.vectorString, source: "\(source) \(name)")) }
                }
                if let o = m.other {
                    if o.type?.lowercased() == "kev", let d = o.content?.dateAdded { a.kevDateAdded = d }
                    if let t = o.type, t.lowercased().contains("severity"), let v = o.content?.value {
                        a.severities.append(Severity(score: nil, rating: v, vector: nil, source: "\(source) \(t)"))
                    }
                }
            }
            for af in c.affected ?? [] {
                var e = AffectedEntry(vendor: af.vendor, product: af.product, packageName: af.packageName, defaultStatus: af.defaultStatus)
                if let cpe = af.cpes?.lazy.compactMap({ AdvisoryParser.splitCPE($0) }).first {
                    e.cpePart = cpe.part
                    e.cpeVendor = cpe.vendor
                    e.cpeProduct = cpe.product
                }
                e.ranges = (af.versions ?? []).map {
                    .cve5(version: $0.version, lessThan: $0.lessThan, lessThanOrEqual: $0.lessThanOrEqual, status: $0.status,
                        versionType: $0.versionType, changes: ($0.changes ?? []).map { StatusChange(at: $0.at, status: $0.status) })
                }
                a.affected.append(e)
            }
        }
        // Severity order: CNA v4/v3.x before ADP, before v2 and vendor words (a stable sort on a rank
        // computed once per statement).
        if a.severities.count > 1 {
            a.severities = a.severities.enumerated().map { (rank($0.element), $0.offset, $0.element) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        return .success(a)
    }

    static func rank(_ s: Severity) -> Int {
        var r = s.source.hasPrefix("cna") ? 0 : 10
        if s.score == nil { r += 5 } else if s.source.hasSuffix("cvssV2_0") { r += 3 }
        return r
    }
}

// MARK: - OSV

enum OSV {
    struct Record: Decodable, Sendable {
        var schema_version: String?
        var id: String
        var modified: String?
        var published: String?
        var withdrawn: String?
        var aliases: [String]?
        var summary: String?
        var details: String?
        var severity: [SeverityItem]?
        var affected: [Affected]?
        var database_specific: DatabaseSpecific?
    }
    struct SeverityItem: Decodable, Sendable {
        var type: String
        var score: String
    }
    struct Affected: Decodable, Sendable {
        var package: Package?
        var ranges: [Range]?
        var versions: [String]?
        var database_specific: DatabaseSpecific?
    }
    struct Package: Decodable, Sendable {
        var ecosystem: String
        var name: String
        var purl: String?
    }
    struct Range: Decodable, Sendable {
        var type: String
        var events: [Event]
    }
    struct Event: Decodable, Sendable {
        var introduced: String?
        var fixed: String?
        var last_affected: String?
        var limit: String?
    }
    struct DatabaseSpecific: Decodable, Sendable {
        var severity: String?
        var cwe_ids: [String]?
        var categories: [String]?
        var informational: String?
        enum CodingKeys: CodingKey { case severity, cwe_ids, categories, informational }
        init(from decoder: any Decoder) throws {
            // Free-form object: keep the fields Bulkhead uses when they have the expected type.
            let c = try? decoder.container(keyedBy: CodingKeys.self)
            severity = try? c?.decodeIfPresent(String.self, forKey: .severity)
            cwe_ids = try? c?.decodeIfPresent([String].self, forKey: .cwe_ids)
            categories = try? c?.decodeIfPresent([String].self, forKey: .categories)
            informational = try? c?.decodeIfPresent(String.self, forKey: .informational)
        }
    }

    static func normalise(_ r: Record) -> Result<Advisory, AdvisoriesError> {
        if let v = r.schema_version, !v.hasPrefix("1.") {
            return .failure(AdvisoriesError(.unknownSchemaVersion, "\(r.id): OSV schema_version \(v) is not 1.x; record skipped"))
        }
        guard !r.id.isEmpty, r.id.count <= 64 else { return .failure(AdvisoriesError(.malformed, "OSV id is empty or too long")) }
        var a = Advisory(id: r.id, format: .osv)
        a.aliases = (r.aliases ?? []).filter { !$0.isEmpty && $0.count <= 64 }
        a.published = r.published
        a.modified = r.modified
        a.withdrawn = r.withdrawn
        let text = [r.summary, r.details].compactMap { $0 }.joined(separator: "\n\n")
        a.summary = AdvisoryParser.capped(text)
        for cw in r.database_specific?.cwe_ids ?? [] {
            if let n = AdvisoryParser.cwe(from: cw) { a.cwes.append(CWERef(id: n, source: "osv database_specific")) }
        }
        for s in r.severity ?? [] {
            a.severities.append(Severity(score: nil, rating: nil, vector: s.score, source: "osv \(s.type)"))
        }
        if let sev = r.database_specific?.severity {
            // GHSA's words: LOW / MODERATE / HIGH / CRITICAL.
            a.severities.append(Severity(score: nil, rating: sev == "MODERATE" ? "MEDIUM" : sev, vector: nil, source: "ghsa database_specific"))
        }
        for c in (r.database_specific?.categories ?? []) where !a.categories.contains(c) { a.categories.append(c) }
        if let i = r.database_specific?.informational { a.categories.append(i) }
        for af in r.affected ?? [] {
            var e = AffectedEntry(packageName: af.package?.name, ecosystem: af.package?.ecosystem)
            e.versions = af.versions ?? []
            e.ranges = (af.ranges ?? []).map { rg in
                .osv(type: rg.type, events: rg.events.flatMap { ev -> [OSVEvent] in
                    var out: [OSVEvent] = []
                    if let v = ev.introduced { out.append(OSVEvent(.introduced, v)) }
                    if let v = ev.fixed { out.append(OSVEvent(.fixed, v)) }
                    if let v = ev.last_affected { out.append(OSVEvent(.lastAffected, v)) }
                    if let v = ev.limit { out.append(OSVEvent(.limit, v)) }
                    return out
                })
            }
            for c in af.database_specific?.categories ?? [] where !a.categories.contains(c) { a.categories.append(c) }
            if let i = af.database_specific?.informational, !a.categories.contains(i) { a.categories.append(i) }
            a.affected.append(e)
        }
        return .success(a)
    }
}

// MARK: - NVD API 2.0

enum NVD {
    struct Envelope: Decodable, Sendable {
        var format: String?
        var version: String?
        var vulnerabilities: [Lenient<Wrapper>]
    }
    struct Wrapper: Decodable, Sendable {
        var cve: CVE
    }
    struct CVE: Decodable, Sendable {
        var id: String
        var sourceIdentifier: String?
        var published: String?
        var lastModified: String?
        var vulnStatus: String?
        var descriptions: [Description]?
        var metrics: Metrics?
        var weaknesses: [Weakness]?
        var configurations: [Configuration]?
    }
    struct Description: Decodable, Sendable {
        var lang: String?
        var value: String?
    }
    struct Metrics: Decodable, Sendable {
        var cvssMetricV40: [Metric]?
        var cvssMetricV31: [Metric]?
        var cvssMetricV30: [Metric]?
        var cvssMetricV2: [Metric]?
    }
    struct Metric: Decodable, Sendable {
        var source: String?
        var type: String?
        var cvssData: CVSSData
        var baseSeverity: String?
    }
    struct CVSSData: Decodable, Sendable {
        var baseScore: Double?
        var baseSeverity: String?
        var vectorString: String?
    }
    struct Weakness: Decodable, Sendable {
        var source: String?
        var type: String?
        var description: [Description]?
    }
    struct Configuration: Decodable, Sendable {
        var operator_: String?
        var negate: Bool?
        var nodes: [Node]?
        enum CodingKeys: String, CodingKey {
            case operator_ = "operator"
            case negate, nodes
        }
    }
    struct Node: Decodable, Sendable {
        var operator_: String?
        var negate: Bool?
        var cpeMatch: [CPEMatch]?
        enum CodingKeys: String, CodingKey {
            case operator_ = "operator"
            case negate, cpeMatch
        }
    }
    struct CPEMatch: Decodable, Sendable {
        var vulnerable: Bool
        var criteria: String
        var versionStartIncluding: String?
        var versionStartExcluding: String?
        var versionEndIncluding: String?
        var versionEndExcluding: String?
    }

    static func normalise(_ c: CVE) -> Advisory {
        var a = Advisory(id: c.id, format: .nvd)
        a.published = c.published
        a.modified = c.lastModified
        a.assigner = c.sourceIdentifier
        if c.vulnStatus?.lowercased() == "rejected" { a.withdrawn = "REJECTED" }
        let en = c.descriptions?.first { ($0.lang ?? "").hasPrefix("en") } ?? c.descriptions?.first
        a.summary = AdvisoryParser.capped(en?.value ?? "")
        let weak = (c.weaknesses ?? []).sorted { ($0.type == "Primary" ? 0 : 1) < ($1.type == "Primary" ? 0 : 1) }
        for w in weak {
            for d in w.description ?? [] {
                if let n = AdvisoryParser.cwe(from: d.value) {
                    let src = "nvd:\(w.type ?? "?"):\(w.source ?? "?")"
                    if !a.cwes.contains(where: { $0.id == n }) { a.cwes.append(CWERef(id: n, source: src)) }
                }
            }
        }
        let m = c.metrics
        for (name, list) in [("V40", m?.cvssMetricV40), ("V31", m?.cvssMetricV31), ("V30", m?.cvssMetricV30), ("V2", m?.cvssMetricV2)] {
            for x in (list ?? []).sorted(by: { ($0.type == "Primary" ? 0 : 1) < ($1.type == "Primary" ? 0 : 1) }) {
                a.severities.append(Severity(score: x.cvssData.baseScore, rating: x.cvssData.baseSeverity ?? x.baseSeverity,
                    vector: x.cvssData.vectorString, source: "nvd cvss\(name) \(x.type ?? "?") \(x.source ?? "?")"))
            }
        }
        for conf in c.configurations ?? [] {
            let nodes = conf.nodes ?? []
            // An AND configuration (e.g. application ∧ OS platform) has a condition Bulkhead does not evaluate.
            let platform = (conf.operator_ ?? "OR").uppercased() == "AND" || nodes.contains { $0.negate == true }
            for node in nodes {
                for cm in node.cpeMatch ?? [] {
                    guard let cpe = AdvisoryParser.splitCPE(cm.criteria) else { continue }
                    var e = AffectedEntry(cpePart: cpe.part, cpeVendor: cpe.vendor, cpeProduct: cpe.product)
                    e.ranges = [.cpe(version: cpe.version, update: cpe.update, startIncluding: cm.versionStartIncluding,
                        startExcluding: cm.versionStartExcluding, endIncluding: cm.versionEndIncluding,
                        endExcluding: cm.versionEndExcluding, vulnerable: cm.vulnerable, platformCondition: platform)]
                    a.affected.append(e)
                }
            }
        }
        return a
    }
}

// MARK: - KEV

struct KEVCatalog: Decodable, Sendable {
    var catalogVersion: String?
    var vulnerabilities: [Lenient<KEVEntry>]
}
