public import BulkheadModel
public import Foundation

/// Source archives: extracted with `tar`/`unzip` (argument arrays) into a private temporary
/// directory, size-capped, and removed afterwards.
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

    /// Lists the archive to check its total size against `maxBytes`, then extracts it.
    public static func extract(_ archive: URL, maxBytes: Int64 = 8 << 30) throws(CensusError) -> Extraction {
        guard FileManager.default.isReadableFile(atPath: archive.path) else {
            throw CensusError(.notFound, "archive \(archive.path) does not exist or cannot be read")
        }
        guard let format = format(of: archive.path) else {
            throw CensusError(.archiveUnsupported, "\(archive.lastPathComponent) is not a .tar, .tar.gz, .tar.xz, .tar.bz2 or .zip archive")
        }
        let tool = format == .tar ? "tar" : "unzip"
        guard let exe = Subprocess.find(tool) else {
            throw CensusError(.toolMissing, "`\(tool)` is needed to read \(archive.lastPathComponent); install it (apt-get install \(tool))")
        }
        // 1. Size check from the listing.
        let listing: Subprocess.Result
        do {
            listing = try Subprocess.run(
                exe, format == .tar ? ["-t", "-v", "-f", archive.path] : ["-Z", "-l", archive.path],
                limit: 256 << 20)
        } catch {
            throw CensusError(.toolMissing, "could not run \(exe)", cause: error)
        }
        let total = format == .tar ? tarTotal(listing.stdout) : zipTotal(listing.stdout)
        if total > maxBytes {
            throw CensusError(
                .archiveTooLarge,
                "\(archive.lastPathComponent) unpacks to \(total) bytes, over the \(maxBytes)-byte cap; extract it yourself and give the directory")
        }
        // 2. Extract into a private directory.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-census-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(
                at: dir, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw CensusError(.archiveCorrupt, "could not create a temporary directory", cause: error)
        }
        let args =
            format == .tar
            ? ["-x", "-f", archive.path, "-C", dir.path, "--no-same-owner", "--no-same-permissions", "--warning=no-unknown-keyword"]
            : ["-q", "-o", archive.path, "-d", dir.path]
        let result: Subprocess.Result
        do { result = try Subprocess.run(exe, args) } catch {
            try? FileManager.default.removeItem(at: dir)
            throw CensusError(.toolMissing, "could not run \(exe)", cause: error)
        }
        let extracted = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        if result.status != 0 || listing.status != 0 {
            let why = (result.stderr.isEmpty ? listing.stderr : result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            if extracted.isEmpty {
                try? FileManager.default.removeItem(at: dir)
                throw CensusError(
                    .archiveCorrupt, "\(archive.lastPathComponent) is corrupt or not an archive; nothing could be extracted",
                    cause: String(why.prefix(500)))
            }
            return Extraction(
                directory: dir,
                warning:
                    "\(archive.lastPathComponent) is damaged (\(tool) exited \(result.status): \(why.prefix(300))); counted the files extracted before the damage"
            )
        }
        return Extraction(directory: dir, warning: nil)
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

    /// Sum of the size column of `unzip -Z -l` output (`-rw-r--r--  3.0 unx  SIZE …`).
    static func zipTotal(_ listing: String) -> Int64 {
        var total: Int64 = 0
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 4, fields[0].count == 10, let size = Int64(fields[3]) { total += size }
        }
        return total
    }
}
