import BulkheadTestSupport
import Formats
import Foundation
import Testing

@testable import Advisories

/// Tests on this machine's real qemu package (installed by .ci/run).
@Suite(.enabled(if: Tool.hasDebianPackages("qemu-system-x86"), "needs the Debian package qemu-system-x86 (.ci/run installs it)"))
struct RealQEMUBackportTests {
    struct Installed {
        var version: String
        var changelog: String
    }

    func installedQEMU() throws -> Installed {
        let status = String(decoding: try BoundedFile.read("/var/lib/dpkg/status", limit: 64 << 20), as: UTF8.self)
        let pkg = try #require(DpkgStatus.parse(status).packages.first(where: { $0.name == "qemu-system-x86" }), "qemu-system-x86 is not installed")
        let path = try #require(DebianChangelog.path(forPackage: "qemu-system-x86"), "qemu-system-x86 has no changelog.Debian.gz")
        return Installed(version: pkg.version, changelog: path)
    }

    @Test func changelogListsCVEsPerRevision() throws {
        let q = try installedQEMU()
        let entries = DebianChangelog.parse(try DebianChangelog.load(path: q.changelog))
        #expect(entries.count > 50)
        #expect(entries.first?.source == "qemu")
        #expect(entries.first?.date != nil)
        // Revisions named in the real changelog, with CVE ids in their text.
        let nbd = try #require(entries.first { $0.mentions.contains { $0.cve == "CVE-2024-7409" } })
        #expect(nbd.version.hasPrefix("1:7.2+dfsg-7+deb12u"))
        let fixes = DebianChangelog.fixes(entries, installed: q.version, file: q.changelog)
        for id in ["CVE-2024-7409", "CVE-2021-3682", "CVE-2020-14364", "CVE-2025-11234"] {
            #expect(fixes[id] != nil, "\(id) should be fixed by \(q.version)")
        }
        // An older installed version does not get the later fixes.
        let old = DebianChangelog.fixes(entries, installed: "1:7.2+dfsg-7+deb12u1", file: q.changelog)
        #expect(old["CVE-2025-11234"] == nil)
        #expect(old["CVE-2021-3682"] != nil)
    }

    @Test func fixedCVEsAreNotReportedOpen() async throws {
        let q = try installedQEMU()
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run([Fixture.path("cve5"), Fixture.path("nvd2"), Fixture.path("kev")], into: db)
        let qemu = try Fixture.aliases("qemu")
        let installed = InstalledProduct(product: "qemu", package: "qemu-system-x86", version: q.version, changelogPath: q.changelog)
        let result = try AdvisoryCheck.run(installed, aliases: qemu, database: db)
        for id in ["CVE-2024-7409", "CVE-2021-3682", "CVE-2020-14364"] {
            let f = try #require(result.findings.first { $0.cves.contains(id) }, "\(id) should map to qemu")
            #expect(f.state == .fixedByBackport, "\(id): \(f.state) \(f.reason)")
            #expect(f.backport?.file == q.changelog)
            #expect(f.evidence.contains { if case .file(let p, _) = $0.source { p == q.changelog } else { false } })
        }
        #expect(!result.findings.contains { $0.state == .open && $0.cves.contains("CVE-2024-7409") })
    }

    @Test func upstreamAffectedButBackportedIsSubtracted() throws {
        let q = try installedQEMU()
        // CVE-2025-11234 is listed in the real changelog (v7.2.22 stable update). A record whose
        // upstream range covers 7.2 would report it open without the changelog.
        let adv = Advisory(
            id: "CVE-2025-11234", format: .nvd, published: "2025-10-01T00:00:00Z", summary: "QEMU websocket use-after-free",
            affected: [
                AffectedEntry(
                    cpeVendor: "qemu", cpeProduct: "qemu",
                    ranges: [
                        .cpe(
                            version: "*", update: "*", startIncluding: nil,
                            startExcluding: nil, endIncluding: nil, endExcluding: "10.1.1", vulnerable: true, platformCondition: false)
                    ])
            ])
        let qemu = try Fixture.aliases("qemu")
        let installed = InstalledProduct(product: "qemu", package: "qemu-system-x86", version: q.version, changelogPath: q.changelog)
        let now = Date(timeIntervalSince1970: 1_764_288_000)  // 2025-11-28
        let without = AdvisoryCheck.evaluate(installed, aliases: qemu, candidates: [adv], kev: [:], fixes: [:], now: now, internetFacing: false)
        #expect(without.findings.first?.state == .open)
        #expect(without.findings.first?.deadlineDays == 30)
        #expect(without.findings.first?.overdue == true)
        let entries = DebianChangelog.parse(try DebianChangelog.load(path: q.changelog))
        let fixes = DebianChangelog.fixes(entries, installed: q.version, file: q.changelog)
        let with = AdvisoryCheck.evaluate(installed, aliases: qemu, candidates: [adv], kev: [:], fixes: fixes, now: now, internetFacing: false)
        #expect(with.findings.first?.state == .fixedByBackport)
    }
}

@Suite struct ChangelogParserTests {
    @Test func hostileChangelog() {
        let text = """
            garbage line without version
            pkg (1.0-2) unstable; urgency=high

              * Fix CVE-2024-1234 and CVE-2024-12345678 (too long) and CVE-24-1.

             -- A <a@b>  Sun, 25 May 2026 12:00:00 +0300

            pkg (1.0-1) unstable; urgency=low

              * CVE-2023-0001

             -- A <a@b>  not a date
            """
        let e = DebianChangelog.parse(text)
        #expect(e.map(\.version) == ["1.0-2", "1.0-1"])
        #expect(e.first?.mentions.map(\.cve) == ["CVE-2024-1234"])
        #expect(e.first?.date != nil && e.last?.date == nil)
        #expect(DebianChangelog.fixes(e, installed: "1.0-1", file: "x").keys.sorted() == ["CVE-2023-0001"])
        #expect(DebianChangelog.fixes(e, installed: "not a version", file: "x").isEmpty)
    }

    @Test func notGzip() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("plain".utf8).write(to: URL(fileURLWithPath: dir + "/changelog.Debian.gz"))
        #expect(throws: AdvisoriesError.self) { try DebianChangelog.load(path: dir + "/changelog.Debian.gz") }
    }
}

@Suite struct TimelineTests {
    @Test func ism1606() {
        #expect(PatchTimeline.deadlineDays(critical: true, exploited: false, internetFacing: false) == 2)
        #expect(PatchTimeline.deadlineDays(critical: false, exploited: true, internetFacing: false) == 2)
        #expect(PatchTimeline.deadlineDays(critical: false, exploited: false, internetFacing: true) == 14)
        #expect(PatchTimeline.deadlineDays(critical: false, exploited: false, internetFacing: false) == 30)
    }
}

/// `dpkg --compare-versions` agreement on versions from this machine (the full ≥10,000-pair run is
/// scripts/dpkg-compare.py, run by .ci/run; this is a 600-pair sample inside `swift test`).
@Suite struct DpkgAgreementTests {
    @Test(.enabled(if: Tool.runs("/usr/bin/dpkg"), "needs dpkg (a Debian host)"))
    func sampleAgreesWithDpkg() throws {
        try #require(Tool.find("/usr/bin/dpkg") != nil, "dpkg is not installed")
        let status = String(decoding: try BoundedFile.read("/var/lib/dpkg/status", limit: 64 << 20), as: UTF8.self)
        let versions = Array(Set(DpkgStatus.parse(status).packages.map(\.version))).sorted()
        try #require(versions.count > 100)
        var pairs: [(String, String)] = zip(versions, versions.dropFirst()).map { ($0, $1) }.prefix(400).map { $0 }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 { pairs.append((versions.randomElement(using: &rng) ?? "1", versions.randomElement(using: &rng) ?? "1")) }
        var disagreements: [String] = []
        for (a, b) in pairs {
            let ours = DebianVersion.compare(a, b)
            let lt = try run(["/usr/bin/dpkg", "--compare-versions", a, "lt", b])
            let eq = try run(["/usr/bin/dpkg", "--compare-versions", a, "eq", b])
            let theirs = lt ? -1 : (eq ? 0 : 1)
            if ours != theirs { disagreements.append("\(a) vs \(b): ours \(String(describing: ours)), dpkg \(theirs)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    func run(_ argv: [String]) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
