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
    /// Where members are written in the extraction directory.
    public var layout: Layout

    public enum LinkPolicy: Sendable, Hashable {
        /// The whole archive is refused.
        case refuse
        /// The member is left out and reported.
        case skip
    }

    public enum Layout: Sendable, Hashable {
        /// At their paths in the archive, directories made as the archive declares them (a nested zip's
        /// members under `<its path>.d/`).
        case tree
        /// Each member in one flat folder under a number (`1`, `2`, …, nested zips' members too), no
        /// directory made: for a caller that reads the members by `ZipExtraction.Member.file`. A cvelistV5
        /// release's 2,400 directories cost more to make than the 1,000 records a daily re-import reads.
        case flat
    }

    public init(maxMemberBytes: Int64 = .max, maxDepth: Int = 1, links: LinkPolicy = .refuse, layout: Layout = .tree) {
        self.maxMemberBytes = maxMemberBytes
        self.maxDepth = maxDepth
        self.links = links
        self.layout = layout
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
    /// Files named so far in the `.flat` layout.
    var flatNames = 0

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
    ///
    /// With `onMember`, each member written is handed to it as it is written and not kept in the report's
    /// `files` and `members` (a 300,000-member archive's list is tens of megabytes).
    public static func extractMembers(
        _ archive: String, into directory: String, budget: ExtractionBudget, limits: ZipExtractionLimits = ZipExtractionLimits(),
        chooseMember: (ZipMemberInfo) -> ZipMemberChoice, onMember: ((ZipExtraction.Member) -> Void)? = nil
    ) throws(ZipExtractionError) -> ZipExtraction {
        var report = ZipExtraction()
        try extract(
            archive, shownAs: (archive as NSString).lastPathComponent, chain: [], into: directory, depth: 1, budget: budget, limits: limits,
            choose: chooseMember, emit: onMember, report: &report)
        return report
    }

    static func extract(
        _ archive: String, shownAs name: String, chain: [String], into directory: String, depth: Int, budget: ExtractionBudget,
        limits: ZipExtractionLimits, choose: (ZipMemberInfo) -> ZipMemberChoice, emit: ((ZipExtraction.Member) -> Void)?,
        report: inout ZipExtraction
    ) throws(ZipExtractionError) {
        // The path given is followed (a link to an archive is read as ZIPFoundation read it); the nested
        // archives this extraction writes are never links.
        var isFile = stat()
        guard stat(archive, &isFile) == 0, isFile.st_mode & S_IFMT == S_IFREG else {
            throw ZipExtractionError(.unreadable, "\(name) is not a readable zip archive (not a regular file)")
        }
        try extract(
            ZipRegion(file: archive, base: 0, length: UInt64(isFile.st_size)), shownAs: name, chain: chain, into: directory, depth: depth,
            budget: budget, limits: limits, choose: choose, emit: emit, report: &report)
    }

    /// Extracts the members of the archive held in `region` (a whole file, or a stored member of an outer
    /// archive read in place).
    static func extract(
        _ region: ZipRegion, shownAs name: String, chain: [String], into directory: String, depth: Int, budget: ExtractionBudget,
        limits: ZipExtractionLimits, choose: (ZipMemberInfo) -> ZipMemberChoice, emit: ((ZipExtraction.Member) -> Void)?,
        report: inout ZipExtraction
    ) throws(ZipExtractionError) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: region.file)) } catch {
            throw ZipExtractionError(.unreadable, "\(name) is not a readable zip archive", cause: error)
        }
        defer { try? handle.close() }
        try ZipDirectory.forEach(region, name: name, maxMembers: budget.maxMembers) { entry throws(ZipExtractionError) in
            try budget.chargeMember(archive: name)
            let member = entry.path
            // Every member's path is checked (an unsafe one refuses the archive even when it would be left out);
            // its components are only made for members written.
            try checkPath(member, archive: name)
            if entry.isSymlink {
                switch limits.links {
                case .refuse:
                    throw ZipExtractionError(.link, "\(name) holds a symbolic link member (\(String(member.prefix(200)))); refused")
                case .skip:
                    report.skipped.append(.init(member: name + "!/" + member, reason: "a symbolic link; left out"))
                    return
                }
            }
            if entry.isDirectory {
                if limits.layout == .tree { try makeDirectories(directory, try safeComponents(member, archive: name), archive: name) }
                return
            }
            let memberChain = chain + [member]
            let choice = choose(ZipMemberInfo(path: member, chain: memberChain, crc32: entry.crc32, uncompressedSize: entry.uncompressedSize))
            if choice == .skip { return }
            let components = try safeComponents(member, archive: name)
            guard !components.isEmpty else { return }
            if choice == .expand && depth >= limits.maxDepth {
                throw ZipExtractionError(
                    .tooDeep, "\(name) holds the archive \(String(member.prefix(200))) nested deeper than \(limits.maxDepth) levels; refused")
            }
            guard entry.flags & 1 == 0 else {
                throw ZipExtractionError(.corrupt, "\(name): \(String(member.prefix(200))) is encrypted; refused")
            }
            let start = try ZipDirectory.dataOffset(handle, region, entry, name: name)
            let nestedName = name + "!/" + member
            let target: String
            /// Where the members of a nested zip at `target` go.
            let nestedDirectory: String
            switch limits.layout {
            case .tree:
                try makeDirectories(directory, components.dropLast(), archive: name)
                target = directory + "/" + components.joined(separator: "/")
                nestedDirectory = target + ".d"
            case .flat:
                report.flatNames += 1
                target = directory + "/" + String(report.flatNames)
                nestedDirectory = directory
            }
            /// Makes `nestedDirectory` (the tree layout's `<member>.d`).
            func makeNestedDirectory() throws(ZipExtractionError) {
                guard limits.layout == .tree else { return }
                try makeDirectories(directory, components.dropLast() + [components[components.count - 1] + ".d"], archive: name)
            }
            if choice == .expand && entry.method == 0 {
                // A stored zip inside: read in place, never copied out. Its size counts against the budget as
                // if it had been written; its members are CRC-checked as they are extracted.
                guard entry.compressedSize == entry.uncompressedSize else {
                    throw ZipExtractionError(.corrupt, "\(name): \(String(member.prefix(200))) is stored with two different sizes; refused")
                }
                try budget.chargeBytes(Int(clamping: entry.compressedSize), archive: name)
                report.bytesWritten += Int64(clamping: entry.compressedSize)
                report.expanded.append(
                    ZipExtraction.Member(file: target, chain: memberChain, crc32: entry.crc32, size: Int64(clamping: entry.compressedSize)))
                try makeNestedDirectory()
                try extract(
                    ZipRegion(file: region.file, base: region.base + start, length: entry.compressedSize), shownAs: nestedName,
                    chain: memberChain, into: nestedDirectory, depth: depth + 1, budget: budget, limits: limits, choose: choose, emit: emit,
                    report: &report)
                return
            }
            let written = try write(
                entry, from: handle, region, dataAt: start, to: target, archive: name, budget: budget,
                cap: choice == .expand ? Int64.max : limits.maxMemberBytes)
            report.bytesWritten += written.bytes
            if let reason = written.dropped {
                try? FileManager.default.removeItem(atPath: target)
                report.skipped.append(.init(member: nestedName, reason: reason))
                return
            }
            let record = ZipExtraction.Member(file: target, chain: memberChain, crc32: entry.crc32, size: written.bytes)
            if choice == .expand {
                report.expanded.append(record)
                defer { try? FileManager.default.removeItem(atPath: target) }
                try makeNestedDirectory()
                try extract(
                    ZipRegion(file: target, base: 0, length: UInt64(max(0, written.bytes))), shownAs: nestedName, chain: memberChain,
                    into: nestedDirectory, depth: depth + 1, budget: budget, limits: limits, choose: choose, emit: emit, report: &report)
            } else if let emit {
                emit(record)
            } else {
                report.files.append(target)
                report.members.append(record)
            }
        }
    }

    /// Refuses what `safeComponents` refuses, in one pass over the bytes without making the components.
    static func checkPath(_ member: String, archive: String) throws(ZipExtractionError) {
        var length = 0
        var componentLength = 0
        var dots = 0
        var bad = false
        for byte in member.utf8 {
            length += 1
            if byte == 0 { bad = true }
            if byte == UInt8(ascii: "/") {
                if componentLength == 2 && dots == 2 { bad = true }
                componentLength = 0
                dots = 0
            } else {
                componentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
                if componentLength > 255 { bad = true }
            }
        }
        if componentLength == 2 && dots == 2 { bad = true }
        if bad || length > 4096 || member.utf8.first == UInt8(ascii: "/") { _ = try safeComponents(member, archive: archive) }
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

    /// Streams one member (its data at `start` of `region`) into `target`, counting the real decompressed
    /// bytes. Stored members are copied, deflated ones inflated by ZIPFoundation; other methods are refused.
    /// Returns the bytes written and, when the member was dropped, why.
    static func write(
        _ entry: ZipDirectoryEntry, from handle: FileHandle, _ region: ZipRegion, dataAt start: UInt64, to target: String, archive: String,
        budget: ExtractionBudget, cap: Int64
    ) throws(ZipExtractionError) -> (bytes: Int64, dropped: String?) {
        let shown = String(entry.path.prefix(200))
        guard entry.method == 0 || entry.method == 8 else {
            throw ZipExtractionError(.corrupt, "\(archive): \(shown) uses compression method \(entry.method), not stored or deflated; refused")
        }
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(target), .writeOnly, options: [.create, .truncate, .noFollow, .closeOnExec], permissions: [.ownerReadWrite])
        } catch {
            throw ZipExtractionError(.io, "cannot create \(shown) in the extraction folder", cause: error)
        }
        defer { try? descriptor.close() }
        /// Thrown from the consumer to stop decompressing.
        enum Stop: Error {
            case memberTooLarge
            case budget(ZipExtractionError)
            case write(any Error)
            case read(ZipExtractionError)
            case truncated
        }
        var written: Int64 = 0
        func consume(_ data: Data) throws {
            if written + Int64(data.count) > cap { throw Stop.memberTooLarge }
            do throws(ZipExtractionError) { try budget.chargeBytes(data.count, archive: archive) } catch { throw Stop.budget(error) }
            do { _ = try descriptor.writeAll(data) } catch { throw Stop.write(error) }
            written += Int64(data.count)
        }
        // Small members get small buffers (a record is a few kilobytes; a 256 KiB buffer per member is
        // most of the cost of 300,000 of them).
        let bufferSize = Int(min(UInt64(chunk), max(16 << 10, entry.compressedSize + 1)))
        var checksum: CRC32 = 0
        do {
            if entry.method == 0 {
                var offset: UInt64 = 0
                while offset < entry.compressedSize {
                    let n = Int(min(UInt64(bufferSize), entry.compressedSize - offset))
                    let bytes: [UInt8]
                    do throws(ZipExtractionError) { bytes = try ZipDirectory.read(handle, region, at: start + offset, count: n, name: archive) } catch
                    {
                        throw Stop.read(error)
                    }
                    guard bytes.count == n else { throw Stop.truncated }
                    let data = Data(bytes)
                    try consume(data)
                    checksum = data.crc32(checksum: checksum)
                    offset += UInt64(n)
                }
            } else {
                // ZIPFoundation's inflate takes every chunk as `bufferSize` bytes long: each is that long,
                // the member's compressed bytes then zeros (which do not inflate: a stream that needs them
                // fails), and a call past them stops it (it would otherwise wait for input forever).
                checksum = try Data.decompress(size: Int64(entry.compressedSize), bufferSize: bufferSize, skipCRC32: false) { position, _ in
                    guard position >= 0, UInt64(position) < entry.compressedSize else { throw Stop.truncated }
                    let n = Int(min(UInt64(bufferSize), entry.compressedSize - UInt64(position)))
                    var bytes: [UInt8]
                    do throws(ZipExtractionError) {
                        bytes = try ZipDirectory.read(handle, region, at: start + UInt64(position), count: n, name: archive)
                    } catch { throw Stop.read(error) }
                    guard bytes.count == n else { throw Stop.truncated }
                    if n < bufferSize { bytes += [UInt8](repeating: 0, count: bufferSize - n) }
                    return Data(bytes)
                } consumer: { data in
                    try consume(data)
                }
            }
        } catch Stop.memberTooLarge {
            return (written, "decompresses to more than the \(cap)-byte bound for one file; left out")
        } catch Stop.budget(let error) {
            throw error
        } catch Stop.read(let error) {
            throw error
        } catch Stop.write(let error) {
            throw ZipExtractionError(.io, "cannot write \(shown) in the extraction folder", cause: error)
        } catch {
            throw ZipExtractionError(.corrupt, "\(archive): \(shown) cannot be decompressed", cause: error)
        }
        guard checksum == entry.crc32 else {
            throw ZipExtractionError(.corrupt, "\(archive): \(shown) fails its CRC-32 check")
        }
        return (written, nil)
    }
}
