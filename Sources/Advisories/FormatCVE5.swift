import Formats

// MARK: - CVE JSON 5.x

/// CVE JSON 5.x records (the cvelistV5 layout), read with `JSONPull`: only the fields Bulkhead keeps are
/// materialised; a modelled field of the wrong type fails the record with its path.
enum CVE5 {
    /// What one container (`cna` or an `adp` entry) yields, read straight into the advisory's shapes; its
    /// statements are labelled with their source (which needs the container's `title`, written anywhere
    /// in it) when the record is put together.
    struct Part: Sendable {
        var title: String?
        var datePublic: String?
        var descriptions: [Description]?
        var rejectedReasons: [Description]?
        /// The CWE of each problem type description, in order (`cweId`, else the number in `description`).
        var cwes: [Int] = []
        var metrics: [Metric] = []
        var affected: [AffectedEntry] = []
    }
    struct Meta: Sendable {
        var cveId: String
        var state: String?
        var assignerShortName: String?
        var datePublished: String?
        var dateUpdated: String?
    }
    typealias Description = LangValue
    struct Metric: Sendable {
        var cvssV4_0: CVSS?
        var cvssV3_1: CVSS?
        var cvssV3_0: CVSS?
        var cvssV2_0: CVSS?
        var other: Other?
    }
    typealias CVSS = CVSSScore
    struct Other: Sendable {
        var type: String?
        var content: OtherContent?
    }
    struct OtherContent: Sendable {
        var dateAdded: String?
        var value: String?
    }

    typealias Failure = JSONPull.Failure

    /// Reads a record and normalises it: a syntax or type error anywhere fails the file (thrown); a record
    /// that reads but is not a CVE 5.x record with a CVE id is a failure result.
    static func parse(_ s: Span<UInt8>) throws(Failure) -> Result<Advisory, AdvisoriesError> {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        var dataVersion: String?
        var meta: Meta?
        var cna: Part?
        var adp: [Part]?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "dataType") {
                _ = try r.optionalRawString(s)
            } else if JSONPull.key(s, k, is: "dataVersion") {
                dataVersion = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cveMetadata") {
                meta = try decodeMeta(s, &r)
            } else if JSONPull.key(s, k, is: "containers") {
                if try r.skipNull(s) {
                    cna = nil
                    adp = nil
                } else {
                    (cna, adp) = try decodeContainers(s, &r)
                }
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard let meta else { throw r.missing(s, "cveMetadata") }
        return normalise(dataVersion: dataVersion, meta: meta, cna: cna, adp: adp)
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
                _ = try r.optionalRawString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard haveID else { throw r.missing(s, "cveId") }
        return m
    }

    static func decodeContainers(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> (cna: Part?, adp: [Part]?) {
        var cna: Part?
        var adp: [Part]?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cna") {
                cna = try r.skipNull(s) ? nil : try decodeContainer(s, &r, cna: true)
            } else if JSONPull.key(s, k, is: "adp") {
                var list: [Part] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeContainer(s, &r, cna: false)) }
                adp = list
            } else {
                try r.skipValue(s)
            }
        }
        return (cna, adp)
    }

    static func decodeDescriptions(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> [Description] {
        var out: [Description] = []
        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in out.append(try LangValue.decode(s, &r)) }
        return out
    }

    /// A container; `cna`: the CNA's, whose publication date the advisory takes (an ADP container's is read
    /// for its type only, as is the CNA's title, which only ADP containers' statements are labelled with).
    static func decodeContainer(_ s: Span<UInt8>, _ r: inout JSONPull, cna: Bool) throws(Failure) -> Part {
        var c = Part()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "affected") {
                var list: [AffectedEntry] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeAffected(s, &r)) }
                c.affected = list
            } else if JSONPull.key(s, k, is: "descriptions") {
                c.descriptions = try decodeDescriptions(s, &r)
            } else if JSONPull.key(s, k, is: "problemTypes") {
                var list: [Int] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in try decodeProblemType(s, &r, into: &list) }
                c.cwes = list
            } else if JSONPull.key(s, k, is: "metrics") {
                var list: [Metric] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeMetric(s, &r)) }
                c.metrics = list
            } else if JSONPull.key(s, k, is: "title") {
                if cna { _ = try r.optionalRawString(s) } else { c.title = try r.optionalString(s) }
            } else if JSONPull.key(s, k, is: "datePublic") {
                if cna { c.datePublic = try r.optionalString(s) } else { _ = try r.optionalRawString(s) }
            } else if JSONPull.key(s, k, is: "rejectedReasons") {
                c.rejectedReasons = try decodeDescriptions(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        return c
    }

    /// An `affected` entry as the advisory keeps it (`collectionURL` read for its type only; the CPE parts
    /// from the first `cpes` entry that splits).
    static func decodeAffected(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> AffectedEntry {
        var e = AffectedEntry()
        var cpes: [String]?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "vendor") {
                e.vendor = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "product") {
                e.product = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versions") {
                var list: [VersionRange] = []
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in list.append(try decodeVersion(s, &r)) }
                e.ranges = list
            } else if JSONPull.key(s, k, is: "defaultStatus") {
                e.defaultStatus = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "packageName") {
                e.packageName = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "collectionURL") {
                _ = try r.optionalRawString(s)
            } else if JSONPull.key(s, k, is: "cpes") {
                cpes = try r.optionalStrings(s)
            } else {
                try r.skipValue(s)
            }
        }
        if let cpe = cpes?.lazy.compactMap({ AdvisoryParser.splitCPE($0) }).first {
            e.cpePart = cpe.part
            e.cpeVendor = cpe.vendor
            e.cpeProduct = cpe.product
        }
        return e
    }

    static func decodeVersion(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> VersionRange {
        var version: String?
        var status: String?
        var lessThan: String?
        var lessThanOrEqual: String?
        var versionType: String?
        var changes: [StatusChange] = []
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "version") {
                version = try r.string(s)
            } else if JSONPull.key(s, k, is: "status") {
                status = try r.string(s)
            } else if JSONPull.key(s, k, is: "lessThan") {
                lessThan = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "lessThanOrEqual") {
                lessThanOrEqual = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versionType") {
                versionType = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "changes") {
                var list: [StatusChange] = []
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
                    list.append(StatusChange(at: at, status: st))
                }
                changes = list
            } else {
                try r.skipValue(s)
            }
        }
        guard let version else { throw r.missing(s, "version") }
        guard let status else { throw r.missing(s, "status") }
        return .cve5(
            version: version, lessThan: lessThan, lessThanOrEqual: lessThanOrEqual, status: status, versionType: versionType, changes: changes)
    }

    /// A `problemTypes` entry: the CWE of each of its descriptions, appended to `cwes`.
    static func decodeProblemType(_ s: Span<UInt8>, _ r: inout JSONPull, into cwes: inout [Int]) throws(Failure) {
        // The entry's last `descriptions` list counts (a key given twice: the later value).
        var found: [Int] = []
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            guard JSONPull.key(s, k, is: "descriptions") else {
                try r.skipValue(s)
                continue
            }
            var list: [Int] = []
            try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                var cweId: String?
                // The description is made text only when the cweId gives no CWE.
                var description: (range: Range<Int>, escaped: Bool)?
                var o = try r.beginObject(s)
                while let k = try r.nextKey(s, &o) {
                    if JSONPull.key(s, k, is: "cweId") {
                        cweId = try r.optionalString(s)
                    } else if JSONPull.key(s, k, is: "description") {
                        description = try r.optionalRawString(s)
                    } else if JSONPull.key(s, k, is: "type") {
                        _ = try r.optionalRawString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
                if let n = AdvisoryParser.cwe(from: cweId) {
                    list.append(n)
                } else if let d = description, let n = AdvisoryParser.cwe(from: try r.decoded(s, d.range, escaped: d.escaped)) {
                    list.append(n)
                }
            }
            found = list
        }
        cwes += found
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
        return try CVSSScore.decode(s, &r)
    }

    static func normalise(dataVersion: String?, meta: Meta, cna: Part?, adp: [Part]?) -> Result<Advisory, AdvisoriesError> {
        guard let v = dataVersion, v.hasPrefix("5.") else {
            return .failure(
                AdvisoriesError(
                    .unknownSchemaVersion, "\(meta.cveId): dataVersion \(dataVersion ?? "missing") is not 5.x; record skipped"))
        }
        let id = meta.cveId
        // At most 32 characters: at most 32 UTF-8 bytes says so without counting characters.
        guard id.hasPrefix("CVE-"), id.utf8.count <= 32 || id.count <= 32 else {
            return .failure(AdvisoriesError(.malformed, "cveMetadata.cveId \"\(id.prefix(40))\" is not a CVE id"))
        }
        var a = Advisory(id: id, format: .cve5)
        a.assigner = meta.assignerShortName
        a.published = meta.datePublished ?? cna?.datePublic
        a.modified = meta.dateUpdated
        if let state = meta.state, ASCIICase.uppercased(state, is: "REJECTED") { a.withdrawn = "REJECTED" }
        let english = cna?.descriptions?.first { ASCIICase.lowercased($0.lang ?? "", hasPrefix: "en") } ?? cna?.descriptions?.first
        a.summary = AdvisoryParser.capped(english?.value ?? cna?.rejectedReasons?.first?.value ?? "")
        func addContainer(_ source: String, _ c: Part) {
            for n in c.cwes where !a.cwes.contains(CWERef(id: n, source: source)) {
                a.cwes.append(CWERef(id: n, source: source))
            }
            for m in c.metrics {
                // v4.0, v3.1, v3.0, v2.0 (no array of pairs built per metric).
                func add(_ name: String, _ cv: CVSS?) {
                    guard let cv else { return }
                    a.severities.append(Severity(score: cv.baseScore, rating: cv.baseSeverity, vector: cv.vectorString, source: source + " " + name))
                }
                add("cvssV4_0", m.cvssV4_0)
                add("cvssV3_1", m.cvssV3_1)
                add("cvssV3_0", m.cvssV3_0)
                add("cvssV2_0", m.cvssV2_0)
                if let o = m.other {
                    if let t = o.type, ASCIICase.lowercased(t, is: "kev"), let d = o.content?.dateAdded { a.kevDateAdded = d }
                    if let t = o.type, ASCIICase.lowercased(t, contains: "severity"), let v = o.content?.value {
                        a.severities.append(Severity(score: nil, rating: v, vector: nil, source: "\(source) \(t)"))
                    }
                }
            }
            if a.affected.isEmpty { a.affected = c.affected } else { a.affected += c.affected }
        }
        if let cna { addContainer("cna", cna) }
        for p in adp ?? [] { addContainer("adp:\(p.title ?? "?")", p) }
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
