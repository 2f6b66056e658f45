public import BulkheadModel
public import Census
import Foundation
import HostInspection
public import VendorEvidence

/// Turns cached census reports (`bulkhead census --package …`) into measured facts for criterion 4a.
/// A report counts for a mechanism only when it measured the installed version (a Debian binNMU suffix
/// `+bN` on the installed package is ignored: it rebuilds the same source).
public enum CensusMeasurements {
    public static func facts(
        for mechanisms: [IsolationMechanism], packages: [InstalledPackage], catalog: Catalog, cache: CensusCache
    ) -> (facts: [CriterionFact], problems: [Problem]) {
        let (reports, errors) = cache.all()
        var problems = errors.map { Problem(subject: cache.directory.path, message: "\($0)") }
        var out: [CriterionFact] = []
        for mechanism in mechanisms {
            guard let product = catalog.product(mechanism.product),
                let component = product.components.first(where: { $0.layer == .mechanism && $0.isolationCritical })
            else { continue }
            let installed = mechanism.version.map(stripBinNMU)
            let debian = Set(product.aliases.debianPackages)
            let sources = packages.filter { debian.contains($0.name) }.compactMap(\.sourcePackage)
            let names = Set([mechanism.product.rawValue] + product.aliases.debianPackages + sources)
            let matching = reports.filter { report in
                guard let p = report.subject.product, names.contains(p) else { return false }
                return installed != nil && report.subject.version.map(stripBinNMU) == installed
            }
            guard let report = matching.max(by: { $0.measuredAt < $1.measuredAt }) else { continue }
            guard let ratio = report.share.ratio else {
                problems.append(
                    Problem(subject: mechanism.product.rawValue, message: "the census of \(report.subject.path) counted no code in its share"))
                continue
            }
            for evidence in CensusEvidence.evidence(from: report).prefix(1) {
                out.append(
                    CriterionFact.measuredMemorySafeShare(
                        product: product.id, component: component.id, percent: ratio * 100, evidence: evidence))
            }
        }
        return (out, problems)
    }

    static func stripBinNMU(_ version: String) -> String {
        guard let range = version.range(of: "+b", options: .backwards),
            version[range.upperBound...].allSatisfy(\.isNumber), range.upperBound < version.endIndex
        else { return version }
        return String(version[..<range.lowerBound])
    }

}
