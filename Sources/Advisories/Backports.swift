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

/// Backport evidence: a CVE listed in a changelog revision at or below the installed version.
public struct BackportFix: Codable, Hashable, Sendable {
    public var cve: String
    public var revision: String
    public var line: Int
    public var text: String
    public var file: String
    public var date: Date?
}

public enum DebianChangelog {
    /// Decompressed size cap for a changelog (the largest on a Debian system are a few MiB).
    public static let maxSize = 16 << 20

    /// Reads `/usr/share/doc/PKG/changelog.Debian.gz` (or a plain file) with a size cap. Gzip is
    /// decompressed by running `gzip -dc PATH` (argument array) with its output capped.
    public static func load(path: String, maxSize: Int = maxSize) throws -> String {
        if path.hasSuffix(".gz") {
            let attrs = try? FileManager.default.attributesOfItem(atPath: path)
            guard let size = (attrs?[.size] as? NSNumber)?.intValue else {
                throw AdvisoriesError(.unreadable, "cannot read \(path)")
            }
            guard size <= maxSize else { throw AdvisoriesError(.tooLarge, "\(path) is over the \(maxSize)-byte cap") }
            let r = try Run.capture(["/usr/bin/gzip", "-dc", "--", path], limit: maxSize)
            guard r.status == 0 else {
                throw AdvisoriesError(.changelog, "\(path) is not a valid gzip file (gzip exit status \(r.status))")
            }
            return String(decoding: r.data, as: UTF8.self)
        }
        return String(decoding: try BoundedFile.read(path, limit: maxSize), as: UTF8.self)
    }

    /// The changelog of an installed Debian package: `/usr/share/doc/PKG/changelog.Debian.gz`
    /// (following a doc-directory symlink such as qemu-system-x86 → qemu-system-common).
    public static func path(forPackage name: String, root: String = "/") -> String? {
        let base = (root.hasSuffix("/") ? root : root + "/") + "usr/share/doc/\(name)/"
        for f in ["changelog.Debian.gz", "changelog.Debian", "changelog.gz"] where FileManager.default.fileExists(atPath: base + f) {
            return base + f
        }
        return nil
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
                out[m.cve] = BackportFix(cve: m.cve, revision: e.version, line: m.line, text: m.text, file: file, date: e.date)
            }
        }
        return out
    }
}

/// Installed packages from a dpkg status file (`/var/lib/dpkg/status`).
public enum DpkgStatus {
    public struct Package: Codable, Hashable, Sendable {
        public var name: String
        public var version: String
        public var source: String?
    }

    public static func parse(_ text: String) -> [Package] {
        var out: [Package] = []
        for para in text.components(separatedBy: "\n\n") {
            var name: String?, version: String?, source: String?, installed = false
            for line in para.split(separator: "\n") {
                if line.hasPrefix("Package: ") { name = String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
                else if line.hasPrefix("Version: ") { version = String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
                else if line.hasPrefix("Source: ") {
                    source = line.dropFirst(8).split(separator: " ").first.map(String.init)
                } else if line.hasPrefix("Status: ") { installed = line.hasSuffix(" installed") }
            }
            if let name, let version, installed { out.append(Package(name: name, version: version, source: source)) }
        }
        return out
    }
}
