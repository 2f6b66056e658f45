public import BulkheadModel
import Foundation

/// What `bulkhead census` measures.
public enum CensusSource: Sendable, Hashable {
    /// The exact Debian source of the installed version of a binary package (needs a deb-src entry).
    case package(String)
    /// A source directory or archive, cached under `product`/`version` when both are given.
    case path(String, product: String?, version: String?)
}

extension Census {
    /// Measures a source: fetches the installed package's source or extracts an archive into a temporary
    /// directory (removed afterwards), or counts a directory in place. `command` is the command line that
    /// repeats the measurement (kept as evidence); `progress` hears what is being fetched.
    public static func measure(
        _ source: CensusSource, options: CensusOptions, command: String, progress: (String) -> Void = { _ in }
    ) async throws(CensusError) -> CensusReport {
        switch source {
        case .package(let package):
            let installed = try await DebianSource.installedVersion(of: package)
            progress("fetching source \(installed.sourcePackage) \(installed.sourceVersion) for \(package) \(installed.binaryVersion)")
            let fetched = try await DebianSource.download(installed)
            defer { fetched.cleanUp() }
            let subject = CensusReport.Subject(
                kind: .package, path: fetched.sourceDirectory.lastPathComponent, product: installed.sourcePackage,
                version: installed.sourceVersion, binaryPackage: package)
            return try await run(root: fetched.sourceDirectory, options: options, subject: subject, command: command)
        case .path(let path, let product, let version):
            let url = URL(fileURLWithPath: path)
            guard SourceArchive.format(of: path) != nil else {
                let subject = CensusReport.Subject(kind: .directory, path: path, product: product, version: version)
                return try await run(root: url, options: options, subject: subject, command: command)
            }
            let extraction = try await SourceArchive.unpack(url)
            defer { extraction.cleanUp() }
            let subject = CensusReport.Subject(kind: .archive, path: path, product: product, version: version)
            var report = try await run(root: extraction.directory, options: options, subject: subject, command: command)
            if let warning = extraction.warning {
                report.problemCount += 1
                report.problems.insert(.init(path: url.lastPathComponent, kind: .archive, message: warning), at: 0)
            }
            return report
        }
    }
}
