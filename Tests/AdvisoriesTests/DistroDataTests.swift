import BulkheadModel
import Foundation
import Testing

@testable import Advisories

/// Distribution security data as the first source: Red Hat CSAF VEX, OSV distribution ecosystems (Ubuntu's
/// real record) and the Debian security tracker, on the real fixtures of Fixtures/distro (PROVENANCE.md).
@Suite struct DistroDataTests {
    static let curl = "distro/cve-2023-38545.json"
    static let snakeyaml = "distro/cve-2022-38752.json"
    static let ubuntu = "distro/ubuntu-CVE-2023-0286.json"
    static let rhel93 = DistroRelease(id: "rhel", versionID: "9.3")
    static let jammy = DistroRelease(id: "ubuntu", versionID: "22.04", codename: "jammy", isLTS: true)

    static func decide(_ rel: String, _ release: DistroRelease, _ names: Set<String>, _ version: String) throws -> [String: DistroDecision] {
        DistroData.decisions(records: [try Fixture.advisory(rel)], release: release, names: names, installed: version)
    }

    @Test func redHatVEXIsReadIntoEntriesPerStream() throws {
        let a = try Fixture.advisory(Self.curl)
        #expect(a.id == "CVE-2023-38545" && a.format == .csaf && a.cveIDs == ["CVE-2023-38545"])
        #expect(a.published == "2023-10-11T00:00:00+00:00" || a.published?.hasPrefix("2023-10") == true)
        #expect(a.severities.contains { $0.source == "csaf aggregate_severity" })
        #expect(a.severities.contains { $0.source == "csaf cvss_v3" && $0.score != nil })
        // Debug packages are left out; the architectures collapse (x86_64 and src give one entry per rpm).
        #expect(!a.affected.contains { ($0.packageName ?? "").hasSuffix("-debuginfo") })
        let main93 = a.affected.filter { $0.ecosystem == "Red Hat:cpe:/a:redhat:enterprise_linux:9::appstream" && $0.packageName == "libcurl" }
        #expect(Set(main93.compactMap(DistroData.fixedEvent)) == ["7.76.1-26.el9_3.2", "7.76.1-23.el9_2.4"])
        #expect(main93.allSatisfy { $0.defaultStatus == "fixed" && ($0.note ?? "").contains(":libcurl-0:7.76.1-") })
        // RHEL 7's unversioned products are known_not_affected.
        #expect(
            a.affected.contains {
                $0.ecosystem == "Red Hat:cpe:/o:redhat:enterprise_linux:7" && $0.packageName == "curl" && $0.defaultStatus == "not_affected"
            })
        // The Satellite client platform is no RHEL stream: nothing of it is kept.
        #expect(!a.affected.contains { ($0.note ?? "").hasPrefix("9Base-satellite") })
        // The stored form keeps the note (AdvisoryBody round trip).
        let body = AdvisoryBody.encode(a)
        #expect(AdvisoryBody.decode(body.span)?.affected == a.affected)
    }

    @Test func aFixInAPointReleaseStreamDecidesByTheInstalledStream() throws {
        // RHEL 9.3: the 9.3 z-stream fix 7.76.1-26.el9_3.2 decides, not the lower 9.2 one.
        let fixed = try Self.decide(Self.curl, Self.rhel93, ["libcurl"], "7.76.1-26.el9_3.2")["CVE-2023-38545"]
        #expect(fixed?.verdict == .fixed && fixed?.via == .csaf)
        #expect(
            fixed?.reason
                == "Red Hat CSAF VEX CVE-2023-38545 cpe:/a:redhat:enterprise_linux:9::appstream: fixed in 7.76.1-26.el9_3.2 ≤ installed 7.76.1-26.el9_3.2"
        )
        // One z-stream update short is affected, though it is above the 9.2 fix.
        let before = try Self.decide(Self.curl, Self.rhel93, ["libcurl"], "7.76.1-26.el9_3.1")["CVE-2023-38545"]
        #expect(before?.verdict == .affected && before?.reason.contains("fixed in 7.76.1-26.el9_3.2 > installed 7.76.1-26.el9_3.1") == true)
        // RHEL 9.2 is judged by its own stream's fix (el9_2.4).
        let rhel92 = DistroRelease(id: "rhel", versionID: "9.2")
        #expect(try Self.decide(Self.curl, rhel92, ["libcurl"], "7.76.1-23.el9_2.3")["CVE-2023-38545"]?.verdict == .affected)
        #expect(try Self.decide(Self.curl, rhel92, ["libcurl"], "7.76.1-23.el9_2.4")["CVE-2023-38545"]?.verdict == .fixed)
        // A later minor release (no fix of its own stream listed) carries the newest main-stream fix.
        let rhel94 = DistroRelease(id: "rhel", versionID: "9.4")
        #expect(try Self.decide(Self.curl, rhel94, ["libcurl"], "7.76.1-29.el9_4")["CVE-2023-38545"]?.verdict == .fixed)
        // The source rpm name finds it too (a binary package whose name the VEX does not list).
        #expect(try Self.decide(Self.curl, Self.rhel93, ["libcurl-foo", "curl"], "7.76.1-26.el9_3.2")["CVE-2023-38545"]?.verdict == .fixed)
    }

    @Test func aReleaseMarkedNotAffectedIsNotAffected() throws {
        let rhel7 = DistroRelease(id: "rhel", versionID: "7.9")
        let d = try #require(try Self.decide(Self.curl, rhel7, ["curl"], "7.29.0-59.el7_9.2")["CVE-2023-38545"])
        #expect(d.verdict == .notAffected)
        #expect(d.reason == "Red Hat CSAF VEX CVE-2023-38545 cpe:/o:redhat:enterprise_linux:7: curl known_not_affected")
        // Another distribution's host takes nothing from Red Hat's VEX.
        #expect(try Self.decide(Self.curl, DistroRelease(id: "almalinux", versionID: "9.3"), ["libcurl"], "7.76.1-26.el9_3.1").isEmpty)
        #expect(try Self.decide(Self.curl, Self.jammy, ["curl"], "7.81.0-1ubuntu1.14").isEmpty)
    }

    @Test func anUnfixedCVEIsAffectedWithTheVendorsRemediation() throws {
        let rhel7 = DistroRelease(id: "rhel", versionID: "7.9")
        let d = try #require(try Self.decide(Self.snakeyaml, rhel7, ["snakeyaml"], "1.9-8.el7")["CVE-2022-38752"])
        #expect(d.verdict == .affected && d.fixedVersion == nil)
        #expect(d.reason.contains("snakeyaml known_affected, no fix") && d.reason.contains("no_fix_planned: Out of support scope"))
        // RHEL 9 has no statement for it: nothing decided.
        #expect(try Self.decide(Self.snakeyaml, Self.rhel93, ["snakeyaml"], "1.33-1.el9").isEmpty)
    }

    @Test func ubuntuOSVRecordsDecidePerRelease() throws {
        // A security update of 22.04 fixed it: fixed at and after 3.0.2-0ubuntu1.8.
        let fixed = try #require(try Self.decide(Self.ubuntu, Self.jammy, ["openssl"], "3.0.2-0ubuntu1.10")["CVE-2023-0286"])
        #expect(fixed.verdict == .fixed && fixed.via == .osvDistribution)
        #expect(fixed.reason == "OSV CVE-2023-0286 Ubuntu:22.04:LTS: fixed in 3.0.2-0ubuntu1.8 ≤ installed 3.0.2-0ubuntu1.10")
        #expect(fixed.sourceLabel == "OSV CVE-2023-0286 (Ubuntu:22.04:LTS)")
        let old = try #require(try Self.decide(Self.ubuntu, Self.jammy, ["openssl"], "3.0.2-0ubuntu1.7")["CVE-2023-0286"])
        #expect(
            old.verdict == .affected && old.reason == "OSV CVE-2023-0286 Ubuntu:22.04:LTS: fixed in 3.0.2-0ubuntu1.8 > installed 3.0.2-0ubuntu1.7")
        // edk2 on 22.04 has no fix: affected, unfixed.
        let edk2 = try #require(try Self.decide(Self.ubuntu, Self.jammy, ["edk2"], "2022.02-3ubuntu0.22.04.2")["CVE-2023-0286"])
        #expect(edk2.verdict == .affected && edk2.fixedVersion == nil && edk2.reason.contains("unfixed"))
        // 20.04 reads its own entry (1.1.1f-1ubuntu2.17), a release without an entry reads nothing.
        let focal = DistroRelease(id: "ubuntu", versionID: "20.04", isLTS: true)
        #expect(try Self.decide(Self.ubuntu, focal, ["openssl"], "1.1.1f-1ubuntu2.16")["CVE-2023-0286"]?.verdict == .affected)
        #expect(try Self.decide(Self.ubuntu, focal, ["openssl"], "1.1.1f-1ubuntu2.17")["CVE-2023-0286"]?.verdict == .fixed)
        #expect(try Self.decide(Self.ubuntu, DistroRelease(id: "ubuntu", versionID: "24.04", isLTS: true), ["openssl"], "3.0.13-0ubuntu3").isEmpty)
        // The upstream path leaves the distribution entries alone (they would be compared with an upstream version).
        let upstreamOnly = DistroData.upstreamOnly([try Fixture.advisory(Self.ubuntu)])
        #expect(upstreamOnly.isEmpty)
    }

    @Test func osReleaseGivesTheEcosystemsAndStreams() {
        let ubuntu = DistroRelease.parse(
            osRelease: "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nVERSION_CODENAME=jammy\n")
        #expect(ubuntu?.osvEcosystems == ["Ubuntu:22.04:LTS"] && ubuntu?.codename == "jammy" && ubuntu?.scheme == .debian)
        #expect(
            DistroRelease.parse(osRelease: "ID=ubuntu\nVERSION_ID=\"24.10\"\nVERSION=\"24.10 (Oracular Oriole)\"\n")?.osvEcosystems == [
                "Ubuntu:24.10"
            ])
        #expect(DistroRelease.parse(osRelease: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")?.osvEcosystems == ["Debian:12"])
        let rhel = DistroRelease.parse(osRelease: "ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n")
        #expect(rhel?.redHatMajor == "9" && rhel?.osvEcosystems == [] && rhel?.lookupBases == ["red hat"] && rhel?.scheme == .rpm)
        #expect(DistroRelease.parse(osRelease: "ID=rocky\nVERSION_ID=\"9.3\"\n")?.osvEcosystems == ["Rocky Linux:9"])
        #expect(DistroRelease.parse(osRelease: "ID=almalinux\nVERSION_ID=\"8.10\"\n")?.osvEcosystems == ["AlmaLinux:8"])
        // No ID or VERSION_ID (Debian sid, a hostile file): no release, so no distribution data is used.
        #expect(DistroRelease.parse(osRelease: "ID=debian\n") == nil)
        #expect(DistroRelease.parse(osRelease: "\u{0}\u{1}garbage") == nil)
    }

    @Test func theTrackerDecidesOpenResolvedAndNeverAffected() throws {
        let t = try DebianSecurityTracker.load(path: Fixture.path(SecurityTrackerTests.file))
        // <unfixed>: librsync in buster is open with no fixed version.
        let open = try #require(t.decisions(sourcePackage: "librsync", codename: "buster", installed: "0.9.7-10")["CVE-2014-8242"])
        #expect(open.verdict == .affected && open.reason.contains("<unfixed>"))
        let fixed = t.decisions(sourcePackage: "mimetex", codename: "buster", installed: "1.76-1")
        #expect(fixed["CVE-2009-1382"]?.verdict == .fixed)
        #expect(t.decisions(sourcePackage: "mimetex", codename: "buster", installed: "1.50-1")["CVE-2009-1382"]?.verdict == .affected)
        // fixed_version 0 (written for this test in the export's shape): the release was never affected.
        let never = try DebianSecurityTracker.parse(
            Data(
                #"{"prototypejs": {"CVE-2007-2383": {"releases": {"buster": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}}}}}"#
                    .utf8),
            file: "tracker.json")
        let d = try #require(never.decisions(sourcePackage: "prototypejs", codename: "buster", installed: "1.7.1-3")["CVE-2007-2383"])
        #expect(d.verdict == .notAffected && d.reason.contains("never vulnerable"))
    }

    /// An upstream NVD record that calls every version up to 9.0 affected.
    static func upstream(_ cve: String, vendor: String, product: String) -> Advisory {
        Advisory(
            id: cve, format: .nvd, published: "2023-02-08T00:00:00Z", summary: "upstream",
            affected: [
                AffectedEntry(
                    cpeVendor: vendor, cpeProduct: product,
                    ranges: [
                        .cpe(
                            version: "*", update: "*", startIncluding: nil, startExcluding: nil, endIncluding: "9.0", endExcluding: nil,
                            vulnerable: true, platformCondition: false)
                    ])
            ])
    }

    @Test func distributionDataDecidesTheChangelogCorroboratesUpstreamLast() throws {
        var aliases = try Fixture.aliases("qemu")
        aliases.cpe = [.init("openssl", "openssl")]
        let installed = InstalledProduct(product: "qemu", package: "openssl", version: "3.0.2-0ubuntu1.7", manager: "dpkg")
        let now = Date(timeIntervalSince1970: 1_764_288_000)
        let candidates = [Self.upstream("CVE-2023-0286", vendor: "openssl", product: "openssl"), try Fixture.advisory(Self.ubuntu)]
        let distro = try Self.decide(Self.ubuntu, Self.jammy, ["openssl"], installed.version)
        let changelog = BackportFix(
            cve: "CVE-2023-0286", revision: "3.0.2-0ubuntu1.7", line: 12, text: "SECURITY UPDATE: CVE-2023-0286",
            file: "/usr/share/doc/openssl/changelog.Debian.gz",
            via: .debianChangelog)
        // The changelog claims a fix, Ubuntu's data says 3.0.2-0ubuntu1.8 is needed: the distribution decides, the claim is overruled.
        let r = AdvisoryCheck.evaluate(
            installed, aliases: aliases, candidates: candidates, kev: [:], fixes: ["CVE-2023-0286": changelog], distro: distro, now: now,
            internetFacing: false)
        let f = try #require(r.findings.first { $0.id == "CVE-2023-0286" })
        #expect(r.findings.count == 1)
        #expect(f.state == .open && f.decidedBy == "distribution data: OSV CVE-2023-0286 (Ubuntu:22.04:LTS)")
        #expect(f.reason.contains("fixed in 3.0.2-0ubuntu1.8 > installed") && f.reason.contains("overruled"))
        #expect(f.evidence.contains { $0.claim.contains("but the distribution's data decides: still affected") })
        #expect(f.deadlineDays != nil)  // open with a publication date: ISM-1606 timeliness applies
        // Fixed per the distribution and listed in the changelog: fixed, the changelog corroborating.
        let newer = InstalledProduct(product: "qemu", package: "openssl", version: "3.0.2-0ubuntu1.8", manager: "dpkg")
        let r2 = AdvisoryCheck.evaluate(
            newer, aliases: aliases, candidates: candidates, kev: [:], fixes: ["CVE-2023-0286": changelog],
            distro: try Self.decide(Self.ubuntu, Self.jammy, ["openssl"], newer.version), now: now, internetFacing: false)
        let g = try #require(r2.findings.first)
        #expect(g.state == .fixedByBackport && g.backport?.via == .osvDistribution && g.decidedBy?.hasPrefix("distribution data: OSV") == true)
        #expect(g.evidence.contains { $0.claim.hasPrefix("corroborated by changelog line 12") })
        // Without distribution data the changelog decides; without either, the upstream range.
        let r3 = AdvisoryCheck.evaluate(
            installed, aliases: aliases, candidates: candidates, kev: [:], fixes: ["CVE-2023-0286": changelog], now: now, internetFacing: false)
        #expect(r3.findings.first?.state == .fixedByBackport && r3.findings.first?.decidedBy?.hasPrefix("changelog: ") == true)
        let r4 = AdvisoryCheck.evaluate(installed, aliases: aliases, candidates: candidates, kev: [:], fixes: [:], now: now, internetFacing: false)
        #expect(r4.findings.first?.state == .open && r4.findings.first?.decidedBy == "upstream records: CVE-2023-0286 (nvd)")
        // A CVE only the distribution's data knows is a finding of its own.
        let edk2 = InstalledProduct(product: "qemu", package: "edk2", version: "2022.02-3ubuntu0.22.04.2", manager: "dpkg")
        let r5 = AdvisoryCheck.evaluate(
            edk2, aliases: aliases, candidates: [], kev: [:], fixes: [:],
            distro: try Self.decide(Self.ubuntu, Self.jammy, ["edk2"], edk2.version), now: now, internetFacing: false)
        #expect(r5.findings.map(\.id) == ["CVE-2023-0286"] && r5.findings.first?.state == .open)
    }

    /// The real documents imported with malformed siblings derived from them: each bad file is refused with
    /// its reason, the good ones are stored and found by package.
    @Test func importStoresDistroDataAndRefusesMalformedDocuments() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = dir + "/feed"
        try FileManager.default.createDirectory(atPath: feed, withIntermediateDirectories: true)
        for rel in [Self.curl, Self.snakeyaml, Self.ubuntu] {
            try FileManager.default.copyItem(atPath: Fixture.path(rel), toPath: feed + "/" + (rel as NSString).lastPathComponent)
        }
        let text = try String(contentsOfFile: Fixture.path(Self.snakeyaml), encoding: .utf8)
        let bad: [String: String] = [
            "bad-version.json": text.replacingOccurrences(of: "\"csaf_version\": \"2.0\"", with: "\"csaf_version\": \"1.2\""),
            "bad-comma.json": text.replacingOccurrences(of: "\"category\": \"csaf_vex\",", with: "\"category\": \"csaf_vex\",,"),
            "bad-status.json": text.replacingOccurrences(
                of: "\"known_affected\": [\n          \"red_hat_enterprise_linux_7:snakeyaml\"\n        ]",
                with: "\"known_affected\": \"red_hat_enterprise_linux_7:snakeyaml\""),
            "bad-id.json": text.replacingOccurrences(of: "\"id\": \"CVE-2022-38752\",", with: ""),
        ]
        for (name, body) in bad {
            #expect(body != text, "mutation \(name) did not apply")
            try body.write(toFile: feed + "/" + name, atomically: true, encoding: .utf8)
        }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let report = try await AdvisoryImporter.run([feed], into: db)
        #expect(try db.summary().recordsByFormat == ["csaf": 2, "osv": 1])
        let byFile = Dictionary(grouping: report.problems) { ($0.file as NSString).lastPathComponent }
        #expect(Set(byFile.keys) == Set(bad.keys), "\(report.problems)")
        #expect(byFile["bad-version.json"]?.first?.code == "unknownSchemaVersion")
        #expect(byFile["bad-comma.json"]?.first?.reason.contains("invalid JSON") == true)
        #expect(byFile["bad-status.json"]?.first?.reason.contains("wrong type") == true)
        #expect(byFile["bad-id.json"]?.first?.reason.contains("tracking.id") == true)
        // Found by package through the stored lookup keys, and decided as from the files.
        let redHat = try db.distroRecords(bases: ["red hat"], packages: ["libcurl"])
        #expect(redHat.map(\.id) == ["CVE-2023-38545"])
        let d = DistroData.decisions(records: redHat, release: Self.rhel93, names: ["libcurl"], installed: "7.76.1-26.el9_3.2")
        #expect(d["CVE-2023-38545"]?.verdict == .fixed)
        #expect(try db.distroRecords(bases: ["ubuntu"], packages: ["openssl"]).map(\.id) == ["CVE-2023-0286"])
        #expect(try db.distroRecords(bases: ["debian"], packages: ["openssl"]).isEmpty)
    }

    @Test func hostileCSAFIsRefusedWithAReason() {
        func problems(_ json: String) -> [ImportProblem] { AdvisoryParser.parse(Data(json.utf8), file: "x.json").problems }
        // Wrong types where the schema is strict, a missing document, an unknown version.
        #expect(problems(#"{"document": {"csaf_version": 2, "tracking": {"id": "X"}}}"#).first?.reason.contains("wrong type") == true)
        #expect(problems(#"{"document": {"csaf_version": "2.1", "tracking": {"id": "X"}}}"#).first?.code == "unknownSchemaVersion")
        #expect(problems(#"{"document": {"csaf_version": "2.0", "tracking": {"id": ""}}}"#).first?.reason.contains("tracking.id") == true)
        #expect(
            problems(
                #"{"document": {"csaf_version": "2.0", "tracking": {"id": "X"}}, "product_tree": {"relationships": [{"product_reference": "a"}]}}"#
            )
            .first?.reason.contains("missing") == true)
        // Deep nesting of branches is stopped by the reader's depth cap, not the stack.
        let deep = String(repeating: #"{"branches": ["#, count: 5000)
        #expect(!problems(#"{"document": {"csaf_version": "2.0", "tracking": {"id": "X"}}, "product_tree": {"branches": ["# + deep).isEmpty)
        // A relationship to a product that is not in the tree, a purl that is not an rpm: no entry, no crash.
        let odd = #"""
            {"document": {"csaf_version": "2.0", "tracking": {"id": "CVE-2024-0001"}},
             "product_tree": {"branches": [{"product": {"product_id": "p", "name": "P", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9"}}},
                                           {"product": {"product_id": "c", "name": "c", "product_identification_helper": {"purl": "pkg:maven/x/y@1"}}}],
                              "relationships": [{"full_product_name": {"product_id": "p:c"}, "product_reference": "c", "relates_to_product_reference": "p"},
                                                {"full_product_name": {"product_id": "p:z"}, "product_reference": "z", "relates_to_product_reference": "nowhere"}]},
             "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": {"fixed": ["p:c", "p:z", "unknown"]}}]}
            """#
        let parsed = AdvisoryParser.parse(Data(odd.utf8), file: "odd.json")
        #expect(parsed.problems.isEmpty && parsed.advisories.first?.affected.isEmpty == true)
    }
}
