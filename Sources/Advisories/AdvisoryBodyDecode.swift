import Formats

/// Reads a stored body (`AdvisoryBody.encode`'s output, or a body an earlier version wrote with
/// `JSONEncoder`, which has the same shape) with `JSONPull` instead of `JSONDecoder`: an assessment
/// decodes every record of each discovered product, and Foundation's decoder was most of that time.
/// Keys may come in any order; absent and `null` optionals are nil; unknown keys are skipped. The
/// result equals `JSONDecoder().decode(Advisory.self, …)` (tested over every fixture and every
/// `VersionRange` case); a body this reader refuses is handed to `JSONDecoder` by the caller.
extension AdvisoryBody {
    typealias Failure = JSONPull.Failure

    static func decode(_ s: Span<UInt8>) -> Advisory? {
        var r = JSONPull()
        do throws(Failure) {
            let a = try advisory(s, &r)
            try r.end(s)
            return a
        } catch {
            return nil
        }
    }

    private static func advisory(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Advisory {
        var a = Advisory(id: "", format: .cve5)
        var have: (id: Bool, format: Bool) = (false, false)
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "id") {
                a.id = try r.string(s)
                have.id = true
            } else if JSONPull.key(s, k, is: "format") {
                guard let f = AdvisoryFormat(rawValue: try r.string(s)) else { throw r.fail(s, .type, "unknown format") }
                a.format = f
                have.format = true
            } else if JSONPull.key(s, k, is: "aliases") {
                a.aliases = try r.optionalStrings(s) ?? []
            } else if JSONPull.key(s, k, is: "published") {
                a.published = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "modified") {
                a.modified = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "withdrawn") {
                a.withdrawn = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "assigner") {
                a.assigner = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "summary") {
                a.summary = try r.string(s)
            } else if JSONPull.key(s, k, is: "cwes") {
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in a.cwes.append(try cwe(s, &r)) }
            } else if JSONPull.key(s, k, is: "severities") {
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in a.severities.append(try severity(s, &r)) }
            } else if JSONPull.key(s, k, is: "affected") {
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in a.affected.append(try entry(s, &r)) }
            } else if JSONPull.key(s, k, is: "kevDateAdded") {
                a.kevDateAdded = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "categories") {
                a.categories = try r.optionalStrings(s) ?? []
            } else {
                try r.skipValue(s)
            }
        }
        guard have.id, have.format else { throw r.missing(s, "id") }
        return a
    }

    private static func cwe(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> CWERef {
        var id: Int?
        var source: String?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "id") {
                guard let v = try r.optionalNumber(s), v == v.rounded(), abs(v) < 1e15 else { throw r.fail(s, .type, "CWE id") }
                id = Int(v)
            } else if JSONPull.key(s, k, is: "source") {
                source = try r.string(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard let id, let source else { throw r.missing(s, "id") }
        return CWERef(id: id, source: source)
    }

    private static func severity(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Severity {
        var sv = Severity(score: nil, rating: nil, vector: nil, source: "")
        var haveSource = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "score") {
                sv.score = try r.optionalNumber(s)
            } else if JSONPull.key(s, k, is: "rating") {
                // Stored as written (Codable does not upper-case again).
                sv.rating = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "vector") {
                sv.vector = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "source") {
                sv.source = try r.string(s)
                haveSource = true
            } else {
                try r.skipValue(s)
            }
        }
        guard haveSource else { throw r.missing(s, "source") }
        return sv
    }

    private static func entry(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> AffectedEntry {
        var e = AffectedEntry()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "vendor") {
                e.vendor = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "product") {
                e.product = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "packageName") {
                e.packageName = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "ecosystem") {
                e.ecosystem = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cpePart") {
                e.cpePart = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cpeVendor") {
                e.cpeVendor = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cpeProduct") {
                e.cpeProduct = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "defaultStatus") {
                e.defaultStatus = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "ranges") {
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in e.ranges.append(try range(s, &r)) }
            } else if JSONPull.key(s, k, is: "versions") {
                e.versions = try r.optionalStrings(s) ?? []
            } else if JSONPull.key(s, k, is: "note") {
                e.note = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        return e
    }

    /// `{"cve5":{…}}`, `{"osv":{…}}` or `{"cpe":{…}}`: exactly one case.
    private static func range(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> VersionRange {
        var out: VersionRange?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            guard out == nil else { throw r.fail(s, .type, "more than one case") }
            if JSONPull.key(s, k, is: "cve5") {
                var version: String?
                var status: String?
                var lessThan: String?
                var lessThanOrEqual: String?
                var versionType: String?
                var changes: [StatusChange] = []
                var haveChanges = false
                var c = try r.beginObject(s)
                while let f = try r.nextKey(s, &c) {
                    if JSONPull.key(s, f, is: "version") {
                        version = try r.string(s)
                    } else if JSONPull.key(s, f, is: "lessThan") {
                        lessThan = try r.optionalString(s)
                    } else if JSONPull.key(s, f, is: "lessThanOrEqual") {
                        lessThanOrEqual = try r.optionalString(s)
                    } else if JSONPull.key(s, f, is: "status") {
                        status = try r.string(s)
                    } else if JSONPull.key(s, f, is: "versionType") {
                        versionType = try r.optionalString(s)
                    } else if JSONPull.key(s, f, is: "changes") {
                        haveChanges = true
                        var a = try r.beginArray(s)
                        while try r.nextElement(s, &a) {
                            var at: String?
                            var st: String?
                            var ch = try r.beginObject(s)
                            while let g = try r.nextKey(s, &ch) {
                                if JSONPull.key(s, g, is: "at") {
                                    at = try r.string(s)
                                } else if JSONPull.key(s, g, is: "status") {
                                    st = try r.string(s)
                                } else {
                                    try r.skipValue(s)
                                }
                            }
                            guard let at, let st else { throw r.missing(s, "at") }
                            changes.append(StatusChange(at: at, status: st))
                        }
                    } else {
                        try r.skipValue(s)
                    }
                }
                guard let version, let status, haveChanges else { throw r.missing(s, "version") }
                out = .cve5(
                    version: version, lessThan: lessThan, lessThanOrEqual: lessThanOrEqual, status: status, versionType: versionType,
                    changes: changes)
            } else if JSONPull.key(s, k, is: "osv") {
                var type: String?
                var events: [OSVEvent] = []
                var haveEvents = false
                var c = try r.beginObject(s)
                while let f = try r.nextKey(s, &c) {
                    if JSONPull.key(s, f, is: "type") {
                        type = try r.string(s)
                    } else if JSONPull.key(s, f, is: "events") {
                        haveEvents = true
                        var a = try r.beginArray(s)
                        while try r.nextElement(s, &a) {
                            var kind: OSVEvent.Kind?
                            var version: String?
                            var ev = try r.beginObject(s)
                            while let g = try r.nextKey(s, &ev) {
                                if JSONPull.key(s, g, is: "kind") {
                                    guard let kd = OSVEvent.Kind(rawValue: try r.string(s)) else { throw r.fail(s, .type, "event kind") }
                                    kind = kd
                                } else if JSONPull.key(s, g, is: "version") {
                                    version = try r.string(s)
                                } else {
                                    try r.skipValue(s)
                                }
                            }
                            guard let kind, let version else { throw r.missing(s, "kind") }
                            events.append(OSVEvent(kind, version))
                        }
                    } else {
                        try r.skipValue(s)
                    }
                }
                guard let type, haveEvents else { throw r.missing(s, "type") }
                out = .osv(type: type, events: events)
            } else if JSONPull.key(s, k, is: "cpe") {
                var version: String?
                var bounds: [String: String] = [:]
                var vulnerable: Bool?
                var platform: Bool?
                var c = try r.beginObject(s)
                while let f = try r.nextKey(s, &c) {
                    let name = JSONPull.text(s, f)
                    switch name {
                    case "version": version = try r.string(s)
                    case "update", "startIncluding", "startExcluding", "endIncluding", "endExcluding":
                        if let v = try r.optionalString(s) { bounds[name] = v }
                    case "vulnerable": vulnerable = try r.bool(s)
                    case "platformCondition": platform = try r.bool(s)
                    default: try r.skipValue(s)
                    }
                }
                guard let version, let vulnerable, let platform else { throw r.missing(s, "version") }
                out = .cpe(
                    version: version, update: bounds["update"], startIncluding: bounds["startIncluding"],
                    startExcluding: bounds["startExcluding"], endIncluding: bounds["endIncluding"], endExcluding: bounds["endExcluding"],
                    vulnerable: vulnerable, platformCondition: platform)
            } else {
                throw r.fail(s, .type, "unknown range case")
            }
        }
        guard let out else { throw r.missing(s, "cve5") }
        return out
    }
}
