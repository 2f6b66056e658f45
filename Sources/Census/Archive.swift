public import BulkheadModel
public import Foundation
import ProcessRunner
import ZipExtraction

/// Source archives, extracted into a private temporary directory (mode 0700) and removed afterwards: a
/// tar archive with `tar` (argument arrays, through ProcessRunner) after its listing's total size is
/// checked against the cap; a zip archive with ZIPFoundation (ZipExtraction), counting the real
/// decompressed bytes against the cap as they are written, refusing `..` and absolute member paths and
/// leaving symbolic-link members out.
public enum SourceArchive {
    public enum Format: String, Sendable { case tar, zip }

    /// The archive format named by `path`'s suffix, if it is one the census reads.
    public static func format(of path: String) -> Format? {
        let lower = path.lowercased()
        for suffix in [".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst"]
        where lower.hasSuffix(suffix) { return .tar }
        return lower.hasSuffix(".zip") ? .zip : nil
    }

    /// An extracted archive; `cleanUp()` removes it.
    public struct Extraction: Sendable {
        public var directory: URL
        /// Set when the archive was damaged: the files extracted before the damage are still counted.
        public var warning: String?
        public func cleanUp() { try? FileManager.default.removeItem(at: directory) }
    }

    /// How long `tar` may take to list or extract an archive.
    static let tarTimeout: Duration = .seconds(1800)

    /// Extracts `archive` (at most `maxBytes` unpacked) into a new private directory in `temporaryDirectory`.
    public static func unpack(
        _ archive: URL, maxBytes: Int64 = 8 << 30, temporaryDirectory: URL = FileManager.default.temporaryDirectory
    ) async throws(CensusError) -> Extraction {
        let (format, dir) = try prepare(archive, temporaryDirectory: temporaryDirectory)
        do {
            switch format {
            case .zip: return try extractZip(archive, into: dir, maxBytes: maxBytes)
            case .tar: return try await extractTar(archive, into: dir, maxBytes: maxBytes)
            }
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    /// The archive's format and a new private (0700) directory to extract it into.
    static func prepare(_ archive: URL, temporaryDirectory: URL) throws(CensusError) -> (Format, URL) {
        guard FileManager.default.isReadableFile(atPath: archive.path) else {
            throw CensusError(.notFound, "archive \(archive.path) does not exist or cannot be read")
        }
        guard let format = format(of: archive.path) else {
            throw CensusError(.archiveUnsupported, "\(archive.lastPathComponent) is not a .tar, .tar.gz, .tar.xz, .tar.bz2 or .zip archive")
        }
        let dir = temporaryDirectory.appendingPathComponent("bulkhead-census-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CensusError(.archiveCorrupt, "could not create a temporary directory", cause: error)
        }
        return (format, dir)
    }

    static func extractZip(_ archive: URL, into dir: URL, maxBytes: Int64) throws(CensusError) -> Extraction {
        let budget = ExtractionBudget(totalBytes: maxBytes)
        do {
            _ = try ZipExtractor.extract(archive.path, into: dir.path, budget: budget, limits: ZipExtractionLimits(links: .skip)) { _ in .extract }
            return Extraction(directory: dir, warning: nil)
        } catch {
            switch error.code {
            case .budgetExceeded, .tooManyMembers:
                throw CensusError(
                    .archiveTooLarge,
                    "\(archive.lastPathComponent) unpacks to more than the \(maxBytes)-byte cap; extract it yourself and give the directory",
                    cause: error.message)
            case .corrupt where hasEntries(dir):
                return Extraction(
                    directory: dir,
                    warning:
                        "\(archive.lastPathComponent) is damaged (\(error.description.prefix(300))); counted the files extracted before the damage")
            case .unsafePath, .link:
                throw CensusError(.archiveCorrupt, "\(archive.lastPathComponent) is refused: \(error.message)")
            default:
                throw CensusError(
                    .archiveCorrupt, "\(archive.lastPathComponent) is corrupt or not an archive; nothing could be extracted", cause: error.description
                )
            }
        }
    }

    static func extractTar(_ archive: URL, into dir: URL, maxBytes: Int64) async throws(CensusError) -> Extraction {
        guard let tar = ProcessRunner.find("tar") else {
            throw CensusError(.toolMissing, "`tar` is needed to read \(archive.lastPathComponent); install it (apt-get install tar)")
        }
        // 1. Size check from the listing.
        let listing = try await run(
            ProcessRequest([tar, "-t", "-v", "-f", archive.path], output: .capture(limit: 256 << 20), timeout: tarTimeout))
        if listing.stoppedAtOutputCap {
            throw CensusError(
                .archiveTooLarge, "\(archive.lastPathComponent) lists more than 256 MiB of names; extract it yourself and give the directory")
        }
        let total = tarTotal(listing.stdoutText)
        if total > maxBytes {
            throw CensusError(
                .archiveTooLarge,
                "\(archive.lastPathComponent) unpacks to \(total) bytes, over the \(maxBytes)-byte cap; extract it yourself and give the directory")
        }
        // 2. Extract into the private directory.
        let result = try await run(
            ProcessRequest(
                [tar, "-x", "-f", archive.path, "-C", dir.path, "--no-same-owner", "--no-same-permissions", "--warning=no-unknown-keyword"],
                timeout: tarTimeout))
        if result.timedOut { throw CensusError(.archiveTooLarge, "tar did not extract \(archive.lastPathComponent) within \(tarTimeout)") }
        if result.exitStatus != 0 || listing.exitStatus != 0 {
            let why = (result.stderr.isEmpty ? listing.stderrText : result.stderrText).trimmingCharacters(in: .whitespacesAndNewlines)
            guard hasEntries(dir) else {
                throw CensusError(
                    .archiveCorrupt, "\(archive.lastPathComponent) is corrupt or not an archive; nothing could be extracted",
                    cause: String(why.prefix(500)))
            }
            return Extraction(
                directory: dir,
                warning:
                    "\(archive.lastPathComponent) is damaged (tar \(result.termination): \(why.prefix(300))); counted the files extracted before the damage"
            )
        }
        return Extraction(directory: dir, warning: nil)
    }

    static func hasEntries(_ dir: URL) -> Bool { !((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).isEmpty }

    /// Runs a program for the census; a program that cannot be started is `toolMissing`.
    static func run(_ request: ProcessRequest) async throws(CensusError) -> ProcessOutcome {
        do {
            return try await ProcessRunner.run(request)
        } catch {
            throw CensusError(.toolMissing, "could not run \(request.argv.first ?? "a program")", cause: error)
        }
    }

    /// Sum of the size column of `tar -tv` output (`-rw-r--r-- user/group SIZE date time name`).
    static func tarTotal(_ listing: String) -> Int64 {
        var total: Int64 = 0
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 2, let size = Int64(fields[2]) { total += size }
        }
        return total
    }
}
