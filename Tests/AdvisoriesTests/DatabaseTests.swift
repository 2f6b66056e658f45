import BulkheadTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Advisories

@Suite struct DatabaseImportTests {
    @Test func importIsIdempotentAndSkipsUnchangedFiles() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let inputs = ["cve5", "osv", "nvd2", "kev"].map(Fixture.path)
        let first = try await AdvisoryImporter.run(inputs, into: db)
        #expect(first.problems.isEmpty, "\(first.problems)")
        #expect(first.filesImported == 21 + 31 + 10 + 2 - 1)  // the KEV schema file is skipped by name
        let c1 = try db.counts()
        #expect(c1.advisories == 21 + 31 + 9 + 3)
        #expect(c1.kev == 1674)
        let second = try await AdvisoryImporter.run(inputs, into: db)
        #expect(second.filesImported == 0)
        #expect(second.filesUnchanged == first.filesImported)
        #expect(try db.counts() == c1)
    }

    @Test func changedFileReplacesItsRecordsAndUnmappedAreKept() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let file = dir + "/CVE-2024-21626.json"
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2024-21626.json"), toPath: file)
        // An advisory for a product no alias names (VirtualBox) is stored too.
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2024-21111.json"), toPath: dir + "/CVE-2024-21111.json")
        _ = try await AdvisoryImporter.run([dir], into: db)
        #expect(try db.advisory(id: "CVE-2024-21111", format: .cve5) != nil)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"opencontainers\"", with: "\"opencontainers-changed\"")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try await AdvisoryImporter.run([dir], into: db)
        #expect(r.filesImported == 1 && r.filesUnchanged == 1)
        let a = try #require(try db.advisory(id: "CVE-2024-21626", format: .cve5))
        #expect(a.affected.first?.vendor == "opencontainers-changed")
        let runc = try Fixture.aliases("runc")
        #expect(try db.candidates(for: runc).allSatisfy { $0.id != "CVE-2024-21626" })
    }

    @Test func malformedFilesAreReportedAndTheImportGoesOn() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run(
            [Fixture.path("malformed"), Fixture.path("cve5/CVE-2021-3682.json")], into: db,
            options: ImportOptions(maxFileSize: 1 << 20))
        #expect(r.advisories == 3 + 1)  // nvd-one-bad's three good records + the real CVE
        let byFile = Dictionary(grouping: r.problems, by: { ($0.file as NSString).lastPathComponent })
        for f in ["missing-cveId.json", "wrong-type-versions.json", "schema-6.json", "invalid-utf8.json", "truncated.json", "not-advisory.json"] {
            #expect(byFile[f] != nil, "\(f) not reported")
        }
        #expect(try db.problems().count == r.problems.count)
    }

    @Test func hugeFileIsCappedAndMissingPathReported() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run(
            [Fixture.path("cve5/CVE-2015-3456.json"), Fixture.path("kev")], into: db,
            options: ImportOptions(maxFileSize: 64 << 10))
        #expect(r.problems.contains { $0.code == "unreadable" && $0.file.hasSuffix("CVE-2015-3456.json") })
        #expect(r.problems.contains { $0.code == "tooLarge" && $0.file.hasSuffix("known_exploited_vulnerabilities.json") })
        #expect(try db.counts().kev == 0)
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/python3"), "needs python3 (its zipfile module writes the archive)"))
    func zipArchive() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The cvelistV5 release layout: a zip holding cves/YYYY/Nxxx/CVE-….json.
        let tree = dir + "/tree/cves/2024/21xxx"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2024-21626.json"), toPath: tree + "/CVE-2024-21626.json")
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        zip.arguments = ["-m", "zipfile", "-c", dir + "/cves.zip", dir + "/tree/cves"]
        try zip.run()
        zip.waitUntilExit()
        try #require(zip.terminationStatus == 0)
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let r = try await AdvisoryImporter.run([dir + "/cves.zip"], into: db)
        #expect(r.advisories == 1, "\(r.problems)")
        #expect(try db.advisory(id: "CVE-2024-21626", format: .cve5) != nil)
    }

    @Test func defaultPathFollowsXDG() {
        if geteuid() == 0 {
            #expect(AdvisoryDatabase.defaultPath() == "/var/lib/bulkhead/advisories.sqlite")
        } else {
            #expect(AdvisoryDatabase.defaultPath(environment: ["XDG_DATA_HOME": "/x"]) == "/x/bulkhead/advisories.sqlite")
        }
    }
}

/// An assessment asks the database for each discovered product's records: every statement of that
/// query must use an index. Before schema v4 one `OR … summary LIKE` clause made SQLite read every
/// advisory row (bodies included) for each product and package — 10–12 s per assessment with 300,000
/// records.
@Suite struct CandidateQueryPlanTests {
    @Test func everyCandidateStatementUsesAnIndex() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(["cve5", "osv", "nvd2"].map(Fixture.path), into: db)
        // QEMU: CPE, vendor/product, package names, an OSV package and a description keyword; Hyper-V: a vendor keyword.
        let products = [try Fixture.aliases("qemu"), try Fixture.aliases("hyper-v"), try Fixture.aliases("runc")]
        #expect(products.contains { !$0.descriptionKeywords.isEmpty } && products.contains { !$0.vendorKeywords.isEmpty })
        let plans = try Self.plans(db, products)
        #expect(plans.count >= 4, "\(plans.keys)")
        for (sql, steps) in plans {
            // "SCAN advisories" alone is a full table scan. The description search must not read the rows
            // either: the partial index holds `unnamed` and the summary, so it covers the query.
            #expect(!steps.contains { $0.hasPrefix("SCAN") && !$0.contains("INDEX") }, "\(sql): \(steps)")
        }
        #expect(plans.values.contains { $0.contains { $0.contains("COVERING INDEX advisories_unnamed") } })
    }

    final class Statements: Sendable { let sql = Mutex<Set<String>>([]) }

    /// Every statement `candidateRows` runs for the products, with its query plan.
    static func plans(_ db: AdvisoryDatabase, _ products: [ProductAliases]) throws -> [String: [String]] {
        try db.queue.read { (d: Database) -> [String: [String]] in
            let seen = Statements()
            d.trace(options: .statement) { event in
                if case .statement(let s) = event { _ = seen.sql.withLock { $0.insert(s.sql) } }
            }
            var found = 0
            for p in products { found += try AdvisoryDatabase.candidateRows(d, for: p).count }
            d.trace(options: .statement, nil)
            #expect(found > 20)
            var plans: [String: [String]] = [:]
            for sql in seen.sql.withLock({ $0 }) {
                let arguments = StatementArguments(Array(repeating: "x", count: sql.filter { $0 == "?" }.count))
                plans[sql] = try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] }
            }
            return plans
        }
    }
}
