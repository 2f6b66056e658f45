public import Advisories
public import BulkheadModel
public import Foundation
public import HostInspection

/// ISM-1606 for each mechanism from the local advisory database (`bulkhead advisories import|fetch`):
/// advisories affecting the installed version, minus those the distribution fixed by backport (read from
/// the package's changelog), and whether any open one is past its ISM patch deadline.
public enum AdvisoryFindings {
    public static let checkID = "advisories.patched"

    /// `aliases`: each product's advisory names, from the catalog (`AdvisoryAliases.all(catalog)`).
    public static func findings(
        mechanisms: [IsolationMechanism], packages: [InstalledPackage], aliases: [ProductAliases], databasePath: String,
        root: any HostRoot, now: Date
    ) -> [Finding] {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            return mechanisms.filter { m in aliases.contains { $0.product == m.product } }.map {
                inconclusive(
                    $0,
                    "no advisory database at \(databasePath): load one with `bulkhead advisories fetch` or `bulkhead advisories import PATH…`")
            }
        }
        let database: AdvisoryDatabase
        do { database = try AdvisoryDatabase(path: databasePath) } catch {
            return mechanisms.map { inconclusive($0, "the advisory database \(databasePath) cannot be opened: \(error)") }
        }
        var out: [Finding] = []
        for mechanism in mechanisms {
            guard let alias = aliases.first(where: { $0.product == mechanism.product }) else { continue }
            guard root.isLive else {
                out.append(inconclusive(mechanism, "backports are read from the live host's package changelogs; run on the host itself"))
                continue
            }
            // One check per source package version (qemu-system-x86, -common and -data share a changelog).
            var seen = Set<String>()
            var results: [Advisories.CheckResult] = []
            var problems: [String] = []
            for name in alias.debianPackages {
                guard let pkg = packages.first(where: { $0.name == name }) else { continue }
                let sourceVersion = pkg.version.replacingOccurrences(of: #"\+b[0-9]+$"#, with: "", options: .regularExpression)
                guard seen.insert((pkg.sourcePackage ?? pkg.name) + " " + sourceVersion).inserted else { continue }
                let installed = InstalledProduct(
                    product: mechanism.product, package: pkg.name, version: pkg.version, manager: pkg.manager,
                    changelogPath: DebianChangelog.path(forPackage: pkg.name))
                do {
                    results.append(try AdvisoryCheck.run(installed, aliases: alias, database: database, now: now))
                } catch {
                    problems.append("\(pkg.name): \(error)")
                }
            }
            guard !results.isEmpty else {
                out.append(
                    inconclusive(
                        mechanism, problems.isEmpty ? "no installed Debian package of \(mechanism.name) to check" : problems.joined(separator: "; ")))
                continue
            }
            let all = results.flatMap(\.findings)
            let open = all.filter { $0.state == .open }
            let overdue = open.filter { $0.overdue == true }
            let unknown = all.filter { $0.state == .unknown }.count
            let backported = all.filter { $0.state == .fixedByBackport }.count
            var observed = "\(open.count) open (\(overdue.count) past the ISM-1606 deadline), \(unknown) not evaluable, \(backported) fixed by backport"
            if !overdue.isEmpty { observed += ": " + overdue.prefix(8).map(\.id).joined(separator: ", ") }
            let evidence =
                results.map { r in
                    Evidence(
                        claim: "\(r.installed.package) \(r.installed.version) checked against the advisory database",
                        source: .package(name: r.installed.package, version: r.installed.version, manager: r.installed.manager),
                        observedAt: now, confidence: .high)
                } + overdue.prefix(8).flatMap { $0.evidence.prefix(2) }
            out.append(
                Finding(
                    checkID: checkID, subject: mechanism.product.rawValue, outcome: overdue.isEmpty ? .pass : .fail,
                    observed: observed, expected: "no open advisory past its ISM-1606 deadline (48 h critical or exploited, 2 weeks internet-facing, 1 month otherwise)",
                    severity: .high, controls: [.ism1606], evidence: evidence))
        }
        return out
    }

    static func inconclusive(_ m: IsolationMechanism, _ reason: String) -> Finding {
        Finding(
            checkID: checkID, subject: m.product.rawValue, outcome: .inconclusive(reason: reason), severity: .high,
            controls: [.ism1606])
    }
}
