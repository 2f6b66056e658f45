public import BulkheadModel
public import Foundation

/// The organisation's own evidence (`--evidence FILE`, docs/catalog-format.md "Evidence files"):
/// a vendor's SbD statement received in procurement, a roadmap PDF with its SHA-256, an attestation.
public struct EvidenceFile: Sendable {
    public static let schemaVersion = 1

    /// Every attested fact, tagged with its attestation origin.
    public var facts: [CriterionFact]
    public var file: String

    public init(facts: [CriterionFact], file: String) {
        self.facts = facts
        self.file = file
    }

    /// Reads and checks an evidence file (at most 1 MiB). Products must be in `catalog`.
    public static func load(path: String, catalog: Catalog) throws(VendorEvidenceError) -> EvidenceFile {
        let data = try readBounded(URL(fileURLWithPath: path), limit: Catalog.fileLimit, file: path)
        return try decode(data, file: path, catalog: catalog)
    }

    public static func decode(_ data: Data, file: String, catalog: Catalog) throws(VendorEvidenceError) -> EvidenceFile {
        let raw: RawFile
        if let dup = JSONDuplicateKeys.first(in: data) {
            throw VendorEvidenceError(
                .malformed, file: file, message: "key \"\(dup.key)\" appears twice in \(dup.path); an evidence file must not repeat a key")
        }
        do {
            raw = try JSONDecoder().decode(RawFile.self, from: data)
        } catch let e as DecodingError {
            throw VendorEvidenceError.decoding(e, file: file)
        } catch {
            throw VendorEvidenceError(.malformed, file: file, message: "could not decode", cause: error)
        }
        var facts: [CriterionFact] = []
        for (i, a) in raw.attestations.enumerated() {
            guard let product = catalog.product(ProductID(a.product)) ?? catalog.lookup(a.product) else {
                throw VendorEvidenceError(
                    .unknownProduct, file: file, field: "attestations[\(i)].product",
                    message:
                        "\"\(a.product)\" is not in the catalog; use a product id from `bulkhead vendor list`, or add a catalog file for it first (docs/catalog-format.md)"
                )
            }
            let origin = FactOrigin.attestation(
                file: file, attestedBy: a.attestedBy, documentTitle: a.document.title, sha256: a.document.sha256)
            let source = Evidence.Source.document(url: a.document.url ?? "sha256:\(a.document.sha256)", title: a.document.title)
            for (j, f) in a.facts.enumerated() {
                if let comp = f.component, product.component(comp) == nil {
                    throw VendorEvidenceError(
                        .invalid, file: file, field: "attestations[\(i)].facts[\(j)].component",
                        message:
                            "\"\(comp)\" is not a component of \(product.id) (\(product.components.map(\.id).joined(separator: ", ")))")
                }
                let evidence = Evidence(
                    claim: f.claim, source: source, observedAt: a.date, confidence: a.confidence)
                facts.append(
                    CriterionFact(
                        product: product.id, aspect: f.aspect, component: f.component, value: f.value,
                        evidence: evidence, origin: origin))
            }
        }
        return EvidenceFile(facts: facts, file: file)
    }

    struct RawFile: Decodable {
        var attestations: [RawAttestation]
        enum CodingKeys: String, CodingKey, CaseIterable { case schemaVersion, attestations }
        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let v = try c.decode(Int.self, forKey: .schemaVersion)
            guard v == EvidenceFile.schemaVersion else {
                throw DecodingError.dataCorruptedError(
                    forKey: .schemaVersion, in: c,
                    debugDescription: "schema version \(v) is not supported (this Bulkhead reads \(EvidenceFile.schemaVersion))")
            }
            attestations = try c.decode([RawAttestation].self, forKey: .attestations)
        }
    }

    struct RawDocument: Decodable {
        var title: String
        var sha256: String
        var url: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case title, sha256, url }
        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try decodeNonEmpty(c, .title)
            sha256 = try c.decode(String.self, forKey: .sha256).lowercased()
            guard sha256.count == 64, sha256.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .sha256, in: c,
                    debugDescription: "must be the 64-hex-digit SHA-256 of the attached document (sha256sum FILE)")
            }
            url = try c.decodeIfPresent(String.self, forKey: .url)
        }
    }

    struct RawFact: Decodable {
        var aspect: Aspect
        var component: String?
        var value: FactValue
        var claim: String
        enum CodingKeys: String, CodingKey, CaseIterable { case criterion, aspect, component, value, claim }
        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            aspect = try decodeAspect(c, criterion: .criterion, aspect: .aspect).1
            component = try c.decodeIfPresent(String.self, forKey: .component)
            value = try c.decode(FactValue.self, forKey: .value)
            claim = try decodeNonEmpty(c, .claim)
        }
    }

    struct RawAttestation: Decodable {
        var product: String
        var attestedBy: String
        var date: Date
        var document: RawDocument
        var confidence: Confidence
        var facts: [RawFact]
        enum CodingKeys: String, CodingKey, CaseIterable { case product, attestedBy, date, document, confidence, facts }
        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            product = try decodeNonEmpty(c, .product)
            attestedBy = try decodeNonEmpty(c, .attestedBy)
            date = try CalendarDate.decode(c, .date)
            document = try c.decode(RawDocument.self, forKey: .document)
            confidence = try c.decodeIfPresent(Confidence.self, forKey: .confidence) ?? .medium
            if confidence == .high {
                throw DecodingError.dataCorruptedError(
                    forKey: .confidence, in: c,
                    debugDescription:
                        "an attestation can be \"medium\" (a vendor's own statement) or \"low\"; \"high\" is kept for what Bulkhead observes or measures"
                )
            }
            facts = try c.decode([RawFact].self, forKey: .facts)
            if facts.isEmpty {
                throw DecodingError.dataCorruptedError(forKey: .facts, in: c, debugDescription: "list at least one fact")
            }
        }
    }
}
