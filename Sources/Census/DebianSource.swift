public import BulkheadModel
public import Foundation
import ProcessRunner

/// Fetches the exact Debian source of an installed package with `apt-get source` (argument arrays through
/// ProcessRunner, in a private temporary directory).
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
    public static func installedVersion(of package: String) async throws(CensusError) -> Installed {
        guard package.range(of: #"^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$"#, options: .regularExpression) != nil else {
            throw CensusError(.packageNotInstalled, "\(package) is not a valid Debian package name")
        }
        guard let dpkgQuery = ProcessRunner.find("dpkg-query") else {
            throw CensusError(.toolMissing, "--package needs dpkg-query (a Debian or Ubuntu host)")
        }
        let r = try await SourceArchive.run(
            ProcessRequest(
                [dpkgQuery, "-W", "-f=${db:Status-Status}\t${source:Package}\t${source:Version}\t${Version}\n", package],
                output: .capture(limit: 1 << 20), timeout: .seconds(60)))
        let fields = r.stdoutText.split(separator: "\n").first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
        guard r.exitStatus == 0, fields.count == 4, fields[0] == "installed", !fields[1].isEmpty, !fields[2].isEmpty else {
            throw CensusError(
                .packageNotInstalled,
                "package \(package) is not installed, so there is no installed version to measure; give a source directory instead",
                cause: r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return Installed(binaryPackage: package, sourcePackage: fields[1], sourceVersion: fields[2], binaryVersion: fields[3])
    }

    /// Downloads and unpacks `installed.sourcePackage` at exactly `installed.sourceVersion`.
    /// `aptOptions` (e.g. `-o Dir::Etc::SourceList=…`) go before `source`.
    public static func download(_ installed: Installed, aptOptions: [String] = []) async throws(CensusError) -> Fetched {
        guard let aptGet = ProcessRunner.find("apt-get") else {
            throw CensusError(.toolMissing, "--package needs apt-get")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-census-src-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw CensusError(.sourceDownloadFailed, "could not create a temporary directory", cause: error)
        }
        let spec = "\(installed.sourcePackage)=\(installed.sourceVersion)"
        let r: ProcessOutcome
        do {
            // Downloading and unpacking a large source (the kernel, qemu) takes minutes, not hours.
            r = try await SourceArchive.run(
                ProcessRequest(
                    [aptGet] + aptOptions + ["source", "-q", spec], workingDirectory: scratch.path,
                    output: .capture(limit: 8 << 20, stopAtLimit: false), error: .capture(limit: 8 << 20, stopAtLimit: false),
                    timeout: .seconds(3600)))
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
        let output = r.stdoutText + r.stderrText
        if r.timedOut {
            try? FileManager.default.removeItem(at: scratch)
            throw CensusError(.sourceDownloadFailed, "apt-get source \(spec) did not finish within an hour; it was stopped")
        }
        if r.exitStatus != 0 {
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
