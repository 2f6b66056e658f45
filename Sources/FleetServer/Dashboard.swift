import Foundation
import Reporting

/// The dashboard's HTML: one self-contained page each (inline CSS, no script, no external asset). Every
/// string from a host, a report or a request goes through `escape`.
enum Dashboard {
    /// HTML text and attribute escaping: Reporting's `Escape.html` (entities for `& < > " '`, U+FFFD for control and
    /// bidirectional characters), the same escaping as the reports'.
    static func escape(_ text: String) -> String { Escape.html(text) }

    /// A path segment or query value, percent-encoded (then HTML-escaped where used in an attribute).
    static func component(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        return date.formatted(.iso8601)
    }

    static let style = """
        body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:1200px}
        h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
        table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f1f1f1}.bad{color:#a00000;font-weight:600}.ok{color:#006000}.muted{color:#666}.waived{color:#8a5a00;font-weight:600}
        form.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}label{display:flex;flex-direction:column;font-size:.8rem}
        nav a{margin-right:1rem}
        """

    static func document(title: String, caller: AccessControl.Caller?, _ body: String) -> String {
        let who = caller.map { "<p class=\"muted\" id=\"caller\">Signed in as \(escape($0.name)) (\(escape($0.role.rawValue)))</p>" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title><style>\(style)</style></head>
            <body><nav><a href="/">Estate</a><a href="/waivers">Waivers</a><a href="/api/v1/hosts">JSON: hosts</a><a href="/api/v1/posture">JSON: posture</a></nav>
            <h1>\(escape(title))</h1>\(who)
            \(body)
            </body></html>
            """
    }

    /// The per-host HTML report of one stored assessment (Reporting's HTML renderer, as `--format html`).
    static func reportPath(_ assessmentID: Int64) -> String { "/assessments/\(assessmentID)/report.html" }

    static func statusClass(_ status: String) -> String {
        switch status {
        case "notSatisfied", "fail": "bad"
        case "satisfied", "satisfiedLessPreferred", "pass": "ok"
        case "waived": "waived"
        default: ""
        }
    }

    /// A page of the hosts table: the hosts it shows, how many hosts there are in all, and the query of the next
    /// page (nil on the last); `after`: the host this page starts after (nil on the first).
    struct HostsPage {
        var rows: [FleetDatabase.HostRow]
        var total: Int
        var after: String? = nil
        var next: String? = nil
    }

    /// A page of the estate's findings table: the page, how many findings match in all (counted to `countCap + 1`:
    /// above `countCap` it reads "more than countCap"), the host it starts after (nil: the first page) and the cap of a
    /// single host's findings.
    struct FindingsView {
        var page: FleetDatabase.FindingsPage
        var total: Int
        var after: String? = nil
        var cap: Int
        var countCap: Int = .max

        /// The count as the page says it.
        var totalText: String { total > countCap ? "more than \(countCap)" : "\(total)" }
    }

    static func estate(
        posture: [FleetDatabase.PostureRow], hosts: HostsPage, failing: [FleetDatabase.FailingCheckRow] = [],
        silent: [FleetDatabase.HostRow], silentTotal: Int? = nil, filter: FleetDatabase.FindingFilter,
        findings: FindingsView?, waivers: [FleetDatabase.WaiverRow] = [], review: Date? = nil,
        drift: [FleetDatabase.DriftRow] = [], caller: AccessControl.Caller
    ) -> String {
        var html = "<h2>Posture per control (latest assessment of each host)</h2>"
        let controls = Array(Set(posture.map(\.control))).sorted()
        let statuses = Array(Set(posture.map(\.status))).sorted()
        if controls.isEmpty {
            html += "<p>No assessment has been received yet.</p>"
        } else {
            html += "<table id=\"posture\"><thead><tr><th>Control</th>" + statuses.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            for control in controls {
                html += "<tr><th scope=\"row\"><a href=\"/?control=\(escape(component(control)))\">\(escape(control))</a></th>"
                for status in statuses {
                    let row = posture.first { $0.control == control && $0.status == status }
                    let count = row?.count ?? 0
                    let waived = (row?.waived ?? 0) > 0 ? " <span class=\"waived\">(\(row?.waived ?? 0) by waiver)</span>" : ""
                    html += "<td class=\"\(count > 0 ? statusClass(status) : "muted")\">\(count)\(waived)</td>"
                }
                html += "</tr>"
            }
            html += "</tbody></table>"
            if posture.contains(where: { $0.waived > 0 }) {
                html += "<p class=\"muted\" id=\"posture-waivers\">Each control is counted as a <code>--fail-on</code> gate judges it under "
                html += "the waivers in force: a control decided by its checks is rolled up again without its waived failures "
                html += "(<em>waived</em>: nothing else left to judge); ISM-1460 and ISM-1743 are counted as evaluated.</p>"
            }
        }

        html += "<h2>Hosts (\(hosts.total))</h2>"
        if hosts.rows.count < hosts.total {
            let first = hosts.after.map { "after <a href=\"/hosts/\(escape(component($0)))\">\(escape($0))</a>" } ?? "from the first"
            html += "<p class=\"muted\" id=\"hosts-page\">\(hosts.rows.count) hosts shown, by name \(first)"
            if hosts.after != nil { html += " · <a id=\"hosts-first\" href=\"/\">first page</a>" }
            if let next = hosts.next { html += " · <a id=\"hosts-next\" href=\"/?hosts-after=\(escape(component(next)))\">next page</a>" }
            html += " · every host: <a href=\"/api/v1/hosts\">JSON</a></p>"
        }
        html += "<table id=\"hosts\"><thead><tr><th>Host</th><th>Mechanisms</th><th>Last assessed</th>"
        html += "<th>Failing checks</th><th>Not satisfied</th><th>Key</th><th>Report</th></tr></thead><tbody>"
        for host in hosts.rows {
            let report = host.latestAssessmentID.map { "<a class=\"report\" href=\"\(reportPath($0))\">HTML report</a>" } ?? "—"
            let key = host.revokedAt != nil ? "<span class=\"bad\">revoked</span>" : escape(host.keyID ?? "not enrolled")
            html += "<tr><td><a href=\"/hosts/\(escape(component(host.name)))\">\(escape(host.name))</a></td>"
            html += "<td>\(escape(host.products.joined(separator: ", ")))</td><td>\(date(host.assessedAt))</td>"
            html += "<td class=\"\(host.failingChecks > 0 ? "bad" : "")\">\(host.failingChecks)</td>"
            html += "<td class=\"\(host.notSatisfied > 0 ? "bad" : "")\">\(host.notSatisfied)</td><td>\(key)</td><td>\(report)</td></tr>"
        }
        html += "</tbody></table>"

        html += "<h2>Checks failing across hosts</h2>"
        if failing.isEmpty {
            html += "<p id=\"failing-checks\">No check fails on any host's latest assessment.</p>"
        } else {
            html +=
                "<table id=\"failing-checks\"><thead><tr><th>Check id</th><th>Hosts failing</th><th>Severity</th><th>Products</th></tr></thead><tbody>"
            for row in failing {
                let link = "/?check=\(component(row.checkID))&verdict=fail"
                html += "<tr><td><a href=\"\(escape(link))\">\(escape(row.checkID))</a></td><td class=\"bad\">\(row.hosts)</td>"
                html += "<td>\(escape(row.severities.joined(separator: ", ")))</td><td>\(escape(row.products.joined(separator: ", ")))</td></tr>"
            }
            html += "</tbody></table>"
        }

        html += "<h2>Hosts that stopped reporting (nothing for \(ReadAPI.silentAfterHours) h)</h2>"
        if silent.isEmpty {
            html += "<p id=\"silent\">None.</p>"
        } else {
            html += "<ul id=\"silent\">" + silent.map { "<li>\(escape($0.name)) — last seen \(date($0.lastSeenAt))</li>" }.joined() + "</ul>"
            if let silentTotal, silentTotal > silent.count {
                html += "<p class=\"muted\" id=\"silent-more\">The first \(silent.count) of \(silentTotal) by name; every one: "
                html += "<a href=\"/api/v1/silent\">JSON</a>.</p>"
            }
        }

        if let review {
            html += "<h2>Drift since the last review (\(date(review)))</h2>"
            if drift.isEmpty {
                html += "<p id=\"drift\">No check started or stopped failing since the review.</p>"
            } else {
                html += "<table id=\"drift\"><thead><tr><th>Host</th><th>Change</th><th>Check id</th><th>Subject</th></tr></thead><tbody>"
                for row in drift {
                    html += "<tr><td><a href=\"/hosts/\(escape(component(row.host)))\">\(escape(row.host))</a></td>"
                    html += "<td class=\"\(row.change == "new" ? "bad" : "ok")\">\(row.change == "new" ? "now failing" : "resolved")</td>"
                    html += "<td>\(escape(row.checkID))</td><td>\(escape(row.subject))</td></tr>"
                }
                html += "</tbody></table>"
            }
        } else {
            html += "<h2>Drift since the last review</h2>"
            // How to mark one is for administrators only, as the administration section is.
            let how = caller.role == .admin ? " <span class=\"admin\">(mark one: <code>POST /api/v1/admin/reviews</code>)</span>" : ""
            html += "<p id=\"drift\">No review marked yet.\(how)</p>"
        }

        html += "<h2>Waivers (\(waivers.count))</h2>" + waiversTable(waivers)

        html += "<h2>Findings</h2><form class=\"filters\" method=\"get\" action=\"/\">"
        for (name, label, value) in [
            ("product", "Product", filter.product), ("version", "Version", filter.version), ("control", "Control", filter.control),
            ("severity", "Severity", filter.severity), ("check", "Check id", filter.checkID), ("verdict", "Verdict", filter.verdict),
            ("classification", "Classification", filter.classification),
        ] {
            html += "<label>\(label)<input name=\"\(name)\" value=\"\(escape(value ?? ""))\"></label>"
        }
        html += "<button type=\"submit\">Filter</button></form>"
        let query = [
            ("product", filter.product), ("version", filter.version), ("control", filter.control), ("severity", filter.severity),
            ("check", filter.checkID), ("verdict", filter.verdict), ("classification", filter.classification),
        ].compactMap { name, value in value.map { "\(name)=\(component($0))" } }.joined(separator: "&")
        html += "<p>Export \(query.isEmpty ? "the whole estate" : "this filter"): "
        html += "<a id=\"export-csv\" href=\"/api/v1/findings.csv?\(escape(query))\">findings as CSV</a> · "
        html += "<a id=\"export-json\" href=\"/api/v1/findings.json?\(escape(query))\">findings as JSON</a> · "
        html += "<a id=\"export-oscal\" href=\"/api/v1/assessment-results.json?\(escape(query))\">OSCAL assessment results</a></p>"
        if let findings {
            let export = query.isEmpty ? "" : "?" + query
            let rows = findings.page.rows
            if findings.after != nil || findings.page.next != nil {
                // Paged like the hosts table: this page, the count of all, the first and next pages, the exports.
                let first = findings.after.map { "after <a href=\"/hosts/\(escape(component($0)))\">\(escape($0))</a>" } ?? "from the first"
                html += "<p class=\"muted\" id=\"findings-page\">\(findings.totalText) findings match; \(rows.count) shown, of hosts by name \(first)"
                if findings.after != nil { html += " · <a id=\"findings-first\" href=\"/\(escape(export))\">first page</a>" }
                if let next = findings.page.next {
                    let link = "/?" + (query.isEmpty ? "" : query + "&") + "findings-after=" + component(next)
                    html += " · <a id=\"findings-next\" href=\"\(escape(link))\">next page</a>"
                }
                html += " · every one: <a href=\"/api/v1/findings.csv\(escape(export))\">CSV</a>, "
                html += "<a href=\"/api/v1/findings.json\(escape(export))\">JSON</a></p>"
            }
            html += findingsTable(
                rows, cap: findings.page.truncated ? findings.cap : nil, export: export, total: findings.total, totalText: findings.totalText)
        } else {
            html += "<p class=\"muted\">Choose a filter (for example verdict <code>fail</code>, check id <code>qemu.sandbox</code>).</p>"
        }
        html += administration(caller)
        return document(title: "Bulkhead fleet", caller: caller, html)
    }

    /// What an administrator can do (the API; the dashboard itself changes nothing): only for the admin role.
    static func administration(_ caller: AccessControl.Caller) -> String {
        guard caller.role == .admin else { return "" }
        return """
            <h2>Administration</h2><p id="admin" class="admin">Enrol a host: <code>POST /api/v1/admin/enrol-tokens</code> with \
            <code>{"host": "NAME"}</code>; revoke: <code>POST /api/v1/admin/hosts/NAME/revoke</code>; waive a check: \
            <code>POST /api/v1/admin/waivers</code> with <code>{"check", "host" (omit for every host), "reason", "expires"}</code>; \
            revoke a waiver: <code>DELETE /api/v1/admin/waivers/ID</code> with <code>{"reason"}</code>; audit: \
            <a href="/api/v1/admin/audit">/api/v1/admin/audit</a>.</p>
            """
    }

    /// One host's drift: what its latest assessment changed against the base.
    static func hostDrift(_ drift: FleetDatabase.HostDrift) -> String {
        let basis =
            switch drift.basis {
            case "since": "since \(date(drift.since))"
            case "review": "since the last review (\(date(drift.since)))"
            default: "since the previous assessment"
            }
        var html = "<h2>Drift \(basis)</h2>"
        guard let base = drift.base, let latest = drift.latest else {
            return html + "<p id=\"host-drift\">Nothing to compare: no earlier assessment of this host.</p>"
        }
        html += "<p class=\"muted\">Assessment \(base.id) (\(date(base.assessedAt))) against \(latest.id) (\(date(latest.assessedAt))).</p>"
        if drift.checks.isEmpty && drift.verdicts.isEmpty && drift.mechanisms.isEmpty {
            return html + "<p id=\"host-drift\">No change.</p>"
        }
        html += "<table id=\"host-drift\"><thead><tr><th>What</th><th>Change</th><th>Item</th><th>Detail</th></tr></thead><tbody>"
        for row in drift.checks {
            html += "<tr><td>check</td><td class=\"\(row.change == "new" ? "bad" : "ok")\">\(row.change == "new" ? "now failing" : "resolved")</td>"
            html += "<td>\(escape(row.checkID))</td><td>\(escape(row.subject))</td></tr>"
        }
        for row in drift.verdicts {
            html += "<tr><td>verdict</td><td class=\"\(statusClass(row.to ?? ""))\">\(escape(row.from ?? "none")) → \(escape(row.to ?? "none"))</td>"
            html += "<td>\(escape(row.control))</td><td>\(escape(row.subject))</td></tr>"
        }
        for row in drift.mechanisms {
            html += "<tr><td>mechanism</td><td>\(escape(row.change))</td><td>\(escape(row.subject))</td>"
            html += "<td>\(escape([row.product, row.version].compactMap { $0 }.joined(separator: " ")))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// Waivers with their state: active, expired (acts no more) or revoked (kept, with who and why).
    static func waiversTable(_ waivers: [FleetDatabase.WaiverRow]) -> String {
        guard !waivers.isEmpty else { return "<p id=\"waivers\">None.</p>" }
        var html = "<table id=\"waivers\"><thead><tr><th>Id</th><th>Check id</th><th>Host</th><th>State</th><th>Expires</th>"
        html += "<th>Hosts failing it now</th><th>Reason</th><th>By</th></tr></thead><tbody>"
        for waiver in waivers {
            let expiry = date(waiver.expiresAt) + (waiver.expired ? " <span class=\"bad\">expired</span>" : "")
            let state: String
            switch waiver.state {
            case .active: state = "<span class=\"waived\">in force</span>"
            case .expired: state = "<span class=\"bad\">expired: acts no more</span>"
            case .revoked:
                state =
                    "<span class=\"muted\">revoked \(date(waiver.revokedAt)) by \(escape(waiver.revokedBy ?? "")): "
                    + "\(escape(waiver.revokeReason ?? ""))</span>"
            }
            html += "<tr class=\"waiver-\(waiver.state.rawValue)\"><td>\(waiver.id)</td>"
            html += "<td><a href=\"\(escape("/?check=\(component(waiver.checkID))&verdict=fail"))\">\(escape(waiver.checkID))</a></td>"
            let host = waiver.host.map { "<a href=\"/hosts/\(escape(component($0)))\">\(escape($0))</a>" } ?? "every host"
            html += "<td>\(host)</td><td>\(state)</td><td>\(expiry)</td><td>\(waiver.failingHosts)</td>"
            html += "<td>\(escape(waiver.reason))</td><td>\(escape(waiver.createdBy))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func waiversPage(_ waivers: [FleetDatabase.WaiverRow], caller: AccessControl.Caller) -> String {
        let counts = [FleetDatabase.WaiverState.active, .expired, .revoked].map { state in
            "\(waivers.filter { $0.state == state }.count) \(state == .active ? "in force" : state.rawValue)"
        }
        var html = "<p id=\"waiver-counts\">\(counts.joined(separator: ", ")). A waiver in force shows its check's failures as "
        html += "<span class=\"waived\">waived</span> (never as passes); an expired or revoked one acts no more.</p>"
        html += waiversTable(waivers) + administration(caller)
        return document(title: "Waivers", caller: caller, html)
    }

    /// A finding's verdict: a failure under a waiver in force is shown as waived (never as a pass), one whose
    /// waiver expired says so.
    static func verdictCell(_ finding: FleetDatabase.FindingRow) -> String {
        if let waiver = finding.waived {
            return "<td class=\"waived\">waived <span class=\"muted\">(fails; waiver \(waiver.id) until \(date(waiver.expiresAt)))</span></td>"
        }
        if let waiver = finding.expiredWaiver {
            return
                "<td class=\"bad\">\(escape(finding.verdict)) <span class=\"muted\">(waiver \(waiver.id) expired \(date(waiver.expiresAt)))</span></td>"
        }
        return "<td class=\"\(statusClass(finding.verdict))\">\(escape(finding.verdict))</td>"
    }

    /// `cap`: the table holds only the first `cap` findings of more (the dashboard's cap, `ServerLimits.dashboardFindings`):
    /// said above the table and under it, with the exports of the same findings (`export`: their query) that hold all.
    /// `total`: how many match in all, when the table is a page of them (`totalText`: that count as said, when it
    /// stopped counting).
    static func findingsTable(
        _ findings: [FleetDatabase.FindingRow], cap: Int? = nil, export: String = "", total: Int? = nil, totalText: String? = nil
    ) -> String {
        var html = ""
        var truncated = ""
        if let cap {
            truncated =
                "<p class=\"bad truncated\">Only the first \(cap) findings are shown: more match. Every one is in "
                + "<a href=\"/api/v1/findings.csv\(escape(export))\">the CSV</a> and <a href=\"/api/v1/findings.json\(escape(export))\">the JSON</a>"
                + " export; narrow the filter to see the rest here.</p>"
            html += truncated.replacingOccurrences(of: "<p class=\"bad truncated\">", with: "<p class=\"bad truncated\" id=\"findings-truncated\">")
        }
        html += "<table id=\"findings\"><thead><tr><th>Host</th><th>Check</th><th>Severity</th><th>Verdict</th><th>Subject</th>"
        html += "<th>Product</th><th>Controls</th><th>Report</th></tr></thead><tbody>"
        for finding in findings {
            html += "<tr><td><a href=\"/hosts/\(escape(component(finding.host)))\">\(escape(finding.host))</a></td>"
            html += "<td>\(escape(finding.checkID))</td><td>\(escape(finding.severity))</td>"
            html += verdictCell(finding) + "<td>\(escape(finding.subject))</td>"
            html += "<td>\(escape(finding.product ?? ""))</td><td>\(escape(finding.controls.joined(separator: ", ")))</td>"
            html += "<td><a class=\"report\" href=\"\(reportPath(finding.assessmentID))\">HTML report</a></td></tr>"
        }
        let of = total.flatMap { $0 > findings.count ? " of \(totalText ?? String($0))" : nil } ?? ""
        html += "</tbody></table><p class=\"muted\">\(findings.count) finding(s)\(cap == nil && of.isEmpty ? "" : " shown")\(of)</p>"
        return html + truncated
    }

    static func host(
        name: String, history: [FleetDatabase.AssessmentRow], findings: [FleetDatabase.FindingRow], findingsCap: Int? = nil,
        waivers: [FleetDatabase.WaiverRow] = [],
        drift: FleetDatabase.HostDrift? = nil, caller: AccessControl.Caller
    ) -> String {
        var html = "<h2>History</h2>"
        if history.isEmpty {
            html += "<p>No assessment received from this host.</p>"
        } else {
            html += "<table id=\"history\"><thead><tr><th>Assessment</th><th>Assessed</th><th>Received</th><th>Failing checks</th>"
            html += "<th>Bundle</th><th>Bulkhead</th><th>Report</th></tr></thead><tbody>"
            for row in history {
                html += "<tr><td><a href=\"/api/v1/assessments/\(row.id)\">\(row.id)</a></td><td>\(date(row.assessedAt))</td>"
                html += "<td>\(date(row.receivedAt))</td><td class=\"\(row.failingChecks > 0 ? "bad" : "")\">\(row.failingChecks)</td>"
                html += "<td><code>\(escape(String(row.bundleSHA256.prefix(16))))</code></td><td>\(escape(row.bulkheadVersion))</td>"
                html += "<td><a class=\"report\" href=\"\(reportPath(row.id))\">HTML report</a></td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h2>Findings of the latest assessment</h2>" + findingsTable(findings, cap: findingsCap, export: "?host=\(component(name))")
        if let drift { html += hostDrift(drift) }
        html += "<h2>Waivers on this host (\(waivers.count))</h2>" + waiversTable(waivers)
        html += administration(caller)
        return document(title: "Host \(name)", caller: caller, html)
    }

    /// Findings as CSV (RFC 4180 quoting); a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
    /// tab, carriage return) is prefixed with `'`.
    /// `waived`: the waiver in force on a failing finding, `ID until TIME` (empty when none).
    static let csvHeader = "host,assessment,assessed_at,check_id,severity,verdict,subject,product,controls,waived\r\n"

    static func csvLine(_ f: FleetDatabase.FindingRow) -> String {
        func cell(_ text: String) -> String {
            var value = text
            if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return [
            f.host, String(f.assessmentID), date(f.assessedAt), f.checkID, f.severity, f.verdict, f.subject, f.product ?? "",
            f.controls.joined(separator: " "), f.waived.map { "\($0.id) until \(date($0.expiresAt))" } ?? "",
        ].map(cell).joined(separator: ",") + "\r\n"
    }

    static func csv(_ findings: [FleetDatabase.FindingRow]) -> String {
        var out = csvHeader
        for f in findings { out += csvLine(f) }
        return out
    }

    static func errorPage(_ error: FleetServerError) -> String {
        document(title: "Bulkhead fleet: \(error.code.rawValue)", caller: nil, "<p>\(escape(error.message))</p>")
    }
}
