public import BulkheadModel
public import Foundation

/// One entry of a Debian changelog: its version, date and the CVE ids its text mentions.
public struct ChangelogEntry: Codable, Hashable, Sendable {
    public struct Mention: Codable, Hashable, Sendable {
        public var cve: String
        /// 1-based line number in the decompressed changelog.
        public var line: Int
        public var text: String
    }
    public var source: String
    public var version: String
    public var line: Int
    /// The trailer date (`-- Name <mail>  Sun, 25 May 2026 12:00:00 +0300`), when parseable.
    public var date: Date?
    public var mentions: [Mention]
}

/// Backport evidence: a CVE listed in a changelog revision at or below the installed version, or
/// resolved for the host's release at or below it in the Debian security tracker.
public struct BackportFix: Codable, Hashable, Sendable {
    /// Where the fix was read. nil in records written before RPM and tracker sources existed means
    /// `debianChangelog`.
    public enum Via: String, Codable, Hashable, Sendable {
        /// /usr/share/doc/PKG/changelog.Debian.gz of the installed package.
        case debianChangelog
        /// The %changelog of the installed package's header in the rpm database.
        case rpmChangelog
        /// A Debian security-tracker JSON file (`fixed_version` for the host's release).
        case securityTracker
    }
    public var cve: String
    /// The changelog revision (or tracker `fixed_version`) that fixed it.
    public var revision: String
    /// 1-based line in the decompressed changelog; the entry's index for RPM; 0 for the tracker.
    public var line: Int
    public var text: String
    public var file: String
    public var date: Date?
    public var via: Via?

    public init(cve: String, revision: String, line: Int, text: String, file: String, date: Date? = nil, via: Via? = nil) {
        self.cve = cve
        self.revision = revision
        self.line = line
        self.text = text
        self.file = file
        self.date = date
        self.via = via
    }

    /// One sentence for a finding's reason.
    public func reason(package: String, installed: String) -> String {
        switch via ?? .debianChangelog {
        case .debianChangelog:
            return "listed in \(package) changelog revision \(revision) ≤ installed \(installed) (line \(line))"
        case .rpmChangelog:
            return "listed in the rpm %changelog of \(package), entry \(revision) ≤ installed \(installed)"
        case .securityTracker:
            return "Debian security tracker \(file): fixed in \(revision) ≤ installed \(installed)"
        }
    }

    /// The evidence claim for the fix.
    public var claim: String {
        switch via ?? .debianChangelog {
        case .debianChangelog: return "changelog line \(line), revision \(revision): \(text)"
        case .rpmChangelog: return "rpm %changelog entry \(line), version \(revision): \(text)"
        case .securityTracker: return "security tracker: \(text)"
        }
    }
}

/// Everything read about one installed package's backports, for `AdvisoryCheck.run(_:aliases:database:backports:)`.
public struct BackportEvidence: Sendable, Hashable {
    public var fixes: [String: BackportFix]
    public var problems: [Problem]

    public init(fixes: [String: BackportFix] = [:], problems: [Problem] = []) {
        self.fixes = fixes
        self.problems = problems
    }

    /// Adds `other`'s fixes for CVEs not yet fixed here (the first source read wins) and its problems.
    public mutating func merge(_ other: BackportEvidence) {
        for (cve, fix) in other.fixes where fixes[cve] == nil { fixes[cve] = fix }
        problems += other.problems
    }
}

public enum DebianChangelog {
    /// Decompressed size cap for a changelog (the largest on a Debian system are a few MiB).
    public static let maxSize = 16 << 20

    /// Compressed size cap for a changelog file read from a host (gzip shrinks changelogs ~4×).
    public static let maxCompressedSize = 8 << 20

    /// Reads `/usr/share/doc/PKG/changelog.Debian.gz` (or a plain file) from this machine with a size cap
    /// and decodes it with `decode` (gzip in memory, capped).
    public static func load(path: String, maxSize: Int = maxSize) throws -> String {
        let bytes = [UInt8](try BoundedFile.read(path, limit: path.hasSuffix(".gz") ? maxCompressedSize : maxSize))
        return try decode(bytes, name: path, maxSize: maxSize)
    }

    /// The text of a changelog from its file bytes: a gzip stream (recognised by its magic, as `.gz`
    /// files must be) is decompressed in memory to at most `maxSize` bytes with its CRC-32 and length
    /// checked; anything else is taken as plain text. Invalid UTF-8 is repaired, never trusted.
    public static func decode(_ bytes: [UInt8], name: String, maxSize: Int = maxSize) throws -> String {
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            return String(decoding: try GzipMember.decompress(bytes, maxSize: maxSize, name: name), as: UTF8.self)
        }
        if name.hasSuffix(".gz") {
            throw AdvisoriesError(.changelog, "\(name) is not a valid gzip file (no gzip magic)")
        }
        guard bytes.count <= maxSize else { throw AdvisoriesError(.tooLarge, "\(name) is over the \(maxSize)-byte cap") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Host paths where an installed Debian package's changelog may be, in order of preference. A
    /// doc directory that is a symbolic link (qemu-system-x86 → qemu-system-common) is followed by
    /// the reader.
    public static func candidatePaths(forPackage name: String) -> [String] {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return [] }
        return ["changelog.Debian.gz", "changelog.Debian", "changelog.gz"].map { "/usr/share/doc/\(name)/\($0)" }
    }

    /// The changelog of an installed Debian package: `/usr/share/doc/PKG/changelog.Debian.gz`
    /// (following a doc-directory symlink such as qemu-system-x86 → qemu-system-common).
    public static func path(forPackage name: String, root: String = "/") -> String? {
        let prefix = root.hasSuffix("/") ? String(root.dropLast()) : root
        return candidatePaths(forPackage: name).map { prefix + $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    static let trailerDate: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()

    /// Parses a Debian changelog. Malformed lines are ignored (they carry no version).
    public static func parse(_ text: String) -> [ChangelogEntry] {
        var out: [ChangelogEntry] = []
        var current: ChangelogEntry?
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.count > 4096 ? raw.prefix(4096) : raw[...]
            if let first = line.first, !first.isWhitespace, let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")"),
                line[..<open].hasSuffix(" ")
            {
                if let c = current { out.append(c) }
                let src = line[..<open].trimmingCharacters(in: .whitespaces)
                let version = String(line[line.index(after: open)..<close])
                current = ChangelogEntry(source: src, version: version, line: lineNo, date: nil, mentions: [])
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix(" -- ") {
                if let r = line.range(of: ">  ") {
                    current?.date = trailerDate.date(from: String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces))
                }
                continue
            }
            for id in cveIDs(in: line) where !(current?.mentions.contains { $0.cve == id } ?? true) {
                current?.mentions.append(.init(cve: id, line: lineNo, text: line.trimmingCharacters(in: .whitespaces)))
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    /// `CVE-YYYY-NNNN…` ids in a line.
    static func cveIDs(in line: Substring) -> [String] {
        var out: [String] = []
        var rest = line[...]
        while let r = rest.range(of: "CVE-") {
            let tail = rest[r.upperBound...]
            let year = tail.prefix { $0.isASCII && $0.isNumber }
            if year.count == 4, tail.dropFirst(4).first == "-" {
                let num = tail.dropFirst(5).prefix { $0.isASCII && $0.isNumber }
                if num.count >= 4, num.count <= 7 { out.append("CVE-\(year)-\(num)") }
            }
            rest = tail
        }
        return out
    }

    /// CVEs fixed by the installed version: listed in a revision ≤ `installed` (dpkg ordering).
    /// For each CVE, the oldest such revision is kept as evidence.
    public static func fixes(_ entries: [ChangelogEntry], installed: String, file: String) -> [String: BackportFix] {
        var out: [String: BackportFix] = [:]
        for e in entries {
            guard let c = DebianVersion.compare(e.version, installed), c <= 0 else { continue }
            for m in e.mentions {
                out[m.cve] = BackportFix(cve: m.cve, revision: e.version, line: m.line, text: m.text, file: file, date: e.date, via: .debianChangelog)
            }
        }
        return out
    }
}
