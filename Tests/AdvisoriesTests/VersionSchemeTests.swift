import Foundation
import Testing

@testable import Advisories

@Suite struct DebianVersionTests {
    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.0", "1.1", -1), ("1.0~rc1", "1.0", -1), ("1.0", "1.0+b1", -1),
        ("1:0.9", "2.0", 1), ("1.0-1", "1.0-1~bpo1", 1), ("7.2+dfsg-7+deb12u18", "7.2+dfsg-7+deb12u7", 1),
        ("1:7.2+dfsg-7+deb12u18+b3", "1:7.2+dfsg-7+deb12u18", 1), ("1.0a", "1.0+", -1), ("1.0~~", "1.0~", -1),
        ("1.00", "1.0", 0), ("1.0-0", "1.0", 0), ("2.30-1", "2.4-1", 1), ("1.2.3~beta", "1.2.3~alpha", 1),
    ])
    func ordering(_ a: String, _ b: String, _ expected: Int) {
        #expect(DebianVersion.compare(a, b) == expected, "\(a) vs \(b)")
        #expect(DebianVersion.compare(b, a) == -expected, "\(b) vs \(a)")
    }

    @Test func splitsLikeDpkg() throws {
        let v = try #require(DebianVersion("1:7.2+dfsg-7+deb12u18+b3"))
        #expect(v.epoch == 1)
        #expect(v.upstream == "7.2+dfsg")
        #expect(v.revision == "7+deb12u18+b3")
        #expect(v.upstreamForMatching == "7.2")
        let hyphenated = try #require(DebianVersion("2.0-rc1-3"))
        #expect(hyphenated.upstream == "2.0-rc1" && hyphenated.revision == "3")
    }

    @Test(arguments: ["", "a1.0", "1:", ":1.0", "x:1.0", "1.0-", "1.0 2", "1.0_1", "1.0-1:2"])
    func rejectsInvalid(_ s: String) {
        #expect(DebianVersion(s) == nil, "\(s) should be rejected")
        #expect(DebianVersion.compare(s, "1.0") == nil)
    }
}

@Suite struct RPMVersionTests {
    // Cases from rpm's own test suite (tests/rpmvercmp.at).
    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.0", "2.0", -1), ("2.0.1", "2.0.1a", -1), ("5.5p1", "5.5p2", -1), ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1), ("xyz10", "xyz10.1", -1), ("1.0", "1.0a", -1), ("1.0a", "1.0", 1), ("2a", "2.0", -1),
        ("1.0~rc1", "1.0", -1), ("1.0~rc1", "1.0~rc2", -1), ("1.0~rc1~git123", "1.0~rc1", -1), ("1.0^", "1.0", 1),
        ("1.0^git1", "1.0", 1), ("1.0^git1", "1.01", -1), ("1.0^20160101", "1.0.1", -1), ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0^git1~pre", "1.0^git1", -1), ("1.0^git2", "1.0^git1", 1), ("1_0", "1.0", 0), ("000001", "1", 0),
        ("a", "1", -1), ("2:1.0-1", "1:9.9-9", 1), ("1.0-2", "1.0-10", -1),
    ])
    func ordering(_ a: String, _ b: String, _ expected: Int) {
        #expect(RPMVersion.compare(a, b) == expected, "\(a) vs \(b)")
        #expect(RPMVersion.compare(b, a) == -expected, "\(b) vs \(a)")
    }
}

@Suite struct SemVerTests {
    // The precedence chain from semver.org §11, in increasing order.
    @Test func specPrecedenceChain() {
        let chain = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0",
            "2.1.0", "2.1.1",
        ]
        for i in chain.indices.dropLast() {
            #expect(SemVer.compare(chain[i], chain[i + 1]) == -1, "\(chain[i]) < \(chain[i + 1])")
        }
        #expect(SemVer.compare("1.0.0+build.1", "1.0.0+build.2") == 0)
        #expect(SemVer.compare("v1.2.3", "1.2.3") == 0)
        // Strict SemVer orders rc10 before rc3 (ASCII); the upstream comparator does not.
        #expect(SemVer.compare("1.0.0-rc10", "1.0.0-rc3") == -1)
        #expect(UpstreamVersion.compare("1.0.0-rc10", "1.0.0-rc3") == 1)
    }

    @Test(arguments: ["1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.a.0", "", "1.0.0-rc..1"])
    func rejectsInvalid(_ s: String) { #expect(SemVer(s) == nil, "\(s)") }
}

@Suite struct GoVersionTests {
    @Test func pseudoVersions() throws {
        let p = try #require(GoVersion("0.0.0-20260219090056-6a672503973b"))
        #expect(p.isPseudo && p.pseudoTimestamp == "20260219090056" && p.pseudoRevision == "6a672503973b")
        let q = try #require(GoVersion("v1.0.0-rc8.0.20190930145003-cad42f6e0932"))
        #expect(q.pseudoTimestamp == "20190930145003")
        #expect(GoVersion.compare("v1.0.0-rc8.0.20190930145003-cad42f6e0932", "v1.0.0-rc8") == 1)
        #expect(GoVersion.compare("v1.0.0-rc8.0.20190930145003-cad42f6e0932", "v1.0.0-rc9") == -1)
        // Kata's release 3.27.0 is newer than a pseudo-version of 0.0.0 under Go ordering — the pitfall.
        #expect(GoVersion.compare("3.27.0", "0.0.0-20260219090056-6a672503973b") == 1)
        #expect(GoVersion.compare("v2.0.0+incompatible", "v1.9.9") == 1)
        #expect(GoVersion("not-a-version") == nil)
    }
}

@Suite struct UpstreamVersionTests {
    @Test(arguments: [
        ("8.2.0-rc1", "8.2.0", -1), ("8.2.0", "10.0.2", -1), ("10.0.2", "10.0.2", 0), ("v5.2.0", "5.2.0", 0),
        ("6.1.0-rc2", "6.1.0-rc10", -1), ("1.0a", "1.0", 1), ("1.0a1", "1.0", -1), ("2.0b2", "2.0a3", 1), ("1.0a", "1.0.1", -1), ("7.2", "7.2.0", -1),
        ("4.16.0", "4.5.0", 1), ("2018-11-01", "2018-10-31", 1), ("1.0~beta", "1.0", -1), ("31.1", "31.0", 1),
    ])
    func ordering(_ a: String, _ b: String, _ expected: Int) {
        #expect(UpstreamVersion.compare(a, b) == expected, "\(a) vs \(b)")
        #expect(UpstreamVersion.compare(b, a) == -expected, "\(b) vs \(a)")
    }

    @Test(arguments: ["", "consult Xen advisory XSA-458", "n/a", "QEMU versions before 5.2.0", "*"])
    func proseIsNotAVersion(_ s: String) { #expect(UpstreamVersion.compare(s, "1.0") == nil, "\(s)") }
}
