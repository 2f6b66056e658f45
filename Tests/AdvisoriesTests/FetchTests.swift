import Foundation
import Testing

@testable import Advisories

@Suite struct FetchTests {
    /// Starts the Range-capable test server on 127.0.0.1 serving Fixtures/kev.
    func withServer(_ body: (Int) async throws -> Void) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Fixture.path("range_server.py"), Fixture.path("kev")]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(Int(line), "server did not print its port: \(line)")
        try await body(port)
    }

    @Test func downloadsAndResumes() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try Fixture.data("kev/known_exploited_vulnerabilities.json")
        try await withServer { port in
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/known_exploited_vulnerabilities.json"))
            let full = try await AdvisoryFetcher.download(url, to: dir)
            #expect(full.bytes == original.count && full.resumedFrom == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: full.path)) == original)
            // Interrupted download: half the file left as .part; the next fetch resumes it.
            try FileManager.default.removeItem(atPath: full.path)
            try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: full.path + ".part"))
            let resumed = try await AdvisoryFetcher.download(url, to: dir)
            #expect(resumed.resumedFrom == original.count / 2)
            #expect(try Data(contentsOf: URL(fileURLWithPath: resumed.path)) == original)
            // A missing file is an error, not an empty feed.
            let missing = try #require(URL(string: "http://127.0.0.1:\(port)/nope.json"))
            await #expect(throws: AdvisoriesError.self) { _ = try await AdvisoryFetcher.download(missing, to: dir) }
        }
    }

    @Test func refusesNonHTTP() async throws {
        let url = try #require(URL(string: "file:///etc/passwd"))
        await #expect(throws: AdvisoriesError.self) { _ = try await AdvisoryFetcher.download(url, to: "/tmp") }
    }
}
