public import Advisories
public import BulkheadModel
import Foundation
import HostInspection

/// Distribution security data for the installed packages, the first source `AdvisoryCheck.evaluate` uses:
/// the Debian security tracker export (by source package and `VERSION_CODENAME`), and the database's OSV
/// records of the host's release ecosystem and Red Hat CSAF VEX statements for its RHEL major release
/// (`DistroData.decisions`). The release comes from /etc/os-release, read through the same recorded files as
/// the changelogs (`BackportEvidenceNeed` declares it), so `--root` and `--snapshot` decide like the live host.
extension BackportReader {
    /// The host's release (`ID`, `VERSION_ID`, `VERSION_CODENAME`) from /etc/os-release, when it names one.
    public func distroRelease() -> DistroRelease? {
        guard let text = try? files.readText("/etc/os-release", limit: Self.osReleaseLimit) else { return nil }
        return DistroRelease.parse(osRelease: text)
    }

    /// What the distribution's data says about each CVE for one installed package: the tracker first (a
    /// dpkg package), then the database's distribution records for the package and its source package.
    /// Problems (no release, an unreadable database) are returned, never turned into "fixed".
    public mutating func distroEvidence(for pkg: InstalledPackage, database: AdvisoryDatabase?, tracker: DebianSecurityTracker?)
        -> BackportEvidence
    {
        guard pkg.manager == "dpkg" || pkg.manager == "rpm" else { return BackportEvidence() }
        var out = BackportEvidence()
        let version =
            pkg.manager == "dpkg" ? pkg.version.replacingOccurrences(of: #"\+b[0-9]+$"#, with: "", options: .regularExpression) : pkg.version
        if let tracker, pkg.manager == "dpkg" {
            if let codename = releaseCodename() {
                out.distro = tracker.decisions(sourcePackage: pkg.sourcePackage ?? pkg.name, codename: codename, installed: version)
            } else {
                out.problems.append(
                    Problem(subject: "/etc/os-release", message: "no VERSION_CODENAME in \(source); the security tracker \(tracker.file) is not used")
                )
            }
        }
        guard let database, let release = distroRelease(), !release.lookupBases.isEmpty else { return out }
        let names = Set([pkg.name] + (pkg.sourcePackage.map { [$0] } ?? []))
        do {
            let records = try database.distroRecords(bases: release.lookupBases, packages: names)
            let decided = DistroData.decisions(records: records, release: release, names: names, installed: version)
            out.merge(BackportEvidence(distro: decided))
        } catch {
            out.problems.append(Problem(subject: database.path, message: "distribution records unreadable (\(error)); upstream ranges decide"))
        }
        return out
    }
}
