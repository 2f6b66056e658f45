import FleetProtocol
import Formats
import Foundation

/// Reads a submission's two JSON documents — the body (the bundle payload) and the assessment report inside it —
/// each in one validating pass with Formats' `JSONPull`, building only what ingest keeps. It accepts and refuses
/// what `JSONDecoder` did for `BundlePayload` (`FleetWire.decoder()`) and `ReportDigest` (IngestTests' reader
/// comparison holds it to that): RFC 8259 syntax, UTF-8, the same required keys and types, unknown keys ignored,
/// a repeated key read once (the first, as `JSONDecoder` keeps it), nesting to `JSONDecoder`'s 512, a lone
/// surrogate escape in a value read refused. Foundation's decoder built a tree of the whole body and report
/// first; this reads straight into the payload and the digest (ingest's largest cost before, by `perf`).
enum SubmissionReader {
    /// `JSONDecoder`'s nesting limit.
    static let maxDepth = 512

    /// The body as a bundle payload: `{"manifest": base64, "signature": text, "files": {path: base64}}`.
    static func payload(_ body: Data) throws(JSONPull.Failure) -> BundlePayload {
        let s = body.span
        var r = JSONPull(maxDepth: maxDepth, loneSurrogates: .refuse)
        r.skipByteOrderMark(s)
        var manifest: Data?
        var signature: String?
        var files: [String: Data]?
        var c = try r.beginObject(s)
        while let k = try r.nextKey(s, &c) {
            let key = try Key(s, k, r)
            if key.is(s, "manifest"), manifest == nil {
                manifest = try base64(s, &r)
            } else if key.is(s, "signature"), signature == nil {
                signature = try r.string(s)
            } else if key.is(s, "files"), files == nil {
                var out: [String: Data] = [:]
                var f = try r.beginObject(s)
                while let p = try r.nextKey(s, &f) {
                    let path = try r.decoded(s, p)
                    if out[path] == nil { out[path] = try base64(s, &r) } else { try r.skipValue(s) }
                }
                files = out
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard let manifest else { throw r.missing(s, "manifest") }
        guard let signature else { throw r.missing(s, "signature") }
        guard let files else { throw r.missing(s, "files") }
        return BundlePayload(manifest: manifest, signature: signature, files: files)
    }

    /// A base64 string value (`JSONDecoder`'s `.base64` data strategy: `Data(base64Encoded:)` of the text).
    static func base64(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> Data {
        let start = r.pos
        guard let data = Data(base64Encoded: try r.string(s)) else { throw r.fail(s, .type, "expected base64 data", at: start) }
        return data
    }

    /// The report (reports/assessment.json) as the digest ingest stores.
    static func digest(_ report: Data) throws(JSONPull.Failure) -> ReportDigest {
        let s = report.span
        var r = JSONPull(maxDepth: maxDepth, loneSurrogates: .refuse)
        r.skipByteOrderMark(s)
        var assessedAt: String?
        var host: ReportDigest.Host?
        var mechanisms: [ReportDigest.MechanismEntry]?
        var hostControls: [ReportDigest.Control]?
        var seenHostControls = false
        var profile: ReportDigest.Profile?
        var seenProfile = false
        var c = try r.beginObject(s)
        while let k = try r.nextKey(s, &c) {
            let key = try Key(s, k, r)
            if key.is(s, "assessedAt"), assessedAt == nil {
                assessedAt = try r.string(s)
            } else if key.is(s, "host"), host == nil {
                var h = ReportDigest.Host(hostname: nil)
                var seen = false
                var o = try r.beginObject(s)
                while let k = try r.nextKey(s, &o) {
                    if try Key(s, k, r).is(s, "hostname"), !seen {
                        seen = true
                        h.hostname = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
                host = h
            } else if key.is(s, "mechanisms"), mechanisms == nil {
                var out: [ReportDigest.MechanismEntry] = []
                var a = try r.beginArray(s)
                while try r.nextElement(s, &a) { out.append(try mechanismEntry(s, &r)) }
                mechanisms = out
            } else if key.is(s, "hostControls"), !seenHostControls {
                seenHostControls = true
                hostControls = try controls(s, &r)
            } else if key.is(s, "profile"), !seenProfile {
                seenProfile = true
                profile = try self.profile(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        try r.end(s)
        guard let assessedAt else { throw r.missing(s, "assessedAt") }
        guard let host else { throw r.missing(s, "host") }
        guard let mechanisms else { throw r.missing(s, "mechanisms") }
        return ReportDigest(assessedAt: assessedAt, host: host, mechanisms: mechanisms, hostControls: hostControls, profile: profile)
    }

    /// `profile`: null is none; anything else is a profile whose host classification is read only where it is a
    /// string inside an object inside an object (ReportDigest.Profile's `try?`: nothing in it is an error).
    static func profile(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> ReportDigest.Profile? {
        if try r.skipNull(s) { return nil }
        var profile = ReportDigest.Profile(host: nil)
        guard try r.peek(s) == .object else {
            try r.skipValue(s)
            return profile
        }
        var seenHost = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            guard try Key(s, k, r).is(s, "host"), !seenHost else {
                try r.skipValue(s)
                continue
            }
            seenHost = true
            guard try r.peek(s) == .object else {
                try r.skipValue(s)
                continue
            }
            var classification: String?
            var seenClassification = false
            var h = try r.beginObject(s)
            while let k = try r.nextKey(s, &h) {
                if try Key(s, k, r).is(s, "classification"), !seenClassification, try r.peek(s) == .string {
                    seenClassification = true
                    classification = try r.string(s)
                } else {
                    if try Key(s, k, r).is(s, "classification") { seenClassification = true }
                    try r.skipValue(s)
                }
            }
            profile.host = ReportDigest.Profile.ProfileHost(classification: classification)
        }
        return profile
    }

    static func mechanismEntry(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> ReportDigest.MechanismEntry {
        var catalogProduct: String?
        var seenCatalog = false
        var mechanism: ReportDigest.Mechanism?
        var controls: [ReportDigest.Control]?
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            let key = try Key(s, k, r)
            if key.is(s, "catalogProduct"), !seenCatalog {
                seenCatalog = true
                catalogProduct = try r.optionalString(s)
            } else if key.is(s, "mechanism"), mechanism == nil {
                var m = ReportDigest.Mechanism(name: nil, product: nil, version: nil)
                var seen = (name: false, product: false, version: false)
                var mo = try r.beginObject(s)
                while let k = try r.nextKey(s, &mo) {
                    let key = try Key(s, k, r)
                    if key.is(s, "name"), !seen.name {
                        seen.name = true
                        m.name = try r.optionalString(s)
                    } else if key.is(s, "product"), !seen.product {
                        seen.product = true
                        m.product = try r.optionalString(s)
                    } else if key.is(s, "version"), !seen.version {
                        seen.version = true
                        m.version = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
                mechanism = m
            } else if key.is(s, "controls"), controls == nil {
                controls = try controlArray(s, &r)
            } else {
                try r.skipValue(s)
            }
        }
        guard let mechanism else { throw r.missing(s, "mechanism") }
        guard let controls else { throw r.missing(s, "controls") }
        return ReportDigest.MechanismEntry(catalogProduct: catalogProduct, mechanism: mechanism, controls: controls)
    }

    /// An array of control verdicts with their findings; nil for `null`.
    static func controls(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> [ReportDigest.Control]? {
        if try r.skipNull(s) { return nil }
        return try controlArray(s, &r)
    }

    /// An array of control verdicts (`null` is a wrong type).
    static func controlArray(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> [ReportDigest.Control] {
        var out: [ReportDigest.Control] = []
        var a = try r.beginArray(s)
        while try r.nextElement(s, &a) { out.append(try control(s, &r)) }
        return out
    }

    static func control(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> ReportDigest.Control {
        var verdict: ReportDigest.Verdict?
        var findings: [ReportDigest.Finding]?
        var seenFindings = false
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            let key = try Key(s, k, r)
            if key.is(s, "verdict"), verdict == nil {
                var control: String?
                var status: String?
                var subject: String?
                var seenSubject = false
                var v = try r.beginObject(s)
                while let k = try r.nextKey(s, &v) {
                    let key = try Key(s, k, r)
                    if key.is(s, "control"), control == nil {
                        control = try r.string(s)
                    } else if key.is(s, "status"), status == nil {
                        status = try r.string(s)
                    } else if key.is(s, "subject"), !seenSubject {
                        seenSubject = true
                        subject = try r.optionalString(s)
                    } else {
                        try r.skipValue(s)
                    }
                }
                guard let control else { throw r.missing(s, "control") }
                guard let status else { throw r.missing(s, "status") }
                verdict = ReportDigest.Verdict(control: control, status: status, subject: subject)
            } else if key.is(s, "findings"), !seenFindings {
                seenFindings = true
                if !(try r.skipNull(s)) {
                    var out: [ReportDigest.Finding] = []
                    var a = try r.beginArray(s)
                    while try r.nextElement(s, &a) { out.append(try finding(s, &r)) }
                    findings = out
                }
            } else {
                try r.skipValue(s)
            }
        }
        guard let verdict else { throw r.missing(s, "verdict") }
        return ReportDigest.Control(verdict: verdict, findings: findings)
    }

    static func finding(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> ReportDigest.Finding {
        var checkID: String?
        var severity: String?
        var outcome: [String]?
        var subject: String?
        var controls: [String]?
        var seen = (severity: false, subject: false, controls: false)
        var o = try r.beginObject(s)
        while let k = try r.nextKey(s, &o) {
            let key = try Key(s, k, r)
            if key.is(s, "checkID"), checkID == nil {
                checkID = try r.string(s)
            } else if key.is(s, "severity"), !seen.severity {
                seen.severity = true
                severity = try r.optionalString(s)
            } else if key.is(s, "outcome"), outcome == nil {
                // Only its case names are read (the verdict); the values are validated and skipped.
                var names: [String] = []
                var oc = try r.beginObject(s)
                while let k = try r.nextKey(s, &oc) {
                    names.append(try r.decoded(s, k))
                    try r.skipValue(s)
                }
                outcome = names
            } else if key.is(s, "subject"), !seen.subject {
                seen.subject = true
                subject = try r.optionalString(s)
            } else if key.is(s, "controls"), !seen.controls {
                seen.controls = true
                if !(try r.skipNull(s)) {
                    var out: [String] = []
                    var a = try r.beginArray(s)
                    while try r.nextElement(s, &a) { out.append(try r.string(s)) }
                    controls = out
                }
            } else {
                try r.skipValue(s)
            }
        }
        guard let checkID else { throw r.missing(s, "checkID") }
        guard let outcome else { throw r.missing(s, "outcome") }
        return ReportDigest.Finding(checkID: checkID, severity: severity, outcomeCases: outcome, subject: subject, controls: controls)
    }

    /// An object key: compared in its raw bytes, or decoded first when it holds an escape (`"check\u0049D"` is
    /// `checkID` to `JSONDecoder` too).
    struct Key {
        var range: Range<Int>
        var text: String?

        init(_ s: Span<UInt8>, _ range: Range<Int>, _ r: borrowing JSONPull) throws(JSONPull.Failure) {
            self.range = range
            var i = range.lowerBound
            while i < range.upperBound, s[i] != UInt8(ascii: "\\") { i += 1 }
            text = i < range.upperBound ? try r.decoded(s, range) : nil
        }

        @inline(__always)
        func `is`(_ s: Span<UInt8>, _ name: String) -> Bool {
            if let text { return text == name }
            return JSONPull.key(s, range, is: name)
        }
    }
}
