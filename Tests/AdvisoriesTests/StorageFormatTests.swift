import Foundation
import Testing

@testable import Advisories

/// The stored body is written by hand (`AdvisoryBody`) and read by `Advisory`'s Codable conformance:
/// they must agree on every record and every shape.
@Suite struct AdvisoryBodyTests {
    static func roundTrip(_ a: Advisory) throws -> Advisory {
        let bytes = AdvisoryBody.encode(a)
        #expect(String(validating: bytes, as: UTF8.self) != nil)
        #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) != nil, "not JSON: \(String(decoding: bytes, as: UTF8.self))")
        let decoded = try JSONDecoder().decode(Advisory.self, from: Data(bytes))
        // The pull reader an assessment uses reads the same advisory back.
        #expect(AdvisoryBody.decode(bytes.span) == decoded)
        return decoded
    }

    static var fixtureFiles: [String] {
        ["cve5", "osv", "nvd2"].flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir))) ?? [])
                .filter { $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
        }
    }

    @Test func everyFixtureRecordRoundTrips() throws {
        var records = 0
        for file in Self.fixtureFiles {
            for a in try Fixture.parse(file).advisories {
                var expected = a
                expected.summary = ""
                #expect(try Self.roundTrip(a) == expected, "\(file) \(a.id)")
                records += 1
            }
        }
        #expect(records >= 60)
    }

    @Test func everyShapeRoundTrips() throws {
        var a = Advisory(
            id: "GHSA-\"quoted\"\\back", format: .osv, aliases: ["CVE-2024-1", "tab\there"], published: "2024-01-02T03:04:05Z",
            modified: nil, withdrawn: "REJECTED", assigner: "ünïcode ✓ 𝄞", summary: "dropped",
            cwes: [CWERef(id: 416, source: "cna"), CWERef(id: 0, source: "")],
            severities: [
                Severity(score: 9.8, rating: "critical", vector: "CVSS:3.1/AV:N", source: "cna cvssV3_1"),
                Severity(score: 7.0, rating: nil, vector: nil, source: "whole score"),
                Severity(score: nil, rating: "Moderate", vector: nil, source: "word"),
            ],
            affected: [
                AffectedEntry(
                    vendor: "v", product: "p", packageName: "control\u{01}\u{1F}char", ecosystem: nil, cpePart: "a", cpeVendor: "qemu",
                    cpeProduct: "qemu", defaultStatus: "unaffected",
                    ranges: [
                        .cve5(version: "0", lessThan: "6.1.0", lessThanOrEqual: nil, status: "affected", versionType: nil, changes: []),
                        .cve5(
                            version: "1", lessThan: nil, lessThanOrEqual: "2", status: "unknown", versionType: "git",
                            changes: [StatusChange(at: "1.5", status: "unaffected")]),
                        .osv(type: "SEMVER", events: [OSVEvent(.introduced, "0"), OSVEvent(.lastAffected, "1.2"), OSVEvent(.limit, "*")]),
                        .osv(type: "GIT", events: []),
                        .cpe(
                            version: "*", update: nil, startIncluding: "1", startExcluding: nil, endIncluding: nil, endExcluding: "2",
                            vulnerable: true, platformCondition: false),
                        .cpe(
                            version: "6.1.0", update: "rc1", startIncluding: nil, startExcluding: "0", endIncluding: "9", endExcluding: nil,
                            vulnerable: false, platformCondition: true),
                    ],
                    versions: ["1.0", "1.1"]),
                AffectedEntry(),
            ],
            kevDateAdded: "2024-05-01", categories: ["memory-corruption"])
        let back = try Self.roundTrip(a)
        a.summary = ""
        #expect(back == a)
    }

    /// Bodies stored by versions before `AdvisoryBody` were written by `JSONEncoder`: other key order,
    /// absent optionals. The pull reader reads them like `JSONDecoder`; what it cannot read is nil (the
    /// caller then falls back to `JSONDecoder`), never a partial advisory.
    @Test func pullReaderReadsJSONEncoderBodiesAndRefusesBrokenOnes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        var records = 0
        for file in Self.fixtureFiles {
            for a in try Fixture.parse(file).advisories {
                let bytes = Array(try encoder.encode(a))
                #expect(AdvisoryBody.decode(bytes.span) == a, "\(file) \(a.id)")
                records += 1
            }
        }
        #expect(records >= 60)
        let good = AdvisoryBody.encode(Advisory(id: "CVE-2024-1", format: .cve5, affected: [AffectedEntry(ranges: [.osv(type: "GIT", events: [])])]))
        #expect(AdvisoryBody.decode(good.span) != nil)
        let broken = [
            "", "{", "[]", "{\"format\":\"cve5\"}", "{\"id\":\"X\",\"format\":\"nope\"}", "{\"id\":1,\"format\":\"cve5\"}",
            "{\"id\":\"X\",\"format\":\"cve5\",\"affected\":[{\"ranges\":[{\"bogus\":{}}]}]}",
            "{\"id\":\"X\",\"format\":\"cve5\",\"affected\":[{\"ranges\":[{\"cve5\":{\"version\":\"1\"}}]}]}",
            "{\"id\":\"X\",\"format\":\"cve5\",\"cwes\":[{\"id\":1e400,\"source\":\"cna\"}]}",
            "{\"id\":\"X\",\"format\":\"cve5\"} trailing",
        ]
        for text in broken {
            #expect(AdvisoryBody.decode(Array(text.utf8).span) == nil, "\(text)")
            // JSONDecoder refuses them too: the fallback gives no advisory either.
            #expect((try? JSONDecoder().decode(Advisory.self, from: Data(text.utf8))) == nil, "\(text)")
        }
    }

    @Test func emptyAdvisoryRoundTrips() throws {
        let a = Advisory(id: "X", format: .nvd)
        #expect(try Self.roundTrip(a) == a)
    }
}

@Suite struct ContentHashTests {
    @Test func isSHA256NamedInTheStoredForm() {
        // The FIPS 180-2 test vectors for SHA-256.
        #expect(ContentHash.of(Data("abc".utf8)) == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.of(Data()) == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.isKnown(ContentHash.of(Data(count: 40))))
        // What schema v2 stored, and what the v3 migration leaves: unknown, so the file is hashed again.
        #expect(!ContentHash.isKnown("xh4:c1c24d8992fa5880:3"))
        #expect(!ContentHash.isKnown(""))
    }
}
