public import Advisories
public import BulkheadModel
import Formats
public import Foundation
public import HostInspection
import VendorEvidence

/// What ISM-1606's patch evidence reads: the apt lists directory (listed), then every `Packages` list in it
/// (plain, `.gz`, apt's own `.lz4` or `.zst`) and each suite's `InRelease` — metadata already on the host, never fetched.
public struct PatchEvidenceNeed: EvidenceNeed {
    public static let aptLists = "/var/lib/apt/lists"
    /// A list as stored (Debian 12's main `Packages.lz4` is 19 MB); the bound refuses a runaway file.
    public static let listLimit = 64 << 20
    /// A list once decompressed (Debian 12's main list is 50 MB, Ubuntu's universe about 60 MB).
    public static let plainLimit = 160 << 20

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
        var releases: Set<String> = []
        for name in Self.packageLists(names) {
            request.read("\(Self.aptLists)/\(name)", limit: Self.listLimit)
            if let release = Self.releaseFile(of: name, in: names) { releases.insert(release) }
        }
        for release in releases.sorted() { request.read("\(Self.aptLists)/\(release)", limit: 1 << 20) }
        return request
    }

    /// The `Packages` lists Bulkhead reads: plain, gzip, LZ4 (apt's default for stored lists) or zstd.
    static func packageLists(_ names: [String]) -> [String] {
        names.filter { FileCompression.of($0, stem: "_Packages") != nil }.sorted()
    }

    /// The security sources' lists among them (`…-security_…_Packages`, any compression read).
    static func securityLists(_ names: [String]) -> [String] {
        packageLists(names).filter(isSecurity)
    }

    /// A list of a security suite: its suite (`bookworm-security`, `jammy-security`, `updates` of
    /// security.debian.org's old layout) or its archive (`debian-security`) says so.
    static func isSecurity(_ name: String) -> Bool { name.contains("security") }

    /// Lists in a compression Bulkhead does not read (`.bz2`, `.lzma`): named, never guessed at.
    static func unreadableLists(_ names: [String]) -> [String] {
        names.filter { FileCompression.isUnread($0, stem: "_Packages") }.sorted()
    }

    /// `…_dists_bookworm-security_main_binary-amd64_Packages` → `bookworm-security`.
    static func suite(of list: String) -> String? {
        guard let range = list.range(of: "_dists_") else { return nil }
        return list[range.upperBound...].split(separator: "_").first.map(String.init)
    }

    /// `…_dists_bookworm-security_main_binary-amd64_Packages` → `…_dists_bookworm-security_InRelease`
    /// (or `Release` when the suite has no InRelease).
    static func releaseFile(of list: String, in names: [String]) -> String? {
        guard let range = list.range(of: "_dists_"), let suite = suite(of: list) else { return nil }
        let base = String(list[..<range.upperBound]) + suite
        return [base + "_InRelease", base + "_Release"].first { names.contains($0) }
    }
}

/// The apt lists on the host, read once: per package the newest version in a security suite and the newest
/// in any suite, each with the list it came from and that list's `Date:`.
struct AptSources {
    struct Candidate {
        var version: DebianVersion
        var list: String
        var date: Date?
    }
    struct List {
        var name: String
        var suite: String
        var security: Bool
        var date: Date?
        var stanzas: Int
    }
    var lists: [List] = []
    /// Lists that were named but not read, with why (compression, corruption, size).
    var unread: [(name: String, reason: String)] = []
    var newestSecurity: [String: Candidate] = [:]
    var newestAny: [String: Candidate] = [:]
    var evidence: [Evidence] = []

    var securityListsRead: Int { lists.filter(\.security).count }
    var securityListsUnread: [String] { unread.map(\.name).filter(PatchEvidenceNeed.isSecurity) }

    /// nil when the lists directory was not readable.
    static func load(_ host: HostEvidence, wanted: Set<String>) -> AptSources? {
        let files = host.files
        guard let names = try? files.list(PatchEvidenceNeed.aptLists) else { return nil }
        var out = AptSources()
        for name in PatchEvidenceNeed.unreadableLists(names) {
            out.unread.append(
                (
                    name,
                    "compressed in a form Bulkhead does not read (bzip2, lzma): set apt's Acquire::CompressionTypes::Order or compare with `apt list --upgradable`"
                ))
        }
        for name in PatchEvidenceNeed.packageLists(names) {
            let path = "\(PatchEvidenceNeed.aptLists)/\(name)"
            let versions: PackageListScanner
            do {
                versions = try PatchFindings.scanList(files, path, wanted: wanted)
            } catch {
                out.unread.append((name, "\(error)"))
                continue
            }
            var date: Date?
            if let release = PatchEvidenceNeed.releaseFile(of: name, in: names),
                let r = try? files.readText("\(PatchEvidenceNeed.aptLists)/\(release)", limit: 1 << 20)
            {
                date = PatchFindings.releaseDate(r)
            }
            let security = PatchEvidenceNeed.isSecurity(name)
            for (package, written) in versions.versions {
                guard let version = DebianVersion(written) else { continue }
                let candidate = Candidate(version: version, list: name, date: date)
                if security, newer(candidate, than: out.newestSecurity[package]) { out.newestSecurity[package] = candidate }
                if newer(candidate, than: out.newestAny[package]) { out.newestAny[package] = candidate }
            }
            let suite = PatchEvidenceNeed.suite(of: name) ?? name
            out.lists.append(List(name: name, suite: suite, security: security, date: date, stanzas: versions.stanzas))
            out.evidence.append(
                Evidence(
                    claim: "\(security ? "security" : "package") source list \(name) (suite \(suite), \(versions.stanzas) packages)"
                        + (date.map { ", generated \(CalendarDate.format($0))" } ?? ", no InRelease date"),
                    source: .file(path: path, sha256: nil), observedAt: host.collectedAt, confidence: .high))
        }
        return out
    }

    /// A newer version wins; of two lists with the same version the older `Date:` (the longer it was
    /// available) is kept.
    static func newer(_ c: Candidate, than current: Candidate?) -> Bool {
        guard let current else { return true }
        if c.version != current.version { return c.version > current.version }
        guard let a = c.date else { return false }
        guard let b = current.date else { return true }
        return a < b
    }
}

/// ISM-1606 findings from patch evidence (never from release support alone): pending security updates
/// (installed versus the newest version in the security sources' lists on the host), for the host and for
/// each mechanism's own packages, and the running kernel versus the newest installed kernel package.
public enum PatchFindings {
    public static let pendingCheckID = "patch.pending-security-updates"
    public static let kernelCheckID = "patch.running-kernel"
    /// ISM-1606's deadlines: 48 hours (critical or exploited), two weeks (internet-facing), one month (others).
    public static let criticalWindow: TimeInterval = 48 * 3600
    public static let internetFacingWindow: TimeInterval = 14 * 86400
    public static let otherWindow: TimeInterval = 30 * 86400

    /// What decides a pending update's ISM-1606 timeline beyond its advisory's severity: whether the host is
    /// internet-facing (the system profile's `[host] internet_facing`) and which CVEs have a working exploit (the
    /// advisory database's CISA KEV records).
    public struct Timelines: Sendable {
        /// nil: the profile does not say (or there is none); 2 weeks is assumed and the finding says so.
        public var internetFacing: Bool?
        /// The profile that declared it, named in the finding.
        public var profilePath: String?
        /// CVE ids in CISA KEV; nil when the advisory database has no KEV records (or there is none).
        public var knownExploited: Set<String>?

        public init(internetFacing: Bool? = nil, profilePath: String? = nil, knownExploited: Set<String>? = nil) {
            self.internetFacing = internetFacing
            self.profilePath = profilePath
            self.knownExploited = knownExploited
        }

        /// The timeline of an update neither critical nor exploited.
        var otherWindow: TimeInterval { internetFacing == false ? PatchFindings.otherWindow : PatchFindings.internetFacingWindow }
        var otherWindowText: String { internetFacing == false ? "1 month" : "2 weeks" }

        /// Why non-critical updates take the timeline they do, for the finding's text.
        var internetFacingText: String {
            switch internetFacing {
            case true?:
                "the host is declared internet-facing in \(profilePath ?? "the profile"), so an update neither critical nor exploited takes 2 weeks"
            case false?:
                "the host is declared not internet-facing in \(profilePath ?? "the profile"), so an update neither critical nor exploited takes 1 month"
            case nil:
                "assumed internet-facing (2 weeks for an update neither critical nor exploited) because the profile does not say: set [host] internet_facing = true or false in bulkhead.toml (or --profile FILE)"
            }
        }
    }

    public static func findings(
        evidence: HostEvidence, now: Date, mechanisms: [IsolationMechanism] = [], aliases: [Advisories.ProductAliases] = [],
        timelines: Timelines = Timelines()
    ) -> [Finding] {
        let (sources, dnf) = updateSources(evidence)
        var out = [
            pendingUpdates(evidence: evidence, now: now, sources: sources, dnf: dnf, timelines: timelines), runningKernel(evidence: evidence),
        ]
        for mechanism in mechanisms {
            guard let alias = aliases.first(where: { $0.product == mechanism.product }) else { continue }
            let packages = BackportReader.installedPackages(of: alias, in: evidence.facts.packages)
            guard !packages.isEmpty else { continue }
            out.append(
                pendingUpdates(
                    evidence: evidence, now: now, sources: sources, dnf: dnf, packages: packages, subject: mechanism.product.rawValue,
                    timelines: timelines))
        }
        return out
    }

    static func finding(
        _ id: String, _ outcome: Outcome, observed: String?, expected: String, evidence: [Evidence], subject: String = "host"
    ) -> Finding {
        Finding(
            checkID: id, subject: subject, outcome: outcome, observed: observed, expected: expected, severity: .high,
            controls: [.ism1606], evidence: evidence)
    }

    static func pendingUpdates(evidence: HostEvidence, now: Date, timelines: Timelines = Timelines()) -> Finding {
        let (sources, dnf) = updateSources(evidence)
        return pendingUpdates(evidence: evidence, now: now, sources: sources, dnf: dnf, timelines: timelines)
    }

    /// The host's update sources, read once for the host and every mechanism: apt's lists when dpkg packages are
    /// installed, the dnf/yum metadata when rpm ones are (only the installed names kept).
    static func updateSources(_ evidence: HostEvidence) -> (apt: AptSources?, dnf: DnfSources?) {
        let dpkg = evidence.facts.packages.filter { $0.manager == "dpkg" }
        let rpm = evidence.facts.packages.filter { $0.manager == "rpm" }
        return (
            dpkg.isEmpty ? nil : AptSources.load(evidence, wanted: Set(dpkg.map(\.name))),
            rpm.isEmpty ? nil : DnfSources.load(evidence, wanted: Set(rpm.map(\.name)))
        )
    }

    /// `packages` nil: the host's whole dpkg inventory; otherwise a mechanism's packages, under `subject`. A host (or
    /// mechanism) with rpm packages and no dpkg ones is judged from the dnf/yum metadata (`rpmPendingUpdates`).
    static func pendingUpdates(
        evidence: HostEvidence, now: Date, sources: AptSources?, dnf: DnfSources? = nil, packages: [InstalledPackage]? = nil,
        subject: String = "host", timelines: Timelines = Timelines()
    ) -> Finding {
        let expected =
            "no security update pending in the host's security sources past its ISM-1606 deadline (48 h critical or exploited, 2 weeks internet-facing, 1 month otherwise)"
        func inconclusive(_ reason: String, _ evidence: [Evidence] = []) -> Finding {
            finding(pendingCheckID, .inconclusive(reason: reason), observed: nil, expected: expected, evidence: evidence, subject: subject)
        }
        let dpkg = (packages ?? evidence.facts.packages).filter { $0.manager == "dpkg" }
        guard !dpkg.isEmpty else {
            let rpm = (packages ?? evidence.facts.packages).filter { $0.manager == "rpm" }
            guard rpm.isEmpty else {
                return rpmPendingUpdates(
                    evidence: evidence, now: now, sources: dnf, packages: rpm, mechanism: packages != nil, subject: subject, timelines: timelines)
            }
            return inconclusive("no installed package inventory: pending updates cannot be judged")
        }
        guard let sources else {
            return inconclusive("\(PatchEvidenceNeed.aptLists) was not readable: no source lists to compare with")
        }
        let unreadSecurity = sources.securityListsUnread
        guard sources.securityListsRead > 0 else {
            if !unreadSecurity.isEmpty {
                let why = sources.unread.filter { unreadSecurity.contains($0.name) }.map { "\($0.name): \($0.reason)" }
                return inconclusive("the security source lists were not read (\(why.joined(separator: "; ")))", sources.evidence)
            }
            return inconclusive(
                "no security source list in \(PatchEvidenceNeed.aptLists) (no …security…_Packages): run `apt-get update` with the security source configured, or the host takes no security updates",
                sources.evidence)
        }
        struct Pending {
            var name: String
            var installed: String
            var candidate: AptSources.Candidate
        }
        var pending: [Pending] = []
        var otherUpdates: [String] = []
        for pkg in dpkg {
            guard let installed = DebianVersion(pkg.version) else { continue }
            if let candidate = sources.newestSecurity[pkg.name], candidate.version > installed {
                pending.append(Pending(name: pkg.name, installed: pkg.version, candidate: candidate))
            } else if let any = sources.newestAny[pkg.name], any.version > installed {
                otherUpdates.append("\(pkg.name) \(pkg.version) → \(any.version) (\(PatchEvidenceNeed.suite(of: any.list) ?? any.list))")
            }
        }
        pending.sort { $0.name < $1.name }
        otherUpdates.sort()
        // A package no list on the host carries (installed from elsewhere, or its source not configured): its
        // updates cannot be seen here, so it never passes as "up to date".
        let unlisted = dpkg.filter { sources.newestAny[$0.name] == nil }.map(\.name).sorted()
        if packages != nil, !unlisted.isEmpty, unlisted.count == dpkg.count {
            return inconclusive(
                "none of \(subject)'s packages (\(unlisted.joined(separator: ", "))) is in a source list on the host (installed from elsewhere, or its source not configured): its updates cannot be seen here",
                sources.evidence)
        }
        let lists = sources.lists.filter(\.security).count
        var notes: [String] = []
        if !otherUpdates.isEmpty {
            notes.append(
                "\(otherUpdates.count) other update(s) from non-security suites (\(otherUpdates.prefix(10).joined(separator: ", "))\(otherUpdates.count > 10 ? " and \(otherUpdates.count - 10) more" : ""))"
            )
        }
        if !unreadSecurity.isEmpty { notes.append("security list(s) not read: \(unreadSecurity.joined(separator: ", "))") }
        if !unlisted.isEmpty {
            notes.append(
                "\(unlisted.count) installed package(s) in no source list, their updates not visible here (\(unlisted.prefix(10).joined(separator: ", "))\(unlisted.count > 10 ? " …" : ""))"
            )
        }
        let noteText = notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")
        if pending.isEmpty {
            let observed =
                "every installed package\(packages == nil ? "" : " of \(subject)") is at or above the version in the \(lists) security list(s)"
                + noteText
            if !unreadSecurity.isEmpty {
                return finding(
                    pendingCheckID, .inconclusive(reason: observed + ": an unread security list may hold a pending update"), observed: observed,
                    expected: expected, evidence: sources.evidence, subject: subject)
            }
            return finding(pendingCheckID, .pass, observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
        }
        // The apt lists name no CVE for an update, so a working exploit (CISA KEV) cannot be matched here: each pending
        // update keeps the shortest timeline, as without severity.
        notes.append(
            "the apt lists name no CVE ids for a pending update, so whether one fixes a working exploit (CISA KEV) is not known here; each is judged against the 48-hour timeline"
        )
        let pendingNotes = "; " + notes.joined(separator: "; ")
        let shown = pending.prefix(20).map { "\($0.name) \($0.installed) → \($0.candidate.version)" }.joined(separator: ", ")
        let more = pending.count > 20 ? " and \(pending.count - 20) more" : ""
        let dates = pending.compactMap(\.candidate.date)
        guard let oldest = dates.min() else {
            return inconclusive(
                "\(pending.count) security update(s) pending (\(shown)\(more)); their age is unknown (no InRelease date)\(pendingNotes)",
                sources.evidence)
        }
        let age = now.timeIntervalSince(oldest)
        let observed =
            "\(pending.count) security update(s) pending (\(shown)\(more)); available since at least \(CalendarDate.format(oldest)) (\(ageText(age))): \(aptTimelines(age))\(pendingNotes)"
        if age >= criticalWindow {
            return finding(pendingCheckID, .fail, observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
        }
        return finding(
            pendingCheckID, .inconclusive(reason: observed + ", inside the 48-hour window: not yet overdue"), observed: observed,
            expected: expected, evidence: sources.evidence, subject: subject)
    }

    static func ageText(_ age: TimeInterval) -> String {
        age < 72 * 3600 ? "\(FactValue.format((max(0, age) / 360).rounded() / 10)) hours" : "\(FactValue.format((age / 8640).rounded() / 10)) days"
    }

    /// Which of ISM-1606's timelines an update this old has passed. The apt lists carry no severity, so the
    /// shortest (48 hours, critical or exploited) is the one a pending update is judged against.
    static func aptTimelines(_ age: TimeInterval) -> String {
        if age >= otherWindow { return "past every ISM-1606 timeline (48 hours critical or exploited, 2 weeks internet-facing, 1 month otherwise)" }
        if age >= internetFacingWindow {
            return "past the 48-hour (critical or exploited) and 2-week (internet-facing) timelines, inside the 1-month one"
        }
        if age >= criticalWindow {
            return
                "past the 48-hour timeline for critical or exploited vulnerabilities (the apt lists carry no severity, so the shortest applies), inside the 2-week and 1-month ones"
        }
        return "inside every ISM-1606 timeline"
    }

    /// A list's `Package:`/`Version:` pairs (only the `wanted` packages kept, every stanza counted), decompressed
    /// by its name (`.gz`, `.lz4`, `.zst`; `FileCompression`) and bounded both ways. An LZ4 or zstd list is scanned
    /// block by block as it is decoded: Debian 12's main list (19 MB stored, 50 MB plain) is never whole in memory.
    static func scanList(_ files: RecordedFiles, _ path: String, wanted: Set<String>?) throws -> PackageListScanner {
        let bytes = try files.read(path, limit: PatchEvidenceNeed.listLimit)
        var scanner = PackageListScanner(wanted: wanted)
        let compression = FileCompression.of(path, stem: "_Packages") ?? .plain
        try compression.decode(bytes, maxSize: PatchEvidenceNeed.plainLimit, name: path) { scanner.feed($0) }
        scanner.finish()
        return scanner
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
        // The releases the installed kernel packages boot as. A running kernel that is none of them was not installed
        // here (a VMM's direct kernel boot, as Firecracker and Cloud Hypervisor guests are started, or a custom
        // build): whether a reboot is pending cannot be told from the packages.
        let installed =
            debs.map { String($0.name.dropFirst("linux-image-".count)) }
            + rpms.map { p in p.architecture.map { "\(p.version).\($0)" } ?? p.version }
        if !installed.contains(running) {
            return finding(
                kernelCheckID,
                .inconclusive(
                    reason:
                        "running kernel \(running) is not one of the installed kernel packages (\(installed.sorted().joined(separator: ", "))): it was not installed from a package here (a VMM's direct kernel boot, or a custom build), so whether a reboot is pending cannot be told"
                ),
                observed: observed, expected: expected, evidence: [runningEvidence])
        }
        if newest.release == running {
            return finding(kernelCheckID, .pass, observed: observed, expected: expected, evidence: [runningEvidence])
        }
        return finding(
            kernelCheckID, .fail, observed: observed + " (release \(newest.release)): a reboot is pending", expected: expected,
            evidence: [runningEvidence])
    }
}
