import FleetProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The read API (JSON, viewer role), the administrative API (admin role, audited) and the dashboard
/// (server-rendered HTML, no external assets, no JavaScript; every stored string escaped).
struct ReadAPI: Sendable {
    let database: FleetDatabase
    let access: AccessControl
    /// `dashboardFindings` caps the dashboard's findings tables; `findingsHostsPerPage` pages the streamed findings.
    var limits = ServerLimits()

    /// A keyset query parameter naming a host to start after (nil when absent, empty or longer than a host name).
    static func hostName(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name).map { String($0) }.flatMap { text in text.isEmpty || text.utf8.count > 253 ? nil : text }
    }

    /// Hosts with no submission for this long are listed as having stopped reporting.
    static let silentAfterHours = 48

    func register(on router: Router<FleetRequestContext>) {
        let database = database
        let access = access
        let cap = max(1, limits.dashboardFindings)
        let hostsPerPage = limits.findingsHostsPerPage
        let dashboardHosts = max(1, limits.dashboardHosts)
        let findingsPage = max(1, limits.dashboardFindingsPage)
        let countCap = max(1, limits.dashboardFindingsCount)
        @Sendable func viewer(_ request: Request, _ body: @escaping @Sendable (AccessControl.Caller) async throws -> Response) async -> Response {
            await FleetServer.handling(database.logger) {
                try await body(try await access.authorize(request, needs: .viewer))
            }
        }

        router.get("/api/v1/posture") { request, _ in
            await viewer(request) { _ in
                try FleetServer.json(
                    try await database.posture(
                        control: request.uri.queryParameters.get("control"), product: request.uri.queryParameters.get("product")))
            }
        }
        router.get("/api/v1/hosts") { request, _ in
            await viewer(request) { _ in try FleetServer.json(try await database.hosts()) }
        }
        router.get("/api/v1/hosts/:name/assessments") { request, context in
            await viewer(request) { _ in
                let name = context.parameters.get("name") ?? ""
                return try FleetServer.json(try await database.history(host: name))
            }
        }
        router.get("/api/v1/hosts/:name/drift") { request, context in
            await viewer(request) { _ in
                let name = context.parameters.get("name") ?? ""
                let since = try Self.since(request)
                guard let drift = try await database.hostDrift(host: name, since: since) else {
                    throw FleetServerError(.notFound, "no host named \(name)")
                }
                return try FleetServer.json(drift)
            }
        }
        router.get("/api/v1/assessments/:id") { request, context in
            await viewer(request) { _ in
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let document = try await database.document(assessmentID: id)
                else {
                    throw FleetServerError(.notFound, "no such assessment")
                }
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document.json)))
            }
        }
        // Every finding the filter selects, streamed a page of hosts at a time: no cap, bounded memory.
        router.get("/api/v1/findings") { request, _ in
            await viewer(request) { _ in Self.streamedFindings(database, Self.filter(request), hostsPerPage: hostsPerPage, csv: false) }
        }
        router.get("/api/v1/findings.csv") { request, _ in
            await viewer(request) { _ in
                var response = Self.streamedFindings(database, Self.filter(request), hostsPerPage: hostsPerPage, csv: true)
                response.headers[.contentDisposition] = "attachment; filename=\"bulkhead-findings.csv\""
                return response
            }
        }
        router.get("/api/v1/findings.json") { request, _ in
            await viewer(request) { _ in
                var response = Self.streamedFindings(database, Self.filter(request), hostsPerPage: hostsPerPage, csv: false)
                response.headers[.contentDisposition] = "attachment; filename=\"bulkhead-findings.json\""
                return response
            }
        }
        // The estate (or the filter) as one OSCAL assessment-results document.
        router.get("/api/v1/assessment-results.json") { request, _ in
            await viewer(request) { _ in
                // Streamed: each page of hosts is written as it is produced (no cap, bounded memory). A failure
                // after the first byte cuts the document short (invalid JSON, never a silently smaller estate).
                let filter = Self.filter(request)
                let logger = database.logger
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/oscal.ar+json", .contentDisposition: "attachment; filename=\"bulkhead-assessment-results.json\"",
                    ],
                    body: ResponseBody { writer in
                        do {
                            try await database.assessmentResults(filter) { try await writer.write(ByteBuffer(bytes: $0)) }
                        } catch {
                            logger.error("the OSCAL estate export failed part-way: \(String(reflecting: error))")
                            throw error
                        }
                        try await writer.finish(nil)
                    })
            }
        }
        router.get("/api/v1/checks/failing") { request, _ in
            await viewer(request) { _ in try FleetServer.json(try await database.failingChecks()) }
        }
        router.get("/api/v1/silent") { request, _ in
            await viewer(request) { _ in
                let hours = request.uri.queryParameters.get("hours").flatMap { Int($0) } ?? Self.silentAfterHours
                return try FleetServer.json(try await database.silentHosts(since: Date().addingTimeInterval(-Double(hours) * 3600)))
            }
        }

        // Administration: admin role; each action is in the audit table with the caller's name.
        router.post("/api/v1/admin/enrol-tokens") { request, _ in
            await FleetServer.handling(database.logger) {
                let caller = try await access.authorize(request, needs: .admin)
                let body = try await FleetServer.body(request)
                struct Ask: Decodable { var host: String }
                guard let ask = try? JSONDecoder().decode(Ask.self, from: body) else {
                    throw FleetServerError(.malformed, "send {\"host\": \"NAME\"}")
                }
                let token = try await database.issueEnrolToken(host: ask.host, actor: caller.name)
                return try FleetServer.json(["host": ask.host, "token": token], status: .created)
            }
        }
        router.post("/api/v1/admin/hosts/:name/revoke") { request, context in
            await FleetServer.handling(database.logger) {
                let caller = try await access.authorize(request, needs: .admin)
                let name = context.parameters.get("name") ?? ""
                try await database.revoke(host: name, actor: caller.name)
                return try FleetServer.json(["host": name, "revoked": "true"])
            }
        }
        router.post("/api/v1/admin/waivers") { request, _ in
            await FleetServer.handling(database.logger) {
                let caller = try await access.authorize(request, needs: .admin)
                let body = try await FleetServer.body(request)
                guard let ask = try? JSONDecoder().decode(FleetDatabase.WaiverRequest.self, from: body) else {
                    throw FleetServerError(
                        .malformed, "send {\"check\": ID, \"host\": NAME (omit for every host), \"reason\": TEXT, \"expires\": \"YYYY-MM-DD\"}")
                }
                let id = try await database.addWaiver(ask, actor: caller.name)
                return try FleetServer.json(["id": id], status: .created)
            }
        }
        // Revoking a waiver: DELETE or POST …/revoke, with {"reason": TEXT} (or ?reason= on DELETE).
        @Sendable func revokeWaiver(_ request: Request, _ context: FleetRequestContext) async -> Response {
            await FleetServer.handling(database.logger) {
                let caller = try await access.authorize(request, needs: .admin)
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                    throw FleetServerError(.notFound, "no such waiver")
                }
                let body = try await FleetServer.body(request)
                struct Ask: Decodable { var reason: String }
                let reason: String
                if !body.isEmpty {
                    guard let ask = try? JSONDecoder().decode(Ask.self, from: body) else {
                        throw FleetServerError(.malformed, "send {\"reason\": TEXT}")
                    }
                    reason = ask.reason
                } else {
                    reason = request.uri.queryParameters.get("reason") ?? ""
                }
                try await database.revokeWaiver(id: id, reason: reason, actor: caller.name)
                return try FleetServer.json(["id": String(id), "state": "revoked"])
            }
        }
        router.delete("/api/v1/admin/waivers/:id") { request, context in await revokeWaiver(request, context) }
        router.post("/api/v1/admin/waivers/:id/revoke") { request, context in await revokeWaiver(request, context) }
        router.post("/api/v1/admin/reviews") { request, _ in
            await FleetServer.handling(database.logger) {
                let caller = try await access.authorize(request, needs: .admin)
                let body = try await FleetServer.body(request)
                struct Ask: Decodable { var note: String? }
                let note = body.isEmpty ? nil : (try? JSONDecoder().decode(Ask.self, from: body))?.note
                let at = try await database.markReview(actor: caller.name, note: note)
                return try FleetServer.json(["reviewedAt": at], status: .created)
            }
        }
        router.get("/api/v1/drift") { request, _ in
            await viewer(request) { _ in
                struct Drift: Encodable {
                    var since: Date?
                    var changes: [FleetDatabase.DriftRow]
                }
                guard let since = try await database.lastReview() else { return try FleetServer.json(Drift(since: nil, changes: [])) }
                return try FleetServer.json(Drift(since: since, changes: try await database.drift(since: since)))
            }
        }
        router.get("/api/v1/waivers") { request, _ in
            await viewer(request) { _ in try FleetServer.json(try await database.waivers()) }
        }
        router.get("/api/v1/admin/audit") { request, _ in
            await FleetServer.handling(database.logger) {
                _ = try await access.authorize(request, needs: .admin)
                return try FleetServer.json(try await database.audit())
            }
        }

        // The dashboard: Basic authentication (the token as password) so a browser can show it.
        router.get("/") { request, _ in
            await Self.page(request, access: access, logger: database.logger) { caller in
                let filter = Self.filter(request)
                // The findings table a page at a time (keyset: whole hosts after ?findings-after=NAME), with the count of all.
                let findingsAfter = Self.hostName(request, "findings-after")
                var filtered: Dashboard.FindingsView?
                if filter != .init() {
                    let page = try await database.findingsPage(filter, after: findingsAfter, size: findingsPage, cap: cap)
                    // Counted at least past what the page shows (whole hosts can make a page longer than the count's stop).
                    let countTo = max(countCap, page.rows.count)
                    filtered = Dashboard.FindingsView(
                        page: page, total: try await database.findingsCount(filter, upTo: countTo), after: findingsAfter, cap: cap,
                        countCap: countTo)
                }
                let review = try await database.lastReview()
                let drift = if let review { try await database.drift(since: review) } else { [FleetDatabase.DriftRow]() }
                // The hosts table a page at a time (keyset: the page after ?hosts-after=NAME), with the estate's counts.
                let after = Self.hostName(request, "hosts-after")
                let silentSince = Date().addingTimeInterval(-Double(Self.silentAfterHours) * 3600)
                let counts = try await database.hostCounts(silentSince: silentSince)
                let page = try await database.hosts(after: after, limit: dashboardHosts + 1)
                let hosts = Dashboard.HostsPage(
                    rows: Array(page.prefix(dashboardHosts)), total: counts.hosts, after: after,
                    next: page.count > dashboardHosts ? page[dashboardHosts - 1].name : nil)
                let silent = counts.silent == 0 ? [] : try await database.silentHosts(since: silentSince, limit: dashboardHosts)
                return Dashboard.estate(
                    posture: try await database.posture(), hosts: hosts, failing: try await database.failingChecks(),
                    silent: silent, silentTotal: counts.silent,
                    filter: filter, findings: filtered,
                    waivers: try await database.waivers(), review: review,
                    drift: drift, caller: caller)
            }
        }
        // A stored assessment as the host's own HTML report (`bulkhead assess --format html`).
        router.get("/assessments/:id/report.html") { request, context in
            await Self.page(request, access: access, logger: database.logger) { _ in
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let document = try await database.document(assessmentID: id)
                else {
                    throw FleetServerError(.notFound, "no such assessment")
                }
                let checks = try await database.waivedChecks(host: document.host)
                return try FleetDatabase.htmlReport(document.json, assessmentID: id, waivedChecks: checks)
            }
        }
        router.get("/hosts/:name") { request, context in
            await Self.page(request, access: access, logger: database.logger) { caller in
                let name = context.parameters.get("name") ?? ""
                let history = try await database.history(host: name)
                let findings = try await database.findings(.init(host: name), limit: cap + 1)
                let waivers = try await database.waivers(host: name)
                let drift = try await database.hostDrift(host: name, since: try Self.since(request))
                return Dashboard.host(
                    name: name, history: history, findings: Array(findings.prefix(cap)), findingsCap: findings.count > cap ? cap : nil,
                    waivers: waivers, drift: drift, caller: caller)
            }
        }
        router.get("/waivers") { request, _ in
            await Self.page(request, access: access, logger: database.logger) { caller in
                Dashboard.waiversPage(try await database.waivers(), caller: caller)
            }
        }
    }

    /// Every finding the filter selects (`FleetDatabase.allFindings`) as CSV or as one JSON array, written a page of
    /// hosts at a time as it is read. A failure after the status was sent is logged and ends the response without
    /// its last chunk (clients report an incomplete transfer; the JSON is left unclosed), never a shorter list
    /// that looks whole.
    static func streamedFindings(_ database: FleetDatabase, _ filter: FleetDatabase.FindingFilter, hostsPerPage: Int, csv: Bool) -> Response {
        let logger = database.logger
        return Response(
            status: .ok, headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/json"],
            body: ResponseBody { writer in
                do {
                    let encoder = FleetWire.encoder()
                    var first = true
                    try await writer.write(ByteBuffer(string: csv ? Dashboard.csvHeader : "["))
                    try await database.allFindings(filter, hostsPerPage: hostsPerPage) { page in
                        guard !page.isEmpty else { return }
                        var buffer = ByteBuffer()
                        for row in page {
                            if csv {
                                buffer.writeString(Dashboard.csvLine(row))
                            } else {
                                if !first { buffer.writeString(",") }
                                buffer.writeBytes(try encoder.encode(row))
                            }
                            first = false
                        }
                        try await writer.write(buffer)
                    }
                    if !csv { try await writer.write(ByteBuffer(string: "]")) }
                } catch {
                    logger.error("the findings export failed part-way: \(String(reflecting: error))")
                    throw error
                }
                try await writer.finish(nil)
            })
    }

    /// `?since=`: an RFC 3339 time or `YYYY-MM-DD` (the start of that day, UTC); absent: nil; else 400.
    static func since(_ request: Request) throws -> Date? {
        guard let text = request.uri.queryParameters.get("since").map({ String($0) }), !text.isEmpty else { return nil }
        guard text.utf8.count <= 64, let date = FleetDatabase.instant(text) else {
            throw FleetServerError(.malformed, "since must be an RFC 3339 time or YYYY-MM-DD")
        }
        return date
    }

    static func filter(_ request: Request) -> FleetDatabase.FindingFilter {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let text = query.get(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text.utf8.count <= 200 else { return nil }
            return text
        }
        return FleetDatabase.FindingFilter(
            product: value("product"), control: value("control"), severity: value("severity"), checkID: value("check"),
            verdict: value("verdict"), host: value("host"), version: value("version"), classification: value("classification"))
    }

    /// An HTML page: 401 with a Basic challenge when no credentials, errors as short HTML.
    static func page(
        _ request: Request, access: AccessControl, logger: Logging.Logger, _ body: (AccessControl.Caller) async throws -> String
    ) async -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ]
        if let nosniff = HTTPField.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
        do {
            let caller = try await access.authorize(request, needs: .viewer)
            let html = try await body(caller)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        } catch let error as FleetServerError {
            if error.code == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"bulkhead\", charset=\"UTF-8\"" }
            let html = Dashboard.errorPage(error)
            return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        } catch {
            logger.error("dashboard failed: \(String(reflecting: error))")
            let html = Dashboard.errorPage(FleetServerError(.database, "the database is unavailable; try again"))
            return Response(status: .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }
}
