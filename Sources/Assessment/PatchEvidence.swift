import Advisories
public import BulkheadModel
import Formats
public import Foundation
public import HostInspection
import VendorEvidence

/// What ISM-1606's host patch evidence reads: the apt lists directory (listed), then the security sources'
/// `Packages` lists and their `InRelease` files in it — metadata already on the host, never fetched.
public struct PatchEvidenceNeed: EvidenceNeed {
    public static let aptLists = "/var/lib/apt/lists"
    /// A security `Packages` list is a few MiB; the bound refuses a runaway file.
    public static let listLimit = 64 << 20

    /// True for the first step (list the directory); the second step reads the lists the listing named.
    public let listing: Bool

    public init(listing: Bool = false) { self.listing = listing }

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        if listing {
            request.list(Self.aptLists)
            return request
        }
        guard let names = try? evidence.files.list(Self.aptLists) else { return request }
        for name in Self.securityLists(names) {
            request.read("\(Self.aptLists)/\(name)", limit: Self.listLimit)
            if let release = Self.releaseFile(of: name, in: names) {
                request.read("\(Self.aptLists)/\(release)", limit: 1 << 20)
            }
        }
        return request
    }

    /// The `Packages` lists of security sources (`…-security_…_Packages`), plain or gzip-compressed.
    static func securityLists(_ names: [String]) -> [String] {
        names.filter { ($0.hasSuffix("_Packages") || $0.hasSuffix("_Packages.gz")) && $0.contains("security") }.sorted()
    }

    /// Security lists in a compression Bulkhead does not read (apt's `.lz4`, `.xz`): named, never guessed at.
    static func unreadableLists(_ names: [String]) -> [String] {
        names.filter { ($0.hasSuffix("_Packages.lz4") || $0.hasSuffix("_Packages.xz")) && $0.contains("security") }.sorted()
    }

    /// `…_dists_bookworm-security_main_binary-amd64_Packages` → `…_dists_bookworm-security_InRelease`.
    static func releaseFile(of list: String, in names: [String]) -> String? {
        guard let range = list.range(of: "_dists_") else { return nil }
        let rest = list[range.upperBound...]
        guard let suite = rest.split(separator: "_").first else { return nil }
        let candidate = String(list[..<range.upperBound]) + suite + "_InRelease"
        // (the suite is the first `_`-separated field after `_dists_`; the list's own suffix does not matter)
        return names.contains(candidate) ? candidate : nil
    }
}

/// ISM-1606 host findings from patch evidence (never from release support alone): pending security
/// updates (installed versus the newest version in the security sources' lists on the host) and the
/// running kernel versus the newest installed kernel package.
public enum PatchFindings {
    public static let pendingCheckID = "patch.pending-security-updates"
    public static let kernelCheckID = "patch.running-kernel"
    /// ISM-1606's shortest deadline (critical or exploited): a pending update older than this may be overdue.
    public static let criticalWindow: TimeInterval = 48 * 3600

    public static func findings(evidence: HostEvidence, now: Date) -> [Finding] {
        [pendingUpdates(evidence: evidence, now: now), runningKernel(evidence: evidence)]
    }

    static func finding(_ id: String, _ outcome: Outcome, observed: String?, expected: String, evidence: [Evidence])
        -> Finding
    {
        Finding(
            checkID: id, subject: "host", outcome: outcome, observed: observed, expected: expected, severity: .high,
            controls: [.ism1606], evidence: evidence)
    }

    static func pendingUpdates(evidence: HostEvidence, now: Date) -> Finding {
        let expected =
            "no security update pending in the host's security sources past its ISM-1606 deadline (48 h critical or exploited, 2 weeks internet-facing, 1 month otherwise)"
        let dpkg = evidence.facts.packages.filter { $0.manager == "dpkg" }
        guard !dpkg.isEmpty else {
            let rpm = evidence.facts.packages.contains { $0.manager == "rpm" }
            return finding(
                pendingCheckID,
                .inconclusive(
                    reason: rpm
                        ? "an rpm host: comparing installed packages with the dnf metadata on the host is not implemented yet"
                        : "no installed package inventory: pending updates cannot be judged"),
                observed: nil, expected: expected, evidence: [])
        }
        let files = evidence.files
        guard let names = try? files.list(PatchEvidenceNeed.aptLists) else {
            return finding(
                pendingCheckID, .inconclusive(reason: "\(PatchEvidenceNeed.aptLists) was not readable: no source lists to compare with"),
                observed: nil, expected: expected, evidence: [])
        }
        let lists = PatchEvidenceNeed.securityLists(names)
        let compressed = PatchEvidenceNeed.unreadableLists(names)
        if lists.isEmpty, !compressed.isEmpty {
            return finding(
                pendingCheckID,
                .inconclusive(
                    reason:
                        "the security source lists are compressed in a form Bulkhead does not read (\(compressed.joined(separator: ", "))): set Acquire::GzipIndexes or no compression for apt, or compare with `apt list --upgradable`"
                ),
                observed: nil, expected: expected, evidence: [])
        }
        guard !lists.isEmpty else {
            return finding(
                pendingCheckID,
                .inconclusive(
                    reason:
                        "no security source list in \(PatchEvidenceNeed.aptLists) (no …security…_Packages): run `apt-get update` with the security source configured, or the host takes no security updates"
                ),
                observed: nil, expected: expected, evidence: [])
        }
        var newest: [String: DebianVersion] = [:]
        var evidenceList: [Evidence] = []
        var oldestList: Date?
        for name in lists {
            let path = "\(PatchEvidenceNeed.aptLists)/\(name)"
            guard let text = listText(files, path) else { continue }
            for (package, version) in packageVersions(text) {
                if let current = newest[package], current >= version { continue }
                newest[package] = version
            }
            var date: Date?
            if let release = PatchEvidenceNeed.releaseFile(of: name, in: names),
                let r = try? files.readText("\(PatchEvidenceNeed.aptLists)/\(release)", limit: 1 << 20)
            {
                date = releaseDate(r)
            }
            if let d = date { oldestList = min(oldestList ?? d, d) }
            evidenceList.append(
                Evidence(
                    claim: "security source list \(name)" + (date.map { ", generated \(CalendarDate.format($0))" } ?? ""),
                    source: .file(path: path, sha256: nil), observedAt: evidence.collectedAt, confidence: .high))
        }
        var pending: [(String, String, String)] = []
        for pkg in dpkg {
            guard let candidate = newest[pkg.name], let installed = DebianVersion(pkg.version), candidate > installed else { continue }
            pending.append((pkg.name, pkg.version, candidate.description))
        }
        pending.sort { $0.0 < $1.0 }
        if pending.isEmpty {
            return finding(
                pendingCheckID, .pass, observed: "every installed package is at or above the version in the \(lists.count) security list(s)",
                expected: expected, evidence: evidenceList)
        }
        let shown = pending.prefix(20).map { "\($0.0) \($0.1) → \($0.2)" }.joined(separator: ", ")
        let more = pending.count > 20 ? " and \(pending.count - 20) more" : ""
        guard let listDate = oldestList else {
            return finding(
                pendingCheckID,
                .inconclusive(reason: "\(pending.count) security update(s) pending (\(shown)\(more)); their age is unknown (no InRelease date)"),
                observed: nil, expected: expected, evidence: evidenceList)
        }
        let age = now.timeIntervalSince(listDate)
        let days =
            age < 72 * 3600 ? "\(FactValue.format((max(0, age) / 360).rounded() / 10)) hours" : "\(FactValue.format(age / 86400)) days"
        let observed =
            "\(pending.count) security update(s) pending (\(shown)\(more)); available since at least \(CalendarDate.format(listDate)) (\(days))"
        if age >= criticalWindow { return finding(pendingCheckID, .fail, observed: observed, expected: expected, evidence: evidenceList) }
        return finding(
            pendingCheckID, .inconclusive(reason: observed + ", inside the 48-hour window: not yet overdue"), observed: observed,
            expected: expected, evidence: evidenceList)
    }

    /// A list's text, gunzipped when it ends in `.gz` (bounded both ways).
    static func listText(_ files: RecordedFiles, _ path: String) -> String? {
        guard let bytes = try? files.read(path, limit: PatchEvidenceNeed.listLimit) else { return nil }
        if path.hasSuffix(".gz") {
            guard
                let plain = try? Gzip.decompress(
                    Array(bytes), maxSize: PatchEvidenceNeed.listLimit, name: path)
            else { return nil }
            return String(decoding: plain, as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `Package:` / `Version:` pairs of a Debian `Packages` list.
    static func packageVersions(_ text: String) -> [(String, DebianVersion)] {
        var out: [(String, DebianVersion)] = []
        var name: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                name = nil
            } else if line.hasPrefix("Package: ") {
                name = String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("Version: "), let n = name,
                let v = DebianVersion(String(line.dropFirst(9)).trimmingCharacters(in: .whitespaces))
            {
                out.append((n, v))
            }
        }
        return out
    }

    /// The `Date:` of an InRelease file (RFC 2822, UTC).
    static func releaseDate(_ text: String) -> Date? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Date: ") }) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: String(line.dropFirst(6)).trimmingCharacters(in: .whitespaces))
    }

    /// Running kernel (/proc/sys/kernel/osrelease) versus the newest installed kernel package: a reboot is
    /// pending when they differ.
    static func runningKernel(evidence: HostEvidence) -> Finding {
        let expected = "the running kernel is the newest installed kernel package (no reboot pending)"
        guard let running = evidence.facts.kernel.release?.trimmingCharacters(in: .whitespacesAndNewlines), !running.isEmpty else {
            return finding(
                kernelCheckID, .inconclusive(reason: "the running kernel release (/proc/sys/kernel/osrelease) was not read"),
                observed: nil, expected: expected, evidence: [])
        }
        let runningEvidence = Evidence(
            claim: "running kernel \(running)", source: .file(path: "/proc/sys/kernel/osrelease", sha256: nil),
            observedAt: evidence.collectedAt, confidence: .high)
        let packages = evidence.facts.packages
        // Debian/Ubuntu: linux-image-<release> (not the meta packages such as linux-image-amd64).
        let debs = packages.filter {
            $0.manager == "dpkg" && $0.name.hasPrefix("linux-image-")
                && $0.name.dropFirst("linux-image-".count).first?.isNumber == true
        }
        var kernels: [(release: String, package: InstalledPackage)] = []
        let newestDeb = debs.max { a, b in
            guard let x = DebianVersion(a.version), let y = DebianVersion(b.version) else { return false }
            return x < y
        }
        if let newest = newestDeb { kernels.append((String(newest.name.dropFirst("linux-image-".count)), newest)) }
        // RHEL/SUSE: kernel-core, kernel or kernel-default, running release "<version>-<release>.<arch>".
        let rpms = packages.filter {
            $0.manager == "rpm" && ($0.name == "kernel-core" || $0.name == "kernel" || $0.name == "kernel-default")
        }
        if let newest = rpms.max(by: { (RPMVersion.compare($0.version, $1.version) ?? 0) < 0 }) {
            kernels.append((newest.architecture.map { "\(newest.version).\($0)" } ?? newest.version, newest))
        }
        guard let newest = kernels.first else {
            return finding(
                kernelCheckID,
                .inconclusive(reason: "running kernel \(running), but no installed kernel package (linux-image-*, kernel-core) to compare with"),
                observed: "running \(running)", expected: expected, evidence: [runningEvidence])
        }
        let observed = "running \(running); newest installed kernel package \(newest.package.name) \(newest.package.version)"
        if newest.release == running {
            return finding(kernelCheckID, .pass, observed: observed, expected: expected, evidence: [runningEvidence])
        }
        return finding(
            kernelCheckID, .fail, observed: observed + " (release \(newest.release)): a reboot is pending", expected: expected,
            evidence: [runningEvidence])
    }
}
