import Assessment
import BulkheadModel
import Foundation
import Reporting
import Testing

@Suite struct ReportWriterTests {
    let report = ReportSupport.report()

    @Test func writesEveryFormatWithFixedNames() throws {
        let dir = ReportSupport.temp("out")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let written = try ReportWriter.writeAll(report, to: dir)
        // Every format, and beside the OSCAL results the assessment plan they import.
        #expect(written.map(\.lastPathComponent) == OutputFormat.allCases.map(\.fileName) + ["assessment-plan.oscal.json"])
        for url in written {
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            #expect(size > 200, "\(url.lastPathComponent) is \(size) bytes")
        }
        if let keep = ProcessInfo.processInfo.environment["BULKHEAD_KEEP_REPORTS"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: dir, to: URL(fileURLWithPath: keep))
        }
        // The JSON is the AssessmentReport itself.
        let json = try Data(contentsOf: dir.appendingPathComponent("assessment.json"))
        #expect(try JSONCoding.decoder().decode(AssessmentReport.self, from: json) == report)
        // Same report → same bytes, for every format.
        for f in OutputFormat.allCases {
            #expect(try ReportWriter.render(report, format: f) == ReportWriter.render(ReportSupport.report(), format: f))
        }
    }

    @Test func writeFailureNamesThePath() throws {
        let file = ReportSupport.temp("not-a-directory")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data("x".utf8).write(to: file)
        do {
            try ReportWriter.writeAll(report, to: file.appendingPathComponent("sub"))
            Issue.record("writing under a regular file must fail")
        } catch {
            #expect(error.code == .write)
            #expect(error.description.contains("not-a-directory"))
        }
    }

    @Test func failOnGates() {
        // The test report has QEMU ISM-1460 partiallySatisfied, ISM-1604 notSatisfied, a notAssessed mechanism.
        #expect(FailPolicy.notSatisfied.trips(in: report).map(\.description) == ["QEMU ISM-1604 notSatisfied"])
        #expect(FailPolicy.partiallySatisfied.trips(in: report).count > 1)
        #expect(FailPolicy.partiallySatisfied.trips(.notAssessed))
        #expect(!FailPolicy.notSatisfied.trips(.partiallySatisfied))
        #expect(!FailPolicy.partiallySatisfied.trips(.satisfiedLessPreferred))
        var clean = report
        clean.mechanisms = clean.mechanisms.filter { ["firecracker", "gvisor"].contains($0.mechanism.product.rawValue) }
        #expect(FailPolicy.partiallySatisfied.trips(in: clean).isEmpty)
        #expect(FailPolicy.notSatisfied.trips(in: clean).isEmpty)
        #expect(OutputFormat(rawValue: "oscal") == .oscal && OutputFormat(rawValue: "xml") == nil)
    }

    /// A verdict gate honours waivers only where the checks alone made the verdict (FailPolicy.gatedStatus).
    @Test func verdictGatesLeaveOutWaivedFailuresOfControlsDecidedByChecks() throws {
        let sandbox = try #require(
            report.mechanisms.first { $0.mechanism.product == "qemu" }?.controls.first { $0.verdict.control == .ism1604 }?.findings.first {
                $0.checkID == "qemu.sandbox"
            })
        let waived: Set<String> = [FailPolicy.key(checkID: sandbox.checkID, subject: sandbox.subject)]
        // QEMU ISM-1604 is notSatisfied only through the high qemu.sandbox failure: waived, what is left (a pass and
        // an inconclusive check) is partiallySatisfied, so the notSatisfied gate no longer trips and the stricter gate does.
        #expect(FailPolicy.notSatisfied.trips(in: report, waived: waived).isEmpty)
        let partial = FailPolicy.partiallySatisfied.trips(in: report, waived: waived)
        #expect(partial.contains { $0.description == "QEMU ISM-1604 partiallySatisfied" })
        // A waiver on another subject changes nothing.
        let elsewhere: Set<String> = [FailPolicy.key(checkID: "qemu.sandbox", subject: "qemu/other-guest")]
        #expect(FailPolicy.notSatisfied.trips(in: report, waived: elsewhere).map(\.description) == ["QEMU ISM-1604 notSatisfied"])

        // The host's own controls, rolled up from real check findings: the only failure waived leaves the passes.
        let hostFindings = [
            Finding(
                checkID: "host.mitigations-off", subject: "host", outcome: .fail, observed: "mitigations=off",
                expected: "mitigations=auto", severity: .high, controls: [.ism1605]),
            Finding(checkID: "host.ksm", subject: "host", outcome: .pass, observed: "0", expected: "0", severity: .medium, controls: [.ism1605]),
        ]
        var withHost = report
        withHost.hostControls = ControlRollup.controls(for: "host", findings: hostFindings)
        #expect(FailPolicy.notSatisfied.trips(in: withHost).contains { $0.control == .ism1605 })
        let hostWaiver: Set<String> = [FailPolicy.key(checkID: "host.mitigations-off", subject: "host")]
        #expect(!FailPolicy.partiallySatisfied.trips(in: withHost, waived: hostWaiver).contains { $0.control == .ism1605 })
        // Waived, the failure is left out, not counted as a pass: with nothing else observed, nothing is left to judge.
        var onlyFailure = report
        onlyFailure.hostControls = ControlRollup.controls(for: "host", findings: [hostFindings[0]])
        #expect(FailPolicy.gatedStatus(try #require(onlyFailure.hostControls?.first), waived: hostWaiver) == nil)

        // A verdict something besides the checks decided (here a profile's classification made ISM-1605 notAssessed
        // although its check fails) is judged as recorded, waiver or not.
        var overridden = try #require(withHost.hostControls?.first)
        overridden.verdict.status = .notAssessed
        #expect(FailPolicy.gatedStatus(overridden, waived: hostWaiver) == .notAssessed)

        // ISM-1460 is the vendor evaluation: a waived failing lab scenario filed under it does not change the gate.
        var evaluated = report
        let q = try #require(evaluated.mechanisms.firstIndex { $0.mechanism.product == "qemu" })
        let c = try #require(evaluated.mechanisms[q].controls.firstIndex { $0.verdict.control == .ism1460 })
        evaluated.mechanisms[q].controls[c].verdict.status = .notSatisfied
        evaluated.mechanisms[q].controls[c].findings.append(
            Finding(
                checkID: "lab.seccomp", subject: "qemu", outcome: .fail, observed: "Seccomp: 0", expected: "Seccomp: 2",
                severity: .high, controls: [.ism1460]))
        let labWaiver: Set<String> = [FailPolicy.key(checkID: "lab.seccomp", subject: "qemu")]
        #expect(FailPolicy.notSatisfied.trips(in: evaluated, waived: labWaiver).contains { $0.description == "QEMU ISM-1460 notSatisfied" })
    }

    @Test func csvRowsQuotingAndFormulaGuard() throws {
        let csv = CSVRenderer.render(report)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let rows = report.mechanisms.reduce(0) { $0 + $1.controls.count }
        #expect(lines.count == rows + 1)
        #expect(lines.first == CSVRenderer.header.joined(separator: ","))
        #expect(csv.hasSuffix("\r\n"))
        #expect(Escape.csv("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(Escape.csv("+1") == "'+1" && Escape.csv("-2") == "'-2" && Escape.csv("@SUM(A1)") == "'@SUM(A1)")
        #expect(Escape.csv("a,b") == "\"a,b\"" && Escape.csv("line\nbreak") == "\"line\nbreak\"")
        #expect(Escape.csv("plain") == "plain")
        #expect(csv.contains("QEMU,qemu,1.0,running,ISM-1604,notSatisfied,high"))
        // Parse it back with a strict RFC 4180 reader: every row has the header's column count.
        let parsed = try parseCSV(csv)
        #expect(parsed.allSatisfy { $0.count == CSVRenderer.header.count })
    }

    @Test func markdownSummaryAndEscaping() {
        let md = MarkdownRenderer.render(report)
        #expect(md.contains("| Mechanism | Version | State | ISM-1460 | ISM-1604 |"))
        #expect(
            md.contains("| QEMU | 1.0 | running | partiallySatisfied (low) | notSatisfied (high) |")
                || md.contains("| QEMU | 1.0 | running | partiallySatisfied"))
        #expect(!md.contains(ReportSupport.hostile))
        #expect(md.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(Escape.markdown("a|b\nc") == "a\\|b c")
    }

    /// Minimal strict RFC 4180 parser for the test (quoted fields, doubled quotes, CRLF records).
    func parseCSV(_ text: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, i = text.unicodeScalars.startIndex
        let s = text.unicodeScalars
        while i < s.endIndex {
            let c = s[i]
            if quoted {
                if c == "\"" {
                    let n = s.index(after: i)
                    if n < s.endIndex && s[n] == "\"" { field.unicodeScalars.append("\""); i = n } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty else { throw ReportError(.encoding, "quote inside an unquoted field") }
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r" {
                let n = s.index(after: i)
                guard n < s.endIndex, s[n] == "\n" else { throw ReportError(.encoding, "bare CR") }
                row.append(field); rows.append(row); row = []; field = ""; i = n
            } else if c == "\n" {
                throw ReportError(.encoding, "bare LF outside quotes")
            } else {
                field.unicodeScalars.append(c)
            }
            i = s.index(after: i)
        }
        return rows
    }
}
