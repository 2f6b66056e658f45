public import BulkheadModel
public import Foundation

/// The Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json):
/// `{source-package: {CVE-id: {releases: {codename: {status, fixed_version, urgency, repositories}}}}}`.
/// An optional backport source beside the package changelog: a CVE `resolved` for the host's release
/// with a `fixed_version` ≤ the installed version (dpkg ordering) is fixed. Keys are SOURCE package
/// names (`qemu`, not `qemu-system-x86`). Malformed entries are skipped and counted, never trusted.
public struct DebianSecurityTracker: Sendable {
    public struct Release: Codable, Sendable, Hashable {
        public var status: String?
        public var fixedVersion: String?
        public var urgency: String?

        enum CodingKeys: String, CodingKey {
            case status, urgency
            case fixedVersion = "fixed_version"
        }
    }

    /// The file read (named in evidence).
    public var file: String
    /// source package → CVE id → release codename → state.
    public var packages: [String: [String: [String: Release]]]
    public var problems: [Problem]

    /// The full export is ~70 MB; 512 MiB refuses anything absurd.
    public static let maxSize = 512 << 20

    public static func load(path: String, maxSize: Int = maxSize) throws -> DebianSecurityTracker {
        let bytes = [UInt8](try BoundedFile.read(path, limit: maxSize))
        let json: [UInt8] =
            bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B ? try GzipMember.decompress(bytes, maxSize: maxSize, name: path) : bytes
        return try parse(Data(json), file: path)
    }

    /// One CVE entry, decoded leniently: a malformed entry becomes nil instead of failing the file.
    struct Issue: Decodable {
        var releases: [String: Release]?
        init(from decoder: any Decoder) throws {
            struct Strict: Decodable { var releases: [String: Release]? }
            releases = (try? Strict(from: decoder))?.releases ?? nil
        }
    }

    public static func parse(_ data: Data, file: String) throws -> DebianSecurityTracker {
        let raw: [String: [String: Issue]]
        do {
            raw = try JSONDecoder().decode([String: [String: Issue]].self, from: data)
        } catch {
            throw AdvisoriesError(
                .malformed, "\(file) is not a Debian security-tracker JSON export ({package: {CVE: {releases: …}}})", cause: error)
        }
        var packages: [String: [String: [String: Release]]] = [:]
        var skipped = 0
        for (package, issues) in raw {
            for (id, issue) in issues where id.hasPrefix("CVE-") {
                guard let releases = issue.releases else {
                    skipped += 1
                    continue
                }
                packages[package, default: [:]][id] = releases
            }
        }
        let problems =
            skipped > 0 ? [Problem(subject: file, message: "\(skipped) CVE entries without a readable `releases` object were skipped")] : []
        return DebianSecurityTracker(file: file, packages: packages, problems: problems)
    }

    /// CVEs of `sourcePackage` resolved for `codename` at a version ≤ `installed`. `fixed_version` 0
    /// means the release was never affected.
    public func fixes(sourcePackage: String, codename: String, installed: String) -> [String: BackportFix] {
        guard let issues = packages[sourcePackage] else { return [:] }
        var out: [String: BackportFix] = [:]
        for (id, releases) in issues {
            guard let r = releases[codename], r.status == "resolved", let fixed = r.fixedVersion,
                let c = DebianVersion.compare(fixed, installed), c <= 0
            else { continue }
            let text =
                fixed == "0"
                ? "\(sourcePackage) \(id): \(codename) was never affected (fixed_version 0)"
                : "\(sourcePackage) \(id): resolved in \(codename) by \(fixed)\(r.urgency.map { " (urgency \($0))" } ?? "")"
            out[id] = BackportFix(cve: id, revision: fixed, line: 0, text: text, file: file, date: nil, via: .securityTracker)
        }
        return out
    }

    /// The tracker's word on every CVE of `sourcePackage` for `codename`, as distribution decisions: `resolved`
    /// at `fixed_version` 0 is not affected (the release never had the flaw), `resolved` at a version ≤
    /// `installed` is fixed and above it affected, `open` (the tracker's `<unfixed>`) is affected with no
    /// fix; `undetermined` and unknown states decide nothing.
    public func decisions(sourcePackage: String, codename: String, installed: String) -> [String: DistroDecision] {
        guard let issues = packages[sourcePackage] else { return [:] }
        var out: [String: DistroDecision] = [:]
        for (id, releases) in issues {
            guard let r = releases[codename] else { continue }
            let urgency = r.urgency.map { " (urgency \($0))" } ?? ""
            var d = DistroDecision(
                cve: id, verdict: .affected, via: .securityTracker, document: file, stream: codename, fixedVersion: r.fixedVersion,
                note: r.urgency, file: file, reason: "")
            switch r.status {
            case "resolved":
                guard let fixed = r.fixedVersion, let c = DebianVersion.compare(fixed, installed) else { continue }
                if fixed == "0" {
                    d.verdict = .notAffected
                    d.reason =
                        "Debian security tracker \(codename): \(sourcePackage) \(id) not affected (fixed_version 0: never vulnerable in this release)"
                } else if c <= 0 {
                    d.verdict = .fixed
                    d.reason = "Debian security tracker \(codename): \(sourcePackage) \(id) fixed in \(fixed) ≤ installed \(installed)\(urgency)"
                } else {
                    d.reason = "Debian security tracker \(codename): \(sourcePackage) \(id) fixed in \(fixed) > installed \(installed)\(urgency)"
                }
            case "open":
                d.reason = "Debian security tracker \(codename): \(sourcePackage) \(id) <unfixed> (open, no fixed version)\(urgency)"
            default:
                continue
            }
            out[id] = d
        }
        return out
    }
}
