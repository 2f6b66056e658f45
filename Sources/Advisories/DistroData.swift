import BulkheadModel
import Foundation
import GRDB

/// The host's distribution release, from /etc/os-release: which distribution data describes its packages.
public struct DistroRelease: Codable, Hashable, Sendable {
    /// `ID`: debian, ubuntu, rhel, almalinux, rocky, …
    public var id: String
    /// `VERSION_ID`: 12, 22.04, 9.4.
    public var versionID: String
    /// `VERSION_CODENAME` (bookworm), for the Debian security tracker.
    public var codename: String?
    /// `VERSION` names an LTS release (Ubuntu).
    public var isLTS: Bool

    public init(id: String, versionID: String, codename: String? = nil, isLTS: Bool = false) {
        self.id = id
        self.versionID = versionID
        self.codename = codename
        self.isLTS = isLTS
    }

    /// `KEY=value` lines with optional quotes; nil without `ID` and `VERSION_ID`.
    public static func parse(osRelease text: String) -> DistroRelease? {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            let key = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: "\"' \t"))
            if fields[key] == nil { fields[key] = value }
        }
        guard let id = fields["ID"]?.lowercased(), !id.isEmpty, let version = fields["VERSION_ID"], !version.isEmpty else { return nil }
        return DistroRelease(
            id: id, versionID: version, codename: fields["VERSION_CODENAME"].flatMap { $0.isEmpty ? nil : $0 },
            isLTS: (fields["VERSION"] ?? "").contains("LTS"))
    }

    var major: String { String(versionID.split(separator: ".").first ?? Substring(versionID)) }

    /// The OSV ecosystems whose records describe this release's packages: `Debian:12`, `Ubuntu:22.04:LTS`,
    /// `Ubuntu:24.10`, `AlmaLinux:9`, `Rocky Linux:9`.
    public var osvEcosystems: [String] {
        switch id {
        case "debian": ["Debian:" + major]
        case "ubuntu": [isLTS ? "Ubuntu:\(versionID):LTS" : "Ubuntu:\(versionID)"]
        case "almalinux": ["AlmaLinux:" + major]
        case "rocky": ["Rocky Linux:" + major]
        default: []
        }
    }

    /// The major release whose Red Hat CSAF streams (`cpe:/…:redhat:enterprise_linux:<major>…`) apply: RHEL only.
    public var redHatMajor: String? { id == "rhel" ? major : nil }

    /// The version scheme of the release's packages.
    public var scheme: VersionScheme { ["debian", "ubuntu"].contains(id) ? .debian : .rpm }

    /// The ecosystem bases (lower case, as the database's package keys hold them) to look records up by.
    public var lookupBases: [String] {
        osvEcosystems.map { String($0.split(separator: ":").first ?? "").lowercased() } + (redHatMajor != nil ? ["red hat"] : [])
    }
}

/// What the distribution's own data says about one CVE for the installed package on this release.
public struct DistroDecision: Codable, Hashable, Sendable {
    public enum Verdict: String, Codable, Hashable, Sendable { case fixed, notAffected, affected }
    public var cve: String
    public var verdict: Verdict
    /// `.securityTracker`, `.osvDistribution` or `.csaf`.
    public var via: BackportFix.Via
    /// The record (DSA-5514-1, UBUNTU-CVE-2024-1234, CVE-2023-38545 for a Red Hat VEX) or the tracker file.
    public var document: String
    /// The release stream it speaks for: `Debian:12`, `bookworm`, `cpe:/a:redhat:enterprise_linux:9::appstream`.
    public var stream: String
    public var fixedVersion: String?
    /// CSAF product id and remediation; tracker urgency.
    public var note: String?
    /// The file read (tracker), or the record named as `OSV <id>`/`CSAF <id>` (database records).
    public var file: String
    /// One sentence: "OSV DSA-5514-1 Debian:12: fixed in 2.36-9+deb12u3 ≤ installed 2.36-9+deb12u4".
    public var reason: String

    /// Who decided, for "decided by": `OSV DSA-5514-1 (Debian:12)`.
    public var sourceLabel: String {
        switch via {
        case .securityTracker: "Debian security tracker (\(stream))"
        case .csaf: "Red Hat CSAF VEX \(document) (\(stream))"
        default: "OSV \(document) (\(stream))"
        }
    }

    /// A fixed or not-affected decision as backport evidence (the form findings already carry).
    public func asFix(installed: String) -> BackportFix? {
        guard verdict != .affected else { return nil }
        return BackportFix(cve: cve, revision: fixedVersion ?? "0", line: 0, text: reason, file: file, date: nil, via: via)
    }
}

/// Distribution security data as the first source for a distribution package: OSV records of the host's
/// release ecosystem (`Debian:12`, `Ubuntu:22.04:LTS`, `AlmaLinux:9`, `Rocky Linux:9`) and Red Hat CSAF VEX
/// statements for the host's RHEL major release, compared with the whole installed version in the
/// distribution's scheme (dpkg, rpm).
public enum DistroData {
    /// Ecosystem bases whose OSV/CSAF entries describe distribution packages (evaluated here, with the
    /// host's release, not as upstream version ranges).
    public static let ecosystemBases: Set<String> = [
        "debian", "ubuntu", "almalinux", "rocky linux", "red hat", "suse", "opensuse", "mageia", "openeuler", "alpine",
    ]

    /// Whether an entry's ecosystem is a distribution release (`Debian:12`, `Red Hat:cpe:/…`).
    public static func isDistroEcosystem(_ ecosystem: String?) -> Bool {
        guard let e = ecosystem, let colon = e.firstIndex(of: ":") else { return false }
        return ecosystemBases.contains(e[..<colon].lowercased())
    }

    /// The candidates without their distribution entries (they are judged per release by `decisions`);
    /// a record left with no entry is dropped (it would otherwise map by description alone).
    public static func upstreamOnly(_ candidates: [Advisory]) -> [Advisory] {
        // Nearly always no candidate has one: the array itself, not a copy of every record.
        guard candidates.contains(where: { a in a.affected.contains { isDistroEcosystem($0.ecosystem) } }) else { return candidates }
        return candidates.compactMap { a in
            guard a.affected.contains(where: { isDistroEcosystem($0.ecosystem) }) else { return a }
            var b = a
            b.affected.removeAll { isDistroEcosystem($0.ecosystem) }
            return b.affected.isEmpty ? nil : b
        }
    }

    /// Whether a CSAF platform CPE is the main stream of `major` (`cpe:/a:redhat:enterprise_linux:9::appstream`;
    /// EUS/AUS/E4S streams, `rhel_eus:9.2`, apply to hosts subscribed to them and are not used).
    static func isMainStream(_ cpe: String, major: String) -> Bool {
        let f = cpe.split(separator: ":", omittingEmptySubsequences: false)
        guard f.count >= 5, f[2] == "redhat", f[3] == "enterprise_linux" else { return false }
        return f[4].split(separator: ".").first.map(String.init) == major
    }

    /// `el9_3` in a release (`26.el9_3.2`), for choosing the fix of the host's minor stream.
    static func distTag(_ version: String) -> String? {
        guard let r = version.range(of: #"\.el[0-9]+(_[0-9]+)?"#, options: .regularExpression) else { return nil }
        return String(version[r].dropFirst())
    }

    static func fixedEvent(_ e: AffectedEntry) -> String? {
        for r in e.ranges {
            if case .osv(_, let events) = r, let f = events.first(where: { $0.kind == .fixed }) { return f.version }
        }
        return nil
    }

    /// The decision per CVE for one installed package from the distribution records (OSV distribution
    /// ecosystems, CSAF) read for it. `names`: the installed package's name and its source package's; the
    /// version is the whole installed version. Affected wins over fixed, fixed over not affected.
    public static func decisions(
        records: [Advisory], release: DistroRelease, names: Set<String>, installed version: String
    ) -> [String: DistroDecision] {
        let ecosystems = Set(release.osvEcosystems.map { $0.lowercased() })
        let scheme = release.scheme
        var out: [String: DistroDecision] = [:]
        func add(_ d: DistroDecision) {
            guard let old = out[d.cve] else {
                out[d.cve] = d
                return
            }
            func rank(_ v: DistroDecision.Verdict) -> Int { v == .affected ? 2 : v == .fixed ? 1 : 0 }
            if rank(d.verdict) > rank(old.verdict) { out[d.cve] = d }
        }
        for a in records where a.withdrawn == nil {
            let cves = a.cveIDs
            guard !cves.isEmpty else { continue }
            if a.format == .csaf {
                guard let major = release.redHatMajor else { continue }
                // Fixed versions of the main streams, to choose the one of the installed package's minor stream.
                var fixes: [(version: String, entry: AffectedEntry, cpe: String)] = []
                var others: [(AffectedEntry, String)] = []
                for e in a.affected {
                    guard let n = e.packageName, names.contains(n), let eco = e.ecosystem, eco.hasPrefix("Red Hat:") else { continue }
                    let cpe = String(eco.dropFirst("Red Hat:".count))
                    guard isMainStream(cpe, major: major) else { continue }
                    if e.defaultStatus == "fixed", let f = fixedEvent(e) { fixes.append((f, e, cpe)) } else { others.append((e, cpe)) }
                }
                if !fixes.isEmpty {
                    let tag = distTag(version)
                    let sameStream = fixes.filter { tag != nil && distTag($0.version) == tag }
                    let pool = sameStream.isEmpty ? fixes : sameStream
                    let chosen = pool.max { (scheme.compare($0.version, $1.version) ?? 0) < 0 } ?? pool[0]
                    guard let c = scheme.compare(chosen.version, version) else { continue }
                    for cve in cves {
                        let fixed = c <= 0
                        add(
                            DistroDecision(
                                cve: cve, verdict: fixed ? .fixed : .affected, via: .csaf, document: a.id, stream: chosen.cpe,
                                fixedVersion: chosen.version, note: chosen.entry.note, file: "CSAF \(a.id)",
                                reason:
                                    "Red Hat CSAF VEX \(a.id) \(chosen.cpe): fixed in \(chosen.version) \(fixed ? "≤" : ">") installed \(version)"
                                    + (fixed ? "" : " (update to the fixed package)")))
                    }
                    continue
                }
                for (e, cpe) in others {
                    let verdict: DistroDecision.Verdict
                    let what: String
                    switch e.defaultStatus {
                    case "not_affected":
                        verdict = .notAffected
                        what = "known_not_affected"
                    case "affected":
                        verdict = .affected
                        what = "known_affected, no fix"
                    default: continue
                    }
                    let remediation = e.note.flatMap { n in n.firstIndex(of: "(").map { String(n[$0...]) } } ?? ""
                    for cve in cves {
                        add(
                            DistroDecision(
                                cve: cve, verdict: verdict, via: .csaf, document: a.id, stream: cpe, fixedVersion: nil, note: e.note,
                                file: "CSAF \(a.id)",
                                reason:
                                    "Red Hat CSAF VEX \(a.id) \(cpe): \(e.packageName ?? "") \(what)"
                                    + (verdict == .affected && !remediation.isEmpty ? " " + remediation : "")))
                    }
                }
                continue
            }
            for e in a.affected {
                guard let n = e.packageName, names.contains(n), let eco = e.ecosystem, ecosystems.contains(eco.lowercased()) else { continue }
                let status = RangeEvaluator.evaluate(e, installed: version, scheme: scheme)
                let fixed = fixedEvent(e)
                let verdict: DistroDecision.Verdict
                let reason: String
                switch status {
                case .unknown: continue
                case .affected(let why):
                    verdict = .affected
                    if let fixed {
                        reason = "OSV \(a.id) \(eco): fixed in \(fixed) > installed \(version)"
                    } else {
                        reason = "OSV \(a.id) \(eco): no fixed version for \(n) (unfixed) — \(why)"
                    }
                case .notAffected(let why):
                    if let fixed, (scheme.compare(fixed, version) ?? 1) <= 0 {
                        verdict = .fixed
                        reason = "OSV \(a.id) \(eco): fixed in \(fixed) ≤ installed \(version)"
                    } else {
                        verdict = .notAffected
                        reason = "OSV \(a.id) \(eco): \(n) \(version) not affected — \(why)"
                    }
                }
                for cve in cves {
                    add(
                        DistroDecision(
                            cve: cve, verdict: verdict, via: .osvDistribution, document: a.id, stream: eco, fixedVersion: fixed, note: nil,
                            file: "OSV \(a.id)", reason: reason))
                }
            }
        }
        return out
    }
}

extension AdvisoryDatabase {
    /// The records with an entry for one of `packages` in one of the ecosystem bases (`debian`, `ubuntu`,
    /// `red hat`, …), through the package lookup keys the import stored (`pkg<TAB>base|name`).
    public func distroRecords(bases: [String], packages: Set<String>) throws -> [Advisory] {
        guard !bases.isEmpty, !packages.isEmpty else { return [] }
        return try queue.read { db in
            let byKey = try db.cachedStatement(sql: "SELECT advisory FROM affected_keys WHERE key = ?")
            var rows = Set<Int64>()
            for b in Set(bases) {
                for p in packages { rows.formUnion(try Int64.fetchAll(byKey, arguments: [Self.lookupKey("pkg", b + "|" + p)])) }
            }
            let decoder = JSONDecoder()
            var out: [Advisory] = []
            try Self.fetchBodies(db, rows: rows.sorted()) { body, summary in
                if let a = Self.decodeStored(body: body, summary: summary, decoder: decoder) { out.append(a) }
            }
            return out
        }
    }
}
