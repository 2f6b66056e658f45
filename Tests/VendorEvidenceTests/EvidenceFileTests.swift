import BulkheadModel
import Foundation
import Testing

@testable import VendorEvidence

@Suite struct EvidenceFileTests {
    func error(_ text: String) -> VendorEvidenceError? {
        do throws(VendorEvidenceError) {
            _ = try EvidenceFile.decode(Data(text.utf8), file: "evidence.json", catalog: Fixture.catalog)
            return nil
        } catch { return error }
    }

    static let good = """
        {"schemaVersion":1,"attestations":[{"product":"firecracker","attestedBy":"A. Assessor","date":"2026-10-01",
          "document":{"title":"AWS SbD statement","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
          "facts":[{"criterion":"sbdCommitment","aspect":"memorySafetyRoadmap","value":"yes","claim":"Roadmap received."}]}]}
        """

    /// Issue 19 #11: evidence kept the first of two equal keys, the advisory reader the last; a repeated key
    /// in an evidence file is now refused.
    @Test func duplicateKeysAreRefused() throws {
        let twice = Self.good.replacingOccurrences(of: #""value":"yes""#, with: #""value":"no","value":"yes""#)
        #expect(twice != Self.good)
        let e = try #require(error(twice))
        #expect(e.code == .malformed)
        #expect(e.message.contains("\"value\" appears twice in $.attestations[0].facts[0]"), "\(e.message)")
        let top = #"{"schemaVersion":1,"schemaVersion":1,"attestations":[]}"#
        #expect(error(top)?.message.contains("schemaVersion") == true)
    }

    @Test func validFileDecodesWithAttestationOrigin() throws {
        let f = try EvidenceFile.decode(Data(Self.good.utf8), file: "evidence.json", catalog: Fixture.catalog)
        let fact = try #require(f.facts.first)
        #expect(fact.product == "firecracker" && fact.aspect == .memorySafetyRoadmap && fact.value == .yes)
        // No document.path to hash: the attestation cannot be checked, so it is confidence low (issue 14 §3);
        // EvidenceDocumentTests covers a checked document keeping "medium".
        #expect(fact.evidence.confidence == .low)
        #expect(fact.evidence.claim.hasPrefix("Roadmap received. [no document given"))
        #expect(fact.evidence.observedAt == Fixture.date("2026-10-01"))
        guard case .attestation(let file, let by, let title, _) = fact.origin else {
            Issue.record("wrong origin")
            return
        }
        #expect(file == "evidence.json" && by == "A. Assessor" && title == "AWS SbD statement")
    }

    @Test(arguments: [
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "xyz", "attestations[0].document.sha256", "64-hex-digit"),
        (#""product":"firecracker""#, #""product":"nosuchvmm""#, "attestations[0].product", "not in the catalog"),
        (#""date":"2026-10-01""#, #""date":"01/10/2026""#, "attestations[0].date", "YYYY-MM-DD"),
        (#""attestedBy":"A. Assessor","#, "", "attestations[0].attestedBy", "required field is missing"),
        (#""value":"yes""#, #""value":"probably""#, "attestations[0].facts[0].value", "not one of"),
        (#""aspect":"memorySafetyRoadmap""#, #""aspect":"vdp""#, "attestations[0].facts[0].aspect", "belongs to criterion"),
        (#""date":"2026-10-01","#, #""date":"2026-10-01","confidence":"high","#, "attestations[0].confidence", "kept for what Bulkhead observes"),
        (#""schemaVersion":1"#, #""schemaVersion":7"#, "schemaVersion", "not supported"),
        (
            #""claim":"Roadmap received.""#, #""claim":"Roadmap received.","component":"nope""#, "attestations[0].facts[0].component",
            "not a component of firecracker"
        ),
    ])
    func malformedEvidenceNamesFileAndField(find: String, replace: String, field: String, message: String) throws {
        #expect(Self.good.contains(find), "test setup")
        let err = try #require(error(Self.good.replacingOccurrences(of: find, with: replace)))
        #expect(err.file == "evidence.json")
        #expect(err.field == field, "got \(err.field ?? "nil"): \(err)")
        #expect(err.description.contains(message), "\(err)")
    }

    @Test func fixtureFilesGiveClearErrors() throws {
        let badSHA = try Fixture.url("evidence-bad-sha.json").path
        let notJSON = try Fixture.url("evidence-not-json.json").path
        do throws(VendorEvidenceError) {
            _ = try EvidenceFile.load(path: badSHA, catalog: Fixture.catalog)
            Issue.record("bad sha accepted")
        } catch {
            #expect(error.file.hasSuffix("evidence-bad-sha.json"))
            #expect(error.field == "attestations[0].document.sha256")
        }
        do throws(VendorEvidenceError) {
            _ = try EvidenceFile.load(path: notJSON, catalog: Fixture.catalog)
            Issue.record("truncated file accepted")
        } catch {
            #expect(error.code == .malformed && error.description.contains("not valid JSON"))
        }
        do throws(VendorEvidenceError) {
            _ = try EvidenceFile.load(path: "/nonexistent/evidence.json", catalog: Fixture.catalog)
            Issue.record("missing file accepted")
        } catch {
            #expect(error.code == .unreadable && error.file == "/nonexistent/evidence.json")
        }
    }
}
