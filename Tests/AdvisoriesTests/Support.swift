import Assessment
import Foundation
import Testing
import VendorEvidence

@testable import Advisories

enum Fixture {
    static var root: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.path ?? "Tests/AdvisoriesTests/Fixtures"
    }
    static func path(_ rel: String) -> String { root + "/" + rel }
    static func data(_ rel: String) throws -> Data { try BoundedFile.read(path(rel), limit: 64 << 20) }
    static func parse(_ rel: String) throws -> ParsedFile { AdvisoryParser.parse(try data(rel), file: rel) }
    static func advisory(_ rel: String) throws -> Advisory {
        let p = try parse(rel)
        #expect(p.problems.isEmpty, "\(p.problems)")
        return try #require(p.advisories.first)
    }

    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-adv-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// The bundled catalog: the single source of advisory aliases.
    static let catalog = Catalog.bundled()

    static func aliases(_ product: String) throws -> Advisories.ProductAliases {
        try #require(AdvisoryAliases.all(catalog).first { $0.product.rawValue == product })
    }
}
