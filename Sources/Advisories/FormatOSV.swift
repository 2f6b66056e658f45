import Formats

// MARK: - OSV

/// OSV 1.x records (GitHub, Go, RustSec exports), read with `JSONPull`. The models mirror the OSV schema:
/// `id`, a package's `ecosystem`/`name`, a range's `type`/`events` and a severity's `type`/`score` are
/// required; every other modelled field may be absent or null, and of the wrong type fails the record.
/// `database_specific` is free-form: only its string / array-of-string fields of the expected type are
/// kept, anything else is ignored.
enum OSV {
    struct Record: Sendable {
        var schema_version: String?
        var id: String
        var modified: String?
        var published: String?
        var withdrawn: String?
        var aliases: [String]?
        /// OSV 1.6 `upstream`: the ids a distribution record derives from (`DEBIAN-CVE-…`, `UBUNTU-CVE-…`).
        var upstream: [String]?
        var summary: String?
        var details: String?
        var severity: [SeverityItem]?
        var affected: [Affected]?
        var database_specific: DatabaseSpecific?
    }
    struct SeverityItem: Sendable {
        var type: String
        var score: String
    }
    struct Affected: Sendable {
        var package: Package?
        var ranges: [Range]?
        var versions: [String]?
        var database_specific: DatabaseSpecific?
    }
    struct Package: Sendable {
        var ecosystem: String
        var name: String
        var purl: String?
    }
    struct Range: Sendable {
        var type: String
        var events: [Event]
    }
    struct Event: Sendable {
        var introduced: String?
        var fixed: String?
        var last_affected: String?
        var limit: String?
    }
    struct DatabaseSpecific: Sendable {
        var severity: String?
        var cwe_ids: [String]?
        var categories: [String]?
        var informational: String?
    }

    typealias Failure = JSONPull.Failure

    static func decode(_ s: Span<UInt8>) throws(Failure) -> Record {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        var rec = Record(id: "")
        var haveID = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "id") {
                rec.id = try r.string(s)
                haveID = true
            } else if JSONPull.key(s, k, is: "schema_version") {
                rec.schema_version = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "modified") {
                rec.modified = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "published") {
                rec.published = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "withdrawn") {
                rec.withdrawn = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "aliases") {
                rec.aliases = try r.optionalStrings(s)
            } else if JSONPull.key(s, k, is: "upstream") {
                rec.upstream = try r.optionalStrings(s)
            } else if JSONPull.key(s, k, is: "summary") {
                rec.summary = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "details") {
                rec.details = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "severity") {
                rec.severity = try r.skipNull(s) ? nil : try decodeSeverities(s, &r)
            } else if JSONPull.key(s, k, is: "affected") {
                if try r.skipNull(s) {
                    rec.affected = nil
                } else {
                    var list: [Affected] = []
                    try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeAffected(s, &r)) }
                    rec.affected = list
                }
            } else if JSONPull.key(s, k, is: "database_specific") {
                rec.database_specific = try decodeDatabaseSpecific(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard haveID else { throw r.missing(s, "id") }
        return rec
    }

    static func decodeSeverities(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> [SeverityItem] {
        var list: [SeverityItem] = []
        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
            var type: String?
            var score: String?
            var o = try r.beginObject(s)
            while let k = try r.nextKey(s, &o) {
                if JSONPull.key(s, k, is: "type") {
                    type = try r.string(s)
                } else if JSONPull.key(s, k, is: "score") {
                    score = try r.string(s)
                } else {
                    try r.skipValue(s)
                }
            }
            guard let type else { throw r.missing(s, "type") }
            guard let score else { throw r.missing(s, "score") }
            list.append(SeverityItem(type: type, score: score))
        }
        return list
    }

    static func decodeAffected(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Affected {
        var a = Affected()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "package") {
                a.package = try r.skipNull(s) ? nil : try decodePackage(s, &r)
            } else if JSONPull.key(s, k, is: "ranges") {
                if try r.skipNull(s) {
                    a.ranges = nil
                } else {
                    var list: [Range] = []
                    try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeRange(s, &r)) }
                    a.ranges = list
                }
            } else if JSONPull.key(s, k, is: "versions") {
                a.versions = try r.optionalStrings(s)
            } else if JSONPull.key(s, k, is: "database_specific") {
                a.database_specific = try decodeDatabaseSpecific(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        return a
    }

    static func decodePackage(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Package {
        var ecosystem: String?
        var name: String?
        var purl: String?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "ecosystem") {
                ecosystem = try r.string(s)
            } else if JSONPull.key(s, k, is: "name") {
                name = try r.string(s)
            } else if JSONPull.key(s, k, is: "purl") {
                purl = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard let ecosystem else { throw r.missing(s, "ecosystem") }
        guard let name else { throw r.missing(s, "name") }
        return Package(ecosystem: ecosystem, name: name, purl: purl)
    }

    static func decodeRange(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Range {
        var type: String?
        var events: [Event]?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "type") {
                type = try r.string(s)
            } else if JSONPull.key(s, k, is: "events") {
                // Required: null is a wrong type, not an empty list.
                var list: [Event] = []
                var c = try r.beginArray(s)
                while try r.nextElement(s, &c) { list.append(try decodeEvent(s, &r)) }
                events = list
            } else {
                try r.skipValue(s)
            }
        }
        guard let type else { throw r.missing(s, "type") }
        guard let events else { throw r.missing(s, "events") }
        return Range(type: type, events: events)
    }

    static func decodeEvent(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Event {
        var e = Event()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "introduced") {
                e.introduced = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "fixed") {
                e.fixed = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "last_affected") {
                e.last_affected = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "limit") {
                e.limit = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        return e
    }

    /// Free-form: any value is accepted; of an object, the four fields Bulkhead uses are kept when
    /// they have the expected type (a string; an array of only strings), otherwise they are nil.
    static func decodeDatabaseSpecific(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> DatabaseSpecific? {
        switch try r.peek(s) {
        case .null:
            try r.skipValue(s)
            return nil
        case .object:
            break
        default:
            try r.skipValue(s)
            return DatabaseSpecific()
        }
        var d = DatabaseSpecific()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "severity") {
                d.severity = try lenientString(s, &r)
            } else if JSONPull.key(s, k, is: "cwe_ids") {
                d.cwe_ids = try lenientStrings(s, &r)
            } else if JSONPull.key(s, k, is: "categories") {
                d.categories = try lenientStrings(s, &r)
            } else if JSONPull.key(s, k, is: "informational") {
                d.informational = try lenientString(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        return d
    }

    /// A string, or nil for any other value (skipped).
    static func lenientString(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> String? {
        guard try r.peek(s) == .string else {
            try r.skipValue(s)
            return nil
        }
        return try r.string(s)
    }

    /// An array of only strings, or nil for any other value (skipped whole).
    static func lenientStrings(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> [String]? {
        guard try r.peek(s) == .array else {
            try r.skipValue(s)
            return nil
        }
        var out: [String]? = []
        var c = try r.beginArray(s)
        while try r.nextElement(s, &c) {
            if out != nil, try r.peek(s) == .string {
                out?.append(try r.string(s))
            } else {
                out = nil
                try r.skipValue(s)
            }
        }
        return out
    }

    static func normalise(_ r: Record) -> Result<Advisory, AdvisoriesError> {
        if let v = r.schema_version, !v.hasPrefix("1.") {
            return .failure(AdvisoriesError(.unknownSchemaVersion, "\(r.id): OSV schema_version \(v) is not 1.x; record skipped"))
        }
        guard !r.id.isEmpty, r.id.count <= 64 else { return .failure(AdvisoriesError(.malformed, "OSV id is empty or too long")) }
        var a = Advisory(id: r.id, format: .osv)
        a.aliases = (r.aliases ?? []).filter { !$0.isEmpty && $0.count <= 64 }
        // A distribution record's upstream CVE ids name the CVE it speaks for (`DSA-5514-1` → CVE-2023-4911).
        for u in r.upstream ?? [] where u.hasPrefix("CVE-") && u.count <= 64 && u != r.id && !a.aliases.contains(u) { a.aliases.append(u) }
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
                .osv(
                    type: rg.type,
                    events: rg.events.flatMap { ev -> [OSVEvent] in
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
