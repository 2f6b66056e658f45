import Formats
import Foundation

// MARK: - CSAF 2.0 VEX

/// CSAF 2.0 documents (OASIS Common Security Advisory Framework), as Red Hat publishes one VEX document per
/// CVE (https://security.access.redhat.com/data/csaf/v2/vex/), read in one pass with `JSONPull`.
///
/// What is kept: the document's tracking id, dates, title and aggregate severity; the product tree's
/// products (id, CPE, purl) at any branch depth and its relationships (`component` as a component of
/// `platform`); each vulnerability's CVE, CWE, CVSS v3 scores, description, product status lists and
/// remediations. Each product status entry whose platform is a Red Hat Enterprise Linux stream (a CPE
/// `cpe:/o|a:redhat:enterprise_linux:…` or `…:redhat:rhel_*:…`) and whose component is an rpm becomes an
/// `AffectedEntry` with ecosystem `Red Hat:<platform CPE>`, the rpm name, `defaultStatus` `fixed` /
/// `affected` / `not_affected`, for `fixed` an ECOSYSTEM range fixed at the rpm's epoch:version-release,
/// and in `note` the product id and its remediation. Debug packages are left out and one entry is kept
/// per platform, rpm and version (the architectures collapse). `under_investigation` states nothing.
///
/// Required: `document.csaf_version` (2.0), `document.tracking.id`; a required field of the wrong type,
/// a product status list that is not a list of strings, or more than `maxEntries` entries fails the
/// document with the reason.
enum CSAF {
    struct Product: Sendable {
        var name: String?
        var cpe: String?
        var purl: String?
    }
    struct Relationship: Sendable {
        var component: String
        var platform: String
    }
    struct Remediation: Sendable {
        var category: String
        var details: String?
        var productIDs: [String]
    }
    struct Vulnerability: Sendable {
        var cve: String?
        var cwe: String?
        var status: [(category: String, ids: [String])] = []
        var remediations: [Remediation] = []
        var scores: [CVSSScore] = []
        var description: String?
        var releaseDate: String?
    }
    struct Document: Sendable {
        var csafVersion: String?
        var category: String?
        var title: String?
        var publisher: String?
        var id: String?
        var initialRelease: String?
        var currentRelease: String?
        var aggregateSeverity: String?
        var products: [String: Product] = [:]
        var relationships: [String: Relationship] = [:]
        var vulnerabilities: [Vulnerability] = []
    }

    typealias Failure = JSONPull.Failure

    /// Entries kept per document at most (the largest Red Hat VEX documents, the kernel's, keep a few thousand).
    static let maxEntries = 50_000

    static func decode(_ s: Span<UInt8>) throws(Failure) -> Document {
        var r = JSONPull()
        r.skipByteOrderMark(s)
        var d = Document()
        var haveDocument = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "document") {
                try decodeDocument(s, &r, &d)
                haveDocument = true
            } else if JSONPull.key(s, k, is: "product_tree") {
                if try r.skipNull(s) { continue }
                var t = try r.beginObject(s)
                while let tk = try r.nextKey(s, &t) {
                    if JSONPull.key(s, tk, is: "branches") {
                        try decodeBranches(s, &r, &d)
                    } else if JSONPull.key(s, tk, is: "full_product_names") {
                        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in try decodeProduct(s, &r, &d) }
                    } else if JSONPull.key(s, tk, is: "relationships") {
                        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in try decodeRelationship(s, &r, &d) }
                    } else {
                        try r.skipValue(s)
                    }
                }
            } else if JSONPull.key(s, k, is: "vulnerabilities") {
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in d.vulnerabilities.append(try decodeVulnerability(s, &r)) }
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard haveDocument else { throw r.missing(s, "document") }
        return d
    }

    static func decodeDocument(_ s: Span<UInt8>, _ r: inout JSONPull, _ d: inout Document) throws(Failure) {
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "csaf_version") {
                d.csafVersion = try r.string(s)
            } else if JSONPull.key(s, k, is: "category") {
                d.category = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "title") {
                d.title = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "publisher") {
                if try r.skipNull(s) { continue }
                var p = try r.beginObject(s)
                while let pk = try r.nextKey(s, &p) {
                    if JSONPull.key(s, pk, is: "name") { d.publisher = try r.optionalString(s) } else { try r.skipValue(s) }
                }
            } else if JSONPull.key(s, k, is: "aggregate_severity") {
                if try r.skipNull(s) { continue }
                var a = try r.beginObject(s)
                while let ak = try r.nextKey(s, &a) {
                    if JSONPull.key(s, ak, is: "text") { d.aggregateSeverity = try r.optionalString(s) } else { try r.skipValue(s) }
                }
            } else if JSONPull.key(s, k, is: "tracking") {
                var t = try r.beginObject(s)
                while let tk = try r.nextKey(s, &t) {
                    if JSONPull.key(s, tk, is: "id") {
                        d.id = try r.string(s)
                    } else if JSONPull.key(s, tk, is: "initial_release_date") {
                        d.initialRelease = try r.optionalString(s)
                    } else if JSONPull.key(s, tk, is: "current_release_date") {
                        d.currentRelease = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
            } else {
                try r.skipValue(s)
            }
        }
        guard d.csafVersion != nil else { throw r.missing(s, "csaf_version") }
    }

    /// `branches[]`: each a `product`, nested `branches`, or both (JSONPull's depth cap bounds the recursion).
    static func decodeBranches(_ s: Span<UInt8>, _ r: inout JSONPull, _ d: inout Document) throws(Failure) {
        try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
            var o = try r.beginObject(s)
            while let k = try r.nextKey(s, &o) {
                if JSONPull.key(s, k, is: "branches") {
                    try decodeBranches(s, &r, &d)
                } else if JSONPull.key(s, k, is: "product") {
                    try decodeProduct(s, &r, &d)
                } else {
                    try r.skipValue(s)
                }
            }
        }
    }

    /// `{name, product_id, product_identification_helper: {cpe, purl}}`; `product_id` is required.
    static func decodeProduct(_ s: Span<UInt8>, _ r: inout JSONPull, _ d: inout Document) throws(Failure) {
        var id: String?
        var p = Product()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "product_id") {
                id = try r.string(s)
            } else if JSONPull.key(s, k, is: "name") {
                p.name = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "product_identification_helper") {
                if try r.skipNull(s) { continue }
                var h = try r.beginObject(s)
                while let hk = try r.nextKey(s, &h) {
                    if JSONPull.key(s, hk, is: "cpe") {
                        p.cpe = try r.optionalString(s)
                    } else if JSONPull.key(s, hk, is: "purl") {
                        p.purl = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
            } else {
                try r.skipValue(s)
            }
        }
        guard let id else { throw r.missing(s, "product_id") }
        d.products[id] = p
    }

    static func decodeRelationship(_ s: Span<UInt8>, _ r: inout JSONPull, _ d: inout Document) throws(Failure) {
        var full: String?
        var component: String?
        var platform: String?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "full_product_name") {
                var f = try r.beginObject(s)
                while let fk = try r.nextKey(s, &f) {
                    if JSONPull.key(s, fk, is: "product_id") { full = try r.string(s) } else { try r.skipValue(s) }
                }
            } else if JSONPull.key(s, k, is: "product_reference") {
                component = try r.string(s)
            } else if JSONPull.key(s, k, is: "relates_to_product_reference") {
                platform = try r.string(s)
            } else {
                try r.skipValue(s)
            }
        }
        guard let full else { throw r.missing(s, "full_product_name.product_id") }
        guard let component else { throw r.missing(s, "product_reference") }
        guard let platform else { throw r.missing(s, "relates_to_product_reference") }
        d.relationships[full] = Relationship(component: component, platform: platform)
    }

    static func decodeVulnerability(_ s: Span<UInt8>, _ r: inout JSONPull) throws(Failure) -> Vulnerability {
        var v = Vulnerability()
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            if JSONPull.key(s, k, is: "cve") {
                v.cve = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "release_date") {
                v.releaseDate = try r.optionalString(s)
            } else if JSONPull.key(s, k, is: "cwe") {
                if try r.skipNull(s) { continue }
                var c = try r.beginObject(s)
                while let ck = try r.nextKey(s, &c) {
                    if JSONPull.key(s, ck, is: "id") { v.cwe = try r.optionalString(s) } else { try r.skipValue(s) }
                }
            } else if JSONPull.key(s, k, is: "product_status") {
                if try r.skipNull(s) { continue }
                var p = try r.beginObject(s)
                while let pk = try r.nextKey(s, &p) {
                    let category = JSONPull.text(s, pk)
                    let ids = try r.optionalStrings(s) ?? []
                    v.status.append((category, ids))
                }
            } else if JSONPull.key(s, k, is: "remediations") {
                if try r.skipNull(s) { continue }
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                    var category: String?
                    var details: String?
                    var ids: [String] = []
                    var m = try r.beginObject(s)
                    while let mk = try r.nextKey(s, &m) {
                        if JSONPull.key(s, mk, is: "category") {
                            category = try r.string(s)
                        } else if JSONPull.key(s, mk, is: "details") {
                            details = try r.optionalString(s)
                        } else if JSONPull.key(s, mk, is: "product_ids") {
                            ids = try r.optionalStrings(s) ?? []
                        } else {
                            try r.skipValue(s)
                        }
                    }
                    guard let category else { throw r.missing(s, "category") }
                    v.remediations.append(Remediation(category: category, details: details, productIDs: ids))
                }
            } else if JSONPull.key(s, k, is: "scores") {
                if try r.skipNull(s) { continue }
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                    var m = try r.beginObject(s)
                    while let mk = try r.nextKey(s, &m) {
                        if JSONPull.key(s, mk, is: "cvss_v3") { v.scores.append(try CVSSScore.decode(s, &r)) } else { try r.skipValue(s) }
                    }
                }
            } else if JSONPull.key(s, k, is: "notes") {
                if try r.skipNull(s) { continue }
                try r.forEach(s) { (r: inout JSONPull) throws(Failure) in
                    var category: String?
                    var text: String?
                    var m = try r.beginObject(s)
                    while let mk = try r.nextKey(s, &m) {
                        if JSONPull.key(s, mk, is: "category") {
                            category = try r.optionalString(s)
                        } else if JSONPull.key(s, mk, is: "text") {
                            text = try r.optionalString(s)
                        } else {
                            try r.skipValue(s)
                        }
                    }
                    if category == "description", v.description == nil { v.description = text }
                }
            } else {
                try r.skipValue(s)
            }
        }
        return v
    }

    /// A platform CPE of a Red Hat Enterprise Linux stream: `cpe:/o:redhat:enterprise_linux:9::baseos`,
    /// `cpe:/a:redhat:rhel_eus:9.2::appstream`.
    static func isRHELStream(_ cpe: String) -> Bool {
        let f = cpe.split(separator: ":", omittingEmptySubsequences: false)
        guard f.count >= 5, f[0] == "cpe", f[1] == "/o" || f[1] == "/a", f[2] == "redhat" else { return false }
        return f[3] == "enterprise_linux" || f[3].hasPrefix("rhel_")
    }

    /// The rpm name and epoch:version-release of a component: from its purl
    /// (`pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64&epoch=1`), else from its product id
    /// (`curl-0:7.76.1-26.el9_3.2.x86_64`, or an unversioned `curl`). nil for a component that is not an rpm.
    static func rpmIdentity(id: String, product: Product?) -> (name: String, evr: String?)? {
        if let purl = product?.purl {
            guard purl.hasPrefix("pkg:rpm/") else { return nil }
            var rest = Substring(purl.dropFirst("pkg:rpm/".count))
            var query = Substring("")
            if let q = rest.firstIndex(of: "?") {
                query = rest[rest.index(after: q)...]
                rest = rest[..<q]
            }
            if let h = rest.firstIndex(of: "#") { rest = rest[..<h] }
            let nameVersion = rest.split(separator: "/").last ?? rest
            let parts = nameVersion.split(separator: "@", maxSplits: 1)
            guard let name = parts.first.map(String.init), !name.isEmpty else { return nil }
            guard parts.count == 2 else { return (name.removingPercentEncoding ?? name, nil) }
            var epoch: String?
            for q in query.split(separator: "&") where q.hasPrefix("epoch=") { epoch = String(q.dropFirst("epoch=".count)) }
            let version = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            return (name, (epoch.map { $0 + ":" } ?? "") + version)
        }
        // `name-epoch:version-release.arch`: the epoch's colon marks where the version starts.
        if let colon = id.firstIndex(of: ":") {
            let head = id[..<colon]
            guard let dash = head.lastIndex(of: "-") else { return nil }
            let name = String(head[..<dash])
            var evr = String(id[head.index(after: dash)...])
            if let dot = evr.lastIndex(of: "."),
                ["x86_64", "aarch64", "ppc64le", "s390x", "i686", "noarch", "src"].contains(evr[evr.index(after: dot)...])
            {
                evr = String(evr[..<dot])
            }
            return name.isEmpty ? nil : (name, evr)
        }
        // An unversioned component (`curl`, `curl.src`) as Red Hat lists known_affected / known_not_affected ones.
        var name = id
        if name.hasSuffix(".src") { name.removeLast(4) }
        return name.isEmpty || name.contains(" ") ? nil : (name, nil)
    }

    static func statusWord(_ category: String) -> String? {
        switch category {
        case "fixed", "first_fixed": "fixed"
        case "known_affected", "first_affected", "last_affected": "affected"
        case "known_not_affected": "not_affected"
        default: nil  // under_investigation, recommended: no statement about the installed package
        }
    }

    static func normalise(_ d: Document) -> Result<Advisory, AdvisoriesError> {
        if let v = d.csafVersion, v != "2.0" {
            return .failure(AdvisoriesError(.unknownSchemaVersion, "\(d.id ?? "?"): CSAF version \(v) is not 2.0; document skipped"))
        }
        guard let id = d.id, !id.isEmpty, id.count <= 64 else {
            return .failure(AdvisoriesError(.malformed, "CSAF document.tracking.id is missing, empty or too long"))
        }
        var a = Advisory(id: id, format: .csaf)
        a.published = d.initialRelease
        a.modified = d.currentRelease
        a.assigner = d.publisher
        for v in d.vulnerabilities {
            if let c = v.cve, c.hasPrefix("CVE-"), c.count <= 64, !a.aliases.contains(c), c != id { a.aliases.append(c) }
            if let n = AdvisoryParser.cwe(from: v.cwe), !a.cwes.contains(where: { $0.id == n }) { a.cwes.append(CWERef(id: n, source: "csaf")) }
            for sc in v.scores where sc.baseScore != nil || sc.vectorString != nil {
                a.severities.append(Severity(score: sc.baseScore, rating: sc.baseSeverity, vector: sc.vectorString, source: "csaf cvss_v3"))
            }
            if a.published == nil { a.published = v.releaseDate }
        }
        if let agg = d.aggregateSeverity {
            a.severities.append(Severity(score: nil, rating: agg, vector: nil, source: "csaf aggregate_severity"))
        }
        let text = [d.title, d.vulnerabilities.first?.description].compactMap { $0 }.joined(separator: "\n\n")
        a.summary = AdvisoryParser.capped(text)
        var seen = Set<String>()
        for v in d.vulnerabilities {
            var remediation: [String: Remediation] = [:]
            for m in v.remediations {
                for p in m.productIDs where remediation[p] == nil { remediation[p] = m }
            }
            for (category, ids) in v.status {
                guard let word = statusWord(category) else { continue }
                for pid in ids {
                    guard let rel = d.relationships[pid], let cpe = d.products[rel.platform]?.cpe, isRHELStream(cpe),
                        let ident = rpmIdentity(id: rel.component, product: d.products[rel.component]),
                        !ident.name.hasSuffix("-debuginfo"), !ident.name.hasSuffix("-debugsource")
                    else { continue }
                    let (name, evr) = ident
                    if word == "fixed" && evr == nil { continue }  // a fix without a version cannot be compared
                    guard seen.insert([word, cpe, name, evr ?? ""].joined(separator: "\u{1}")).inserted else { continue }
                    guard a.affected.count < maxEntries else {
                        return .failure(AdvisoriesError(.tooLarge, "\(id): more than \(maxEntries) product statements; document skipped"))
                    }
                    var note = pid
                    if let m = remediation[pid] {
                        note += " (\(m.category)\(m.details.map { ": " + AdvisoryParser.capped($0, 200) } ?? ""))"
                    }
                    var e = AffectedEntry(packageName: name, ecosystem: "Red Hat:" + cpe, defaultStatus: word, note: note)
                    if word == "fixed", let evr {
                        e.ranges = [.osv(type: "ECOSYSTEM", events: [OSVEvent(.introduced, "0"), OSVEvent(.fixed, evr)])]
                    } else if let evr, word == "affected" {
                        e.versions = [evr]
                    }
                    a.affected.append(e)
                }
            }
        }
        return .success(a)
    }
}
