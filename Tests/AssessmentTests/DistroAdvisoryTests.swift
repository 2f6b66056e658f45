import Advisories
import Assessment
import BulkheadModel
import Foundation
import HostInspection
import Testing

/// ISM-1606 on a RHEL 9.3 root whose advisory database holds Red Hat's CSAF VEX for CVE-2023-38545 and an
/// upstream record calling every curl ≤ 8.3.0 affected (AdvisoriesTests' Fixtures/distro, PROVENANCE.md):
/// the release comes from the root's /etc/os-release, the VEX decides, and the report says so.
@Suite struct DistroAdvisoryTests {
    static let vex = "../AdvisoriesTests/Fixtures/distro/cve-2023-38545.json"

    static var fixture: String {
        let here = (#filePath as NSString).deletingLastPathComponent
        return (here as NSString).appendingPathComponent(vex)
    }

    /// A root with /etc/os-release of `osRelease`, and a database beside it with the VEX and an NVD-shaped upstream record.
    static func setUp(osRelease: String) async throws -> (dir: String, database: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-distro-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/root/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/feed", withIntermediateDirectories: true)
        try osRelease.write(toFile: dir + "/root/etc/os-release", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/feed/cve-2023-38545.json")
        // The upstream statement (NVD API 2.0 record shape): curl up to 8.3.0 affected.
        let nvd = #"""
            {"id": "CVE-2023-38545", "sourceIdentifier": "support@hackerone.com", "published": "2023-10-18T04:15:11.077",
             "vulnStatus": "Analyzed", "descriptions": [{"lang": "en", "value": "SOCKS5 heap buffer overflow in curl"}],
             "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
               {"vulnerable": true, "criteria": "cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*", "versionStartIncluding": "7.69.0",
                "versionEndIncluding": "8.3.0", "matchCriteriaId": "0"}]}]}]}
            """#
        try nvd.write(toFile: dir + "/feed/nvd-CVE-2023-38545.json", atomically: true, encoding: .utf8)
        let database = dir + "/advisories.sqlite"
        let report = try await AdvisoryImporter.run([dir + "/feed"], into: try AdvisoryDatabase(path: database))
        #expect(report.problems.isEmpty, "\(report.problems)")
        return (dir, database)
    }

    static let curl = ProductAliases(product: "qemu", cpe: [.init("haxx", "curl")], rpmPackages: ["libcurl"])
    static let mechanism = Support.mechanism("qemu", "QEMU", role: .vmm)

    @Test func theRootsReleaseChoosesTheStreamAndTheVEXDecides() async throws {
        let (dir, database) = try await Self.setUp(osRelease: "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.3\"\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = DirectoryHostRoot(directory: dir + "/root")
        let db = try AdvisoryDatabase(path: database)
        // One z-stream update short of the fix: affected, though the upstream range alone would say the same.
        let old = InstalledPackage(name: "libcurl", version: "7.76.1-26.el9_3.1", manager: "rpm", sourcePackage: "curl")
        var reader = BackportReader(root: root, packages: [old], aliases: [Self.curl], mechanisms: [Self.mechanism])
        #expect(reader.distroRelease() == DistroRelease(id: "rhel", versionID: "9.3"))
        let evidence = reader.distroEvidence(for: old, database: db, tracker: nil)
        #expect(evidence.distro["CVE-2023-38545"]?.verdict == .affected)
        // Fixed by the 9.3 z-stream update: the upstream range (7.76.1 ≤ 8.3.0) says affected, the VEX decides fixed.
        let new = InstalledPackage(name: "libcurl", version: "7.76.1-26.el9_3.2", manager: "rpm", sourcePackage: "curl")
        let findings = AdvisoryFindings.findings(
            mechanisms: [Self.mechanism], packages: [new], aliases: [Self.curl], databasePath: database, root: root, now: Support.asOf)
        let f = try #require(findings.first)
        #expect(f.outcome == .pass, "\(f)")
        #expect(f.observed?.contains("0 open") == true && f.observed?.contains("1 fixed by backport") == true, "\(f.observed ?? "")")
        #expect(
            f.evidence.contains {
                $0.claim.hasPrefix(
                    "decided by distribution data: Red Hat CSAF VEX (cpe:/a:redhat:enterprise_linux:9::appstream): 1 advisories — CVE-2023-38545 fixedByBackport"
                )
            },
            "\(f.evidence.map(\.claim))")
        // The same package on a host whose release the VEX does not speak for (AlmaLinux): the upstream range decides.
        let (dir2, database2) = try await Self.setUp(osRelease: "ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n")
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        let alma = AdvisoryFindings.findings(
            mechanisms: [Self.mechanism], packages: [new], aliases: [Self.curl], databasePath: database2,
            root: DirectoryHostRoot(directory: dir2 + "/root"), now: Support.asOf)
        #expect(alma.first?.evidence.contains { $0.claim.hasPrefix("decided by upstream records: 1 advisories — CVE-2023-38545 open") } == true)
    }

    @Test func noReleaseMeansNoDistributionDataAndNoSilentPass() async throws {
        let (dir, database) = try await Self.setUp(osRelease: "NAME=\"Something\"\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = DirectoryHostRoot(directory: dir + "/root")
        let pkg = InstalledPackage(name: "libcurl", version: "7.76.1-26.el9_3.2", manager: "rpm", sourcePackage: "curl")
        var reader = BackportReader(root: root, packages: [pkg], aliases: [Self.curl], mechanisms: [Self.mechanism])
        #expect(reader.distroRelease() == nil)
        #expect(reader.distroEvidence(for: pkg, database: try AdvisoryDatabase(path: database), tracker: nil).distro.isEmpty)
    }
}
