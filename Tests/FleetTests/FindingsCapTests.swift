import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import Testing

@testable import FleetServer

/// No silent truncation of findings: the API and the CSV/JSON exports stream every finding, a page of hosts at a
/// time (here one host a page, so every page boundary is crossed); the dashboard's tables are capped (here at 3)
/// and say so when more match. Real stored reports (this machine's live report plus a QEMU mechanism), real
/// PostgreSQL.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct FindingsCapTests {
    static let adminToken = "admin-token-\(UUID().uuidString)"
    static let viewerToken = "viewer-token-\(UUID().uuidString)"
    static let cap = 3

    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("findingscap")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    var viewer: [(String, String)] { [("Authorization", "Bearer \(Self.viewerToken)")] }
    var basicViewer: [(String, String)] { [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())] }

    /// Three reporting hosts (each 4 QEMU findings under ISM-1604 plus one under ISM-1460) and one that never reported.
    func populated() async throws -> FleetHarness.Running {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        var limits = ServerLimits()
        limits.dashboardFindings = Self.cap
        limits.dashboardFindingsPage = Self.cap
        limits.findingsHostsPerPage = 1
        let server = try await FleetHarness.startServer(databaseURL, access: access, limits: limits)
        let document = try FleetWaiverDriftTests.report(
            version: "8.2",
            checks: [("qemu.c0", "fail", "high"), ("qemu.c1", "fail", "high"), ("qemu.c2", "pass", "low"), ("qemu.c3", "fail", "medium")],
            status: "notSatisfied")
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        for host in ["kvm-c", "kvm-a", "kvm-b"] {
            var identity = try FleetHarness.newIdentity(in: dir)
            try await FleetHarness.enrol(&identity, host: host, server: server, databaseURL: databaseURL)
            let outcome = await client.submit(try FleetHarness.bundle(document, signedBy: identity, in: dir), identity: identity)
            guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
        }
        var quiet = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&quiet, host: "kvm-b-quiet", server: server, databaseURL: databaseURL)
        return server
    }

    @Test func theAPIAndTheExportsHoldEveryFindingAcrossPagesAndTheDashboardSaysWhenItShowsFewer() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        // Every host reported once: each stored finding is one of a latest assessment.
        let total = try #require(Int(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM findings")))
        let qemu = try #require(Int(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM findings WHERE product = 'qemu'")))
        let qemuFailing = try #require(
            Int(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM findings WHERE product = 'qemu' AND verdict = 'fail'")))
        // Three identical reports; more than the cap on each host.
        #expect(qemu % 3 == 0 && qemu / 3 > Self.cap && qemuFailing >= 9 && total >= qemu)

        for (path, query, expected) in [
            ("/api/v1/findings", "", total), ("/api/v1/findings.json", "", total), ("/api/v1/findings", "?product=qemu", qemu),
            ("/api/v1/findings.json", "?product=qemu&verdict=fail", qemuFailing), ("/api/v1/findings", "?host=kvm-b", total / 3),
            ("/api/v1/findings", "?host=kvm-b-quiet", 0), ("/api/v1/findings", "?host=%3Cscript%3E", 0),
        ] {
            let reply = try await FleetHarness.get(server.url + path + query, headers: viewer)
            #expect(reply.status == 200)
            let rows = try FleetWire.decoder().decode([FleetDatabase.FindingRow].self, from: reply.body)
            #expect(rows.count == expected, "\(path)\(query)")
            // In host order, each finding once.
            #expect(rows.map(\.host) == rows.map(\.host).sorted(), "\(path)\(query)")
            #expect(Set(rows.map { "\($0.host) \($0.checkID) \($0.subject) \($0.product ?? "")" }).count <= rows.count)
            if query.isEmpty { #expect(Set(rows.map(\.host)) == ["kvm-a", "kvm-b", "kvm-c"]) }
        }
        // The same rows as one unpaged query.
        let direct = try await FleetHarness.withDatabase(databaseURL) { try await $0.findings(.init(), limit: Int.max) }
        let streamed = try FleetWire.decoder().decode(
            [FleetDatabase.FindingRow].self, from: try await FleetHarness.get(server.url + "/api/v1/findings", headers: viewer).body)
        func key(_ row: FleetDatabase.FindingRow) -> String { "\(row.host) \(row.assessmentID) \(row.checkID) \(row.verdict) \(row.subject)" }
        #expect(streamed.map(key) == direct.map(key))

        let csvReply = try await FleetHarness.get(server.url + "/api/v1/findings.csv?product=qemu", headers: viewer)
        #expect(csvReply.status == 200)
        let csv = String(decoding: csvReply.body, as: UTF8.self)
        #expect(csv.hasPrefix(Dashboard.csvHeader) && csv.hasSuffix("\r\n"))
        let lines = csv.split(separator: "\r\n").dropFirst()
        #expect(lines.count == qemu)
        #expect(lines.filter { $0.hasPrefix("\"kvm-a\",") }.count == qemu / 3 && lines.filter { $0.hasPrefix("\"kvm-c\",") }.count == qemu / 3)
        let all = String(decoding: try await FleetHarness.get(server.url + "/api/v1/findings.csv", headers: viewer).body, as: UTF8.self)
        #expect(all.split(separator: "\r\n").count == total + 1)
        // Nothing for a host with no report: the header only, an empty array.
        #expect(
            String(decoding: try await FleetHarness.get(server.url + "/api/v1/findings.csv?host=nobody", headers: viewer).body, as: UTF8.self)
                == Dashboard.csvHeader)
        #expect(
            String(decoding: try await FleetHarness.get(server.url + "/api/v1/findings.json?host=nobody", headers: viewer).body, as: UTF8.self)
                == "[]")
        // Still a viewer's: no credentials, 401.
        #expect(try await FleetHarness.get(server.url + "/api/v1/findings.csv").status == 401)

        // The dashboard, a page of 3: the first host alone has more than 3, so its page shows its first 3 and says so
        // (with the exports of the same filter), then links the next page.
        let capped = String(decoding: try await FleetHarness.get(server.url + "/?product=qemu", headers: basicViewer).body, as: UTF8.self)
        #expect(capped.contains("id=\"findings-truncated\"") && capped.contains("Only the first 3 findings are shown: more match."))
        #expect(capped.contains("<p class=\"muted\" id=\"findings-page\">\(qemu) findings match; 3 shown, of hosts by name from the first"))
        #expect(capped.contains("<a id=\"findings-next\" href=\"/?product=qemu&amp;findings-after=kvm-a\">next page</a>"))
        #expect(capped.contains("<a href=\"/api/v1/findings.csv?product=qemu\">the CSV</a>"))
        #expect(capped.components(separatedBy: "<a class=\"report\"").count - 1 == 3 + 3)  // 3 findings, 3 hosts' report links
        #expect(capped.contains("3 finding(s) shown of \(qemu)"))
        // Exactly the cap (qemu.c0 fails on the three hosts): all shown, no note.
        let exact = String(decoding: try await FleetHarness.get(server.url + "/?check=qemu.c0", headers: basicViewer).body, as: UTF8.self)
        #expect(!exact.contains("findings-truncated") && exact.contains("3 finding(s)</p>"))
        // A host's page is capped the same way and points at its own export.
        let host = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-b", headers: basicViewer).body, as: UTF8.self)
        #expect(host.contains("id=\"findings-truncated\"") && host.contains("<a href=\"/api/v1/findings.json?host=kvm-b\">the JSON</a>"))
        let quiet = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-b-quiet", headers: basicViewer).body, as: UTF8.self)
        #expect(!quiet.contains("findings-truncated") && quiet.contains("0 finding(s)</p>"))
    }

    /// The dashboard's hosts table a page at a time (here 2 hosts a page, `--dashboard-hosts`): the estate's count, a
    /// next-page link after the page's last name, every host once across the pages; the capped findings table reads
    /// hosts a page at a time and shows what one unpaged query would.
    @Test func theHostsTableIsPagedByNameAndTheCappedTableMatchesOneQuery() async throws {
        let first = try await populated()
        await first.stop()
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        var limits = ServerLimits()
        limits.dashboardHosts = 2
        let server = try await FleetHarness.startServer(databaseURL, access: access, limits: limits)
        defer { Task { await server.stop() } }
        func hostsIn(_ html: String) -> [String] {
            guard let table = html.components(separatedBy: "<table id=\"hosts\">").dropFirst().first?.components(separatedBy: "</table>").first
            else { return [] }
            return table.components(separatedBy: "<tr><td><a href=\"/hosts/").dropFirst().compactMap {
                $0.split(separator: "\"").first.map(String.init)
            }
        }
        let page1 = String(decoding: try await FleetHarness.get(server.url + "/", headers: basicViewer).body, as: UTF8.self)
        #expect(page1.contains("<h2>Hosts (4)</h2>") && page1.contains("id=\"hosts-page\""))
        #expect(hostsIn(page1) == ["kvm-a", "kvm-b"])
        #expect(page1.contains("<a id=\"hosts-next\" href=\"/?hosts-after=kvm-b\">next page</a>") && !page1.contains("hosts-first"))
        // The host that never reported is listed as silent.
        #expect(page1.contains("<ul id=\"silent\"><li>kvm-b-quiet"))
        let page2 = String(decoding: try await FleetHarness.get(server.url + "/?hosts-after=kvm-b", headers: basicViewer).body, as: UTF8.self)
        #expect(hostsIn(page2) == ["kvm-b-quiet", "kvm-c"])
        #expect(!page2.contains("hosts-next") && page2.contains("id=\"hosts-first\""))
        // A hostile or unknown name to start after: escaped, an empty page, never an error.
        let hostile = try await FleetHarness.get(server.url + "/?hosts-after=%3Cscript%3E", headers: basicViewer)
        #expect(hostile.status == 200 && !String(decoding: hostile.body, as: UTF8.self).contains("<script>"))

        // The capped table read a page of hosts at a time: the same rows as one query, for filters that a host row
        // answers (a failing check) and that it does not.
        for filter in [
            FleetDatabase.FindingFilter(checkID: "qemu.c0", verdict: "fail"), .init(product: "qemu"), .init(checkID: "qemu.c2", verdict: "fail"),
            .init(severity: "high"), .init(host: "kvm-b"), .init(checkID: "qemu.c1", verdict: "waived"),
        ] {
            for limit in [1, 4, 10_000] {
                let (paged, direct) = try await FleetHarness.withDatabase(databaseURL) { database in
                    (try await database.firstFindings(filter, limit: limit), try await database.findings(filter, limit: limit))
                }
                #expect(paged == direct, "\(filter) \(limit)")
            }
        }
    }

    /// The estate's findings table a page at a time (`--dashboard-findings-page`, keyset by host name): whatever the
    /// page size, following the next links from the first page shows every finding of the filter once, in the API's
    /// order, whole hosts a page (a host with more than a page alone on its page), each page with the count of all.
    @Test func theEstateFindingsTableIsPagedByHostAndThePagesHoldEveryFindingOnce() async throws {
        let first = try await populated()
        await first.stop()
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        func rowsIn(_ html: String) -> [String] {
            guard let table = html.components(separatedBy: "<table id=\"findings\">").dropFirst().first?.components(separatedBy: "</table>").first
            else { return [] }
            return table.components(separatedBy: "<tr><td><a href=\"/hosts/").dropFirst().map { row in
                let host = row.split(separator: "\"").first.map(String.init) ?? ""
                let cells = row.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>").first ?? "" }
                return ([host] + cells.prefix(2)).joined(separator: " ")
            }
        }
        for size in [1, 2, 5, 7, 1000] {
            var limits = ServerLimits()
            limits.dashboardFindingsPage = size
            let server = try await FleetHarness.startServer(databaseURL, access: access, limits: limits)
            for query in ["product=qemu", "verdict=fail", "check=qemu.c1&verdict=fail", "severity=high"] {
                let api = try FleetWire.decoder().decode(
                    [FleetDatabase.FindingRow].self,
                    from: try await FleetHarness.get(server.url + "/api/v1/findings?" + query, headers: viewer).body)
                var shown: [String] = []
                var path = "/?" + query
                var pages = 0
                while pages < 50 {
                    pages += 1
                    let html = String(decoding: try await FleetHarness.get(server.url + path, headers: basicViewer).body, as: UTF8.self)
                    let rows = rowsIn(html)
                    shown += rows
                    if api.count > size { #expect(html.contains("id=\"findings-page\">\(api.count) findings match; \(rows.count) shown")) }
                    // Whole hosts: no host continues on the next page.
                    if let last = rows.last?.split(separator: " ").first {
                        #expect(rows.filter { $0.hasPrefix(last + " ") }.count == api.filter { $0.host == last }.count, "\(size) \(query)")
                    }
                    guard let next = html.components(separatedBy: "<a id=\"findings-next\" href=\"").dropFirst().first?.split(separator: "\"").first
                    else { break }
                    path = String(next).replacingOccurrences(of: "&amp;", with: "&")
                }
                #expect(shown == api.map { "\($0.host) \($0.checkID) \($0.severity)" }, "page size \(size), \(query)")
            }
            // The count stops at --dashboard-findings-count (never below a page): past it the page says "more than N",
            // in its header and under the table.
            var counting = limits
            counting.dashboardFindingsCount = 2
            let countingServer = try await FleetHarness.startServer(databaseURL, access: access, limits: counting)
            let all = try FleetWire.decoder().decode(
                [FleetDatabase.FindingRow].self,
                from: try await FleetHarness.get(countingServer.url + "/api/v1/findings?verdict=fail", headers: viewer).body)
            let stopped = String(
                decoding: try await FleetHarness.get(countingServer.url + "/?verdict=fail", headers: basicViewer).body, as: UTF8.self)
            #expect(all.count > 2)
            // The first page's rows: the count goes at least past them.
            let firstPage = rowsIn(stopped).count
            let countCap = max(2, firstPage)
            if all.count > countCap {
                #expect(stopped.contains("id=\"findings-page\">more than \(countCap) findings match; \(firstPage) shown"), "page size \(size)")
                #expect(stopped.contains("\(firstPage) finding(s) shown of more than \(countCap)"), "page size \(size)")
            } else {
                #expect(!stopped.contains("more than"), "page size \(size)")
            }
            await countingServer.stop()
            // A hostile or unknown host to start after: escaped, never an error.
            let hostile = try await FleetHarness.get(server.url + "/?verdict=fail&findings-after=%3Cscript%3E", headers: basicViewer)
            #expect(hostile.status == 200 && !String(decoding: hostile.body, as: UTF8.self).contains("<script>"))
            await server.stop()
        }
    }
}
