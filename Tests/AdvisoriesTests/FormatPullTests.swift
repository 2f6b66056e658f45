import Foundation
import Testing

@testable import Advisories

/// The OSV, NVD and KEV decoders on hostile documents: required fields, null, wrong types, the free-form
/// `database_specific`, per-element tolerance in the envelopes, and whole-file failures.
enum Doc {
    static func parse(_ json: String, file: String = "t.json") -> ParsedFile { AdvisoryParser.parse(Data(json.utf8), file: file) }
    static func parse(_ bytes: [UInt8], file: String = "t.json") -> ParsedFile { AdvisoryParser.parse(Data(bytes), file: file) }

    static let goodCVE =
        #"{"id": "CVE-2024-0001", "sourceIdentifier": "x@y", "descriptions": [{"lang": "en", "value": "heap overflow"}], "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:qemu:qemu:*:*:*:*:*:*:*:*", "versionEndExcluding": "6.1.0"}]}]}], "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {"baseScore": 7.5, "baseSeverity": "HIGH", "vectorString": "CVSS:3.1/AV:N"}}]}}"#

    static func envelope(_ elements: [String], version: String = #""2.0""#) -> String {
        #"{"format": "NVD_CVE", "version": \#(version), "vulnerabilities": ["# + elements.joined(separator: ", ") + "]}"
    }

    static func osv(_ fields: String) -> String {
        #"{"schema_version": "1.4.0", "id": "GO-2024-0001", "modified": "2024-01-01T00:00:00Z""# + (fields.isEmpty ? "" : ", " + fields) + "}"
    }

    static func kev(_ entries: [String], catalogVersion: String = #""2024.01.01""#) -> String {
        #"{"title": "KEV", "catalogVersion": \#(catalogVersion), "vulnerabilities": ["# + entries.joined(separator: ", ") + "]}"
    }
}

@Suite struct NVDPullTests {
    @Test func goodRecordAndEnvelope() throws {
        let one = Doc.parse(Doc.goodCVE)
        #expect(one.problems.isEmpty, "\(one.problems)")
        let a = try #require(one.advisories.first)
        #expect(a.id == "CVE-2024-0001" && a.format == .nvd)
        #expect(a.severities.first?.score == 7.5)
        #expect(a.affected.first?.cpeProduct == "qemu")
        let env = Doc.parse(Doc.envelope([#"{"cve": \#(Doc.goodCVE)}"#, #"{"cve": \#(Doc.goodCVE)}"#]))
        #expect(env.problems.isEmpty && env.advisories.count == 2)
    }

    @Test(arguments: [
        (#"{"cve": {"id": 42}}"#, "wrong type at vulnerabilities[1].cve.id: expected a string, found a number"),
        (#"{"cve": {"sourceIdentifier": "x"}}"#, "missing field vulnerabilities[1].cve.id"),
        (#"{"other": 1}"#, "missing field vulnerabilities[1].cve"),
        ("null", "wrong type at vulnerabilities[1]: expected an object, found null"),
        ("[]", "wrong type at vulnerabilities[1]: expected an object, found an array"),
        (
            #"{"cve": {"id": "CVE-1", "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": "true", "criteria": "cpe:2.3:a:b:c:1:*:*:*:*:*:*:*"}]}]}]}}"#,
            "wrong type at vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[0].vulnerable: expected a boolean, found a string"
        ),
        (
            #"{"cve": {"id": "CVE-1", "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": null, "criteria": "c"}]}]}]}}"#,
            "wrong type at vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[0].vulnerable: expected a boolean, found null"
        ),
        (
            #"{"cve": {"id": "CVE-1", "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": true}]}]}]}}"#,
            "missing field vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[0].criteria"
        ),
        (
            #"{"cve": {"id": "CVE-1", "metrics": {"cvssMetricV31": [{"source": "s"}]}}}"#,
            "missing field vulnerabilities[1].cve.metrics.cvssMetricV31[0].cvssData"
        ),
        (
            #"{"cve": {"id": "CVE-1", "metrics": {"cvssMetricV2": [{"cvssData": {"baseScore": "7.5"}}]}}}"#,
            "wrong type at vulnerabilities[1].cve.metrics.cvssMetricV2[0].cvssData.baseScore: expected a number, found a string"
        ),
        (
            #"{"cve": {"id": "CVE-1", "metrics": {"cvssMetricV40": [{"cvssData": {"baseScore": 1e400}}]}}}"#,
            "wrong type at vulnerabilities[1].cve.metrics.cvssMetricV40[0].cvssData.baseScore: number 1e400 out of range"
        ),
        (
            #"{"cve": {"id": "CVE-1", "configurations": [{"negate": 0}]}}"#,
            "wrong type at vulnerabilities[1].cve.configurations[0].negate: expected a boolean, found a number"
        ),
        (
            #"{"cve": {"id": "CVE-1", "weaknesses": [{"description": [{"lang": 1}]}]}}"#,
            "wrong type at vulnerabilities[1].cve.weaknesses[0].description[0].lang: expected a string, found a number"
        ),
        (
            #"{"cve": {"id": "CVE-1", "descriptions": {}}}"#,
            "wrong type at vulnerabilities[1].cve.descriptions: expected an array, found an object"
        ),
    ])
    func badElementIsAProblemAndTheOthersAreKept(_ bad: String, _ reason: String) throws {
        let p = Doc.parse(Doc.envelope([#"{"cve": \#(Doc.goodCVE)}"#, bad, #"{"cve": \#(Doc.goodCVE)}"#]), file: "feed.json")
        #expect(p.advisories.count == 2)
        let problem = try #require(p.problems.first)
        #expect(p.problems.count == 1)
        #expect(problem.file == "feed.json#vulnerabilities[1]")
        #expect(problem.code == "malformed")
        #expect(problem.reason == reason)
    }

    @Test func nullOptionalFieldsAreAccepted() throws {
        let cve =
            #"{"id": "CVE-1", "sourceIdentifier": null, "published": null, "lastModified": null, "vulnStatus": null, "descriptions": null, "metrics": null, "weaknesses": null, "configurations": [{"operator": null, "negate": null, "nodes": [{"operator": null, "negate": null, "cpeMatch": [{"vulnerable": false, "criteria": "cpe:2.3:o:xen:xen:*:*:*:*:*:*:*:*", "versionStartIncluding": null, "versionStartExcluding": null, "versionEndIncluding": null, "versionEndExcluding": null}]}]}]}"#
        let p = Doc.parse(Doc.envelope([#"{"cve": \#(cve)}"#], version: "null"))
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(p.advisories.first?.affected.first?.cpeProduct == "xen")
    }

    @Test func syntaxErrorInOneElementFailsTheWholeFile() throws {
        let p = Doc.parse(Doc.envelope([#"{"cve": \#(Doc.goodCVE)}"#, #"{"cve": {"id": 42, "x": [1,]}}"#]), file: "feed.json")
        #expect(p.advisories.isEmpty)
        let problem = try #require(p.problems.first)
        #expect(p.problems.count == 1)
        #expect(problem.file == "feed.json")
        #expect(problem.code == "malformed")
        #expect(problem.reason.hasPrefix("invalid JSON at byte"))
    }

    @Test func feedVersionAndEnvelopeShape() throws {
        let v1 = Doc.parse(Doc.envelope([#"{"cve": \#(Doc.goodCVE)}"#], version: #""1.0""#))
        #expect(v1.advisories.isEmpty)
        #expect(v1.problems.first?.code == "unknownSchemaVersion")
        #expect(v1.problems.first?.reason.contains("1.0") == true)
        let noList = Doc.parse(#"{"format": "NVD_CVE", "version": "2.0", "totalResults": 0, "note": "vulnerabilities"}"#)
        #expect(noList.problems.first?.reason == "missing field vulnerabilities")
        let nullList = Doc.parse(#"{"format": "NVD_CVE", "vulnerabilities": null}"#)
        #expect(nullList.problems.first?.reason == "wrong type at vulnerabilities: expected an array, found null")
        let badVersion = Doc.parse(Doc.envelope([], version: "2"))
        #expect(badVersion.problems.first?.reason == "wrong type at version: expected a string, found a number")
    }

    @Test func singleRecordWithAWrongTypeFails() throws {
        let p = Doc.parse(#"{"id": "CVE-1", "sourceIdentifier": ["x"]}"#, file: "CVE-1.json")
        #expect(p.advisories.isEmpty)
        #expect(p.problems.first?.file == "CVE-1.json")
        #expect(p.problems.first?.reason == "wrong type at sourceIdentifier: expected a string, found an array")
        let trailing = Doc.parse(Doc.goodCVE + " {}")
        #expect(trailing.problems.first?.reason.contains("content after the JSON document") == true)
    }
}

@Suite struct OSVPullTests {
    @Test func databaseSpecificKeepsOnlyFieldsOfTheExpectedType() throws {
        let p = Doc.parse(
            Doc.osv(
                #"""
                "database_specific": {"severity": 5, "cwe_ids": ["CWE-787", 416], "categories": ["memory-corruption"], "informational": ["unsound"], "extra": {"x": [1]}},
                "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "database_specific": "free text"},
                             {"package": {"ecosystem": "crates.io", "name": "c"}, "database_specific": {"categories": "memory-exposure", "informational": "unsound"}}]
                """#))
        #expect(p.problems.isEmpty, "\(p.problems)")
        let a = try #require(p.advisories.first)
        #expect(a.cwes.isEmpty)  // cwe_ids held a number: the whole array is ignored
        #expect(a.severities.isEmpty)  // severity was a number
        #expect(a.categories == ["memory-corruption", "unsound"])  // informational was an array: ignored; the affected one kept
        #expect(a.affected.count == 2)
    }

    /// Issue 19 #11: feeds are not refused for a repeated key (upstream feeds are large and not ours to fix);
    /// every pull reader takes the last occurrence, as docs/security.md says. (Evidence and configuration files
    /// refuse repeated keys instead.)
    @Test func aRepeatedKeyTakesTheLastOccurrence() throws {
        let a = try #require(Doc.parse(Doc.osv(#""summary": "first", "summary": "last""#)).advisories.first)
        #expect(a.summary == "last")
    }

    @Test func databaseSpecificOfTheRightTypeIsRead() throws {
        let a = try #require(
            Doc.parse(Doc.osv(#""database_specific": {"severity": "MODERATE", "cwe_ids": ["CWE-416"], "categories": null}"#)).advisories.first)
        #expect(a.cwes.map(\.id) == [416])
        #expect(a.severities.first?.rating == "MEDIUM")
    }

    @Test func nullOptionalFieldsAreAccepted() throws {
        let p = Doc.parse(
            Doc.osv(
                #""published": null, "withdrawn": null, "aliases": null, "summary": null, "details": null, "severity": null, "database_specific": null, "affected": [{"package": null, "ranges": null, "versions": null, "database_specific": null}, {"package": {"ecosystem": "Go", "name": "m", "purl": null}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": null}, {"fixed": "1.2.3"}]}]}]"#
            ))
        #expect(p.problems.isEmpty, "\(p.problems)")
        let a = try #require(p.advisories.first)
        #expect(a.affected.count == 2)
        #expect(a.affected[1].ranges == [.osv(type: "SEMVER", events: [OSVEvent(.introduced, "0"), OSVEvent(.fixed, "1.2.3")])])
    }

    @Test(arguments: [
        (#""id": null"#, "wrong type at id: expected a string, found null"),
        (#""aliases": ["CVE-1", 2]"#, "wrong type at aliases[1]: expected a string, found a number"),
        (#""summary": {"text": "x"}"#, "wrong type at summary: expected a string, found an object"),
        (#""severity": [{"type": "CVSS_V3"}]"#, "missing field severity[0].score"),
        (#""severity": [{"type": "CVSS_V3", "score": 7.5}]"#, "wrong type at severity[0].score: expected a string, found a number"),
        (#""affected": [{"package": {"ecosystem": "Go"}}]"#, "missing field affected[0].package.name"),
        (#""affected": [{"package": "Go/m"}]"#, "wrong type at affected[0].package: expected an object, found a string"),
        (
            #""affected": [{"ranges": [{"type": "SEMVER", "events": null}]}]"#,
            "wrong type at affected[0].ranges[0].events: expected an array, found null"
        ),
        (#""affected": [{"ranges": [{"events": []}]}]"#, "missing field affected[0].ranges[0].type"),
        (
            #""affected": [{"ranges": [{"type": "GIT", "events": [{"fixed": 1}]}]}]"#,
            "wrong type at affected[0].ranges[0].events[0].fixed: expected a string, found a number"
        ),
        (#""affected": [{"versions": "1.0"}]"#, "wrong type at affected[0].versions: expected an array, found a string"),
    ])
    func wrongOrMissingFieldFailsTheRecordNamingThePath(_ fields: String, _ reason: String) throws {
        // `id` given twice when the test overrides it: the last one wins, as with Foundation.
        let p = Doc.parse(Doc.osv(fields), file: "o.json")
        #expect(p.advisories.isEmpty)
        let problem = try #require(p.problems.first)
        #expect(problem.file == "o.json")
        #expect(problem.code == "malformed")
        #expect(problem.reason == reason)
    }

    @Test func missingIDFailsTheRecord() throws {
        let p = Doc.parse(#"{"schema_version": "1.4.0", "modified": "2024-01-01T00:00:00Z"}"#)
        #expect(p.problems.first?.reason == "missing field id")
    }

    @Test func invalidUTF8AnywhereFailsTheFileAsInvalidUTF8() throws {
        // Inside a field the decoder skips…
        let inSkipped = Array(Doc.osv(#""references": [{"url": ""#).utf8).dropLast() + [0xE0, 0x80, 0x80] + Array(#""}]}"#.utf8)
        let a = Doc.parse(Array(inSkipped), file: "u.json")
        #expect(a.advisories.isEmpty)
        #expect(a.problems.first?.code == "invalidUTF8", "\(a.problems)")
        #expect(a.problems.first?.reason.contains("not valid UTF-8") == true)
        // …and between tokens, where it is first a syntax error.
        let between = Array(Doc.osv("").utf8).dropLast() + [0xFF] + Array("}".utf8)
        let b = Doc.parse(Array(between))
        #expect(b.problems.first?.code == "invalidUTF8", "\(b.problems)")
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let p = Doc.parse([0xEF, 0xBB, 0xBF] + Array(Doc.osv("").utf8))
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(p.advisories.first?.id == "GO-2024-0001")
    }

    @Test func tooDeepIsMalformedNotACrash() throws {
        let deep = Doc.osv(#""database_specific": {"x": "# + String(repeating: "[", count: 100_000))
        let p = Doc.parse(deep)
        #expect(p.advisories.isEmpty)
        #expect(p.problems.first?.code == "malformed")
        #expect(p.problems.first?.reason.contains("nesting deeper than 64") == true)
    }
}

@Suite struct KEVPullTests {
    static let good =
        #"{"cveID": "CVE-2024-0001", "vendorProject": "QEMU", "product": "QEMU", "dateAdded": "2024-02-01", "dueDate": null, "notes": "", "cwes": ["CWE-787"]}"#

    @Test(arguments: [
        (#"{"vendorProject": "X"}"#, "missing field vulnerabilities[1].cveID"),
        (#"{"cveID": "CVE-1", "dateAdded": 20240201}"#, "wrong type at vulnerabilities[1].dateAdded: expected a string, found a number"),
        (#"{"cveID": null}"#, "wrong type at vulnerabilities[1].cveID: expected a string, found null"),
        (#""CVE-1""#, "wrong type at vulnerabilities[1]: expected an object, found a string"),
    ])
    func badEntryIsAProblemAndTheOthersAreKept(_ bad: String, _ reason: String) throws {
        let p = Doc.parse(Doc.kev([Self.good, bad, Self.good]), file: "kev.json")
        #expect(p.kev.count == 2)
        #expect(p.kev.first == KEVEntry(cveID: "CVE-2024-0001", vendorProject: "QEMU", product: "QEMU", dateAdded: "2024-02-01"))
        let problem = try #require(p.problems.first)
        #expect(p.problems.count == 1)
        #expect(problem.file == "kev.json#vulnerabilities[1]")
        #expect(problem.reason == reason)
    }

    @Test func catalogLevelErrorsFailTheFile() throws {
        let v = Doc.parse(Doc.kev([Self.good], catalogVersion: "7"))
        #expect(v.kev.isEmpty)
        #expect(v.problems.first?.reason == "wrong type at catalogVersion: expected a string, found a number")
        let list = Doc.parse(#"{"catalogVersion": "1", "vulnerabilities": {}}"#)
        #expect(list.problems.first?.reason == "wrong type at vulnerabilities: expected an array, found an object")
        let missing = Doc.parse(#"{"catalogVersion": "1", "count": 0, "x": "vulnerabilities"}"#)
        #expect(missing.problems.first?.reason == "missing field vulnerabilities")
    }
}

@Suite struct DetectTests {
    /// The format rules as plain searches (what `detect` did before its one-pass scan).
    static func bySearch(_ data: Data) -> AdvisoryParser.Detected? {
        func has(_ k: String) -> Bool { data.range(of: Data(k.utf8)) != nil }
        if has("\"cveMetadata\"") { return .cve5 }
        let head = String(decoding: data.prefix(64), as: UTF8.self).drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if head.hasPrefix("{"), head.dropFirst().drop(while: \.isWhitespace).hasPrefix("\"document\""), has("\"csaf_version\"") { return .csaf }
        if has("\"catalogVersion\""), has("\"vulnerabilities\"") { return .kev }
        if has("\"vulnerabilities\""), has("\"NVD_CVE\"") { return .nvdEnvelope }
        if has("\"sourceIdentifier\"") { return .nvdRecord }
        if has("\"schema_version\"") || (has("\"id\"") && has("\"modified\"")) { return .osv }
        if has("\"csaf_version\"") { return .csaf }
        return nil
    }

    @Test func onePassScanAgreesWithPlainSearches() throws {
        var inputs: [Data] = []
        let walker = FileManager.default.enumerator(atPath: Fixture.root)
        while let rel = walker?.nextObject() as? String {
            if rel.hasSuffix(".json") { inputs.append(try Fixture.data(rel)) }
        }
        for (text, expected) in [
            (#"{"id": "X", "modified": "m"}"#, AdvisoryParser.Detected.osv), (#"{"id": "X"}"#, nil),
            (#"{"a": "\"id\"", "b": ["modified"]}"#, nil), (#"["id","modified"]"#, .osv),
            (#"{"id": 1, "modified": 2, "sourceIdentifier": 3}"#, .nvdRecord),
            (#"{"vulnerabilities": [], "catalogVersion": "1", "NVD_CVE": 0}"#, .kev),
            (#"{"x": "NVD_CVE", "vulnerabilities": []}"#, .nvdEnvelope), (#"{"NVD_CVE": 1}"#, nil),
            (#"{"schema_version": "1", "cveMetadata": {}}"#, .cve5), (#""cveMetadata""#, .cve5), (#""cveMetadata"#, nil),
            (#"{"modified": "x", "id"#, nil), (#"{"modified": "x", "id""#, .osv), ("", nil), ("\"", nil), (#""""#, nil),
            (#"{""id": 1, "modified": 2}"#, .osv),
            (#"{"document": {"csaf_version": "2.0"}}"#, .csaf), (#"{"vulnerabilities": [], "document": {"csaf_version": "2.0"}}"#, .csaf),
            (#"{"document": {"csaf_version": "2.0"}, "NVD_CVE": 1, "vulnerabilities": []}"#, .csaf),
            (#"{"vulnerabilities": [], "NVD_CVE": 1, "document": {"csaf_version": "2.0"}}"#, .nvdEnvelope),
        ] {
            #expect(AdvisoryParser.detect(Data(text.utf8)) == expected, "\(text)")
            inputs.append(Data(text.utf8))
        }
        #expect(inputs.count > 70)
        for d in inputs {
            #expect(AdvisoryParser.detect(d) == Self.bySearch(d), "\(String(decoding: d.prefix(80), as: UTF8.self))")
        }
    }
}

/// Every value of every real OSV and NVD fixture replaced in turn by null, a number, an array, or removed:
/// each variant must give a record or a problem naming the file — never a crash, never nothing.
@Suite struct MutatedFixtureTests {
    static func variants(_ v: Any, _ rebuild: (Any?) -> Any, into out: inout [Any]) {
        for r: Any? in [NSNull(), 42, [Any](), nil] { out.append(rebuild(r)) }
        if let d = v as? [String: Any] {
            for (k, child) in d {
                variants(
                    child,
                    { nv in
                        var d2 = d
                        d2[k] = nv
                        return rebuild(d2)
                    }, into: &out)
            }
        } else if let a = v as? [Any] {
            for (i, child) in a.prefix(2).enumerated() {
                variants(
                    child,
                    { nv in
                        var a2 = a
                        if let nv { a2[i] = nv } else { a2.remove(at: i) }
                        return rebuild(a2)
                    }, into: &out)
            }
        }
    }

    @Test(arguments: ["osv", "nvd2"])
    func everyMutationGivesARecordOrAProblem(_ dir: String) throws {
        var count = 0
        var failed = 0
        // Files under 6 kB, eight of each format, keep the run short (one file gives hundreds of variants).
        var files: [(String, Data)] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir)).sorted() where f.hasSuffix(".json") {
            let d = try Fixture.data(dir + "/" + f)
            if d.count < 6000, files.count < 8 { files.append((f, d)) }
        }
        for (f, bytes) in files {
            let root = try JSONSerialization.jsonObject(with: bytes)
            var docs: [Any] = []
            Self.variants(root, { $0 ?? NSNull() }, into: &docs)
            for doc in docs {
                guard let data = try? JSONSerialization.data(withJSONObject: doc, options: [.fragmentsAllowed]) else { continue }
                let name = dir + "/" + f
                let p = AdvisoryParser.parse(data, file: name)
                count += 1
                if !p.problems.isEmpty { failed += 1 }
                let emptyEnvelope = (doc as? [String: Any])?["vulnerabilities"].map { ($0 as? [Any])?.isEmpty == true } == true
                #expect(
                    !p.advisories.isEmpty || !p.problems.isEmpty || emptyEnvelope,
                    "\(name): nothing from \(String(decoding: data.prefix(200), as: UTF8.self))")
                #expect(p.problems.allSatisfy { $0.file.hasPrefix(name) && !$0.reason.isEmpty })
            }
        }
        #expect(count > 500, "\(count)")
        #expect(failed > 100, "\(failed)")  // the mutations do hit required fields and types
    }
}

@Suite struct CVE5PathTests {
    @Test func missingCveIdNamesItsPathOnce() throws {
        let p = try Fixture.parse("malformed/missing-cveId.json")
        #expect(p.problems.first?.reason == "missing field cveMetadata.cveId")
    }
}
