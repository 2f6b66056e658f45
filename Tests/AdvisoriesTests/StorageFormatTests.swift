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
        return try JSONDecoder().decode(Advisory.self, from: Data(bytes))
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

    @Test func emptyAdvisoryRoundTrips() throws {
        let a = Advisory(id: "X", format: .nvd)
        #expect(try Self.roundTrip(a) == a)
    }
}

@Suite struct ContentHashTests {
    @Test func pinnedValues() {
        // Pinned (values computed by an independent Python transcription of the documented function), so
        // a change of the function — which would make every stored file look changed — is deliberate.
        #expect(ContentHash.digest(Data().span) == 0x9090_306c_6e91_ed59)
        #expect(ContentHash.digest(Data("abc".utf8).span) == 0xc1c2_4d89_92fa_5880)
        #expect(ContentHash.digest(Data(0..<100).span) == 0x04d1_4c7b_989f_a083)
        #expect(ContentHash.of(Data("abc".utf8)) == "xh4:c1c24d8992fa5880:3")
    }

    @Test func everySingleByteChangeIsSeen() {
        // Lengths around the 32-byte stripe and the tail loop.
        for n in [1, 7, 8, 31, 32, 33, 64, 100] {
            let base = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            let h = ContentHash.digest(base.span)
            var seen = Set([h])
            for i in 0..<n {
                for flip: UInt8 in [0x01, 0x80] {
                    var d = base
                    d[i] ^= flip
                    let x = ContentHash.digest(d.span)
                    #expect(x != h, "n=\(n) byte \(i) flip \(flip)")
                    seen.insert(x)
                }
            }
            #expect(seen.count == 1 + 2 * n, "collisions among single-bit changes at n=\(n)")
        }
    }

    @Test func lengthIsPartOfTheIdentity() {
        #expect(ContentHash.digest(Data([0]).span) != ContentHash.digest(Data([0, 0]).span))
        #expect(ContentHash.of(Data(count: 40)) != ContentHash.of(Data(count: 41)))
    }
}
