public import BulkheadModel
import Formats
import Foundation

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
    public static func read(database bytes: [UInt8], path: String, names: Set<String>) throws -> (packages: [String: [Package]], problems: [Problem])
    {
        let blobs: [(hnum: Int64, blob: [UInt8])]
        do { blobs = try RPMDatabaseImage.headerBlobs(bytes, path: path) } catch {
            throw AdvisoriesError(.database, error.message, cause: error.cause)
        }
        var out: [String: [Package]] = [:]
        var problems: [Problem] = []
        for (hnum, blob) in blobs {
            let header: RPMHeader
            do { header = try RPMHeader(bytes: blob) } catch {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "\(error.message); its changelog is not read"))
                continue
            }
            guard let name = header.string(RPMHeader.Tag.name), names.contains(name) else { continue }
            guard let version = header.string(RPMHeader.Tag.version) else {
                problems.append(Problem(subject: "\(path) header \(hnum)", message: "package \(name) has no VERSION; its changelog is not read"))
                continue
            }
            var full = version
            if let release = header.string(RPMHeader.Tag.release) { full += "-" + release }
            if let epoch = header.int32(RPMHeader.Tag.epoch) { full = "\(epoch):" + full }
            let (entries, unversioned, problem) = parse(
                times: header.int32s(RPMHeader.Tag.changelogTime), names: header.strings(RPMHeader.Tag.changelogName),
                texts: header.strings(RPMHeader.Tag.changelogText), package: name)
            if let problem { problems.append(Problem(subject: "\(path) header \(hnum)", message: problem)) }
            out[name, default: []].append(Package(name: name, version: full, entries: entries, unversionedEntries: unversioned))
        }
        return (out, problems)
    }

    /// Builds entries from the three parallel arrays. Arrays of different lengths are cut to the
    /// shortest (with a problem); the version is the text after the last " - " of the name line.
    static func parse(times: [Int32], names: [String], texts: [String], package: String) -> (
        entries: [ChangelogEntry], unversioned: Int, problem: String?
    ) {
        let n = min(names.count, texts.count)
        let problem =
            names.count != texts.count || (!times.isEmpty && times.count != names.count)
            ? "changelog arrays of \(package) differ in length (time \(times.count), name \(names.count), text \(texts.count)); \(n) entries read"
            : nil
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
