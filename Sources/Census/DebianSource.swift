public import BulkheadModel
public import Foundation

/// Fetches the exact Debian source of an installed package with `apt-get source` (argument arrays,
/// in a private temporary directory).
public enum DebianSource {
    public struct Installed: Sendable, Hashable {
        public var binaryPackage: String
        public var sourcePackage: String
        /// The source version (without a binNMU suffix such as `+b3`).
        public var sourceVersion: String
        public var binaryVersion: String
    }

    public struct Fetched: Sendable {
        public var installed: Installed
        /// The unpacked, patched source tree.
        public var sourceDirectory: URL
        /// The temporary directory holding it; remove with `cleanUp()`.
        public var scratch: URL
        public func cleanUp() { try? FileManager.default.removeItem(at: scratch) }
    }

    public static let debSrcHelp = """
        apt has no deb-src entry, so it cannot download source packages. Add one that mirrors your deb entry, e.g. \
        /etc/apt/sources.list.d/debian-src.sources containing:
            Types: deb-src
            URIs: http://deb.debian.org/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
        (plus the same for http://deb.debian.org/debian-security with Suites: bookworm-security), then run `apt-get update`.
        """

    /// Looks up the installed version of `package` and its source package.
    public static func installed(_ package: String) throws(CensusError) -> Installed {
        guard package.range(of: #"^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$"#, options: .regularExpression) != nil else {
            throw CensusError(.packageNotInstalled, "\(package) is not a valid Debian package name")
        }
        guard let dpkgQuery = Subprocess.find("dpkg-query") else {
            throw CensusError(.toolMissing, "--package needs dpkg-query (a Debian or Ubuntu host)")
        }
        let r: Subprocess.Result
        do {
            r = try Subprocess.run(dpkgQuery, ["-W", "-f=${db:Status-Status}\t${source:Package}\t${source:Version}\t${Version}\n", package])
        } catch {
            throw CensusError(.toolMissing, "could not run dpkg-query", cause: error)
        }
        let fields = r.stdout.split(separator: "\n").first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
        guard r.status == 0, fields.count == 4, fields[0] == "installed", !fields[1].isEmpty, !fields[2].isEmpty else {
            throw CensusError(
                .packageNotInstalled,
                "package \(package) is not installed, so there is no installed version to measure; give a source directory instead",
                cause: r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return Installed(binaryPackage: package, sourcePackage: fields[1], sourceVersion: fields[2], binaryVersion: fields[3])
    }

    /// Downloads and unpacks `installed.sourcePackage` at exactly `installed.sourceVersion`.
    /// `aptOptions` (e.g. `-o Dir::Etc::SourceList=…`) go before `source`.
    public static func fetch(_ installed: Installed, aptOptions: [String] = []) throws(CensusError) -> Fetched {
        guard let aptGet = Subprocess.find("apt-get") else {
            throw CensusError(.toolMissing, "--package needs apt-get")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-census-src-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw CensusError(.sourceDownloadFailed, "could not create a temporary directory", cause: error)
        }
        let spec = "\(installed.sourcePackage)=\(installed.sourceVersion)"
        let r: Subprocess.Result
        do {
            r = try Subprocess.run(aptGet, aptOptions + ["source", "-q", spec], currentDirectory: scratch)
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw CensusError(.toolMissing, "could not run apt-get", cause: error)
        }
        let output = r.stdout + r.stderr
        if r.status != 0 {
            try? FileManager.default.removeItem(at: scratch)
            if output.contains("deb-src") || output.contains("Unable to find a source package") {
                throw CensusError(
                    .noSourceEntry, "cannot download the source of \(spec). " + debSrcHelp,
                    cause: String(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)))
            }
            throw CensusError(
                .sourceDownloadFailed,
                "apt-get source \(spec) failed (is dpkg-dev installed, and does the mirror still carry this version?)",
                cause: String(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)))
        }
        let entries = (try? FileManager.default.contentsOfDirectory(at: scratch, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
        guard let dir = entries.first(where: { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }) else {
            try? FileManager.default.removeItem(at: scratch)
            throw CensusError(
                .sourceDownloadFailed,
                "apt-get source \(spec) downloaded files but unpacked no tree (install dpkg-dev for dpkg-source)")
        }
        return Fetched(installed: installed, sourceDirectory: dir, scratch: scratch)
    }
}
