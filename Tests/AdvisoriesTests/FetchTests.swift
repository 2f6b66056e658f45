import BulkheadTestSupport
import Foundation
import SafeFiles
import Testing

@testable import Advisories

/// `bulkhead advisories fetch` against a Range-capable HTTP server on 127.0.0.1 serving Fixtures/kev.
/// Runs the built CLI as a program (swift test builds it beside the test bundle).
@Suite(.serialized) struct FetchTests {
    /// The `bulkhead` executable beside the test bundle (built by `swift build --build-tests` and `swift test`).
    static var binary: String {
        let dir = (Fixture.root as NSString).deletingLastPathComponent
        return (dir as NSString).deletingLastPathComponent + "/bulkhead"
    }

    /// Runs a program to its end and returns its status and its standard output and error together.
    static func run(_ argv: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts Fixtures/range_server.py serving `folder` on a free loopback port and returns the port and the
    /// server's standard input: the server exits when that closes (signals may be ignored under the test runner).
    static func startRangeServer(serving folder: String, in dir: String) throws -> (port: Int, stdin: Pipe) {
        let portFile = dir + "/port"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [Fixture.path("range_server.py"), folder]
        _ = FileManager.default.createFile(atPath: portFile, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: portFile))
        let stdin = Pipe()
        server.standardInput = stdin
        try server.run()
        var port: Int?
        for _ in 0..<100 where port == nil {
            Thread.sleep(forTimeInterval: 0.05)
            port = Int((try? String(contentsOfFile: portFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        }
        guard let port else {
            try? stdin.fileHandleForWriting.close()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "test server did not start"])
        }
        return (port, stdin)
    }

    @Test(
        .enabled(
            if: Tool.runs(FetchTests.binary, "/usr/bin/python3"), "needs the bulkhead executable built beside the tests, and python3"))
    func downloadsAndResumes() throws {
        let bulkhead = try #require(Tool.find(Self.binary), "the bulkhead executable was not built beside the tests")
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (p, stdin) = try Self.startRangeServer(serving: Fixture.path("kev"), in: dir)
        // The server exits when its standard input closes (signals may be ignored under the test runner).
        defer { try? stdin.fileHandleForWriting.close() }
        let url = "http://127.0.0.1:\(p)/known_exploited_vulnerabilities.json"
        let original = try Fixture.data("kev/known_exploited_vulnerabilities.json")
        let out = dir + "/feeds"
        let (rc1, text1) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, url])
        #expect(rc1 == 0, "\(text1)")
        let file = out + "/known_exploited_vulnerabilities.json"
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
        // An interrupted download left half the file as .part: the next fetch resumes it.
        try FileManager.default.removeItem(atPath: file)
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: file + ".part"))
        let (rc2, text2) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, url])
        #expect(rc2 == 0)
        #expect(text2.contains("resumed from \(original.count / 2)"), "\(text2)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
        // A missing feed fails with a non-zero exit.
        let (rc3, _) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, "http://127.0.0.1:\(p)/nope.json"])
        #expect(rc3 != 0)
        let (rc4, _) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, "file:///etc/passwd"])
        #expect(rc4 != 0)
        // A transfer that breaks off keeps what arrived; the same fetch then resumes from there.
        try FileManager.default.removeItem(atPath: file)
        let (rc5, text5) = try Self.run([
            bulkhead, "advisories", "fetch", "--to", out, "http://127.0.0.1:\(p)/drop/known_exploited_vulnerabilities.json",
        ])
        #expect(rc5 != 0, "\(text5)")
        #expect(text5.contains("resume"), "\(text5)")
        // (What arrived before the connection closed: at most the half the server sent.)
        let kept = (try? Data(contentsOf: URL(fileURLWithPath: file + ".part"))) ?? Data()
        #expect(kept.count > 0 && kept.count <= original.count / 2 && kept == original.prefix(kept.count), "kept \(kept.count) bytes")
        // The kept .part was created owner-only (0600, through SafeFile), whatever the umask.
        #expect(try Self.mode(file + ".part") == 0o600)
        let (rc6, text6) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, url])
        #expect(rc6 == 0 && text6.contains("resumed from \(kept.count)"), "\(text6)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
        // Redirects are followed to http(s) only.
        try FileManager.default.removeItem(atPath: file)
        let (rc7, text7) = try Self.run([
            bulkhead, "advisories", "fetch", "--to", out, "http://127.0.0.1:\(p)/moved/known_exploited_vulnerabilities.json",
        ])
        #expect(rc7 == 0, "\(text7)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
        let (rc8, text8) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, "http://127.0.0.1:\(p)/away/x.json"])
        #expect(rc8 != 0 && text8.contains("refused redirect"), "\(text8)")
    }

    static func mode(_ path: String) throws -> Int {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return Int(st.st_mode & 0o7777)
    }

    /// A symbolic link planted at the `.part` path (to a file the user owns) is refused before anything is
    /// downloaded: nothing is appended to its target, the link stays as it was.
    @Test(
        .enabled(
            if: Tool.runs(FetchTests.binary, "/usr/bin/python3"), "needs the bulkhead executable built beside the tests, and python3"))
    func aSymbolicLinkPlantedAtThePartPathIsRefused() throws {
        let bulkhead = try #require(Tool.find(Self.binary), "the bulkhead executable was not built beside the tests")
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/feeds"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let victim = dir + "/victim.txt"
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: out + "/known_exploited_vulnerabilities.json.part", withDestinationPath: victim)
        // No server is needed: the link is refused before any request (port 9 would refuse the connection anyway).
        let (rc, text) = try Self.run([bulkhead, "advisories", "fetch", "--to", out, "http://127.0.0.1:9/known_exploited_vulnerabilities.json"])
        #expect(rc != 0)
        #expect(text.contains("symbolic link"), "\(text)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/known_exploited_vulnerabilities.json.part") == victim)
    }

    /// The same checks in-process: a new `.part` is 0600 from its first byte; an existing one of ours is
    /// appended to and made 0600; a link, a FIFO and a hard link are refused.
    @Test func partFilesAreCreatedOwnerOnlyAndOnlyRegularFilesOfOursAreResumed() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let part = dir + "/feed.json.part"
        let old = umask(0)
        defer { umask(old) }
        let h = try SafeFile.createForWriting(part)
        try h.write(contentsOf: Data("abc".utf8))
        try h.close()
        #expect(try Self.mode(part) == 0o600)
        #expect(try AdvisoryFetcher.partSize(part) == 3)
        #expect(throws: SafeFileError.self) { try SafeFile.createForWriting(part) }
        // A .part left 0644 by an earlier version: resumed, and made 0600.
        chmod(part, 0o644)
        let a = try SafeFile.openForAppend(part)
        try a.write(contentsOf: Data("def".utf8))
        try a.close()
        #expect(try String(contentsOfFile: part, encoding: .utf8) == "abcdef")
        #expect(try Self.mode(part) == 0o600)
        // A link at the .part path: refused, its target untouched.
        let planted = dir + "/link.json.part"
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: part)
        #expect(throws: AdvisoriesError.self) { try AdvisoryFetcher.partSize(planted) }
        do {
            _ = try SafeFile.openForAppend(planted)
            Issue.record("a link was opened")
        } catch { #expect(error.code == .link) }
        #expect(throws: SafeFileError.self) { try SafeFile.createForWriting(planted) }
        #expect(try String(contentsOfFile: part, encoding: .utf8) == "abcdef")
        // A FIFO is refused without being opened (opening it for writing would block).
        let fifo = dir + "/fifo.json.part"
        #expect(mkfifo(fifo, 0o600) == 0)
        do {
            _ = try SafeFile.openForAppend(fifo)
            Issue.record("a FIFO was opened")
        } catch { #expect(error.code == .notRegular) }
        // A hard link to a file elsewhere.
        let hard = dir + "/hard.json.part"
        #expect(link(part, hard) == 0)
        do {
            _ = try SafeFile.openForAppend(hard)
            Issue.record("a hard-linked file was opened")
        } catch { #expect(error.code == .link) }
    }
}
