public import BulkheadModel
public import Foundation
import GRDB

/// The `%changelog` of installed RPM packages, read from rpm's sqlite database (rpm ≥ 4.16:
/// `Packages(hnum, blob)`, each blob an RPM header). Tags CHANGELOGTIME (1080, INT32 array),
/// CHANGELOGNAME (1081, STRING_ARRAY, "Name <mail> - VERSION-RELEASE") and CHANGELOGTEXT (1082,
/// STRING_ARRAY) are parallel arrays. The caller hands the database bytes (read through a host root,
/// bounded); they are written to a private temporary copy and opened read-only and immutable.
public enum RPMChangelog {
    /// One installed package and its changelog entries (newest first, as rpm stores them).
    public struct Package: Sendable, Hashable {
        public var name: String
        /// `[epoch:]version-release`, as HostInspection reports it.
        public var version: String
        public var entries: [ChangelogEntry]
        /// Entries whose name line carries no `- VERSION` (cannot be placed; their CVEs are not counted as fixed).
        public var unversionedEntries: Int
    }

    /// Installed packages named in `names` (all versions, e.g. several kernels), by name.
    public static func read(database bytes: [UInt8], path: String, names: Set<String>) throws -> (packages: [String: [Package]], problems: [Problem]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-rpmcl-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AdvisoriesError(.database, "cannot create a private directory for a copy of \(path)", cause: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw AdvisoriesError(.database, "cannot write a private copy of \(path) under \(directory.path)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "rpmdb-changelog"
        let blobs: [(Int64, Data)]
        do {
            let encoded = file.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file.path
            let queue = try DatabaseQueue(path: "file:\(encoded)?immutable=1", configuration: configuration)
            blobs = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT hnum, blob FROM Packages ORDER BY hnum").compactMap { row in
                    guard let hnum: Int64 = row["hnum"], let blob: Data = row["blob"] else { return nil }
                    return (hnum, blob)
                }
            }
        } catch {
            throw AdvisoriesError(.database, "\(path) is not a readable rpm sqlite database", cause: "\(error)")
        }
        var out: [String: [Package]] = [:]
        var problems: [Problem] = []
        for (hnum, blob) in blobs {
            let header: RPMHeaderReader
            do { header = try RPMHeaderReader(bytes: [UInt8](blob)) } catch {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "\(error.message); its changelog is not read"))
                continue
            }
            guard let name = header.strings(1000).first, names.contains(name) else { continue }
            guard let version = header.strings(1001).first else {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "package \(name) has no VERSION; its changelog is not read"))
                continue
            }
            var full = version
            if let release = header.strings(1002).first { full += "-" + release }
            if let epoch = header.int32s(1003).first { full = "\(epoch):" + full }
            let (entries, unversioned, problem) = parse(times: header.int32s(1080), names: header.strings(1081), texts: header.strings(1082), package: name)
            if let problem { problems.append(Problem(subject: "\(path) header \(hnum)", message: problem)) }
            out[name, default: []].append(Package(name: name, version: full, entries: entries, unversionedEntries: unversioned))
        }
        return (out, problems)
    }

    /// Builds entries from the three parallel arrays. Arrays of different lengths are cut to the
    /// shortest (with a problem); the version is the text after the last " - " of the name line.
    static func parse(times: [Int32], names: [String], texts: [String], package: String) -> (entries: [ChangelogEntry], unversioned: Int, problem: String?) {
        let n = min(names.count, texts.count)
        let problem =
            names.count != texts.count || (!times.isEmpty && times.count != names.count)
            ? "changelog arrays of \(package) differ in length (time \(times.count), name \(names.count), text \(texts.count)); \(n) entries read" : nil
        var entries: [ChangelogEntry] = []
        var unversioned = 0
        for i in 0..<n {
            guard let version = version(inNameLine: names[i]) else {
                unversioned += 1
                continue
            }
            var entry = ChangelogEntry(source: package, version: version, line: i + 1, date: nil, mentions: [])
            if i < times.count { entry.date = Date(timeIntervalSince1970: TimeInterval(UInt32(bitPattern: times[i]))) }
            for line in texts[i].split(separator: "\n").prefix(10_000) {
                let trimmed = line.count > 4096 ? line.prefix(4096) : line[...]
                for id in DebianChangelog.cveIDs(in: trimmed) where !entry.mentions.contains(where: { $0.cve == id }) {
                    entry.mentions.append(.init(cve: id, line: i + 1, text: trimmed.trimmingCharacters(in: .whitespaces)))
                }
            }
            entries.append(entry)
        }
        return (entries, unversioned, problem)
    }

    /// `Jane Doe <jd@example.org> - 2:8.2.0-1.fc38` → `2:8.2.0-1.fc38`; also `… 8.2.0-1` after the mail
    /// address without the dash. nil when no version-like token ends the line.
    static func version(inNameLine line: String) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        var candidate: Substring?
        if let r = t.range(of: " - ", options: .backwards) {
            candidate = t[r.upperBound...]
        } else if let close = t.lastIndex(of: ">") {
            candidate = t[t.index(after: close)...]
        }
        guard var v = candidate?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if v.hasPrefix("- ") { v = String(v.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
        guard !v.contains(" "), v.utf8.count <= 128, v.first?.isNumber == true, RPMVersion.parse(v) != nil else { return nil }
        return v
    }

    /// CVEs fixed by the installed package: named in an entry whose version is ≤ `installed`
    /// (rpmvercmp on epoch, version and release). An entry without an epoch is compared with the
    /// installed version's epoch (changelog lines rarely repeat it). The oldest such entry is kept.
    public static func fixes(_ entries: [ChangelogEntry], installed: String, file: String) -> [String: BackportFix] {
        guard let inst = RPMVersion.parse(installed) else { return [:] }
        var out: [String: BackportFix] = [:]
        for e in entries {
            guard let ev = RPMVersion.parse(e.version) else { continue }
            let explicitEpoch = e.version.contains(":")
            let a = "\(explicitEpoch ? ev.epoch : inst.epoch):\(ev.version)" + (ev.release.map { "-" + $0 } ?? "")
            guard let c = RPMVersion.compare(a, installed), c <= 0 else { continue }
            for m in e.mentions {
                out[m.cve] = BackportFix(cve: m.cve, revision: e.version, line: m.line, text: m.text, file: file, date: e.date, via: .rpmChangelog)
            }
        }
        return out
    }
}

/// A minimal reader of an RPM header blob as stored in rpmdb (optional 8-byte magic, `il`, `dl`,
/// `il` 16-byte index entries, `dl` data bytes): hostile input, every offset and count checked.
struct RPMHeaderReader {
    struct ParseError: Error {
        var message: String
    }
    struct Entry {
        var type: UInt32
        var offset: Int
        var count: Int
    }

    static let maxTags = 0xFFFF
    static let maxData = 0x0FFF_FFFF
    /// Strings per array read (a changelog has hundreds, not millions).
    static let maxArray = 100_000

    private(set) var entries: [Int32: Entry] = [:]
    private let data: [UInt8]

    init(bytes: [UInt8]) throws(ParseError) {
        var start = 0
        if bytes.count >= 8, bytes[0] == 0x8E, bytes[1] == 0xAD, bytes[2] == 0xE8, bytes[3] == 0x01 { start = 8 }
        guard let il = Self.u32(bytes, start), let dl = Self.u32(bytes, start + 4) else {
            throw ParseError(message: "RPM header shorter than its 8-byte preamble")
        }
        guard il >= 1, il <= Self.maxTags else { throw ParseError(message: "RPM header index count \(il) out of range") }
        guard dl <= Self.maxData else { throw ParseError(message: "RPM header data size \(dl) out of range") }
        let indexStart = start + 8
        let dataStart = indexStart + Int(il) * 16
        guard dataStart + Int(dl) <= bytes.count else {
            throw ParseError(message: "RPM header truncated: needs \(dataStart + Int(dl)) bytes, has \(bytes.count)")
        }
        data = Array(bytes[dataStart..<(dataStart + Int(dl))])
        for i in 0..<Int(il) {
            let at = indexStart + i * 16
            guard let tag = Self.u32(bytes, at), let type = Self.u32(bytes, at + 4), let offset = Self.u32(bytes, at + 8),
                let count = Self.u32(bytes, at + 12)
            else { throw ParseError(message: "RPM header index entry \(i) truncated") }
            let signedOffset = Int32(bitPattern: offset)
            guard signedOffset >= 0, Int(signedOffset) < Int(dl) else { continue }
            entries[Int32(bitPattern: tag)] = Entry(type: type, offset: Int(signedOffset), count: Int(count))
        }
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// A STRING (6, one value), STRING_ARRAY (8) or I18NSTRING (9): NUL-terminated strings inside the
    /// data; a string running off the end stops the array.
    func strings(_ tag: Int32) -> [String] {
        guard let entry = entries[tag], [6, 8, 9].contains(entry.type) else { return [] }
        let count = entry.type == 6 ? 1 : min(entry.count, Self.maxArray)
        var out: [String] = []
        var at = entry.offset
        for _ in 0..<count {
            guard at < data.count, let end = data[at...].firstIndex(of: 0) else { break }
            out.append(String(decoding: data[at..<end], as: UTF8.self))
            at = end + 1
        }
        return out
    }

    /// Values of an INT32 (4) array, as many as fit in the data.
    func int32s(_ tag: Int32) -> [Int32] {
        guard let entry = entries[tag], entry.type == 4 else { return [] }
        var out: [Int32] = []
        for i in 0..<min(entry.count, Self.maxArray) {
            guard let v = Self.u32(data, entry.offset + i * 4) else { break }
            out.append(Int32(bitPattern: v))
        }
        return out
    }
}
