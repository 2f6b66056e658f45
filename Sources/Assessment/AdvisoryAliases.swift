public import Advisories
import BulkheadModel
import Foundation
public import VendorEvidence

/// The advisory matcher's aliases (`Advisories.ProductAliases`) built from the product catalog, the single
/// source of how each product is named in CPE, CVE 5, OSV, Debian/RPM and advisory descriptions.
public enum AdvisoryAliases {
    /// One product's aliases. The catalog decoder has already checked every CPE entry is `vendor:product`.
    public static func aliases(for product: Product) -> Advisories.ProductAliases {
        let a = product.aliases
        return Advisories.ProductAliases(
            product: product.id,
            cpe: a.cpe.compactMap { pair in
                let parts = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
                return Advisories.ProductAliases.VendorProduct(String(parts[0]), String(parts[1]))
            },
            cve5: a.cve.map { Advisories.ProductAliases.VendorProduct($0.vendor, $0.product) },
            packages: a.osv.map { Advisories.ProductAliases.Package($0.ecosystem, $0.package) },
            debianPackages: a.debianPackages,
            rpmPackages: a.rpmPackages,
            descriptionKeywords: a.descriptionKeywords,
            vendorKeywords: a.vendorKeywords.map { Advisories.ProductAliases.VendorKeyword($0.vendor, $0.keyword) })
    }

    /// Every catalog product that can be named in an advisory (at least one CPE, CVE 5 name, OSV package,
    /// package name or description keyword), in catalog order.
    public static func all(_ catalog: Catalog) -> [Advisories.ProductAliases] {
        catalog.products.map(aliases(for:)).filter(isMappable)
    }

    /// The product a user names on the command line: catalog id, name, alias, binary or package name
    /// (`Catalog.lookup`); `nil` when the catalog has no such product.
    public static func lookup(_ name: String, in catalog: Catalog) -> Advisories.ProductAliases? {
        catalog.lookup(name).map(aliases(for:))
    }

    static func isMappable(_ p: Advisories.ProductAliases) -> Bool {
        !(p.cpe.isEmpty && p.cve5.isEmpty && p.packages.isEmpty && p.debianPackages.isEmpty && p.rpmPackages.isEmpty
            && p.descriptionKeywords.isEmpty && p.vendorKeywords.isEmpty)
    }
}
