import BulkheadModel
import Foundation
import Testing

/// os-release(5), read once for the ISM-1743 host OS, the distribution lifecycle and `lifecycle.host-os`.
@Suite struct OSReleaseTests {
    /// This machine's own file and the fixture hosts' (captured from real Debian systems, see their PROVENANCE).
    @Test func readsRealFiles() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let hosts = tests.appendingPathComponent("ChecksTests/Fixtures/hosts")
        var paths = try FileManager.default.contentsOfDirectory(atPath: hosts.path).map { hosts.appendingPathComponent("\($0)/etc/os-release").path }
        paths.append("/etc/os-release")
        var read = 0
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let release = OSRelease(text)
            #expect(release.id != nil, "\(path): no ID")
            #expect(release.fields["PRETTY_NAME"].map { !$0.hasPrefix("\"") && !$0.hasSuffix("\"") } ?? true, "\(path): quotes kept")
            read += 1
        }
        #expect(read >= 2)
    }

    @Test func quotingAndEscapes() {
        let release = OSRelease(
            """
            # a comment=ignored
            NAME="Debian GNU/Linux"
            ID=debian
            VERSION_ID='12'
            PRETTY_NAME="say \\"hi\\" \\$HOME \\\\ \\n"
            VERSION_CODENAME=bookworm
            ID=Ubuntu
            """)
        #expect(release.fields["NAME"] == "Debian GNU/Linux")
        #expect(release.versionID == "12")
        #expect(release.fields["PRETTY_NAME"] == #"say "hi" $HOME \ \n"#)
        #expect(release.id == "ubuntu", "the last assignment wins, lower-cased")
        #expect(release.fields["# a comment"] == nil)
    }

    @Test func hostileIDsAreRefused() {
        for bad in ["ID=\"\u{1b}[31mred\"", "ID=a/b", "ID=" + String(repeating: "x", count: 65), "ID=", "NAME=x"] {
            #expect(OSRelease(bad).id == nil, "\(bad.debugDescription)")
        }
    }
}
