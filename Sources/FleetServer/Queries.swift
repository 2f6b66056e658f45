import Assessment
import BulkheadModel
public import Foundation
import Logging
import PostgresNIO

/// The read side: what the read API and the dashboard show, each one query over the latest assessment of
/// every host (or one host's history).
extension FleetDatabase {
    public struct PostureRow: Codable, Sendable, Equatable {
        public var control: String
        /// A verdict status, or `waived` for a control whose only failures are waived (nothing left to judge).
        public var status: String
        public var count: Int
        /// How many of `count` have this status because a waiver in force left their waived failures out.
        public var waived: Int = 0
    }

    public struct HostRow: Codable, Sendable, Equatable {
        public var name: String
        public var keyID: String?
        public var enrolledAt: Date?
        public var revokedAt: Date?
        public var lastSeenAt: Date?
        public var latestAssessmentID: Int64?
        public var assessedAt: Date?
        public var failingChecks: Int
        public var notSatisfied: Int
        public var products: [String]
    }

    public struct AssessmentRow: Codable, Sendable, Equatable {
        public var id: Int64
        public var assessedAt: Date
        public var receivedAt: Date
        public var bundleSHA256: String
        public var bulkheadVersion: String
        public var failingChecks: Int
    }

    public struct FindingRow: Codable, Sendable, Equatable {
        public var host: String
        public var assessmentID: Int64
        public var assessedAt: Date
        public var checkID: String
        public var severity: String
        public var verdict: String
        public var subject: String
        public var product: String?
        public var controls: [String]
        /// A failing finding under a waiver in force: shown as waived (never as a pass).
        public var waived: FindingWaiver? = nil
        /// A failing finding whose check had a waiver that has expired (none in force): it acts no more.
        public var expiredWaiver: FindingWaiver? = nil
    }

    public struct FindingFilter: Sendable, Equatable {
        public var product: String?
        public var control: String?
        public var severity: String?
        public var checkID: String?
        public var verdict: String?
        public var host: String?
        /// The product version of the finding's mechanism (`control_verdicts.product_version`).
        public var version: String?
        /// The host's classification from its system profile (`profile.host.classification` of the report).
        public var classification: String?
        /// The check whose failure the filter asks for (`check` with `verdict=fail` or `waived`): only hosts whose
        /// latest assessment fails it (`hosts.latest_failing_checks`) can match.
        var failingCheck: String? { verdict == "fail" || verdict == "waived" ? checkID : nil }

        /// The filters a host row `h` answers (host, classification, failing check), over the hosts with a latest
        /// assessment: the host page of `findings`, `findingsCount` and `hostNames`.
        var hostClauses: SQLFragment {
            """
            h.latest_assessment_id IS NOT NULL
                  AND (\(failingCheck)::text IS NULL OR h.latest_failing_checks @> ARRAY[\(failingCheck)]::text[])
                  AND (\(host)::text IS NULL OR h.name = \(host))
                  AND (\(classification)::text IS NULL OR EXISTS (
                    SELECT 1 FROM assessments a WHERE a.id = h.latest_assessment_id AND a.classification = \(classification)))
            """
        }

        /// The filters a finding row `f` answers (product, control, severity, check id, verdict, product version) in
        /// `findings` and `findingsCount`; `verdict=waived` is left to the caller (it judges waivers).
        var findingClauses: SQLFragment {
            let verdict = verdict == "waived" ? nil : verdict
            return """
                (\(product)::text IS NULL OR f.product = \(product))
                  AND (\(control)::text IS NULL OR \(control) = ANY(f.controls))
                  AND (\(severity)::text IS NULL OR f.severity = \(severity))
                  AND (\(checkID)::text IS NULL OR f.check_id = \(checkID))
                  AND (\(verdict)::text IS NULL OR f.verdict = \(verdict))
                  AND (\(version)::text IS NULL OR EXISTS (
                    SELECT 1 FROM control_verdicts cv WHERE cv.assessment_id = f.assessment_id AND cv.product = f.product
                      AND cv.product_version = \(version)))
                """
        }
        public init(
            product: String? = nil, control: String? = nil, severity: String? = nil, checkID: String? = nil, verdict: String? = nil,
            host: String? = nil, version: String? = nil, classification: String? = nil
        ) {
            self.product = product
            self.control = control
            self.severity = severity
            self.checkID = checkID
            self.verdict = verdict
            self.host = host
            self.version = version
            self.classification = classification
        }
    }

    /// A check failing on hosts' latest assessments: how many hosts, on which products, at which severities.
    public struct FailingCheckRow: Codable, Sendable, Equatable {
        public var checkID: String
        public var hosts: Int
        public var severities: [String]
        public var products: [String]
    }

    public struct AuditRow: Codable, Sendable, Equatable {
        public var id: Int64
        public var at: Date
        public var actor: String
        public var action: String
        public var target: String?
    }

    /// Verdict counts per control over every host's latest assessment, each control judged as a `--fail-on`
    /// gate judges it under the fleet's waivers in force (`FailPolicy.gatedStatus`): a control decided by its
    /// checks alone whose failures are waived is rolled up again without them; ISM-1460 and ISM-1743 (vendor
    /// evaluations) and verdicts something besides the checks decided are counted as recorded.
    ///
    /// No stored report is decoded: each verdict with a failing finding keeps, from ingest, what the gate reads of
    /// its findings (`control_verdicts.gate`), and the waivers in force are read now — so adding, revoking or the
    /// expiry of a waiver shows at once. Assessments stored before migration 6 have no gates and are read as before.
    public func posture(control: String? = nil, product: String? = nil, now: Date = Date()) async throws -> [PostureRow] {
        var counts: [String: [String: (count: Int, waived: Int)]] = [:]
        for row in try await recordedPosture(control: control, product: product) { counts[row.control, default: [:]][row.status] = (row.count, 0) }
        func regate(control controlID: String, recorded: String, gated: String) {
            guard gated != recorded, let before = counts[controlID]?[recorded], before.count > 0 else { return }
            counts[controlID]?[recorded] = (before.count - 1, before.waived)
            let after = counts[controlID]?[gated] ?? (0, 0)
            counts[controlID]?[gated] = (after.count + 1, after.waived + 1)
        }
        // Without a waiver in force nothing is regated: the two reads below would only scan every latest verdict.
        guard try await anyWaiverInForce(now: now) else {
            return counts.keys.sorted().flatMap { control in
                (counts[control] ?? [:]).filter { $0.value.count > 0 }.keys.sorted().map { status in
                    PostureRow(control: control, status: status, count: counts[control]?[status]?.count ?? 0)
                }
            }
        }
        for gate in try await gatedVerdicts(control: control, product: product, now: now) {
            guard let assessment = Self.gateAssessment(control: gate.control, status: gate.status, gate: gate.gate) else {
                logger.warning("a verdict of \(gate.host) has findings this server does not judge; its waivers are not applied to the posture")
                continue
            }
            let waived = Set(
                assessment.findings.filter { $0.outcome == .fail && gate.checks.contains($0.checkID) }.map {
                    FailPolicy.key(checkID: $0.checkID, subject: $0.subject)
                })
            regate(control: gate.control, recorded: gate.status, gated: FailPolicy.gatedStatus(assessment, waived: waived)?.rawValue ?? "waived")
        }
        for (id, host, checks) in try await waivedLegacyAssessments(now: now) {
            guard let document = try await self.document(assessmentID: id),
                let report = try? JSONCoding.decoder().decode(AssessmentReport.self, from: Data(document.json.utf8))
            else {
                logger.warning("assessment \(id) of \(host) is not a report this server reads; its waivers are not applied to the posture")
                continue
            }
            let waived = Self.waivedKeys(report, checks: checks)
            var judged: [(product: String?, control: ControlAssessment)] = []
            for entry in report.mechanisms {
                let name = entry.catalogProduct?.rawValue ?? entry.mechanism.product.rawValue
                judged += entry.controls.map { (name, $0) }
            }
            judged += (report.hostControls ?? []).map { (nil, $0) }
            for (name, assessment) in judged {
                let controlID = assessment.verdict.control.rawValue
                if let control, control != controlID { continue }
                if let product, product != name { continue }
                regate(
                    control: controlID, recorded: assessment.verdict.status.rawValue,
                    gated: FailPolicy.gatedStatus(assessment, waived: waived)?.rawValue ?? "waived")
            }
        }
        return counts.keys.sorted().flatMap { control in
            (counts[control] ?? [:]).filter { $0.value.count > 0 }.keys.sorted().map { status in
                let value = counts[control]?[status] ?? (0, 0)
                return PostureRow(control: control, status: status, count: value.count, waived: value.waived)
            }
        }
    }

    func anyWaiverInForce(now: Date) async throws -> Bool {
        let rows = try await client.query(
            "SELECT EXISTS (SELECT 1 FROM waivers WHERE revoked_at IS NULL AND expires_at > \(now))", logger: logger)
        for try await found in rows.decode(Bool.self) { return found }
        return false
    }

    /// One verdict as the gate judges it, rebuilt from its stored gate (`ReportDigest.gate`): its findings with their
    /// outcome, severity, check id and whether they are filed under the control (subjects are not kept: a waiver
    /// names a check, so every failure of a waived check is waived). Nil for a status or finding it does not know.
    static func gateAssessment(control: String, status: String, gate: [String]) -> ControlAssessment? {
        guard let status = VerdictStatus(rawValue: status) else { return nil }
        let id = ControlID(rawValue: control)
        var findings: [Finding] = []
        for entry in gate {
            let parts = entry.split(separator: "\u{1F}", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, let severity = Severity(rawValue: parts[1]) else { return nil }
            let outcome: Outcome
            switch parts[0] {
            case "pass": outcome = .pass
            case "fail": outcome = .fail
            case "notApplicable": outcome = .notApplicable
            case "inconclusive": outcome = .inconclusive(reason: "")
            default: return nil
            }
            findings.append(Finding(checkID: parts[3], subject: "", outcome: outcome, severity: severity, controls: parts[2] == "1" ? [id] : []))
        }
        let verdict = ControlVerdict(control: id, subject: ProductID(""), status: status, confidence: .high, rationale: [], evidence: [])
        return ControlAssessment(verdict: verdict, findings: findings)
    }

    /// The verdicts of hosts' latest assessments with a failing finding whose check a waiver in force covers on
    /// that host, with their gates and the waived checks.
    func gatedVerdicts(control: String?, product: String?, now: Date) async throws -> [(
        host: String, control: String, status: String, gate: [String], checks: Set<String>
    )] {
        let rows = try await client.query(
            """
            WITH w AS (SELECT check_id, host FROM waivers WHERE revoked_at IS NULL AND expires_at > \(now)),
            checks AS (SELECT coalesce(array_agg(DISTINCT check_id), '{}') AS ids FROM w)
            SELECT h.name, cv.control, cv.status, cv.gate, ws.ids
            FROM checks, hosts h JOIN control_verdicts cv ON cv.assessment_id = h.latest_assessment_id
            CROSS JOIN LATERAL (
                SELECT array_agg(DISTINCT w.check_id) AS ids FROM w WHERE w.check_id = ANY(cv.gate_failing) AND (w.host IS NULL OR w.host = h.name)) ws
            WHERE cardinality(checks.ids) > 0 AND cv.gate_failing && checks.ids AND ws.ids IS NOT NULL
              AND (\(control)::text IS NULL OR cv.control = \(control)) AND (\(product)::text IS NULL OR cv.product = \(product))
            """, logger: logger)
        var out: [(host: String, control: String, status: String, gate: [String], checks: Set<String>)] = []
        for try await (host, control, status, gate, checks) in rows.decode((String, String, String, [String], [String]).self) {
            out.append((host, control, status, gate, Set(checks)))
        }
        return out
    }

    /// Hosts' latest assessments stored before migration 6 (no gates) with a failing finding under a waiver in
    /// force, with the waived checks: their reports are decoded.
    func waivedLegacyAssessments(now: Date) async throws -> [(id: Int64, host: String, checks: Set<String>)] {
        let rows = try await client.query(
            """
            SELECT a.id, h.name, array_agg(DISTINCT f.check_id)
            FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id AND NOT a.summarised
            JOIN findings f ON f.assessment_id = a.id AND f.verdict = 'fail'
            WHERE EXISTS (
                SELECT 1 FROM waivers w WHERE w.check_id = f.check_id AND (w.host IS NULL OR w.host = h.name)
                  AND w.revoked_at IS NULL AND w.expires_at > \(now))
            GROUP BY a.id, h.name ORDER BY h.name
            """, logger: logger)
        var out: [(id: Int64, host: String, checks: Set<String>)] = []
        for try await (id, host, checks) in rows.decode((Int64, String, [String]).self) { out.append((id, host, Set(checks))) }
        return out
    }

    /// The verdicts as recorded, counted per control and status.
    func recordedPosture(control: String?, product: String?) async throws -> [PostureRow] {
        let state = try await estateState()
        let key = "posture\u{1F}\(control ?? "\u{1E}")\u{1F}\(product ?? "\u{1E}")"
        if let cached = cache.posture(key, at: state) { return cached }
        let rows = try await client.query(
            """
            SELECT cv.control, cv.status, count(*)::bigint FROM hosts h JOIN control_verdicts cv ON cv.assessment_id = h.latest_assessment_id
            WHERE (\(control)::text IS NULL OR cv.control = \(control)) AND (\(product)::text IS NULL OR cv.product = \(product))
            GROUP BY cv.control, cv.status ORDER BY cv.control, cv.status
            """, logger: logger)
        var out: [PostureRow] = []
        for try await (control, status, count) in rows.decode((String, String, Int64).self) {
            out.append(PostureRow(control: control, status: status, count: Int(count)))
        }
        cache.keep(posture: out, key, at: state)
        return out
    }

    /// Which assessment is each host's latest, summed up: how many hosts have one, the sum and the maximum of their ids,
    /// the sum of their times. Ingest moves a pointer only to an assessment it has just stored, so a move changes the
    /// sums (two moves would have to cancel out in both ids and times to leave them), as does a host's first report or
    /// a host removed; what an estate summary reads of the latest assessments (their verdict rows, failing checks) is
    /// written with them and never changed, so equal states read equal summaries. One scan of the hosts table.
    func estateState() async throws -> EstateCache.State {
        let rows = try await client.query(
            """
            SELECT count(latest_assessment_id)::bigint, coalesce(max(latest_assessment_id), 0)::bigint,
                coalesce(sum(latest_assessment_id), 0)::text || '/' || coalesce(sum(extract(epoch FROM latest_assessed_at)), 0)::text
            FROM hosts
            """, logger: logger)
        for try await (count, max, sums) in rows.decode((Int64, Int64, String).self) { return .init(count: count, max: max, sums: sums) }
        return .init(count: 0, max: 0, sums: "")
    }

    /// Hosts in name order with their latest assessment's summary: every host, or a page of them (`after`: the
    /// previous page's last name, keyset pagination; `limit`: the page size); `silentSince`: only enrolled,
    /// unrevoked hosts with no submission since then (never reported counts as stopped).
    public func hosts(after: String? = nil, limit: Int? = nil, silentSince: Date? = nil) async throws -> [HostRow] {
        let rows = try await client.query(
            """
            SELECT h.name, h.key_id, h.enrolled_at, h.revoked_at, h.last_seen_at, a.id, a.assessed_at, coalesce(a.failing_count, 0)::bigint,
                coalesce(a.not_satisfied, 0)::bigint, coalesce(a.products, '{}')
            FROM hosts h LEFT JOIN assessments a ON a.id = h.latest_assessment_id
            WHERE (\(after)::text IS NULL OR h.name > \(after))
              AND (\(silentSince)::timestamptz IS NULL OR (h.enrolled_at IS NOT NULL AND h.revoked_at IS NULL
                AND coalesce(h.last_seen_at, '-infinity') < \(silentSince)))
            ORDER BY h.name LIMIT \(limit)
            """, logger: logger)
        var out: [HostRow] = []
        for try await (name, keyID, enrolled, revoked, seen, latest, assessed, failing, notSatisfied, products) in rows.decode(
            (String, String?, Date?, Date?, Date?, Int64?, Date?, Int64, Int64, [String]).self)
        {
            out.append(
                HostRow(
                    name: name, keyID: keyID, enrolledAt: enrolled, revokedAt: revoked, lastSeenAt: seen, latestAssessmentID: latest,
                    assessedAt: assessed, failingChecks: Int(failing), notSatisfied: Int(notSatisfied), products: products))
        }
        return out
    }

    /// Enrolled, unrevoked hosts with no submission since `since` (never reported counts as stopped).
    public func silentHosts(since: Date, limit: Int? = nil) async throws -> [HostRow] {
        try await hosts(limit: limit, silentSince: since)
    }

    /// How many hosts there are, and how many of them are silent since `since` (as `silentHosts`).
    public func hostCounts(silentSince since: Date) async throws -> (hosts: Int, silent: Int) {
        let rows = try await client.query(
            """
            SELECT count(*)::bigint, (count(*) FILTER (WHERE h.enrolled_at IS NOT NULL AND h.revoked_at IS NULL
                AND coalesce(h.last_seen_at, '-infinity') < \(since)))::bigint FROM hosts h
            """, logger: logger)
        for try await (hosts, silent) in rows.decode((Int64, Int64).self) { return (Int(hosts), Int(silent)) }
        return (0, 0)
    }

    public func history(host: String, limit: Int = 200) async throws -> [AssessmentRow] {
        let rows = try await client.query(
            """
            SELECT a.id, a.assessed_at, a.received_at, a.bundle_sha256, a.bulkhead_version,
                (SELECT count(*) FROM findings f WHERE f.assessment_id = a.id AND f.verdict = 'fail')::bigint
            FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = \(host)
            ORDER BY a.assessed_at DESC, a.id DESC LIMIT \(limit)
            """, logger: logger)
        var out: [AssessmentRow] = []
        for try await (id, assessed, received, sha, version, failing) in rows.decode((Int64, Date, Date, String, String, Int64).self) {
            out.append(
                AssessmentRow(
                    id: id, assessedAt: assessed, receivedAt: received, bundleSHA256: sha, bulkheadVersion: version, failingChecks: Int(failing)))
        }
        return out
    }

    /// Findings of every host's latest assessment matching the filter (each field optional; verdict defaults
    /// to every verdict).
    ///
    /// A failing finding carries the waiver in force on its check and host (`waived`, the one lasting longest),
    /// else the last one that expired (`expiredWaiver`); `verdict=waived` selects the failing findings under a
    /// waiver in force. Hosts come in name order: `afterHost` starts after that host, `hostLimit` takes that
    /// many hosts, `throughHost` stops at that host (the pages of a streamed export). `limit` caps the rows:
    /// a caller that caps asks for one more than it shows, to know (and say) that it did.
    public func findings(
        _ filter: FindingFilter, limit: Int = 5000, afterHost: String? = nil, hostLimit: Int? = nil, throughHost: String? = nil,
        now: Date = Date()
    ) async throws -> [FindingRow] {
        let onlyWaived = filter.verdict == "waived"
        let query: SQLFragment = """
            WITH page AS (
                SELECT h.latest_assessment_id AS id, h.id AS host_id, h.name FROM hosts h
                WHERE \(filter.hostClauses)
                  AND (\(afterHost)::text IS NULL OR h.name > \(afterHost)) AND (\(throughHost)::text IS NULL OR h.name <= \(throughHost))
                ORDER BY h.name LIMIT \(hostLimit))
            SELECT h.name, f.assessment_id, f.assessed_at, f.check_id, f.severity, f.verdict, f.subject, f.product, f.controls,
                wi.id, wi.expires_at, we.id, we.expires_at
            FROM findings f JOIN page h ON f.assessment_id = h.id
            LEFT JOIN LATERAL (
                SELECT w.id, w.expires_at FROM waivers w WHERE f.verdict = 'fail' AND w.check_id = f.check_id
                  AND (w.host IS NULL OR w.host = h.name) AND w.revoked_at IS NULL AND w.expires_at > \(now)
                ORDER BY w.expires_at DESC, w.id LIMIT 1) wi ON true
            LEFT JOIN LATERAL (
                SELECT w.id, w.expires_at FROM waivers w WHERE wi.id IS NULL AND f.verdict = 'fail' AND w.check_id = f.check_id
                  AND (w.host IS NULL OR w.host = h.name) AND w.revoked_at IS NULL AND w.expires_at <= \(now)
                ORDER BY w.expires_at DESC, w.id LIMIT 1) we ON true
            WHERE (NOT \(onlyWaived) OR wi.id IS NOT NULL) AND \(filter.findingClauses)
            ORDER BY h.name, f.check_id, f.subject LIMIT \(limit)
            """
        let rows = try await client.query(query.query, logger: logger)
        var out: [FindingRow] = []
        for try await (host, id, assessed, check, severity, verdict, subject, product, controls, waiverID, waiverExpiry, lapsedID, lapsedExpiry)
            in rows.decode((String, Int64, Date, String, String, String, String, String?, [String], Int64?, Date?, Int64?, Date?).self)
        {
            var row = FindingRow(
                host: host, assessmentID: id, assessedAt: assessed, checkID: check, severity: severity, verdict: verdict, subject: subject,
                product: product, controls: controls)
            if let waiverID, let waiverExpiry { row.waived = FindingWaiver(id: waiverID, expiresAt: waiverExpiry) }
            if let lapsedID, let lapsedExpiry { row.expiredWaiver = FindingWaiver(id: lapsedID, expiresAt: lapsedExpiry) }
            out.append(row)
        }
        return out
    }

    /// Every finding `findings(filter)` selects, without a cap: handed to `page` a page of hosts at a time (name
    /// order, at most `hostsPerPage` hosts a page), each page as soon as it is read. A page is the hosts after the
    /// previous page's last up to and including its own last (both read from the database, in its collation), so a
    /// host that reports meanwhile is in some page, never skipped or repeated. `now` judges waivers for every page.
    public func allFindings(
        _ filter: FindingFilter, hostsPerPage: Int = 50, now: Date = Date(), _ page: ([FindingRow]) async throws -> Void
    ) async throws {
        let perPage = max(1, hostsPerPage)
        var after: String? = nil
        while true {
            let names = try await hostNames(filter, after: after, limit: perPage)
            guard let last = names.last else { return }
            try await page(try await findings(filter, limit: Int.max, afterHost: after, throughHost: last, now: now))
            if names.count < perPage { return }
            after = last
        }
    }

    /// The first `limit` findings `findings(filter)` selects, in its order (host name, check id, subject), read a page
    /// of hosts at a time — 64 hosts, then twice as many each page — until `limit` are read or no host is left: a
    /// filter that many hosts match (the dashboard's capped tables) reads only the first hosts' findings instead of
    /// every host's, and the same rows come out as `findings(filter, limit:)` would give.
    public func firstFindings(_ filter: FindingFilter, limit: Int, after start: String? = nil, now: Date = Date()) async throws -> [FindingRow] {
        var out: [FindingRow] = []
        var after: String? = start
        var perPage = 64
        while out.count < limit {
            let names = try await hostNames(filter, after: after, limit: perPage)
            guard let last = names.last else { break }
            out += try await findings(filter, limit: limit - out.count, afterHost: after, throughHost: last, now: now)
            if names.count < perPage { break }
            after = last
            perPage = min(perPage * 2, 8192)
        }
        return out
    }

    /// A page of the dashboard's findings table: the findings `findings(filter)` selects of whole hosts in name order
    /// after `after` (keyset; nil: from the first), at most `size` of them — or, when the first host alone has more,
    /// that host's findings up to `cap` (`truncated` when it has more still). `next`: the host the next page starts
    /// after (nil on the last page).
    public struct FindingsPage: Sendable {
        public var rows: [FindingRow]
        public var next: String?
        public var truncated: Bool
    }

    public func findingsPage(_ filter: FindingFilter, after: String?, size: Int, cap: Int, now: Date = Date()) async throws -> FindingsPage {
        let size = max(1, size)
        let read = try await firstFindings(filter, limit: size + 1, after: after, now: now)
        guard read.count > size else { return FindingsPage(rows: read, next: nil, truncated: false) }
        // More follow: the page ends before the host whose findings it cannot hold whole.
        let cut = read[size].host
        var rows = Array(read.prefix(size))
        while rows.last?.host == cut { rows.removeLast() }
        if let last = rows.last?.host { return FindingsPage(rows: rows, next: last, truncated: false) }
        // One host with more than a page: its findings, to the cap.
        let whole = try await findings(filter, limit: cap + 1, afterHost: after, throughHost: cut, now: now)
        let more = try await hostNames(filter, after: cut, limit: 1)
        return FindingsPage(rows: Array(whole.prefix(cap)), next: more.isEmpty ? nil : cut, truncated: whole.count > cap)
    }

    /// How many findings `findings(filter)` selects in all (the dashboard's count above its page), counted up to
    /// `upTo + 1` at most: a result above `upTo` means "more than `upTo`", so a broad filter on a large estate stops
    /// counting early (nil: count every one). Without the `waived` verdict it depends on the hosts' latest
    /// assessments alone, so it is kept with the estate state.
    public func findingsCount(_ filter: FindingFilter, upTo: Int? = nil, now: Date = Date()) async throws -> Int {
        let onlyWaived = filter.verdict == "waived"
        let state = onlyWaived ? nil : try await estateState()
        let key = "\(filter) up to \(upTo.map(String.init) ?? "all")"
        if let state, let cached = cache.findingsCount(key, at: state) { return cached }
        // LIMIT NULL is no limit in PostgreSQL.
        let limit = upTo.map { max(0, $0) + 1 }
        let query: SQLFragment = """
            WITH page AS (SELECT h.latest_assessment_id AS id, h.name FROM hosts h WHERE \(filter.hostClauses))
            , matched AS (SELECT 1 FROM findings f JOIN page h ON f.assessment_id = h.id
            WHERE (NOT \(onlyWaived) OR (f.verdict = 'fail' AND EXISTS (
                SELECT 1 FROM waivers w WHERE w.check_id = f.check_id AND (w.host IS NULL OR w.host = h.name) AND w.revoked_at IS NULL
                  AND w.expires_at > \(now))))
              AND \(filter.findingClauses)
            LIMIT \(limit))
            SELECT count(*)::bigint FROM matched
            """
        let rows = try await client.query(query.query, logger: logger)
        var count = 0
        for try await n in rows.decode(Int64.self) { count = Int(n) }
        if let state { cache.keep(findingsCount: count, key, at: state) }
        return count
    }

    /// A page of the hosts whose latest assessment `findings(filter)` may select from, in name order after `after`:
    /// narrowed by host, classification and (for `verdict=fail` or `waived` with a check id) the host's failing
    /// checks (migration 8's index), the filters a host row answers.
    func hostNames(_ filter: FindingFilter, after: String?, limit: Int) async throws -> [String] {
        let query: SQLFragment = """
            SELECT h.name FROM hosts h WHERE \(filter.hostClauses) AND (\(after)::text IS NULL OR h.name > \(after))
            ORDER BY h.name LIMIT \(limit)
            """
        let rows = try await client.query(query.query, logger: logger)
        var names: [String] = []
        for try await (name) in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// Every check failing on some host's latest assessment, the most widespread first (as "which hosts run
    /// QEMU without -sandbox" is `qemu.sandbox`; the findings filter `check=ID&verdict=fail` lists the hosts).
    public func failingChecks(limit: Int = 1000) async throws -> [FailingCheckRow] {
        let state = try await estateState()
        if let cached = cache.failingChecks(limit, at: state) { return cached }
        let out = try await readFailingChecks(limit: limit)
        cache.keep(failingChecks: out, limit, at: state)
        return out
    }

    func readFailingChecks(limit: Int) async throws -> [FailingCheckRow] {
        // Each latest assessment's distinct failing checks, and their severities and products, kept at ingest.
        var severities: [String: Set<String>] = [:]
        var products: [String: Set<String>] = [:]
        let details = try await client.query(
            """
            SELECT DISTINCT d FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id, unnest(a.failing_detail) d
            """, logger: logger)
        for try await detail in details.decode(String.self) {
            let parts = detail.split(separator: "\u{1F}", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            severities[parts[2], default: []].insert(parts[0])
            if !parts[1].isEmpty { products[parts[2], default: []].insert(parts[1]) }
        }
        let rows = try await client.query(
            """
            SELECT c, count(*)::bigint FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id, unnest(a.failing_checks) c
            GROUP BY c ORDER BY 2 DESC, 1 LIMIT \(limit)
            """, logger: logger)
        var out: [FailingCheckRow] = []
        for try await (check, hosts) in rows.decode((String, Int64).self) {
            out.append(
                FailingCheckRow(
                    checkID: check, hosts: Int(hosts), severities: (severities[check] ?? []).sorted(), products: (products[check] ?? []).sorted()))
        }
        return out
    }

    /// The latest assessment report (JSON) of every host the filter selects, by host name: a host is selected
    /// when its latest assessment has a verdict for the product and control and a finding matching the
    /// severity, check and verdict (each when given) — the hosts behind `findings(filter)`, plus, with only
    /// product/control/host given, hosts with a verdict but no finding.
    /// Hosts come in name order, from the one after `afterHost`, at most `limit` (a page).
    public func latestDocuments(_ filter: FindingFilter, afterHost: String? = nil, limit: Int) async throws -> [(
        host: String, id: Int64, json: String
    )] {
        let anyFindingField = filter.severity != nil || filter.checkID != nil || filter.verdict != nil
        let rows = try await client.query(
            """
            SELECT h.name, a.id, convert_from(a.document, 'UTF8')
            FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id
            WHERE (\(filter.host)::text IS NULL OR h.name = \(filter.host))
              AND (\(afterHost)::text IS NULL OR h.name > \(afterHost))
              AND (\(filter.classification)::text IS NULL OR a.classification = \(filter.classification))
              AND ((\(filter.product)::text IS NULL AND \(filter.control)::text IS NULL AND \(filter.version)::text IS NULL) OR EXISTS (
                SELECT 1 FROM control_verdicts cv WHERE cv.assessment_id = a.id
                  AND (\(filter.product)::text IS NULL OR cv.product = \(filter.product))
                  AND (\(filter.version)::text IS NULL OR cv.product_version = \(filter.version))
                  AND (\(filter.control)::text IS NULL OR cv.control = \(filter.control))))
              AND (NOT \(anyFindingField) OR EXISTS (
                SELECT 1 FROM findings f WHERE f.assessment_id = a.id
                  AND (\(filter.product)::text IS NULL OR f.product = \(filter.product))
                  AND (\(filter.version)::text IS NULL OR EXISTS (
                    SELECT 1 FROM control_verdicts cv WHERE cv.assessment_id = a.id AND cv.product = f.product
                      AND cv.product_version = \(filter.version)))
                  AND (\(filter.control)::text IS NULL OR \(filter.control) = ANY(f.controls))
                  AND (\(filter.severity)::text IS NULL OR f.severity = \(filter.severity))
                  AND (\(filter.checkID)::text IS NULL OR f.check_id = \(filter.checkID))
                  AND (\(filter.verdict)::text IS NULL OR f.verdict = \(filter.verdict))))
            ORDER BY h.name LIMIT \(limit)
            """, logger: logger)
        var out: [(host: String, id: Int64, json: String)] = []
        for try await (host, id, json) in rows.decode((String, Int64, String).self) { out.append((host, id, json)) }
        return out
    }

    /// The stored assessment report of one assessment (the JSON document), or nil.
    public func document(assessmentID: Int64) async throws -> (host: String, json: String)? {
        let rows = try await client.query(
            "SELECT h.name, convert_from(a.document, 'UTF8') FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE a.id = \(assessmentID)",
            logger: logger)
        for try await (host, json) in rows.decode((String, String).self) { return (host, json) }
        return nil
    }

    public func audit(limit: Int = 500) async throws -> [AuditRow] {
        let rows = try await client.query(
            "SELECT id, at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT \(limit)", logger: logger)
        var out: [AuditRow] = []
        for try await (id, at, actor, action, target) in rows.decode((Int64, Date, String, String, String?).self) {
            out.append(AuditRow(id: id, at: at, actor: actor, action: action, target: target))
        }
        return out
    }
}
