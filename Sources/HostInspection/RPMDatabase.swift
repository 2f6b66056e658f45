import BulkheadModel
import Formats
import Foundation
import GRDB

/// RPM's package database (rpm ≥ 4.16 sqlite backend): `Packages(hnum, blob)` where each blob is an RPM
/// header. The database file is read through the host root (bounded), copied into a private temporary
/// directory and opened there read-only and immutable, so neither the host's database nor its lock is
/// touched and a snapshot can carry it. Headers are parsed here as hostile input.
enum RPMDatabase {
    /// Where rpm keeps its database: the classic path, then the `/usr/lib/sysimage` one (Fedora ≥ 36, SUSE).
    static let candidatePaths = ["/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"]
    /// Older backends Bulkhead does not read (Berkeley DB, ndb).
    static let legacyPaths = [
        "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db", "/usr/lib/sysimage/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db",
    ]

    static func collect(root: any HostRoot, limit: Int, problems: inout ProblemLog) -> [InstalledPackage] {
        for path in candidatePaths {
            let bytes: [UInt8]
            do {
                bytes = try root.read(path, limit: limit)
            } catch {
                if error.code == .notFound { continue }
                problems.add(Problem(subject: path, message: "\(error.message); the RPM package inventory is inconclusive"))
                return []
            }
            do {
                let (packages, headerProblems) = try packagesFromDatabase(bytes: bytes, path: path)
                for problem in headerProblems { problems.add(problem) }
                return packages
            } catch {
                problems.add(Problem(subject: path, message: "\(error); the RPM package inventory is inconclusive"))
                return []
            }
        }
        for path in legacyPaths where root.kind(of: path) == .regular {
            problems.add(
                Problem(
                    subject: path,
                    message:
                        "RPM database in a legacy format (Berkeley DB or ndb) that Bulkhead does not read; run `rpmdb --rebuilddb` on rpm ≥ 4.16 or inspect packages another way. The RPM package inventory is inconclusive"
                ))
        }
        return []
    }

    /// Reads every header blob from an rpmdb.sqlite image.
    static func packagesFromDatabase(bytes: [UInt8], path: String) throws -> (packages: [InstalledPackage], problems: [Problem]) {
        let blobs = try RPMDatabaseImage.headerBlobs(bytes, path: path)
        var packages: [InstalledPackage] = []
        var problems: [Problem] = []
        for (hnum, blob) in blobs {
            do {
                let header = try RPMHeader(bytes: blob)
                guard let name = header.string(RPMHeader.Tag.name), let version = header.string(RPMHeader.Tag.version) else {
                    problems.append(Problem(subject: "\(path) header \(hnum)", message: "RPM header without NAME or VERSION; skipped"))
                    continue
                }
                var full = version
                if let release = header.string(RPMHeader.Tag.release) { full += "-" + release }
                if let epoch = header.int32(RPMHeader.Tag.epoch) { full = "\(epoch):" + full }
                var source: String?
                if let sourceRPM = header.string(RPMHeader.Tag.sourceRPM), let sourceName = sourceName(sourceRPM), sourceName != name {
                    source = sourceName
                }
                packages.append(
                    InstalledPackage(
                        name: name, version: full, architecture: header.string(RPMHeader.Tag.arch), manager: "rpm", sourcePackage: source))
            } catch {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "\(error.message); skipped"))
            }
        }
        return (packages, problems)
    }

    /// `bash-5.2.15-3.fc38.src.rpm` → `bash`.
    static func sourceName(_ sourceRPM: String) -> String? {
        var base = Substring(sourceRPM)
        for suffix in [".src.rpm", ".nosrc.rpm"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
        }
        var parts = base.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        parts.removeLast(2)
        let name = parts.joined(separator: "-")
        return name.isEmpty ? nil : name
    }
}
