import Assessment
import BulkheadModel
import BulkheadTestSupport
import Discovery
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Reporting

/// Realistic reports for the renderer tests: real catalog, real ISM-1460 evaluation, plus ISM-1604-style
/// check findings (including a host-level one) of the shape the checks stage produces.
enum ReportSupport {
    /// The report in each human and exchange format, named: table, Markdown, HTML, SARIF and OSCAL.
    static func renderedTexts(_ report: AssessmentReport) throws -> [(String, String)] {
        [
            ("table", AssessmentText.render(report)),
            ("markdown", MarkdownRenderer.render(report)),
            ("html", HTMLRenderer.render(report)),
            ("sarif", String(decoding: try SARIFRenderer.render(report), as: UTF8.self)),
            ("oscal", String(decoding: try OSCALRenderer.render(report), as: UTF8.self)),
        ]
    }

    static let asOf = Date(timeIntervalSince1970: 1_795_824_000)  // 2026-11-28T00:00:00Z
    static let hostile = "<script>alert(1)</script>"

    static func evidence(_ claim: String, _ path: String) -> Evidence {
        Evidence(claim: claim, source: .file(path: path, sha256: nil), observedAt: asOf, confidence: .high)
    }

    static func mechanism(
        _ id: ProductID, _ name: String, role: MechanismRole, state: MechanismState = .running, guests: [Guest] = []
    ) -> IsolationMechanism {
        IsolationMechanism(
            product: id, name: name, version: "1.0", role: role, state: state, guests: guests,
            evidence: [evidence("binary present", "/usr/bin/\(id)")])
    }

    static func report(hostname: String = "kvm-host-01") -> AssessmentReport {
        let qemuGuests = [
            Guest(
                name: hostile, pid: 4242, running: true,
                evidence: [
                    Evidence(claim: "qemu cmdline", source: .process(pid: 4242, field: "cmdline"), observedAt: asOf, confidence: .high)
                ]),
            Guest(
                name: "=HYPERLINK(\"http://x\")", running: false,
                problems: [Problem(subject: "/etc/libvirt/qemu/x.xml", message: "not well-formed XML")]),
        ]
        let discovery = DiscoveryResult(
            hostname: hostname, source: "live host", collectedAt: asOf, virtualization: HostVirtualization(),
            mechanisms: [
                mechanism("qemu", "QEMU", role: .vmm, guests: qemuGuests),
                mechanism("firecracker", "Firecracker", role: .vmm),
                mechanism("gvisor", "gVisor (runsc)", role: .sandboxKernel),
                mechanism(
                    "crun", "crun", role: .containerRuntime, state: .installed, guests: [Guest(name: " \u{1B}[31mred\nsecond line ", running: true)]),
                mechanism("mystery-vmm", "Mystery \(hostile) VMM", role: .vmm),
            ],
            problems: [Problem(subject: "/proc/1/status", message: "permission denied & <b>bold</b>")])
        // The organisation attests Firecracker's and Google's pledges from the signers' own pages (the catalog has
        // them only from the press), so those two reach the less preferred verdict KVM and the host kernel allow.
        let pledges = ["firecracker", "gvisor"].map { id in
            CriterionFact(
                product: ProductID(id), aspect: .pledge, value: .yes,
                evidence: Evidence(
                    claim: "the signer's own pledge page", source: .document(url: "https://example.test/pledge", title: "Pledge"),
                    observedAt: asOf, confidence: .medium),
                origin: .attestation(
                    file: "evidence.json", attestedBy: "A. Assessor", documentTitle: "Pledge", sha256: String(repeating: "b", count: 64)))
        }
        var report = Assessor(catalog: Catalog.bundled(), attestations: pledges, asOf: asOf).assess(discovery)
        // ISM-1604 check findings on QEMU, including a guest subject and the host.
        if let i = report.mechanisms.firstIndex(where: { $0.mechanism.product == "qemu" }) {
            let findings = [
                Finding(
                    checkID: "qemu.sandbox", subject: "qemu/\(hostile)", outcome: .fail, observed: "-sandbox off",
                    expected: "-sandbox on,obsolete=deny,elevateprivileges=deny", severity: .high, controls: [.ism1604],
                    evidence: [Evidence(claim: "argv", source: .process(pid: 4242, field: "cmdline"), observedAt: asOf, confidence: .high)]),
                Finding(
                    checkID: "qemu.run-as-root", subject: " qemu/multi\nline ", outcome: .pass, observed: "uid 64055",
                    expected: "non-root", severity: .high, controls: [.ism1604],
                    evidence: [evidence("status", "/proc/4242/status")]),
                Finding(
                    checkID: "host.kernel-lockdown", subject: "host",
                    outcome: .inconclusive(reason: "/sys/kernel/security/lockdown unreadable"), severity: .medium,
                    controls: [.ism1604]),
            ]
            let verdict = ControlVerdict(
                control: .ism1604, subject: "qemu", status: .notSatisfied, confidence: .high,
                rationale: ["qemu.sandbox failed on \(hostile): -sandbox off"], evidence: findings.flatMap(\.evidence))
            report.mechanisms[i].controls.append(ControlAssessment(verdict: verdict, findings: findings))
        }
        return report
    }

    static func temp(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-reporting-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    static var sharedReference: URL {
        // Tests/ReportingTests/ReportSupport.swift → worktree root → ../shared/reference
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/reference").standardizedFileURL
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs a program with an argument array (no shell), output to files (bounded reads), with a deadline.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> Run {
        let out = temp("stdout"), err = temp("stderr")
        defer { for file in [out, err] { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) } }
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                p.terminate()
                timedOut = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.waitUntilExit()
        func read(_ url: URL) -> String {
            guard let h = try? FileHandle(forReadingFrom: url) else { return "" }
            defer { try? h.close() }
            return String(decoding: (try? h.read(upToCount: 8 << 20)) ?? Data(), as: UTF8.self)
        }
        return Run(status: p.terminationStatus, stdout: read(out), stderr: read(err), timedOut: timedOut)
    }

    /// The schema validator shared with the fleet's OSCAL export tests (BulkheadTestSupport).
    static let validatorScript = JSONSchemaValidator.script

    /// The validator's run; needs python3 with jsonschema and regex (tests that call this are enabled
    /// by `Tool.runsPython(importing: "jsonschema", "regex")`).
    static func validate(_ document: Data, schema: URL) throws -> Run {
        let python = try #require(
            Tool.python(importing: "jsonschema", "regex"), "python3 with jsonschema and regex is missing (.ci/run installs them)")
        let file = temp("document.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try document.write(to: file)
        return try run(python, ["-c", validatorScript, schema.path, file.path])
    }
}
