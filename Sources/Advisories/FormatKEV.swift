import Formats

// MARK: - KEV

/// The CISA Known Exploited Vulnerabilities catalog, read with `JSONPull`. `vulnerabilities` is required;
/// of an entry only `cveID` is (see `KEVEntry`), the other kept fields may be absent or null. An entry
/// with a wrong type or without `cveID` is returned as a failure beside the others.
enum KEV {
    struct Catalog: Sendable {
        var catalogVersion: String?
        var vulnerabilities: [Result<KEVEntry, JSONPull.Failure>]
    }

    typealias Failure = JSONPull.Failure

    static func decode(_ s: Span<UInt8>) throws(Failure) -> Catalog {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        var cat = Catalog(vulnerabilities: [])
        var haveList = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "catalogVersion") {
                cat.catalogVersion = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "vulnerabilities") {
                var list: [Result<KEVEntry, Failure>] = []
                var c = try r.beginArray(s)
                while try r.nextElement(s, &c) {
                    list.append(try r.recovering(s) { (r: inout JSONPull) throws(Failure) in try decodeEntry(s, &r) })
                }
                cat.vulnerabilities = list
                haveList = true
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard haveList else { throw r.missing(s, "vulnerabilities") }
        return cat
    }

    static func decodeEntry(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> KEVEntry {
        var e = KEVEntry(cveID: "")
        var haveID = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cveID") {
                e.cveID = try r.string(s)
                haveID = true
            } else if JSONPull.key(s, k, is: "vendorProject") {
                e.vendorProject = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "product") {
                e.product = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "dateAdded") {
                e.dateAdded = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "dueDate") {
                e.dueDate = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "knownRansomwareCampaignUse") {
                e.knownRansomwareCampaignUse = try r.optionalString(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard haveID else { throw r.missing(s, "cveID") }
        return e
    }
}
