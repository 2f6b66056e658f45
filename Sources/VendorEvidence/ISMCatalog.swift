public import BulkheadModel
public import Foundation

/// The ISM's own words for the controls Bulkhead assesses: each control's statement, revision and
/// last-updated month, and the ISM release they came from, read from an OSCAL catalog (the extract built in,
/// or a newer full catalog given with `--ism-catalog FILE`). Every report quotes them.
public struct ISMCatalog: Codable, Hashable, Sendable {
    public struct Control: Codable, Hashable, Sendable {
        /// `ISM-1460`.
        public var id: ControlID
        /// The control's statement, verbatim.
        public var statement: String
        public var revision: String?
        /// The ISM's "updated" property (`Mar-25`).
        public var updated: String?
        /// Classifications it applies to, from the catalog's applicability properties (`NC`, `OS`, `P`, `S`, `TS`).
        public var applicability: [String]
    }
    /// The catalog's title and version (`Information security manual`, `2025.12.9`) and publication time.
    public var title: String
    public var release: String
    public var published: String?
    /// Where it was read from: `built in (…)` or the file given.
    public var source: String
    public var controls: [Control]

    public func control(_ id: ControlID) -> Control? { controls.first { $0.id == id } }

    /// The extract built into Bulkhead (Sources/VendorEvidence/ISM/ism-controls.json, see its PROVENANCE.md).
    public static func bundled() throws(VendorEvidenceError) -> ISMCatalog {
        guard let url = Bundle.module.url(forResource: "ism-controls", withExtension: "json", subdirectory: "ISM") else {
            throw VendorEvidenceError(.unreadable, file: "ISM/ism-controls.json", message: "the built-in ISM extract is missing from this build")
        }
        let data = try readBounded(url, limit: 1 << 20, file: "ISM/ism-controls.json")
        return try parse(data, source: "built in (ISM OSCAL catalog extract)")
    }

    /// Reads an OSCAL catalog (at most 64 MiB), keeping the controls Bulkhead assesses.
    public static func load(path: String) throws(VendorEvidenceError) -> ISMCatalog {
        let data = try readBounded(URL(fileURLWithPath: path), limit: 64 << 20, file: path)
        return try parse(data, source: path)
    }

    /// The controls Bulkhead assesses.
    public static let assessed: [ControlID] = ControlID.virtualisationHardening + [.ism1743]

    public static func parse(_ data: Data, source: String) throws(VendorEvidenceError) -> ISMCatalog {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw VendorEvidenceError(.malformed, file: source, message: "not JSON", cause: error)
        }
        guard let catalog = (object as? [String: Any])?["catalog"] as? [String: Any],
            let metadata = catalog["metadata"] as? [String: Any], let version = metadata["version"] as? String
        else {
            throw VendorEvidenceError(.invalid, file: source, message: "not an OSCAL catalog (no catalog.metadata.version)")
        }
        let wanted = Set(assessed.map(\.oscalID))
        var found: [String: Control] = [:]
        func walk(_ value: Any, depth: Int) {
            guard depth < 64 else { return }
            if let dict = value as? [String: Any] {
                if let id = dict["id"] as? String, wanted.contains(id), let c = control(dict, id: id) { found[id] = c }
                for v in dict.values { walk(v, depth: depth + 1) }
            } else if let array = value as? [Any] {
                for v in array { walk(v, depth: depth + 1) }
            }
        }
        walk(catalog, depth: 0)
        guard !found.isEmpty else {
            throw VendorEvidenceError(
                .invalid, file: source, message: "the catalog holds none of \(assessed.map(\.rawValue).joined(separator: ", "))")
        }
        return ISMCatalog(
            title: metadata["title"] as? String ?? "Information security manual", release: version,
            published: metadata["published"] as? String, source: source,
            controls: assessed.compactMap { found[$0.oscalID] })
    }

    static func control(_ dict: [String: Any], id: String) -> Control? {
        let parts = dict["parts"] as? [[String: Any]] ?? []
        guard let statement = parts.first(where: { $0["name"] as? String == "statement" })?["prose"] as? String else { return nil }
        let props = dict["props"] as? [[String: Any]] ?? []
        func values(_ name: String) -> [String] { props.filter { $0["name"] as? String == name }.compactMap { $0["value"] as? String } }
        return Control(
            id: ControlID(rawValue: id), statement: statement, revision: values("revision").first, updated: values("updated").first,
            applicability: values("applicability"))
    }
}
