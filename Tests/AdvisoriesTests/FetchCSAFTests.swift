import BulkheadTestSupport
import Foundation
import Testing

@testable import Advisories

/// `bulkhead advisories fetch` of a CSAF provider laid out as Red Hat's (archive_latest.txt, changes.csv, the
/// archive, per-file .sha256), served on 127.0.0.1 from claircore's copy of such a server
/// (Fixtures/distro/redhat-vex-server, PROVENANCE.md); the .sha256 files are made by `sha256sum` in the test.
@Suite(.serialized) struct FetchCSAFTests {
    @Test func providerFilesAreParsedStrictly() throws {
        #expect(try AdvisoryFetcher.archiveName("csaf_vex_2023-10-31.tar.zst\n") == "csaf_vex_2023-10-31.tar.zst")
        for hostile in ["", "../etc/passwd.tar.zst", "https://x/a.tar.zst", "a.zip", "a b.tar.zst", String(repeating: "a", count: 300) + ".tar.zst"] {
            #expect(throws: AdvisoriesError.self) { try AdvisoryFetcher.archiveName(hostile) }
        }
        #expect(AdvisoryFetcher.archiveDate("csaf_vex_2023-10-31.tar.zst") == "2023-10-31")
        let csv = try String(contentsOfFile: Fixture.path("distro/redhat-vex-server/changes.csv"), encoding: .utf8)
        let (rows, malformed) = AdvisoryFetcher.changes(
            csv
                + "\"../../etc/passwd.json\",\"2023-12-12T00:00:00+00:00\"\n\"2023/x.json\"\n\"2023/.hidden.json\",\"2023-12-12\"\n\"2023/a.json\",\"soon\"\n"
        )
        #expect(rows.map(\.path) == ["2023/cve-2023-0030.json", "2023/cve-2023-0044.json", "2023/cve-2023-0118.json"])
        #expect(malformed == 4)
        #expect(AdvisoryFetcher.publishedDigest(String(repeating: "ab", count: 32) + "  x.tar.zst\n") == String(repeating: "ab", count: 32))
        #expect(AdvisoryFetcher.publishedDigest("<html>not found</html>") == nil)
        #expect(AdvisoryFetcher.isCSAFProviderIndex(URL(string: AdvisoryFetcher.feeds["redhat-csaf-vex"] ?? "")!))
    }

    static func sha256sum(_ file: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [(file as NSString).lastPathComponent]
        p.currentDirectoryURL = URL(fileURLWithPath: (file as NSString).deletingLastPathComponent)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try data.write(to: URL(fileURLWithPath: file + ".sha256"))
    }

    @Test(
        .enabled(
            if: Tool.runs(FetchTests.binary, "/usr/bin/python3", "/usr/bin/sha256sum"),
            "needs the bulkhead executable built beside the tests, python3 and sha256sum"))
    func archiveAndChangedDocumentsAreFetchedAndVerified() throws {
        let bulkhead = try #require(Tool.find(FetchTests.binary))
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let served = dir + "/served"
        try FileManager.default.copyItem(atPath: Fixture.path("distro/redhat-vex-server"), toPath: served)
        for f in ["csaf_vex_2023-10-31.tar.zst", "cve-2023-0044.json"] { try Self.sha256sum(served + "/" + f) }
        let (p, stdin) = try FetchTests.startRangeServer(serving: served, in: dir)
        defer { try? stdin.fileHandleForWriting.close() }
        let index = "http://127.0.0.1:\(p)/archive_latest.txt"
        let out = dir + "/feeds"
        let (rc, text) = try FetchTests.run([bulkhead, "advisories", "fetch", "--to", out, index])
        #expect(rc == 0, "\(text)")
        // The archive and the one changed document served, both matching their published SHA-256; the two
        // listed documents the server does not have are named.
        #expect(text.contains("2 of 2 files match their published SHA-256"), "\(text)")
        #expect(
            text.contains("not served: 2023/cve-2023-0030.json, 2023/cve-2023-0118.json")
                || text.contains("not served: 2023/cve-2023-0118.json, 2023/cve-2023-0030.json"), "\(text)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: out + "/csaf_vex_2023-10-31.tar.zst"))
                == (try Fixture.data("distro/redhat-vex-server/csaf_vex_2023-10-31.tar.zst")))
        let doc = out + "/2023/cve-2023-0044.json"
        #expect(AdvisoryParser.parse(try BoundedFile.read(doc, limit: 1 << 20), file: doc).advisories.first?.format == .csaf)
        // A document changed after its digest was published is refused and removed; the fetch fails.
        var tampered = try Data(contentsOf: URL(fileURLWithPath: served + "/cve-2023-0044.json"))
        tampered.append(contentsOf: Array(" ".utf8))
        try tampered.write(to: URL(fileURLWithPath: served + "/cve-2023-0044.json"))
        let (rc2, text2) = try FetchTests.run([bulkhead, "advisories", "fetch", "--to", dir + "/again", index])
        #expect(rc2 != 0 && text2.contains("does not match the published"), "\(text2)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/again/2023/cve-2023-0044.json"))
    }
}
