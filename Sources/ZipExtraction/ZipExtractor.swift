public import BulkheadModel
import Foundation
import Synchronization
import SystemPackage
import ZIPFoundation

/// Why an archive could not be extracted: Bulkhead's one error shape with the extractor's codes.
public typealias ZipExtractionError = BulkheadError<ZipExtractionErrorCode>

/// What was wrong with an archive.
public enum ZipExtractionErrorCode: String, Sendable, Hashable, Codable, BulkheadErrorCode {
    public static let domain = "zip"
    /// The archive cannot be opened or is not a zip archive.
    case unreadable
    /// A member cannot be decompressed or fails its CRC-32 check.
    case corrupt
    /// A member's path is absolute, climbs out with `..`, or cannot be a file name.
    case unsafePath
    /// A member is a symbolic link (refused).
    case link
    /// The decompressed bytes passed the budget for the whole job.
    case budgetExceeded
    /// More members than the budget allows.
    case tooManyMembers
    /// A zip inside a zip inside … deeper than allowed.
    case tooDeep
    /// A file could not be written in the extraction directory.
    case io
}

/// What is left to spend for one whole job (an import of several archives, nested ones included): real
/// decompressed bytes as they are written, and members. Shared by every archive of the job.
public final class ExtractionBudget: Sendable {
    public let totalBytes: Int64
    public let maxMembers: Int
    private let used = Mutex<(bytes: Int64, members: Int)>((0, 0))

    public init(totalBytes: Int64, maxMembers: Int = 2_000_000) {
        self.totalBytes = totalBytes
        self.maxMembers = maxMembers
    }

    /// Decompressed bytes written so far (including those of members later dropped).
    public var bytesWritten: Int64 { used.withLock { $0.bytes } }

    func chargeBytes(_ count: Int, archive: String) throws(ZipExtractionError) {
        let over = used.withLock { u -> Bool in
            if u.bytes + Int64(count) > totalBytes { return true }
            u.bytes += Int64(count)
            return false
        }
        if over {
            throw ZipExtractionError(
                .budgetExceeded, "\(archive) decompresses to more than the \(totalBytes)-byte budget for this job; extraction stopped")
        }
    }

    func chargeMember(archive: String) throws(ZipExtractionError) {
        let over = used.withLock { u -> Bool in
            if u.members >= maxMembers { return true }
            u.members += 1
            return false
        }
        if over { throw ZipExtractionError(.tooManyMembers, "\(archive) holds more than the \(maxMembers) members allowed for this job") }
    }
}

/// The bounds for one job besides the budget.
public struct ZipExtractionLimits: Sendable, Hashable {
    /// Decompressed bytes allowed for one member that is extracted; a larger member is dropped and reported.
    /// A nested archive that is expanded is not held to it (a cvelistV5 release's `cves.zip` is about 500 MB):
    /// it is bounded by the job's `ExtractionBudget` and `maxDepth`, and its own members by this bound.
    public var maxMemberBytes: Int64
    /// 1: the archive alone; 2: zips inside it are expanded too, and so on.
    public var maxDepth: Int
    /// What to do with a symbolic-link member.
    public var links: LinkPolicy

    public enum LinkPolicy: Sendable, Hashable {
        /// The whole archive is refused.
        case refuse
        /// The member is left out and reported.
        case skip
    }

    public init(maxMemberBytes: Int64 = .max, maxDepth: Int = 1, links: LinkPolicy = .refuse) {
        self.maxMemberBytes = maxMemberBytes
        self.maxDepth = maxDepth
        self.links = links
    }
}

/// What to do with one member, by its path inside the archive.
public enum ZipMemberChoice: Sendable, Hashable {
    /// Write it as a file.
    case extract
    /// It is itself a zip archive: extract its members (by the same choice) under `<path>.d/`, then
    /// remove it. Counts against the same budget, one level deeper.
    case expand
    /// Leave it out without decompressing it.
    case skip
}

/// One member as the central directory declares it, for a choice that depends on more than the path (an
/// import that leaves out members it has already read).
public struct ZipMemberInfo: Sendable, Hashable {
    /// The member's path inside its own archive.
    public var path: String
    /// The member names from the outermost archive down to this member (`["cves.zip", "cves/2024/…json"]`
    /// for a member of a nested zip).
    public var chain: [String]
    /// The CRC-32 and uncompressed size the archive declares (not trusted for extraction: the real bytes are
    /// counted and checked; only a caller comparing with what it extracted and verified before uses them).
    public var crc32: UInt32
    public var uncompressedSize: UInt64
}

/// What an extraction did.
public struct ZipExtraction: Sendable, Hashable {
    /// A file written, with the member it came from.
    public struct Member: Sendable, Hashable {
        /// The file written (an absolute path under the extraction directory); for an expanded zip, the
        /// file it was written to before it was expanded and removed.
        public var file: String
        /// The member names from the outermost archive down (see `ZipMemberInfo.chain`).
        public var chain: [String]
        /// The CRC-32 the real bytes were checked against, and the real decompressed size.
        public var crc32: UInt32
        public var size: Int64
    }
    /// A member left out, with why (over the per-member bound, a link when links are skipped).
    public struct Skipped: Sendable, Hashable {
        /// `archive!/member` (nested archives chained the same way).
        public var member: String
        public var reason: String
    }
    /// The files written (absolute paths under the extraction directory).
    public var files: [String] = []
    /// The same files with their members (in the order written).
    public var members: [Member] = []
    /// The zips inside that were expanded (their members are in `members` and `files`).
    public var expanded: [Member] = []
    public var skipped: [Skipped] = []
    /// Decompressed bytes this extraction wrote (members dropped part-way included).
    public var bytesWritten: Int64 = 0

    public init() {}
}

/// Zip extraction with ZIPFoundation that trusts nothing the archive declares: members are streamed and
/// their real decompressed bytes counted as they are written, against a per-member bound and a budget for
/// the whole job; nested zips count against the same budget and a depth bound; member paths that are
/// absolute or climb with `..` and symbolic-link members are refused; files are only ever created inside
/// the extraction directory (never through a link: none is ever created there).
public enum ZipExtractor {
    /// Decompression buffer.
    static let chunk = 256 << 10

    /// Extracts the members of `archive` that `choose` selects into `directory`, which must exist, be empty
    /// and be writable only by this process (a private temporary directory). On a thrown error the caller
    /// removes the directory; what was written before the error is left in it.
    public static func extract(
        _ archive: String, into directory: String, budget: ExtractionBudget, limits: ZipExtractionLimits = ZipExtractionLimits(),
        choose: (String) -> ZipMemberChoice
    ) throws(ZipExtractionError) -> ZipExtraction {
        try extractMembers(archive, into: directory, budget: budget, limits: limits) { choose($0.path) }
    }

    /// `extract(_:into:budget:limits:choose:)` with a choice that sees each member's declared CRC-32 and
    /// size and its chain of nested archive names, so a caller can leave out (`.skip`, never decompressed)
    /// members it has read before.
    public static func extractMembers(
        _ archive: String, into directory: String, budget: ExtractionBudget, limits: ZipExtractionLimits = ZipExtractionLimits(),
        chooseMember: (ZipMemberInfo) -> ZipMemberChoice
    ) throws(ZipExtractionError) -> ZipExtraction {
        var report = ZipExtraction()
        try extract(
            archive, shownAs: (archive as NSString).lastPathComponent, chain: [], into: directory, depth: 1, budget: budget, limits: limits,
            choose: chooseMember, report: &report)
        return report
    }

    static func extract(
        _ archive: String, shownAs name: String, chain: [String], into directory: String, depth: Int, budget: ExtractionBudget,
        limits: ZipExtractionLimits, choose: (ZipMemberInfo) -> ZipMemberChoice, report: inout ZipExtraction
    ) throws(ZipExtractionError) {
        let zip: Archive
        do {
            zip = try Archive(url: URL(fileURLWithPath: archive), accessMode: .read)
        } catch {
            throw ZipExtractionError(.unreadable, "\(name) is not a readable zip archive", cause: error)
        }
        for entry in zip {
            try budget.chargeMember(archive: name)
            let member = entry.path
            let components = try safeComponents(member, archive: name)
            if entry.type == .symlink {
                switch limits.links {
                case .refuse:
                    throw ZipExtractionError(.link, "\(name) holds a symbolic link member (\(String(member.prefix(200)))); refused")
                case .skip:
                    report.skipped.append(.init(member: name + "!/" + member, reason: "a symbolic link; left out"))
                    continue
                }
            }
            guard !components.isEmpty else { continue }
            if entry.type == .directory {
                try makeDirectories(directory, components, archive: name)
                continue
            }
            let choice = choose(
                ZipMemberInfo(path: member, chain: chain + [member], crc32: entry.checksum, uncompressedSize: entry.uncompressedSize))
            if choice == .skip { continue }
            if choice == .expand && depth >= limits.maxDepth {
                throw ZipExtractionError(
                    .tooDeep, "\(name) holds the archive \(String(member.prefix(200))) nested deeper than \(limits.maxDepth) levels; refused")
            }
            try makeDirectories(directory, components.dropLast(), archive: name)
            let target = directory + "/" + components.joined(separator: "/")
            let written = try write(
                entry, of: zip, to: target, archive: name, budget: budget,
                cap: choice == .expand ? Int64.max : limits.maxMemberBytes)
            report.bytesWritten += written.bytes
            if let reason = written.dropped {
                try? FileManager.default.removeItem(atPath: target)
                report.skipped.append(.init(member: name + "!/" + member, reason: reason))
                continue
            }
            let record = ZipExtraction.Member(file: target, chain: chain + [member], crc32: entry.checksum, size: written.bytes)
            if choice == .expand {
                report.expanded.append(record)
                let nested = target + ".d"
                do {
                    try FileManager.default.createDirectory(
                        atPath: nested, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw ZipExtractionError(.io, "cannot create a directory for \(String(member.prefix(200)))", cause: error)
                }
                defer { try? FileManager.default.removeItem(atPath: target) }
                try extract(
                    target, shownAs: name + "!/" + member, chain: chain + [member], into: nested, depth: depth + 1, budget: budget,
                    limits: limits, choose: choose, report: &report)
            } else {
                report.files.append(target)
                report.members.append(record)
            }
        }
    }

    /// The member path's components: refused when absolute, climbing (`..`), holding NUL or too long;
    /// `.` and empty components are dropped.
    static func safeComponents(_ member: String, archive: String) throws(ZipExtractionError) -> [String] {
        let shown = String(member.prefix(200))
        if member.hasPrefix("/") {
            throw ZipExtractionError(.unsafePath, "\(archive) holds a member with an absolute path (\(shown)); refused")
        }
        if member.utf8.contains(0) || member.utf8.count > 4096 {
            throw ZipExtractionError(.unsafePath, "\(archive) holds a member whose path cannot be a file name (\(shown)); refused")
        }
        var out: [String] = []
        for component in member.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                throw ZipExtractionError(.unsafePath, "\(archive) holds a member that climbs out with '..' (\(shown)); refused")
            }
            if component.utf8.count > 255 {
                throw ZipExtractionError(.unsafePath, "\(archive) holds a member with a name over 255 bytes (\(shown)); refused")
            }
            out.append(String(component))
        }
        return out
    }

    /// Creates the directories on a member's path, one component at a time, refusing anything in the way
    /// that is not a directory this extraction made.
    static func makeDirectories(_ root: String, _ components: some Collection<String>, archive: String) throws(ZipExtractionError) {
        var path = root
        for component in components {
            path += "/" + component
            var status = stat()
            if lstat(path, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFDIR else {
                    throw ZipExtractionError(.io, "\(archive): \(component) is both a file and a directory; refused")
                }
                continue
            }
            guard mkdir(path, 0o700) == 0 else {
                throw ZipExtractionError(.io, "cannot create a directory in the extraction folder", cause: Errno(rawValue: errno))
            }
        }
    }

    /// Streams one member into `target`, counting the real decompressed bytes. Returns the bytes written
    /// and, when the member was dropped, why.
    static func write(
        _ entry: Entry, of zip: Archive, to target: String, archive: String, budget: ExtractionBudget, cap: Int64
    ) throws(ZipExtractionError) -> (bytes: Int64, dropped: String?) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(target), .writeOnly, options: [.create, .truncate, .noFollow, .closeOnExec], permissions: [.ownerReadWrite])
        } catch {
            throw ZipExtractionError(.io, "cannot create \(String(entry.path.prefix(200))) in the extraction folder", cause: error)
        }
        defer { try? descriptor.close() }
        /// Thrown from the consumer to stop decompressing.
        enum Stop: Error {
            case memberTooLarge
            case budget(ZipExtractionError)
            case write(any Error)
        }
        var written: Int64 = 0
        let checksum: CRC32
        do {
            checksum = try zip.extract(entry, bufferSize: chunk, skipCRC32: false) { data in
                if written + Int64(data.count) > cap { throw Stop.memberTooLarge }
                do throws(ZipExtractionError) { try budget.chargeBytes(data.count, archive: archive) } catch { throw Stop.budget(error) }
                do { _ = try descriptor.writeAll(data) } catch { throw Stop.write(error) }
                written += Int64(data.count)
            }
        } catch Stop.memberTooLarge {
            return (written, "decompresses to more than the \(cap)-byte bound for one file; left out")
        } catch Stop.budget(let error) {
            throw error
        } catch Stop.write(let error) {
            throw ZipExtractionError(.io, "cannot write \(String(entry.path.prefix(200))) in the extraction folder", cause: error)
        } catch {
            throw ZipExtractionError(.corrupt, "\(archive): \(String(entry.path.prefix(200))) cannot be decompressed", cause: error)
        }
        guard checksum == entry.checksum else {
            throw ZipExtractionError(.corrupt, "\(archive): \(String(entry.path.prefix(200))) fails its CRC-32 check")
        }
        return (written, nil)
    }
}
