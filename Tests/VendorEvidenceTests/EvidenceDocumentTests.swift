import BulkheadModel
import Crypto
import Foundation
import Testing

@testable import VendorEvidence

/// Issue 14 §3: an attestation's document is hashed and the hash checked; another document is a conflict
/// shown, no document is confidence low, and two one-line attestations cannot lift QEMU.
@Suite struct EvidenceDocumentTests {
    /// SHA-256 with swift-crypto, as the CLI's `DocumentDigest` does (bounded there).
    static let digest: EvidenceFile.DocumentDigest = { path in
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init("no such file")) }
        return .success(SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
    }

    static let testSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"  // sha256sum of "test"

    func file(_ documentPath: String?, facts: String = Self.pledge, product: String = "qemu") -> String {
        let path = documentPath.map { #","path":"\#($0)""# } ?? ""
        return """
            {"schemaVersion":1,"attestations":[{"product":"\(product)","attestedBy":"A. Assessor","date":"2026-10-01",
              "document":{"title":"Supplier statement","sha256":"\(Self.testSHA)"\(path)},
              "facts":[\(facts)]}]}
            """
    }
    static let pledge = #"{"criterion":"sbdCommitment","aspect":"pledge","value":"yes","claim":"Signed the pledge."}"#
    static let confined = #"{"criterion":"secureByDefault","aspect":"defaultConfinement","value":"yes","claim":"Confined by default."}"#

    func decode(_ text: String, besides directory: URL) throws -> EvidenceFile {
        try EvidenceFile.decode(
            Data(text.utf8), file: directory.appendingPathComponent("evidence.json").path, catalog: Fixture.catalog, digest: Self.digest)
    }

    func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-attest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aDocumentWhoseHashMatchesKeepsTheAttestationsConfidence() throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("test".utf8).write(to: dir.appendingPathComponent("statement.pdf"))
        let f = try decode(file("statement.pdf"), besides: dir)
        #expect(f.problems.isEmpty)
        #expect(f.facts[0].evidence.confidence == .medium)
        #expect(f.facts[0].evidence.claim.contains("checked: its SHA-256 matches"))
    }

    @Test func anotherDocumentIsAConflictShownAndConfidenceLow() throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("test, edited\n".utf8).write(to: dir.appendingPathComponent("statement.pdf"))
        let f = try decode(file("statement.pdf"), besides: dir)
        #expect(f.facts[0].evidence.confidence == .low)
        let problem = try #require(f.problems.first)
        #expect(problem.contains("CONFLICT") && problem.contains("statement.pdf") && problem.contains("attestations[0] (qemu, A. Assessor)"))
        #expect(f.facts[0].evidence.claim.contains("CONFLICT"))
    }

    @Test func noReachableDocumentIsConfidenceLow() throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // No document.path: nothing to hash.
        let none = try decode(file(nil), besides: dir)
        #expect(none.facts[0].evidence.confidence == .low && none.problems.isEmpty)
        #expect(none.facts[0].evidence.claim.contains("no document given"))
        // A path that is not there: unreadable, shown.
        let missing = try decode(file("gone.pdf"), besides: dir)
        #expect(missing.facts[0].evidence.confidence == .low)
        #expect(missing.problems.first?.contains("could not be checked (no such file)") == true)
        // A caller without hashing cannot check either.
        let unhashed = try EvidenceFile.decode(
            Data(file("statement.pdf").utf8), file: dir.appendingPathComponent("evidence.json").path, catalog: Fixture.catalog)
        #expect(unhashed.facts[0].evidence.confidence == .low)
        // An empty path is refused outright.
        #expect(throws: VendorEvidenceError.self) { try decode(file(""), besides: dir) }
    }

    @Test func twoOneLineAttestationsCannotLiftQEMU() throws {
        let qemu = try #require(Fixture.catalog.product("qemu"))
        let evaluator = ISM1460Evaluator(asOf: Fixture.asOf, catalog: Fixture.catalog)
        let before = evaluator.evaluate(qemu)
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Without a document: both facts are low, so neither decides anything over the catalog's sourced facts.
        let bare = try decode(file(nil, facts: Self.pledge + "," + Self.confined), besides: dir)
        #expect(bare.facts.count == 2 && bare.facts.allSatisfy { $0.evidence.confidence == .low })
        let e = evaluator.evaluate(qemu, attestations: bare.facts)
        #expect(e.status != .satisfiedLessPreferred && e.status != .satisfied)
        #expect(e.status == before.status)
        // With a checked document the "confined by default" claim still contradicts qemu-options.hx: a conflict.
        try Data("test".utf8).write(to: dir.appendingPathComponent("statement.pdf"))
        let checked = try decode(file("statement.pdf", facts: Self.pledge + "," + Self.confined), besides: dir)
        let e2 = evaluator.evaluate(qemu, attestations: checked.facts)
        #expect(e2.status != .satisfiedLessPreferred && e2.status != .satisfied)
        #expect(e2.conflicts.contains { $0.aspect == .defaultConfinement })
    }
}
