import BulkheadTestSupport
import Foundation
import GRDB
import Testing

@testable import Advisories

/// Hostile zip archives built at test time (issue 19, items 1 and 7): each import must fail clearly,
/// write nothing outside its extraction folder, stay within its byte bounds, and leave no folder behind.
@Suite struct ArchiveImportTests {
    /// A private test folder: `tmp/` is where the import makes its extraction folders.
    struct Place {
        let dir: String
        var tmp: String { dir + "/tmp" }
        init() throws {
            dir = try Fixture.tempDir()
            try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        }
        func options(maxFileSize: Int = 256 << 20, maxTotalBytes: Int64 = ImportOptions.defaultMaxTotalBytes) -> ImportOptions {
            ImportOptions(maxFileSize: maxFileSize, maxTotalBytes: maxTotalBytes, temporaryDirectory: tmp)
        }
        /// The extraction folders are gone.
        func leftBehind() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? ["<tmp unreadable>"] }
    }

    static func record() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: Fixture.path("cve5/CVE-2024-21626.json"))) }

    @Test func theReleaseZipWithItsNestedCvesZipImportsAndIsCleanedUp() async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        try HostileZip.write(
            [.file("cves/2024/21xxx/CVE-2024-21626.json", try Self.record()), .file("cves/delta.json", Data("{}".utf8))], to: p.dir + "/cves.zip")
        let inner = try Data(contentsOf: URL(fileURLWithPath: p.dir + "/cves.zip"))
        try HostileZip.write([.file("cves.zip", inner), .file("README.md", Data("x".utf8))], to: p.dir + "/release.zip")
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([p.dir + "/release.zip"], into: db, options: p.options())
        #expect(r.failedInputs.isEmpty && r.problems.isEmpty, "\(r.problems)")
        #expect(r.advisories == 1)
        #expect(try db.advisory(id: "CVE-2024-21626", format: .cve5) != nil)
        #expect(p.leftBehind().isEmpty)
    }

    @Test func aZipThatDeclaresSmallSizesIsStoppedAtThePerFileCap() async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        // 16 MiB of spaces (valid JSON whitespace, deflated to a few KiB) that the headers say is 1,000 bytes.
        try HostileZip.write(
            [.file("cves/CVE-2024-21626.json", try Self.record()), .file("cves/big.json", Data(repeating: 0x20, count: 16 << 20))],
            to: p.dir + "/liar.zip")
        try HostileZip.declareUncompressedSize(1000, in: p.dir + "/liar.zip")
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([p.dir + "/liar.zip"], into: db, options: p.options(maxFileSize: 1 << 20))
        // The big member is reported and left out; the real record is imported.
        #expect(r.failedInputs.isEmpty)
        let problem = try #require(r.problems.first { $0.file == "liar.zip!/cves/big.json" }, "\(r.problems)")
        #expect(problem.code == "tooLarge")
        #expect(r.advisories == 1)
        #expect(try db.problems().contains { $0.file == "liar.zip!/cves/big.json" })
        #expect(p.leftBehind().isEmpty)
    }

    @Test func theTotalBudgetRefusesAnArchiveThatDecompressesToMore() async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        try HostileZip.write(
            [.file("a/CVE-2024-21626.json", try Self.record()), .file("b/zeros.json", Data(count: 12 << 20))], to: p.dir + "/liar.zip")
        try HostileZip.declareUncompressedSize(1000, in: p.dir + "/liar.zip")
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run(
            [p.dir + "/liar.zip", Fixture.path("cve5/CVE-2021-3682.json")], into: db, options: p.options(maxTotalBytes: 4 << 20))
        #expect(r.failedInputs == [p.dir + "/liar.zip"])
        let problem = try #require(r.problems.first { $0.file == p.dir + "/liar.zip" })
        #expect(problem.code == "tooLarge")
        #expect(problem.reason.contains("4194304-byte budget") && problem.reason.contains("--max-total-mib"), "\(problem.reason)")
        // Nothing from the refused archive; the rest of the import goes on.
        #expect(try db.advisory(id: "CVE-2024-21626", format: .cve5) == nil)
        #expect(try db.advisory(id: "CVE-2021-3682", format: .cve5) != nil)
        #expect(p.leftBehind().isEmpty)
    }

    @Test func aNestedZipBombCountsAgainstTheParentsBudget() async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        try HostileZip.write([.file("zeros.json", Data(count: 8 << 20))], to: p.dir + "/layer.zip")
        let layer = try Data(contentsOf: URL(fileURLWithPath: p.dir + "/layer.zip"))
        try HostileZip.write((0..<32).map { .file("part\($0).zip", layer) }, to: p.dir + "/bomb.zip")  // 256 MiB from ~1 MiB
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([p.dir + "/bomb.zip"], into: db, options: p.options(maxTotalBytes: 20 << 20))
        #expect(r.failedInputs == [p.dir + "/bomb.zip"])
        #expect(r.problems.first?.code == "tooLarge")
        #expect(r.problems.first?.reason.contains("bomb.zip!/part") == true, "\(r.problems)")
        #expect(p.leftBehind().isEmpty)
        // A zip three levels down is refused too (depth 2 at most).
        try HostileZip.write([.file("layer.zip", layer)], to: p.dir + "/middle.zip")
        let middle = try Data(contentsOf: URL(fileURLWithPath: p.dir + "/middle.zip"))
        try HostileZip.write([.file("middle.zip", middle)], to: p.dir + "/deep.zip")
        let deep = try await AdvisoryImporter.run([p.dir + "/deep.zip"], into: db, options: p.options())
        #expect(deep.failedInputs == [p.dir + "/deep.zip"])
        #expect(deep.problems.first?.reason.contains("nested deeper than 2") == true, "\(deep.problems)")
        #expect(p.leftBehind().isEmpty)
    }

    @Test func aSymbolicLinkMemberRefusesTheArchiveAndNothingOutsideIsRead() async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        // A link to a record elsewhere on disk would be imported if it were followed.
        let outside = p.dir + "/outside-CVE-2021-3682.json"
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2021-3682.json"), toPath: outside)
        try HostileZip.write(
            [
                .file("cves/CVE-2024-21626.json", try Self.record()), .symlink("cves/passwd.json", target: "/etc/passwd"),
                .symlink("cves/other.json", target: outside),
            ], to: p.dir + "/links.zip")
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([p.dir + "/links.zip"], into: db, options: p.options())
        #expect(r.failedInputs == [p.dir + "/links.zip"])
        #expect(r.problems.first?.code == "archive")
        #expect(r.problems.first?.reason.contains("symbolic link") == true, "\(r.problems)")
        #expect(r.advisories == 0 && r.filesSeen == 0)
        #expect(try db.advisory(id: "CVE-2021-3682", format: .cve5) == nil)
        #expect(p.leftBehind().isEmpty)
    }

    @Test(arguments: ["../../escaped.json", "cves/../../escaped.json", "/tmp/bulkhead-adv-zip-slip.json"])
    func aMemberThatClimbsOutRefusesTheArchiveAndWritesNothingOutside(_ member: String) async throws {
        let p = try Place()
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        try HostileZip.write([.file("cves/CVE-2024-21626.json", try Self.record()), .file(member, try Self.record())], to: p.dir + "/slip.zip")
        let db = try AdvisoryDatabase(path: p.dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([p.dir + "/slip.zip"], into: db, options: p.options())
        #expect(r.failedInputs == [p.dir + "/slip.zip"])
        #expect(r.problems.first?.reason.contains("refused") == true, "\(r.problems)")
        for escaped in [p.dir + "/escaped.json", p.dir + "/tmp/escaped.json", "/tmp/bulkhead-adv-zip-slip.json"] {
            #expect(!FileManager.default.fileExists(atPath: escaped), "\(escaped) was written")
        }
        #expect(p.leftBehind().isEmpty)
    }
}

/// Schema v3: SHA-256 content hashes; a v2 database's `xh4` values are unknown and computed again.
@Suite struct ContentHashMigrationTests {
    @Test func aV2DatabaseIsMigratedAndItsFilesAreHashedAgainNotReimported() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = dir + "/feed"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        for name in ["CVE-2024-21626.json", "CVE-2021-3682.json", "CVE-2024-21111.json"] {
            try FileManager.default.copyItem(atPath: Fixture.path("cve5/" + name), toPath: tree + "/" + name)
        }
        let path = dir + "/a.sqlite"
        do {
            let db = try AdvisoryDatabase(path: path)
            let first = try await AdvisoryImporter.run([tree], into: db)
            #expect(first.filesImported == 3)
        }
        // Make it the database v2 wrote: xh4 values, and no v3 migration recorded.
        do {
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE files SET content_hash = 'xh4:c1c24d8992fa5880:' || size")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3'")
            }
        }
        // One file changes its bytes and mtime while the database is v2.
        let changed = tree + "/CVE-2024-21111.json"
        let text = try String(contentsOfFile: changed, encoding: .utf8)
        try text.replacingOccurrences(of: "\"Oracle Corporation\"", with: "\"Oracle Corporation (changed)\"").write(
            toFile: changed, atomically: true, encoding: .utf8)

        let db = try AdvisoryDatabase(path: path)
        let migrated = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT content_hash FROM files")
        }
        #expect(migrated == ["", "", ""])
        let before = try db.counts()
        let second = try await AdvisoryImporter.run([tree], into: db)
        // Unchanged files keep their rows and get their SHA-256; the changed one is read again.
        #expect(second.filesUnchanged == 2)
        #expect(second.filesImported == 1)
        #expect(try db.counts() == before)
        let hashes = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT content_hash FROM files ORDER BY path")
        }
        #expect(hashes.count == 3 && hashes.allSatisfy(ContentHash.isKnown), "\(hashes)")
        // And now nothing is read again.
        let third = try await AdvisoryImporter.run([tree], into: db)
        #expect(third.filesImported == 0 && third.filesUnchanged == 3)
    }
}
