import BulkheadTestSupport
import Formats
import Foundation
import HostInspection
import Testing

@testable import Advisories

@Suite struct RPMChangelogTests {
    @Test(.enabled(if: Tool.runs("rpmbuild", "rpm"), "needs rpmbuild and rpm (.ci/run installs rpm)"))
    func realDatabaseChangelogMatchesRPM() throws {
        let tree = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let dbpath = try RealRPM.build(in: tree)
        let path = dbpath + "/rpmdb.sqlite"
        let bytes = [UInt8](try BoundedFile.read(path, limit: 64 << 20))
        let (packages, problems) = try RPMChangelog.read(database: bytes, path: path, names: ["qemu-kvm", "absent"])
        #expect(problems.isEmpty, "\(problems)")
        let pkg = try #require(packages["qemu-kvm"]?.first)
        // rpm's own answers (real program output) for the EVR and the changelog names and times.
        #expect(pkg.version == (try RealRPM.rpmQuery(dbpath, "%{EPOCH}:%{VERSION}-%{RELEASE}")))
        let names = try RealRPM.rpmQuery(dbpath, "[%{CHANGELOGNAME}\n]").split(separator: "\n").map(String.init)
        let times = try RealRPM.rpmQuery(dbpath, "[%{CHANGELOGTIME:date}\n]").split(separator: "\n")
        #expect(names.count == 4 && times.count == 4)
        #expect(pkg.entries.map(\.version) == ["17:7.2.0-3.el9", "7.2.0-2", "7.2.0-1.el9"])
        #expect(pkg.entries.map(\.version) == names.compactMap { RPMChangelog.version(inNameLine: $0) })
        #expect(pkg.unversionedEntries == 1)
        let rawTimes = try RealRPM.rpmQuery(dbpath, "[%{CHANGELOGTIME}\n]").split(separator: "\n").compactMap { TimeInterval($0) }
        #expect(pkg.entries.compactMap { $0.date?.timeIntervalSince1970 } == Array(rawTimes.prefix(3)))
        #expect(pkg.entries.first?.mentions.map(\.cve) == ["CVE-2024-7409"])

        let fixes = RPMChangelog.fixes(pkg.entries, installed: pkg.version, file: path)
        #expect(fixes.keys.sorted() == ["CVE-2020-14364", "CVE-2021-3682", "CVE-2024-7409"])
        // The oldest entry naming a CVE is the evidence; versionless entries never count.
        #expect(fixes["CVE-2024-7409"]?.revision == "7.2.0-1.el9")
        #expect(fixes["CVE-2024-7409"]?.via == .rpmChangelog)
        #expect(fixes["CVE-2023-0001"] == nil)
        // An older installed build does not get the later fixes (rpmvercmp on the release).
        let older = RPMChangelog.fixes(pkg.entries, installed: "17:7.2.0-2", file: path)
        #expect(older["CVE-2021-3682"] != nil)
        #expect(older["CVE-2024-7409"]?.revision == "7.2.0-1.el9")
        let oldest = RPMChangelog.fixes(pkg.entries, installed: "17:7.2.0-1", file: path)
        #expect(oldest.isEmpty, "7.2.0-1 < 7.2.0-1.el9: \(oldest.keys)")
        #expect(packages["absent"] == nil)
    }

    @Test(.enabled(if: Tool.runs("rpmbuild", "rpm"), "needs rpmbuild and rpm (.ci/run installs rpm)"))
    func checkSubtractsRPMBackports() async throws {
        let tree = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let dbpath = try RealRPM.build(in: tree)
        let path = dbpath + "/rpmdb.sqlite"
        let (packages, _) = try RPMChangelog.read(database: [UInt8](try BoundedFile.read(path, limit: 64 << 20)), path: path, names: ["qemu-kvm"])
        let pkg = try #require(packages["qemu-kvm"]?.first)
        let db = try AdvisoryDatabase(path: tree + "/a.sqlite")
        _ = try await AdvisoryImporter.run([Fixture.path("cve5"), Fixture.path("nvd2"), Fixture.path("kev")], into: db)
        let installed = InstalledProduct(product: "qemu", package: "qemu-kvm", version: pkg.version, manager: "rpm")
        let backports = BackportEvidence(fixes: RPMChangelog.fixes(pkg.entries, installed: pkg.version, file: path))
        let with = try AdvisoryCheck.run(installed, aliases: try Fixture.aliases("qemu"), database: db, backports: backports)
        let without = try AdvisoryCheck.run(installed, aliases: try Fixture.aliases("qemu"), database: db, backports: BackportEvidence())
        for id in ["CVE-2024-7409", "CVE-2021-3682", "CVE-2020-14364"] {
            let f = try #require(with.findings.first { $0.cves.contains(id) }, "\(id) should map to qemu 7.2.0")
            #expect(f.state == .fixedByBackport, "\(id): \(f.state)")
            #expect(f.reason.contains("rpm %changelog of qemu-kvm"))
            #expect(without.findings.first { $0.cves.contains(id) }?.state != .fixedByBackport)
        }
    }

    @Test func hostileHeadersAndNames() throws {
        #expect(RPMChangelog.version(inNameLine: "Jane <j@x> - 2:8.2.0-1.fc38") == "2:8.2.0-1.fc38")
        #expect(RPMChangelog.version(inNameLine: "Jane <j@x> 8.2.0-1") == "8.2.0-1")
        #expect(RPMChangelog.version(inNameLine: "Jane <j@x>") == nil)
        #expect(RPMChangelog.version(inNameLine: "Jane <j@x> - see below") == nil)
        #expect(RPMChangelog.version(inNameLine: "") == nil)
        // Truncated, absurd and empty headers are errors, not crashes.
        #expect(throws: RPMHeader.ParseError.self) { try RPMHeader(bytes: [0, 0, 0]) }
        #expect(throws: RPMHeader.ParseError.self) { try RPMHeader(bytes: [0, 0, 0, 1, 0, 0, 0, 64]) }
        #expect(throws: RPMHeader.ParseError.self) { try RPMHeader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]) }
        // One index entry: a STRING_ARRAY claiming 1000 strings in 4 bytes of data ("a\0bA") yields the
        // one NUL-terminated string; "bA" runs off the end and is dropped.
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 4] + [0, 0, 0x04, 0x39, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x03, 0xE8] + Array("a\0b".utf8) + [0x41]
        let h = try RPMHeader(bytes: header)
        #expect(h.strings(1081) == ["a"])
        #expect(h.int32s(1081).isEmpty)
        // Parallel arrays of different lengths: cut with a problem.
        let (entries, unversioned, problem) = RPMChangelog.parse(
            times: [1], names: ["A <a> - 1.0-1", "B <b> - 0.9-1"], texts: ["- CVE-2024-0001"], package: "p")
        #expect(entries.count == 1 && unversioned == 0 && problem != nil)
        #expect(throws: AdvisoriesError.self) { try RPMChangelog.read(database: Array("not sqlite".utf8), path: "x", names: ["p"]) }
    }
}
