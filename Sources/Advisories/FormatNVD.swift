import Formats

// MARK: - NVD API 2.0

/// NVD API 2.0 records: one `cve` object per file (fkie-cad/nvd-json-data-feeds) or the API response
/// envelope (`format`, `version`, `vulnerabilities: [{cve}]`), read with `JSONPull`. Required: the
/// envelope's `vulnerabilities`, a wrapper's `cve`, the record's `id`, a metric's `cvssData`, a cpeMatch's
/// `vulnerable` and `criteria`; every other modelled field may be absent or null, and of the wrong type
/// fails the record. In the envelope a record that fails so is returned as a failure beside the others.
enum NVD {
    struct Envelope: Sendable {
        var format: String?
        var version: String?
        var vulnerabilities: [Result<CVE, JSONPull.Failure>]
    }
    struct CVE: Sendable {
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
    typealias Description = LangValue
    struct Metrics: Sendable {
        var cvssMetricV40: [Metric]?
        var cvssMetricV31: [Metric]?
        var cvssMetricV30: [Metric]?
        var cvssMetricV2: [Metric]?
    }
    struct Metric: Sendable {
        var source: String?
        var type: String?
        var cvssData: CVSSData
        var baseSeverity: String?
    }
    typealias CVSSData = CVSSScore
    struct Weakness: Sendable {
        var source: String?
        var type: String?
        var description: [Description]?
    }
    struct Configuration: Sendable {
        var operator_: String?
        var negate: Bool?
        var nodes: [Node]?
    }
    struct Node: Sendable {
        var operator_: String?
        var negate: Bool?
        var cpeMatch: [CPEMatch]?
    }
    struct CPEMatch: Sendable {
        var vulnerable: Bool
        var criteria: String
        var versionStartIncluding: String?
        var versionStartExcluding: String?
        var versionEndIncluding: String?
        var versionEndExcluding: String?
    }

    typealias Failure = JSONPull.Failure

    /// A file holding one `cve` object.
    static func decodeRecord(_ s: Span<UInt8>) throws(Failure) -> CVE {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        let c = try decodeCVE(s, &r)
        try r.end(s)
        return c
    }

    /// An API 2.0 response: each element of `vulnerabilities` decoded on its own.
    static func decodeEnvelope(_ s: Span<UInt8>) throws(Failure) -> Envelope {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        var env = Envelope(vulnerabilities: [])
        var haveList = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "format") {
                env.format = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "version") {
                env.version = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "vulnerabilities") {
                var list: [Result<CVE, Failure>] = []
                var c = try r.beginArray(s)
                while try r.nextElement(s, &c) {
                    list.append(try r.recovering(s) { (r: inout JSONPull) throws(Failure) in try decodeWrapper(s, &r) })
                }
                env.vulnerabilities = list
                haveList = true
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard haveList else { throw r.missing(s, "vulnerabilities") }
        return env
    }

    /// `{"cve": {...}}`
    static func decodeWrapper(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CVE {
        var cve: CVE?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cve") {
                cve = try decodeCVE(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        guard let cve else { throw r.missing(s, "cve") }
        return cve
    }

    static func decodeCVE(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CVE {
        var c = CVE(id: "")
        var haveID = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "id") {
                c.id = try r.string(s)
                haveID = true
            } else if JSONPull.key(s, k, is: "sourceIdentifier") {
                c.sourceIdentifier = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "published") {
                c.published = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "lastModified") {
                c.lastModified = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "vulnStatus") {
                c.vulnStatus = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "descriptions") {
                c.descriptions = try decodeDescriptions(s, &r)
            } else if JSONPull.key(s, k, is: "metrics") {
                c.metrics = try r.skipNull(s) ? nil : try decodeMetrics(s, &r)
            } else if JSONPull.key(s, k, is: "weaknesses") {
                c.weaknesses = try list(s, &r) { (r: inout JSONPull) throws(Failure) in
                    var w = Weakness()
                    var o = try r.beginObject(s)
                    while let k = try r.nextKey(s, &o) {
                        if JSONPull.key(s, k, is: "source") {
                            w.source = try r.optionalString(s)
                        } else if JSONPull.key(s, k, is: "type") {
                            w.type = try r.optionalString(s)
                        } else if JSONPull.key(s, k, is: "description") {
                            w.description = try decodeDescriptions(s, &r)
                        } else {
                            try r.skipValue(s)
                        }
                    }
                    return w
                }
            } else if JSONPull.key(s, k, is: "configurations") {
                c.configurations = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeConfiguration(s, &r) }
            } else {
                try r.skipValue(s)
            }
        }
        guard haveID else { throw r.missing(s, "id") }
        return c
    }

    /// An optional array (nil for `null`) of elements read by `element`.
    static func list<T>(_ s: Span<UInt8>, _ r: inout JSONPull, _ element: (inout JSONPull) throws(Failure) -> T) throws(Failure) -> [T]? {
        if try r.skipNull(s) { return nil }
        var out: [T] = []
        var c = try r.beginArray(s)
        while try r.nextElement(s, &c) { out.append(try element(&r)) }
        return out
    }

    static func decodeDescriptions(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> [Description]? {
        try list(s, &r) { (r: inout JSONPull) throws(Failure) in try LangValue.decode(s, &r) }
    }

    static func decodeMetrics(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Metrics {
        var m = Metrics()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cvssMetricV31") {
                m.cvssMetricV31 = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeMetric(s, &r) }
            } else if JSONPull.key(s, k, is: "cvssMetricV40") {
                m.cvssMetricV40 = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeMetric(s, &r) }
            } else if JSONPull.key(s, k, is: "cvssMetricV30") {
                m.cvssMetricV30 = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeMetric(s, &r) }
            } else if JSONPull.key(s, k, is: "cvssMetricV2") {
                m.cvssMetricV2 = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeMetric(s, &r) }
            } else {
                try r.skipValue(s)
            }
        }
        return m
    }

    static func decodeMetric(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Metric {
        var source: String?
        var type: String?
        var data: CVSSData?
        var baseSeverity: String?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cvssData") {
                data = try decodeCVSSData(s, &r)
            } else if JSONPull.key(s, k, is: "source") {
                source = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "type") {
                type = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "baseSeverity") {
                baseSeverity = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard let data else { throw r.missing(s, "cvssData") }
        return Metric(source: source, type: type, cvssData: data, baseSeverity: baseSeverity)
    }

    static func decodeCVSSData(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CVSSData { try CVSSScore.decode(s, &r) }

    static func decodeConfiguration(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Configuration {
        var c = Configuration()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "nodes") {
                c.nodes = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeNode(s, &r) }
            } else if JSONPull.key(s, k, is: "operator") {
                c.operator_ = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "negate") {
                c.negate = try r.optionalBool(s)
            } else {
                try r.skipValue(s)
            }
        }
        return c
    }

    static func decodeNode(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Node {
        var n = Node()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cpeMatch") {
                n.cpeMatch = try list(s, &r) { (r: inout JSONPull) throws(Failure) in try decodeCPEMatch(s, &r) }
            } else if JSONPull.key(s, k, is: "operator") {
                n.operator_ = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "negate") {
                n.negate = try r.optionalBool(s)
            } else {
                try r.skipValue(s)
            }
        }
        return n
    }

    static func decodeCPEMatch(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CPEMatch {
        var vulnerable: Bool?
        var criteria: String?
        var m = CPEMatch(vulnerable: false, criteria: "")
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "criteria") {
                criteria = try r.string(s)
            } else if JSONPull.key(s, k, is: "vulnerable") {
                vulnerable = try r.bool(s)
            } else if JSONPull.key(s, k, is: "versionStartIncluding") {
                m.versionStartIncluding = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versionStartExcluding") {
                m.versionStartExcluding = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versionEndIncluding") {
                m.versionEndIncluding = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "versionEndExcluding") {
                m.versionEndExcluding = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard let vulnerable else { throw r.missing(s, "vulnerable") }
        guard let criteria else { throw r.missing(s, "criteria") }
        m.vulnerable = vulnerable
        m.criteria = criteria
        return m
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
                a.severities.append(
                    Severity(
                        score: x.cvssData.baseScore, rating: x.cvssData.baseSeverity ?? x.baseSeverity,
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
                    e.ranges = [
                        .cpe(
                            version: cpe.version, update: cpe.update, startIncluding: cm.versionStartIncluding,
                            startExcluding: cm.versionStartExcluding, endIncluding: cm.versionEndIncluding,
                            endExcluding: cm.versionEndExcluding, vulnerable: cm.vulnerable, platformCondition: platform)
                    ]
                    a.affected.append(e)
                }
            }
        }
        return a
    }
}
