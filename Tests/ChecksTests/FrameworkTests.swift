import BulkheadModel
import Checks
import Foundation
import HostInspection
import Reporting
import Testing

@Suite struct FrameworkTests {
    let catalog = Fixture.catalog

    @Test func everyCheckHasADefinitionAndTheReverse() throws {
        let catalog = try CheckCatalog.standard()
        #expect(catalog.definitions.count == CheckLibrary.all.count)
        #expect(Set(catalog.definitions.map(\.id)) == Set(CheckLibrary.all.map(\.id)))
        for d in catalog.definitions {
            #expect(!d.rationale.isEmpty && !d.decision.isEmpty && !d.remediation.text.isEmpty, "\(d.id)")
            #expect(d.references.allSatisfy { $0.url.hasPrefix("https://") }, "\(d.id)")
        }
    }

    @Test func aCheckWithoutADefinitionIsRejected() {
        #expect(throws: ChecksError.self) { try CheckCatalog(definitions: [], checks: [HostChecksProbe.any]) }
        let d = catalog.definitions[0]
        #expect(throws: ChecksError.self) { try CheckCatalog(definitions: [d], checks: []) }
        var bad = d
        bad.controls = ["ISM-0001"]
        #expect(throws: ChecksError.self) { try CheckCatalog(definitions: [bad], checks: [Check.host(d.id) { _ in .pass("") }]) }
    }

    @Test func selectionByIDFamilyAndControl() throws {
        let facts = HostFacts(collectedAt: Fixture.collectedAt, source: "empty")
        let runner = CheckRunner(catalog: catalog)
        let hostOnly = runner.run(CheckInput(facts: facts), selection: CheckSelection(only: ["host.*"]))
        #expect(!hostOnly.findings.isEmpty && hostOnly.findings.allSatisfy { $0.checkID.hasPrefix("host.") })
        let logging = runner.run(CheckInput(facts: facts), selection: CheckSelection(only: ["ISM-1607"], skip: ["logging.central"]))
        #expect(Set(logging.findings.map(\.checkID)) == ["logging.integrity-monitoring"])
        #expect(logging.skipped.contains { $0.checkID == "logging.central" && $0.reason.contains("--skip") })
        #expect(throws: ChecksError.self) { try CheckSelection(only: ["qemu.sandbx"]).validate(against: catalog) }
        try CheckSelection(only: ["host.smt", "logging.*", "ISM-1848"]).validate(against: catalog)
    }

    @Test func nothingObservedIsNeverAPass() {
        // An empty host: every host-scope finding is inconclusive (or notApplicable), none passes or fails.
        let facts = HostFacts(collectedAt: Fixture.collectedAt, source: "empty")
        let report = CheckRunner(catalog: catalog).run(CheckInput(facts: facts))
        #expect(!report.findings.isEmpty)
        for f in report.findings {
            #expect(f.outcome != .pass && f.outcome != .fail, "\(f.checkID) gave \(f.outcome.label) on an empty host")
        }
    }

    @Test func tailoringIsValidated() throws {
        func parse(_ s: String) throws(ChecksError) -> Tailoring { try Tailoring.parse(Array(s.utf8), source: "t.json", catalog: catalog) }
        let ok = try parse(
            #"{"version": 1, "title": "single tenant", "values": {"host.smt": {"allowed": true, "reason": "one tenant"}}, "skip": [{"id": "host.ksm", "reason": "KSM accepted, risk R-12"}]}"#
        )
        #expect(ok.values.count == 1 && ok.skip.count == 1)
        let cases: [(String, String)] = [
            (#"{"values": {"host.smtt": {"allowed": true, "reason": "x"}}}"#, "no such check"),
            (#"{"values": {"host.smt": {"allowd": true, "reason": "x"}}}"#, "has no parameter"),
            (#"{"values": {"host.smt": {"allowed": 1, "reason": "x"}}}"#, "must be of type bool"),
            (#"{"values": {"host.smt": {"allowed": true}}}"#, "needs a \"reason\""),
            (#"{"skip": [{"id": "host.ksm", "reason": ""}]}"#, "non-empty"),
            (#"{"skip": [{"id": "nope.x", "reason": "r"}]}"#, "no such check"),
            (#"{"valuez": {}}"#, "unknown key"),
            (#"{"version": 2}"#, "version must be 1"),
            ("not json", "not a valid tailoring document"),
            // Issue 19 #11: which "allowed" wins depends on the parser; refused instead.
            (#"{"values": {"host.smt": {"allowed": false, "allowed": true, "reason": "x"}}}"#, "appears twice in $.values.host.smt"),
        ]
        for (doc, message) in cases {
            do throws(ChecksError) {
                _ = try parse(doc)
                Issue.record("accepted: \(doc)")
            } catch {
                #expect(error.code == .badTailoring)
                #expect(error.message.contains(message), "\(error.message) lacks \(message)")
                #expect(error.message.hasPrefix("t.json"))
            }
        }
    }

    @Test func tailoringSkipIsReported() throws {
        let t = try Tailoring.parse(Array(#"{"skip": [{"id": "host.ksm", "reason": "accepted"}]}"#.utf8), source: "t.json", catalog: catalog)
        let report = CheckRunner(catalog: catalog).run(CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "x")), tailoring: t)
        #expect(!report.findings.contains { $0.checkID == "host.ksm" })
        #expect(report.skipped.contains { $0.checkID == "host.ksm" && $0.reason.contains("accepted") })
    }
}

enum HostChecksProbe {
    static let any = Check.host("host.unregistered") { _ in .pass("") }
}

@Suite struct DocumentationTests {
    /// docs/checks.md is the output of `bulkhead checks list --format md`; a changed definition
    /// without a regenerated document fails here.
    @Test func checksDocumentIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/checks.md")
        let handle = try FileHandle(forReadingFrom: path)
        defer { try? handle.close() }
        let text = String(decoding: try handle.read(upToCount: 4 << 20) ?? Data(), as: UTF8.self)
        let catalog = try CheckCatalog.standard()
        #expect(text == CheckDocumentation.markdown(catalog.definitions), "regenerate: bulkhead checks list --format md > docs/checks.md")
        for d in catalog.definitions { #expect(text.contains("## \(d.id)\n")) }
    }

    /// `bulkhead checks show ID` (CheckDocumentation.detail) prints, for every check, the vendor guidance it rests
    /// on (its rationale), how it decides, its remediation, and each reference with its link (issue 15).
    @Test func everyCheckShowPrintsItsGuidanceAndLinks() throws {
        let catalog = try CheckCatalog.standard()
        for d in catalog.definitions {
            let text = CheckDocumentation.detail(d)
            #expect(text.contains(d.rationale) && text.contains(d.decision) && text.contains(d.remediation.text), "\(d.id)")
            #expect(!d.references.isEmpty, "\(d.id) names no reference")
            for r in d.references { #expect(text.contains(r.title) && text.contains("<\(r.url)>"), "\(d.id): \(r.url)") }
        }
    }

    /// The README's check count is the catalog's (it said 49 while the tool listed 55): every "N checks"
    /// and "N hardening checks" in it must be the number `checks list` prints.
    @Test func readmeCheckCountIsTheCatalogs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let handle = try FileHandle(forReadingFrom: root.appendingPathComponent("README.md"))
        defer { try? handle.close() }
        let text = String(decoding: try handle.read(upToCount: 4 << 20) ?? Data(), as: UTF8.self)
        let count = try CheckCatalog.standard().definitions.count
        let pattern = try Regex(#"([0-9]+) (hardening )?checks\b"#)
        let numbers = text.matches(of: pattern).compactMap { Int(text[$0.range].prefix { $0.isNumber }) }
        #expect(!numbers.isEmpty)
        #expect(numbers.allSatisfy { $0 == count }, "README.md says \(numbers) checks; the catalog has \(count)")
    }

    @Test func findingsTableListsFailuresFirst() {
        let report = CheckReport(
            findings: [
                Finding(
                    checkID: "host.ksm", subject: "host", outcome: .pass, observed: "KSM stopped (run = 0)", severity: .medium, controls: ["ISM-1605"]
                ),
                Finding(checkID: "host.smt", subject: "host", outcome: .fail, observed: "SMT on", severity: .high, controls: ["ISM-1605"]),
                Finding(
                    checkID: "host.lockdown", subject: "host", outcome: .inconclusive(reason: "not observed"), severity: .low, controls: ["ISM-1605"]),
            ], skipped: [], tailoring: nil)
        let lines = CheckDocumentation.findings(report).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[1].contains("host.smt") && lines[1].contains("fail"))
        #expect(lines[2].contains("not observed"))
        #expect(lines[4] == "3 findings: 1 fail, 1 inconclusive, 1 pass, 0 notApplicable")
    }
}
