import BulkheadModel
import Foundation
import Testing

@testable import VendorEvidence

enum Fixture {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), "fixture \(name) missing")
    }
    static func date(_ s: String) -> Date {
        CalendarDate.parse(s) ?? Date(timeIntervalSince1970: 0)
    }
    /// The assessment date used for real-catalog tests: the day after the catalog was researched.
    static let asOf = date("2026-11-28")
    static let catalog = Catalog.bundled()

    /// The repository root (for the catalog schema and docs).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// Builds constructed products for verdict-path tests.
struct ProductBuilder {
    var id: ProductID = "testvmm"
    var components: [Component] = [
        Component(id: "vmm", name: "Test VMM", languages: ["Rust"], layer: .mechanism, isolationCritical: true),
        Component(id: "kvm", name: "KVM", languages: ["C"], layer: .kernel, isolationCritical: true),
    ]
    var facts: [CriterionFact] = []
    var observed = Fixture.date("2026-11-01")

    mutating func add(
        _ aspect: Aspect, _ value: FactValue, component: String? = nil, confidence: Confidence = .medium,
        observed: Date? = nil, claim: String? = nil
    ) {
        facts.append(
            CriterionFact(
                product: id, aspect: aspect, component: component, value: value,
                evidence: Evidence(
                    claim: claim ?? "\(aspect.rawValue) is \(value)", source: .document(url: "https://example.test/\(aspect.rawValue)", title: nil),
                    observedAt: observed ?? self.observed, confidence: confidence),
                origin: .catalog(file: "\(id).json")))
    }

    /// Every criterion met through memory-safe languages.
    static func allMet() -> ProductBuilder {
        var b = ProductBuilder()
        b.add(.pledge, .yes)
        b.add(.defaultConfinement, .yes)
        b.add(.fuzzing, .yes)
        b.add(.staticAnalysis, .yes)
        b.add(.memorySafeShare, .percent(99), component: "vmm", confidence: .high)
        b.add(.vdp, .yes)
        b.add(.advisories, .yes)
        return b
    }

    var product: Product {
        Product(id: id, name: "Test VMM", vendor: "Example", role: .vmm, summary: "test", components: components, facts: facts, file: "\(id).json")
    }

    func attestation(_ aspect: Aspect, _ value: FactValue, date: String = "2026-11-01", confidence: Confidence = .medium, component: String? = nil)
        -> CriterionFact
    {
        CriterionFact(
            product: id, aspect: aspect, component: component, value: value,
            evidence: Evidence(
                claim: "attested \(aspect.rawValue) \(value)", source: .document(url: "file:statement.pdf", title: "Vendor statement"),
                observedAt: Fixture.date(date), confidence: confidence),
            origin: .attestation(
                file: "evidence.json", attestedBy: "A. Assessor", documentTitle: "Vendor statement", sha256: String(repeating: "a", count: 64)))
    }
}
