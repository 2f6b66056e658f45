import Formats

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
    typealias Description = LangValue
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

    static func decode(_ s: Span<UInt8>) throws(Failure) -> Record {
        var r = JSONPull()
        r.skipByteOrderMark(s)
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
        guard haveID else { throw r.missing(s, "cveId") }
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
        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in out.append(try LangValue.decode(s, &r)) }
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
        return try CVSSScore.decode(s, &r)
    }

    static func normalise(_ r: Record) -> Result<Advisory, AdvisoriesError> {
        guard let v = r.dataVersion, v.hasPrefix("5.") else {
            return .failure(
                AdvisoriesError(
                    .unknownSchemaVersion,
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
                    if let cv {
                        a.severities.append(
                            Severity(score: cv.baseScore, rating: cv.baseSeverity, vector: cv.vectorString, source: "\(source) \(name)"))
                    }
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
                    .cve5(
                        version: $0.version, lessThan: $0.lessThan, lessThanOrEqual: $0.lessThanOrEqual, status: $0.status,
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
