public import BulkheadModel
public import Foundation

/// The organisation's own evidence (`--evidence FILE`, docs/catalog-format.md "Evidence files"):
/// a vendor's SbD statement received in procurement, a roadmap PDF with its SHA-256, an attestation.
public struct EvidenceFile: Sendable {
    public static let schemaVersion = 1

    /// Every attested fact, tagged with its attestation origin.
    public var facts: [CriterionFact]
    public var file: String
    /// What the document checks found: a document whose SHA-256 differs from the one attested (a conflict),
    /// or that could not be read. Each such attestation's facts are confidence low.
    public var problems: [String]

    public init(facts: [CriterionFact], file: String, problems: [String] = []) {
        self.facts = facts
        self.file = file
        self.problems = problems
    }

    /// The SHA-256 (64 lowercase hex digits) of the file at a path, or why it could not be read. VendorEvidence
    /// has no hashing of its own: the caller (the CLI) passes one, bounded.
    public typealias DocumentDigest = @Sendable (_ path: String) -> Result<String, DocumentUnreadable>
    public struct DocumentUnreadable: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// What checking an attestation's document found.
    public enum DocumentCheck: Sendable, Equatable {
        /// The file at `document.path` has the SHA-256 the attestation records.
        case matches(path: String)
        /// It has another: not the document attested.
        case differs(path: String, actual: String)
        /// It could not be read (or there was no way to hash it).
        case unreadable(path: String, reason: String)
        /// The attestation names no local file (`document.path`): the hash cannot be checked.
        case noDocument

        /// Only a document whose hash was checked keeps the attestation's confidence.
        var checked: Bool { if case .matches = self { true } else { false } }

        var note: String {
            switch self {
            case .matches(let path): "document \(path) checked: its SHA-256 matches"
            case .differs(let path, let actual):
                "CONFLICT: the document \(path) has SHA-256 \(actual), not the one attested — it is not the attested document; confidence low"
            case .unreadable(let path, let reason): "the document \(path) could not be checked (\(reason)); confidence low"
            case .noDocument: "no document given to check its SHA-256 against (document.path); confidence low"
            }
        }
    }

    /// Reads and checks an evidence file (at most 1 MiB). Products must be in `catalog`. With `digest`, each
    /// attestation's `document.path` (relative to the evidence file's directory) is hashed and compared.
    public static func load(path: String, catalog: Catalog, digest: DocumentDigest? = nil) throws(VendorEvidenceError) -> EvidenceFile {
        let data = try readBounded(URL(fileURLWithPath: path), limit: Catalog.fileLimit, file: path)
        return try decode(data, file: path, catalog: catalog, digest: digest)
    }

    /// The document's path: absolute as given, otherwise relative to the evidence file's directory.
    static func resolve(_ documentPath: String, besides file: String) -> String {
        if documentPath.hasPrefix("/") { return documentPath }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(documentPath).path
    }

    static func check(_ document: RawDocument, file: String, digest: DocumentDigest?) -> DocumentCheck {
        guard let given = document.path else { return .noDocument }
        let path = resolve(given, besides: file)
        guard let digest else { return .unreadable(path: path, reason: "no hashing available to this caller") }
        switch digest(path) {
        case .success(let actual):
            return actual.lowercased() == document.sha256 ? .matches(path: path) : .differs(path: path, actual: actual.lowercased())
        case .failure(let e):
            return .unreadable(path: path, reason: e.reason)
        }
    }

    public static func decode(_ data: Data, file: String, catalog: Catalog, digest: DocumentDigest? = nil) throws(VendorEvidenceError)
        -> EvidenceFile
    {
        let raw = try decodeStrictly(RawFile.self, from: data, file: file, kind: "an evidence file")
        var facts: [CriterionFact] = []
        var problems: [String] = []
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
            // Issue 14 §3: the document is hashed and checked; one not checked, or another document, is low.
            let documentCheck = check(a.document, file: file, digest: digest)
            let confidence: Confidence = documentCheck.checked ? a.confidence : .low
            if case .differs = documentCheck { problems.append("attestations[\(i)] (\(a.product), \(a.attestedBy)): " + documentCheck.note) }
            if case .unreadable = documentCheck { problems.append("attestations[\(i)] (\(a.product), \(a.attestedBy)): " + documentCheck.note) }
            for (j, f) in a.facts.enumerated() {
                if let comp = f.component, product.component(comp) == nil {
                    throw VendorEvidenceError(
                        .invalid, file: file, field: "attestations[\(i)].facts[\(j)].component",
                        message:
                            "\"\(comp)\" is not a component of \(product.id) (\(product.components.map(\.id).joined(separator: ", ")))")
                }
                let evidence = Evidence(
                    claim: f.claim + " [" + documentCheck.note + "]", source: source, observedAt: a.date, confidence: confidence)
                facts.append(
                    CriterionFact(
                        product: product.id, aspect: f.aspect, component: f.component, value: f.value,
                        evidence: evidence, origin: origin))
            }
        }
        return EvidenceFile(facts: facts, file: file, problems: problems)
    }

    struct RawFile: Decodable {
        var attestations: [RawAttestation]
        enum CodingKeys: String, CodingKey, CaseIterable { case schemaVersion, attestations }
        init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
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
        /// The document itself, to hash: absolute, or relative to the evidence file's directory.
        var path: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case title, sha256, url, path }
        init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
            title = try decodeNonEmpty(c, .title)
            sha256 = try c.decode(String.self, forKey: .sha256).lowercased()
            guard sha256.count == 64, sha256.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .sha256, in: c,
                    debugDescription: "must be the 64-hex-digit SHA-256 of the attached document (sha256sum FILE)")
            }
            url = try c.decodeIfPresent(String.self, forKey: .url)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            if path?.isEmpty == true {
                throw DecodingError.dataCorruptedError(forKey: .path, in: c, debugDescription: "must name the document file, or be left out")
            }
        }
    }

    struct RawFact: Decodable {
        var aspect: Aspect
        var component: String?
        var value: FactValue
        var claim: String
        enum CodingKeys: String, CodingKey, CaseIterable { case criterion, aspect, component, value, claim }
        init(from decoder: any Decoder) throws {
            let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
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
            let c = try strictContainer(decoder, CodingKeys.self, allowed: CodingKeys.allCases.map(\.rawValue))
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
