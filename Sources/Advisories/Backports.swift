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
        /// An OSV record of the host's release ecosystem (`Debian:12`, `Ubuntu:22.04:LTS`, `AlmaLinux:9`).
        case osvDistribution
        /// A Red Hat CSAF VEX statement for the host's RHEL stream.
        case csaf
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
            return revision == "0"
                ? "Debian security tracker \(file): never affected in this release (fixed_version 0)"
                : "Debian security tracker \(file): fixed in \(revision) ≤ installed \(installed)"
        case .osvDistribution, .csaf:
            return text
        }
    }

    /// The evidence claim for the fix.
    public var claim: String {
        switch via ?? .debianChangelog {
        case .debianChangelog: return "changelog line \(line), revision \(revision): \(text)"
        case .rpmChangelog: return "rpm %changelog entry \(line), version \(revision): \(text)"
        case .securityTracker: return "security tracker: \(text)"
        case .osvDistribution, .csaf: return "distribution data: \(text)"
        }
    }
}

/// Everything read about one installed package's backports, for `AdvisoryCheck.run(_:aliases:database:backports:)`.
public struct BackportEvidence: Sendable, Hashable {
    /// Fixes read from the package's own changelog: corroboration when distribution data decides.
    public var fixes: [String: BackportFix]
    public var problems: [Problem]
    /// The distribution's own data per CVE (security tracker, OSV distribution ecosystem, CSAF VEX): the
    /// first source for a distribution package (`AdvisoryCheck.evaluate`).
    public var distro: [String: DistroDecision]

    public init(fixes: [String: BackportFix] = [:], problems: [Problem] = [], distro: [String: DistroDecision] = [:]) {
        self.fixes = fixes
        self.problems = problems
        self.distro = distro
    }

    /// Adds `other`'s fixes for CVEs not yet fixed here (the first source read wins), its distribution
    /// decisions for CVEs not yet decided (likewise) and its problems.
    public mutating func merge(_ other: BackportEvidence) {
        for (cve, fix) in other.fixes where fixes[cve] == nil { fixes[cve] = fix }
        for (cve, d) in other.distro where distro[cve] == nil { distro[cve] = d }
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

    static let trailerDateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()

    /// Parses a Debian changelog. Malformed lines are ignored (they carry no version).
    ///
    /// Works on the UTF-8 bytes: lines are split at each newline byte, and only the header fields and the
    /// lines that mention a CVE become strings (a kernel changelog is ~100,000 lines; splitting it into
    /// `Character`s and searching each line through Foundation was a fifth of an assessment). Lines are
    /// looked at up to their first 4,096 characters.
    public static func parse(_ text: String) -> [ChangelogEntry] {
        var out: [ChangelogEntry] = []
        var current: ChangelogEntry?
        var lineNo = 0
        let bytes = Array(text.utf8)
        var start = 0
        let end = bytes.count
        while start <= end {
            var stop = start
            while stop < end, bytes[stop] != 0x0A { stop += 1 }
            lineNo += 1
            defer { start = stop + 1 }
            var lineEnd = stop
            if stop - start > 4096 {
                // Cut at the 4,096th character (a multi-byte character is not split).
                lineEnd = Array(String(decoding: bytes[start..<stop], as: UTF8.self).prefix(4096).utf8).count + start
            }
            let line = bytes[start..<lineEnd]
            if let header = headerFields(line) {
                if let c = current { out.append(c) }
                current = ChangelogEntry(source: header.source, version: header.version, line: lineNo, date: nil, mentions: [])
                continue
            }
            guard current != nil else { continue }
            if line.starts(with: " -- ".utf8) {
                if let r = firstRange(of: Array(">  ".utf8), in: line) {
                    current?.date = trailerDate(Whitespace.trimmed(String(decoding: line[r...], as: UTF8.self)))
                }
                continue
            }
            guard firstRange(of: cvePrefix, in: line) != nil else { continue }
            let ids = cveIDs(bytes: line)
            guard !ids.isEmpty else { continue }
            let text = Whitespace.trimmed(String(decoding: line, as: UTF8.self))
            for id in ids where !(current?.mentions.contains { $0.cve == id } ?? true) {
                current?.mentions.append(.init(cve: id, line: lineNo, text: text))
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    static let cvePrefix = Array("CVE-".utf8)

    /// `source (version) …` where the line starts with a non-space character, has `(` preceded by a
    /// space and a `)` after it.
    static func headerFields(_ line: ArraySlice<UInt8>) -> (source: String, version: String)? {
        guard let first = line.first else { return nil }
        if first < 0x80 {
            // ASCII whitespace as `Character.isWhitespace` sees it (\t \n \v \f \r, space).
            if first == 0x20 || (first >= 0x09 && first <= 0x0D) { return nil }
        } else if String(decoding: line.prefix(4), as: UTF8.self).first?.isWhitespace ?? true {
            return nil
        }
        guard let open = line.firstIndex(of: UInt8(ascii: "(")), let close = line[open...].firstIndex(of: UInt8(ascii: ")")),
            open > line.startIndex, line[open - 1] == 0x20
        else { return nil }
        let source = String(decoding: line[..<open], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return (source, String(decoding: line[(open + 1)..<close], as: UTF8.self))
    }

    /// The index just past the first occurrence of `needle` in `line`.
    static func firstRange(of needle: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, line.count >= needle.count else { return nil }
        var i = line.startIndex
        let last = line.endIndex - needle.count
        while i <= last {
            if line[i] == first {
                var k = 1
                while k < needle.count, line[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i + needle.count }
            }
            i += 1
        }
        return nil
    }

    /// `CVE-YYYY-NNNN…` ids in a line's bytes (the rules of `cveIDs(in:)`).
    static func cveIDs(bytes line: ArraySlice<UInt8>) -> [String] {
        var out: [String] = []
        var rest = line
        func digits(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> { s.prefix { $0 >= 0x30 && $0 <= 0x39 } }
        while let after = firstRange(of: cvePrefix, in: rest) {
            let tail = rest[after...]
            let year = digits(tail)
            if year.count == 4, tail.dropFirst(4).first == UInt8(ascii: "-") {
                let num = digits(tail.dropFirst(5))
                if num.count >= 4, num.count <= 7 {
                    out.append("CVE-" + String(decoding: year, as: UTF8.self) + "-" + String(decoding: num, as: UTF8.self))
                }
            }
            rest = tail
        }
        return out
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 25 May 2026 12:00:00 +0300` (RFC 5322 as dpkg writes it) without a `DateFormatter` for
    /// the usual shape; anything else goes to the formatter, which decides as before.
    static func trailerDate(_ s: String) -> Date? {
        let b = Array(s.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count else { return nil }
            var v = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        // "Sun, 25 May 2026 12:00:00 +0300": 31 bytes exactly.
        if b.count == 31, b[3] == UInt8(ascii: ","), b[4] == 0x20, b[7] == 0x20, b[11] == 0x20, b[16] == 0x20, b[19] == UInt8(ascii: ":"),
            b[22] == UInt8(ascii: ":"), b[25] == 0x20, b[26] == UInt8(ascii: "+") || b[26] == UInt8(ascii: "-"),
            let day = num(5..<7), let year = num(12..<16), let hour = num(17..<19), let minute = num(20..<22), let second = num(23..<25),
            let zone = num(27..<31), let month = months.firstIndex(of: String(decoding: b[8..<11], as: UTF8.self)),
            let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].firstIndex(of: String(decoding: b[0..<3], as: UTF8.self)),
            (1...31).contains(day), hour < 24, minute < 60, second < 60, zone % 100 < 60, zone / 100 < 24, year >= 1970
        {
            // Days from the civil date (Howard Hinnant's algorithm), then the weekday must agree as the formatter requires.
            let m = month + 1  // 1…12
            let y = m <= 2 ? year - 1 : year
            let era = y / 400
            let yoe = y - era * 400
            let mp = (m + 9) % 12
            let doy = (153 * mp + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146097 + doe - 719468
            let daysInMonth = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            if day <= daysInMonth[month], (days + 4) % 7 == weekday {
                let offset = (zone / 100 * 3600 + zone % 100 * 60) * (b[26] == UInt8(ascii: "-") ? -1 : 1)
                return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second - offset))
            }
        }
        return trailerDateFormatter.date(from: s)
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
