public import BulkheadModel

/// The exact file a user writes to add a product the catalog does not know.
public enum CatalogTemplate {
    /// A complete, valid catalog file for `product` with one fact per criterion left `unknown`.
    public static func file(product: ProductID, name: String, role: MechanismRole = .vmm) -> String {
        """
        {
          "schemaVersion": 1,
          "id": "\(product)",
          "name": "\(name)",
          "vendor": "WHO MAINTAINS IT",
          "role": "\(role.rawValue)",
          "summary": "One sentence: what it isolates and how.",
          "aliases": { "debianPackages": [], "rpmPackages": [], "binaries": [], "cpe": [], "osv": [], "cve": [], "descriptionKeywords": [] },
          "components": [
            { "id": "core", "name": "\(name)", "languages": ["C"], "layer": "mechanism",
              "isolationCritical": true, "repository": "https://…" }
          ],
          "facts": [
            { "criterion": "sbdCommitment", "aspect": "pledge", "claim": "What the source says, quoted.",
              "value": "unknown", "source": { "url": "https://…", "title": "…" },
              "observed": "YYYY-MM-DD", "confidence": "medium" },
            { "criterion": "memorySafeLanguages", "aspect": "memorySafeShare", "component": "core",
              "claim": "Measured with `bulkhead census`.", "value": { "percent": 0 },
              "source": { "url": "https://…" }, "observed": "YYYY-MM-DD", "confidence": "high" }
          ]
        }
        """
    }

    public static func howToAdd(product: ProductID, name: String) -> String {
        """
        To assess it, add a catalog file named \(product).json (format: docs/catalog-format.md; every fact needs \
        a source and an observed date) to a directory passed with --catalog DIR, or contribute it to \
        Sources/VendorEvidence/Catalog/. Minimal file:
        \(file(product: product, name: name))
        """
    }
}
