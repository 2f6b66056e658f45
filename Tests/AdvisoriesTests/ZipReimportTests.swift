import BulkheadTestSupport
import Foundation
import GRDB
import Testing

@testable import Advisories

/// Issue 18: re-importing an unchanged advisory zip reads nothing again. Zips of the real CVE 5 fixtures
/// (Fixtures/cve5, PROVENANCE.md there) are built with the `zip` program — flat, and nested like the
/// cvelistV5 release zip (`release.zip` holding `cves.zip`) — imported, imported again unchanged (no member
/// decompressed or parsed, no row written), then rebuilt with two records changed (exactly those two rows change).
@Suite(.enabled(if: Tool.find("zip") != nil, "needs the zip program")) struct ZipReimportTests {
    struct Row: Equatable { var n: Int64, id: String, summary: String, body: String }

    static func rows(_ db: AdvisoryDatabase) throws -> [String: Row] {
        let q = try DatabaseQueue(path: db.path)
        return try q.read { d in
            var out: [String: Row] = [:]
            for r in try GRDB.Row.fetchAll(d, sql: "SELECT n, id, summary, body FROM advisories") {
                out[r["id"]] = Row(n: r["n"], id: r["id"], summary: r["summary"], body: r["body"])
            }
            return out
        }
    }

    static func filePaths(_ db: AdvisoryDatabase) throws -> [String] {
        try DatabaseQueue(path: db.path).read { try String.fetchAll($0, sql: "SELECT path FROM files ORDER BY path") }
    }

    static func zip(_ dir: String, _ archive: String, _ members: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Tool.find("zip")))
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.arguments = ["-q", "-X", "-r", archive] + members
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// Writes the fixtures under `tree/cves/<year>/`; builds `archive` (nested: `cves.zip` inside it).
    static func build(_ tree: String, archive: String, nested: Bool) throws {
        try? FileManager.default.removeItem(atPath: archive)
        if nested {
            try? FileManager.default.removeItem(atPath: tree + "/cves.zip")
            try zip(tree, tree + "/cves.zip", ["cves"])
            try zip(tree, archive, ["cves.zip"])
        } else {
            try zip(tree, archive, ["cves"])
        }
    }

    /// Changes a record's English description (a real edit a CNA makes) and writes it back.
    static func edit(_ path: String, _ text: String) throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var containers = try #require(json["containers"] as? [String: Any])
        var cna = try #require(containers["cna"] as? [String: Any])
        cna["descriptions"] = [["lang": "en", "value": text]]
        containers["cna"] = cna
        json["containers"] = containers
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: [true, false])
    func anUnchangedZipIsNotReadAgainAndTwoChangedRecordsChangeExactlyTwoRows(nested: Bool) async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = dir + "/tree"
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixture.path("cve5")).filter { $0.hasSuffix(".json") }.sorted()
        for name in names {
            let year = name.split(separator: "-")[1]
            try FileManager.default.createDirectory(atPath: "\(tree)/cves/\(year)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixture.path("cve5/" + name), toPath: "\(tree)/cves/\(year)/\(name)")
        }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let options = ImportOptions(temporaryDirectory: dir + "/tmp")
        let archive = dir + "/release.zip"
        try Self.build(tree, archive: archive, nested: nested)
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")

        let first = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(first.failedInputs.isEmpty)
        #expect(first.filesImported == names.count && first.membersUnchanged == 0)
        let before = try Self.rows(db)
        #expect(before.count == first.advisories && first.advisories >= names.count - 1, "\(first.problems)")
        // Members are recorded under the archive's name, never the temporary folder they were extracted into.
        let prefix = archive + (nested ? "!/cves.zip!/" : "!/")
        let recorded = try Self.filePaths(db)
        #expect(recorded.allSatisfy { $0.hasPrefix(archive + "!/") }, "\(recorded)")
        #expect(recorded.filter { $0.hasPrefix(prefix + "cves/") }.count == names.count)
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp")).isEmpty)

        // The same zip again: nothing decompressed (the nested zip is not even expanded), nothing parsed or written.
        let second = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(second.filesImported == 0 && second.advisories == 0 && second.problems.isEmpty, "\(second.problems)")
        #expect(second.membersUnchanged == names.count && second.filesUnchanged == names.count)
        #expect(try Self.rows(db) == before)

        // The zip rebuilt from the same files (new timestamps in the archive, same bytes): still nothing read.
        try Self.build(tree, archive: archive, nested: nested)
        let rebuilt = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(rebuilt.filesImported == 0 && rebuilt.membersUnchanged == names.count)
        #expect(try Self.rows(db) == before)

        // Two records edited, the zip rebuilt: exactly those two members parsed, exactly their rows changed.
        let changed = ["CVE-2024-21626", "CVE-2021-3682"]
        for id in changed {
            try Self.edit("\(tree)/cves/\(id.split(separator: "-")[1])/\(id).json", "Edited description of \(id) for the re-import test.")
        }
        try Self.build(tree, archive: archive, nested: nested)
        let third = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(third.filesImported == 2 && third.advisories == 2, "\(third.problems)")
        #expect(third.membersUnchanged == names.count - 2)
        let after = try Self.rows(db)
        #expect(Set(after.keys) == Set(before.keys))
        let differing = Set(after.keys.filter { after[$0] != before[$0] })
        #expect(differing == Set(changed))
        for id in changed { #expect(after[id]?.summary.hasPrefix("Edited description of \(id)") == true) }

        // And once more: unchanged again.
        let fourth = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(fourth.filesImported == 0 && fourth.membersUnchanged == names.count)
        #expect(try Self.rows(db) == after)
    }

    /// A record removed from the zip: the re-import reads nothing (the other members are unchanged) and, as
    /// before issue 18's in-place reading, leaves the rows stored from it as they were.
    @Test(arguments: [true, false])
    func aRecordRemovedFromTheZipReadsNothingAndKeepsItsRows(nested: Bool) async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = dir + "/tree"
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixture.path("cve5")).filter { $0.hasSuffix(".json") }.sorted()
        for name in names {
            let year = name.split(separator: "-")[1]
            try FileManager.default.createDirectory(atPath: "\(tree)/cves/\(year)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixture.path("cve5/" + name), toPath: "\(tree)/cves/\(year)/\(name)")
        }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let options = ImportOptions(temporaryDirectory: dir + "/tmp")
        let archive = dir + "/release.zip"
        try Self.build(tree, archive: archive, nested: nested)
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run([archive], into: db, options: options)
        let before = try Self.rows(db)
        #expect(before["CVE-2024-21626"] != nil)

        try FileManager.default.removeItem(atPath: tree + "/cves/2024/CVE-2024-21626.json")
        try Self.build(tree, archive: archive, nested: nested)
        let again = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(again.filesImported == 0 && again.advisories == 0 && again.problems.isEmpty, "\(again.problems)")
        #expect(again.membersUnchanged == names.count - 1)
        #expect(try Self.rows(db) == before)
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp")).isEmpty)
    }

    /// `memberChoice` compares bytes (no lower-cased copy per member): the same answers as lower-casing the
    /// last path component, restated here as it was, for upper-case, mixed, non-ASCII and odd names.
    @Test func memberChoiceInBytesAnswersAsTheLowerCasedName() {
        // (As names: the test target does not import ZipExtraction, whose enum the choice is.)
        func lowerCased(_ member: String) -> String {
            let name = (member.lastIndex(of: "/").map { String(member[member.index(after: $0)...]) } ?? member).lowercased()
            if name.hasSuffix(".zip") { return "expand" }
            guard name.hasSuffix(".json") else { return "skip" }
            if name == "delta.json" || name == "deltalog.json" || name.hasSuffix("_schema.json") { return "skip" }
            return "extract"
        }
        let names = [
            "cves/2024/21xxx/CVE-2024-21626.json", "CVE-2024-1.JSON", "a/Delta.json", "deltaLog.JSON", "cves/deltaLog.json", "x/delta.json.bak",
            "cves/CVE_record_format_SCHEMA.json", "CVE_schema.json", "cves.ZIP", "nested/cves.zip", "zip", ".json", "json", "", "/",
            "a/", "a/.zip", "adelta.json", "xdeltalog.json", "ré/Délta.json", "ǅ/x.JSON", "x.json\u{301}", "a/\u{301}delta.json",
            "K.json", "\u{212A}.zip", "İ.json", "cves/2024/x.jsoN", "cves/2024/x.Zip", "README.md", "delta.json/", "a\\b.json",
        ]
        for name in names { #expect("\(AdvisoryImporter.memberChoice(name))" == lowerCased(name), "\(name)") }
    }

    /// An archive whose path is not ASCII (SQLite's `substr` counts characters, not bytes): its members are
    /// recorded and an unchanged re-import still leaves every one out.
    @Test func anArchiveWithANonASCIIPathIsRecognisedUnchanged() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = dir + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/cves/2024", withIntermediateDirectories: true)
        for id in ["CVE-2024-21626", "CVE-2024-7409"] {
            try FileManager.default.copyItem(atPath: Fixture.path("cve5/\(id).json"), toPath: tree + "/cves/2024/\(id).json")
        }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/Téléchargements ✓", withIntermediateDirectories: true)
        let archive = dir + "/Téléchargements ✓/réléase.zip"
        try Self.build(tree, archive: archive, nested: true)
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let options = ImportOptions(temporaryDirectory: dir + "/tmp")
        let first = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(first.filesImported == 2 && first.problems.isEmpty, "\(first.problems)")
        #expect(try Self.filePaths(db).contains(archive + "!/cves.zip!/cves/2024/CVE-2024-7409.json"))
        let before = try Self.rows(db)
        try Self.edit(tree + "/cves/2024/CVE-2024-7409.json", "Edited description of CVE-2024-7409 for the re-import test.")
        try Self.build(tree, archive: archive, nested: true)
        let again = try await AdvisoryImporter.run([archive], into: db, options: options)
        #expect(again.filesImported == 1 && again.membersUnchanged == 1 && again.problems.isEmpty, "\(again.problems)")
        let after = try Self.rows(db)
        #expect(Set(after.keys.filter { after[$0] != before[$0] }) == ["CVE-2024-7409"])
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp")).isEmpty)
    }

    /// A nested zip with a member the import could not take (over the per-file cap) is not recorded as done:
    /// the next import expands it again and reports the member again, rather than leaving it out silently.
    @Test func aNestedZipWithAMemberLeftOutIsExpandedAgain() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = dir + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/cves/2024", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2024-21626.json"), toPath: tree + "/cves/2024/CVE-2024-21626.json")
        try Data(repeating: 0x20, count: 64 << 10).write(to: URL(fileURLWithPath: tree + "/cves/2024/CVE-2024-99999.json"))
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let archive = dir + "/release.zip"
        try Self.build(tree, archive: archive, nested: true)
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let options = ImportOptions(maxFileSize: 32 << 10, temporaryDirectory: dir + "/tmp")
        for _ in 0..<2 {
            let r = try await AdvisoryImporter.run([archive], into: db, options: options)
            #expect(r.problems.contains { $0.code == "tooLarge" && $0.file.hasSuffix("CVE-2024-99999.json") }, "\(r.problems)")
        }
        #expect(try db.advisory(id: "CVE-2024-21626", format: .cve5) != nil)
    }
}
