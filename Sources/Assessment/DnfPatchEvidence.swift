import Advisories
import BulkheadModel
import Formats
import Foundation
public import HostInspection
import VendorEvidence

/// What ISM-1606's patch evidence reads on an rpm host: the rpm-md metadata dnf and yum keep in their caches —
/// metadata already on the host, never fetched. Five steps, each seeing the answers of the one before: list the
/// caches (dnf4 `/var/cache/dnf/<repoid>-<hash>`, dnf5 `/var/cache/libdnf5/<repoid>-<hash>`, yum
/// `/var/cache/yum/<arch>/<releasever>/<repo>`), list yum's arch and release directories, read each repository's
/// `repodata/repomd.xml`, then the `primary` and `updateinfo` files it names when they are plain, gzip, zstd or xz
/// (Fedora's `.xml.zst`; `FileCompression` decodes them). A file in a compression Bulkhead does not read (`.bz2`,
/// zchunk) is not read at all: it is named as unread where the finding is made.
public struct DnfMetadataNeed: EvidenceNeed {
    public enum Step: Sendable, CaseIterable { case caches, arches, releases, repomd, data }

    public static let dnf = "/var/cache/dnf"
    public static let libdnf5 = "/var/cache/libdnf5"
    public static let yum = "/var/cache/yum"
    public static let caches = [dnf, libdnf5, yum]
    /// A repomd.xml is a few KiB.
    public static let repomdLimit = 1 << 20
    /// A primary or updateinfo file as stored (RHEL 9 AppStream's primary.xml.gz is about 10 MB): the apt lists' bound.
    public static let fileLimit = PatchEvidenceNeed.listLimit
    /// Once decompressed (RHEL 9 AppStream's primary.xml is about 100 MB).
    public static let plainLimit = PatchEvidenceNeed.plainLimit
    /// Metadata generated longer ago than this (repomd's newest `<timestamp>`) cannot show that nothing is pending.
    static let maxMetadataAge: TimeInterval = 7 * 86400
    /// The rpm-md files read, by repomd's `type`.
    public static let types = ["primary", "updateinfo"]

    public static let all: [DnfMetadataNeed] = Step.allCases.map(DnfMetadataNeed.init)

    public let step: Step

    public init(_ step: Step) { self.step = step }

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        // Only an rpm host's caches are read (a Debian host with an empty rpm database has none worth reading).
        guard evidence.facts.packages.contains(where: { $0.manager == "rpm" }) else { return request }
        let files = evidence.files
        switch step {
        case .caches:
            for cache in Self.caches { request.list(cache) }
        case .arches:
            for arch in Self.yumChildren(files, Self.yum) { request.list("\(Self.yum)/\(arch)") }
        case .releases:
            for arch in Self.yumChildren(files, Self.yum) {
                for release in Self.yumChildren(files, "\(Self.yum)/\(arch)") { request.list("\(Self.yum)/\(arch)/\(release)") }
            }
        case .repomd:
            for repo in Self.repositories(files) { request.read(repo.repomd, limit: Self.repomdLimit) }
        case .data:
            for repo in Self.repositories(files) {
                guard let text = try? files.readText(repo.repomd, limit: Self.repomdLimit), let md = try? Repomd(text, source: repo.repomd)
                else { continue }
                for type in Self.types {
                    guard let href = md.locations[type], let path = repo.path(of: href), Self.compression(of: href) != nil else { continue }
                    request.read(path, limit: Self.fileLimit)
                }
            }
        }
        return request
    }

    /// A repository cache directory: where its repomd.xml is and what it is called.
    struct Repository: Hashable {
        var id: String
        var directory: String
        /// yum 3 (EL7) keeps repomd.xml and the files it names directly in the repository's directory.
        var flat = false
        var repomd: String { flat ? "\(directory)/repomd.xml" : "\(directory)/repodata/repomd.xml" }

        /// `repodata/abc-primary.xml.gz` under the directory; nil for an href that leaves it (`..`, absolute, a URL).
        func path(of href: String) -> String? {
            let parts = href.split(separator: "/", omittingEmptySubsequences: false)
            guard !href.hasPrefix("/"), !href.contains(":"), let last = parts.last,
                parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." })
            else { return nil }
            return flat ? "\(directory)/\(last)" : "\(directory)/\(href)"
        }
    }

    /// The directories of yum's cache level (arches, releases): names without a dot (`timedhosts.txt` is a file).
    static func yumChildren(_ files: RecordedFiles, _ path: String) -> [String] {
        ((try? files.list(path)) ?? []).filter { !$0.contains(".") && !$0.isEmpty }.sorted()
    }

    /// Every repository cache directory the listings show: dnf4's and dnf5's `<repoid>-<hex hash>` (not their
    /// `.solv` files or `packages.db`), and each directory of yum's `<arch>/<releasever>/`, both with `repodata/`
    /// and flat (yum 3 keeps `repomd.xml` and `<hash>-updateinfo.xml.gz` in the directory itself); a candidate
    /// whose repomd.xml is not there is no repository.
    static func repositories(_ files: RecordedFiles) -> [Repository] {
        var out: [Repository] = []
        for cache in [dnf, libdnf5] {
            for name in ((try? files.list(cache)) ?? []).sorted() {
                guard let dash = name.lastIndex(of: "-") else { continue }
                let hash = name[name.index(after: dash)...]
                guard (8...64).contains(hash.count), hash.allSatisfy(\.isHexDigit), dash > name.startIndex else { continue }
                out.append(Repository(id: String(name[..<dash]), directory: "\(cache)/\(name)"))
            }
        }
        for arch in yumChildren(files, yum) {
            for release in yumChildren(files, "\(yum)/\(arch)") {
                for repo in ((try? files.list("\(yum)/\(arch)/\(release)")) ?? []).sorted() where !repo.hasPrefix(".") {
                    out.append(Repository(id: repo, directory: "\(yum)/\(arch)/\(release)/\(repo)"))
                    out.append(Repository(id: repo, directory: "\(yum)/\(arch)/\(release)/\(repo)", flat: true))
                }
            }
        }
        return out
    }

    /// How a metadata file is stored, by its name (`.xml`, `.xml.gz`, `.xml.zst`): nil for a compression
    /// Bulkhead does not read.
    static func compression(of href: String) -> FileCompression? { FileCompression.of(href, stem: ".xml") }
}

/// A repository's repomd.xml: where each metadata type is, and when the metadata was generated.
struct Repomd {
    var locations: [String: String] = [:]
    var timestamps: [String: Date] = [:]
    /// The newest `<timestamp>` of the files named (seconds since 1970).
    var generated: Date? { timestamps.values.max() }

    init(_ text: String, source: String) throws(ConfigParseError) {
        let root = try XMLTree.parse(text, source: source, limits: ParseLimits(maxBytes: DnfMetadataNeed.repomdLimit)).root
        guard root.name == "repomd" else {
            throw ConfigParseError(.notThisFormat, source: source, message: "the root element is <\(root.name)>, not <repomd>")
        }
        for data in root.all("data") {
            guard let type = data["type"], let href = data.child("location")?["href"] else { continue }
            locations[type] = href
            if let seconds = data.child("timestamp").flatMap({ Double($0.trimmedText) }) {
                timestamps[type] = Date(timeIntervalSince1970: seconds)
            }
        }
    }
}

/// The dnf/yum metadata on the host, read once: per installed package (name and arch) the newest EVR in any
/// repository's primary, and every security advisory (updateinfo `type="security"`) that names an installed package.
struct DnfSources {
    struct Repo {
        var id: String
        var directory: String
        var generated: Date?
        var packages: Int?
        var advisories: Int?
        var securityAdvisories: Int?
    }
    struct Advisory {
        var id: String
        var severity: String?
        var issued: Date?
        var repo: String
        /// The CVE ids of its `<reference type="cve">` records (id, else title), upper-cased; at most `maxCVEs`.
        var cves: [String] = []
    }
    /// The most CVE ids kept of one advisory (a kernel advisory names a few hundred at most).
    static let maxCVEs = 1000
    struct Fix {
        var evr: String
        var arch: String
        var advisory: Int
    }
    struct Newest {
        var evr: String
        var repo: String
    }

    var repos: [Repo] = []
    /// Files named but not read, with why; `type` is repomd's (`primary`, `updateinfo`, or `repomd`).
    var unread: [(name: String, type: String, reason: String)] = []
    var advisories: [Advisory] = []
    /// Security fixes by package name (only the installed names kept).
    var fixes: [String: [Fix]] = [:]
    /// By `name.arch`.
    var newest: [String: Newest] = [:]
    var evidence: [Evidence] = []

    /// A file not read, its name made safe to show.
    mutating func unreadFile(_ name: String, _ type: String, _ reason: String) {
        unread.append((TerminalText.field(name, max: 400), type, reason))
    }

    var updateinfoRead: Int { repos.filter { $0.advisories != nil }.count }
    var primaryRead: Int { repos.filter { $0.packages != nil }.count }
    var updateinfoUnread: [(name: String, type: String, reason: String)] { unread.filter { $0.type == "updateinfo" || $0.type == "repomd" } }

    /// nil when no dnf or yum cache directory was readable.
    static func load(
        _ host: HostEvidence, wanted: Set<String>, plainLimit: Int = DnfMetadataNeed.plainLimit
    ) -> DnfSources? {
        let files = host.files
        guard DnfMetadataNeed.caches.contains(where: { (try? files.list($0)) != nil }) else { return nil }
        var out = DnfSources()
        for repo in DnfMetadataNeed.repositories(files) {
            let md: Repomd
            do {
                md = try Repomd(try files.readText(repo.repomd, limit: DnfMetadataNeed.repomdLimit), source: repo.repomd)
            } catch let error as HostReadError where error.code == .notFound {
                continue  // a directory that is no repository cache (or one dnf has not filled yet)
            } catch {
                out.unreadFile(repo.repomd, "repomd", Self.describe(error))
                continue
            }
            var entry = Repo(id: TerminalText.field(repo.id, max: 80), directory: repo.directory, generated: md.generated)
            var claims: [String] = []
            for type in DnfMetadataNeed.types {
                guard let href = md.locations[type] else {
                    claims.append("no \(type)")
                    continue
                }
                guard let path = repo.path(of: href) else {
                    out.unreadFile(repo.repomd, type, "its \(type) location leaves the repository directory (refused)")
                    continue
                }
                guard let compression = DnfMetadataNeed.compression(of: href) else {
                    out.unreadFile(
                        path, type,
                        "compressed in a form Bulkhead does not read (bzip2, zchunk): compare with `dnf updateinfo list --security` on the host"
                    )
                    continue
                }
                do {
                    let bytes = try files.read(path, limit: DnfMetadataNeed.fileLimit)
                    let document = Document(bytes: bytes, compression: compression)
                    if type == "primary" {
                        let n = try out.readPrimary(document, source: path, repo: entry.id, wanted: wanted, limit: plainLimit)
                        entry.packages = n
                        claims.append("primary \(n) packages")
                    } else {
                        let (all, security) = try out.readUpdateinfo(document, source: path, repo: entry.id, wanted: wanted, limit: plainLimit)
                        entry.advisories = all
                        entry.securityAdvisories = security
                        claims.append("updateinfo \(all) advisories, \(security) security")
                    }
                    out.evidence.append(
                        Evidence(
                            claim: "\(type) metadata of repository \(entry.id)",
                            source: .file(path: path, sha256: nil), observedAt: host.collectedAt, confidence: .high))
                } catch {
                    out.unreadFile(path, type, Self.describe(error))
                }
            }
            out.repos.append(entry)
            out.evidence.append(
                Evidence(
                    claim: "\(entry.advisories != nil ? "security" : "package") source repository \(entry.id) (\(claims.joined(separator: ", ")))"
                        + (entry.generated.map { ", generated \(CalendarDate.format($0))" } ?? ", no repomd timestamp"),
                    source: .file(path: repo.repomd, sha256: nil), observedAt: host.collectedAt, confidence: .high))
        }
        return out
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HostReadError { return TerminalText.line(e.message) }
        if let e = error as? ConfigParseError { return TerminalText.line(e.message) }
        if let e = error as? FormatError { return TerminalText.line("\(e)") }
        return TerminalText.line("\(error)")
    }

    static func limits(_ limit: Int) -> ParseLimits {
        ParseLimits(maxBytes: limit, maxDepth: 32, maxElements: Int.max)
    }

    /// A metadata file as read from the host: its bytes and their compression.
    struct Document {
        var bytes: [UInt8]
        var compression: FileCompression
    }

    /// The most bytes of decompressed metadata held at once while reading a compressed file (the decoder's piece
    /// and the unread rest of the one before), over every file read; a plain file is held whole, as read.
    var largestHeld = 0

    /// Reads the records of `document` (`<package>`, `<update>`), handing each to `record`: a compressed file is
    /// decoded piece by piece into the XML reader, so only the decoder's window, a piece and one record are held,
    /// never the whole document (RHEL's AppStream primary is about 100 MB). `limit` bounds the decompressed size.
    mutating func records(
        _ document: Document, source: String, limit: Int, record: @escaping (XMLElement) -> Void
    ) throws -> XMLTree.Result {
        guard document.compression != .plain else {
            let plain = try document.compression.decompress(document.bytes, maxSize: limit, name: source)
            return try XMLTree.stream(plain, source: source, limits: Self.limits(limit), record: record)
        }
        var stream = XMLTree.Stream(source: source, limits: Self.limits(limit), record: record)
        // A decoder's error (truncated, corrupt, over the bound) is the file's fault and named before the XML's.
        try document.compression.decode(document.bytes, maxSize: limit, name: source) { stream.feed($0) }
        defer { largestHeld = max(largestHeld, stream.largestHeld) }
        return try stream.finish()
    }

    /// `<package type="rpm">` records: the newest EVR per installed `name.arch`. Returns how many packages.
    mutating func readPrimary(_ document: Document, source: String, repo: String, wanted: Set<String>, limit: Int) throws -> Int {
        var count = 0
        var found: [String: String] = [:]
        let root = try records(document, source: source, limit: limit) { package in
            guard package.name == "package" else { return }
            count += 1
            guard let name = package.child("name")?.trimmedText, wanted.contains(name), let arch = package.child("arch")?.trimmedText,
                let evr = Self.evr(package.child("version"))
            else { return }
            let key = "\(name).\(arch)"
            if let current = found[key], (RPMVersion.compare(evr, current) ?? 0) <= 0 { return }
            found[key] = evr
        }
        guard root.root.name == "metadata" else {
            throw ConfigParseError(.notThisFormat, source: source, message: "the root element is <\(root.root.name)>, not a primary <metadata>")
        }
        for (key, evr) in found {
            if let current = newest[key], (RPMVersion.compare(evr, current.evr) ?? 0) <= 0 { continue }
            newest[key] = Newest(evr: evr, repo: repo)
        }
        return count
    }

    /// `<update>` records: every security advisory's fixes of installed packages. Returns (advisories, security ones).
    mutating func readUpdateinfo(
        _ document: Document, source: String, repo: String, wanted: Set<String>, limit: Int
    ) throws -> (Int, Int) {
        var all = 0
        var read: [(Advisory, [(String, Fix)])] = []
        let root = try records(document, source: source, limit: limit) { update in
            guard update.name == "update" else { return }
            all += 1
            guard update["type"] == "security", let id = update.child("id")?.trimmedText, !id.isEmpty else { return }
            let severity = update.child("severity")?.trimmedText
            let advisory = Advisory(
                id: TerminalText.field(id, max: 80), severity: severity.flatMap { $0.isEmpty ? nil : TerminalText.field($0, max: 40) },
                issued: update.child("issued")?["date"].flatMap(Self.date), repo: repo,
                cves: Self.cves(update))
            var fixes: [(String, Fix)] = []
            for collection in update.child("pkglist")?.all("collection") ?? [] {
                for package in collection.all("package") {
                    guard let name = package["name"], wanted.contains(name), let arch = package["arch"], arch != "src",
                        let evr = Self.evr(package)
                    else { continue }
                    fixes.append((name, Fix(evr: evr, arch: arch, advisory: -1)))
                }
            }
            read.append((advisory, fixes))
        }
        guard root.root.name == "updates" else {
            throw ConfigParseError(.notThisFormat, source: source, message: "the root element is <\(root.root.name)>, not <updates>")
        }
        for (advisory, list) in read {
            let index = advisories.count
            advisories.append(advisory)
            for (name, fix) in list {
                var fix = fix
                fix.advisory = index
                fixes[name, default: []].append(fix)
            }
        }
        return (all, read.count)
    }

    /// An advisory's `<references><reference type="cve" id="CVE-2021-4034" …/>` ids (the `title` when `id` is not
    /// a CVE id), upper-cased, only well-formed ones (`CVE-YYYY-N…`), each once, at most `maxCVEs`.
    static func cves(_ update: XMLElement) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        for reference in update.child("references")?.all("reference") ?? [] where reference["type"]?.lowercased() == "cve" {
            guard
                let id = [reference["id"], reference["title"]].compactMap({ $0?.trimmingCharacters(in: .whitespaces).uppercased() })
                    .first(where: isCVE), seen.insert(id).inserted
            else { continue }
            out.append(id)
            if out.count == maxCVEs { break }
        }
        return out
    }

    /// `CVE-`, four digits, `-`, four to nineteen digits.
    static func isCVE(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "CVE" && parts[1].count == 4 && (4...19).contains(parts[2].count)
            && parts[1].allSatisfy(\.isASCII) && parts[1].allSatisfy(\.isNumber) && parts[2].allSatisfy(\.isASCII)
            && parts[2].allSatisfy(\.isNumber)
    }

    /// `epoch`, `ver`/`version` and `rel`/`release` attributes as `E:V-R` (`V-R` for epoch 0, as rpm writes it).
    static func evr(_ element: XMLElement?) -> String? {
        guard let element, let version = element["ver"] ?? element["version"], !version.isEmpty else { return nil }
        let release = element["rel"] ?? element["release"]
        let epoch = element["epoch"].flatMap { Int($0) } ?? 0
        let evr = (epoch == 0 ? "" : "\(epoch):") + version + (release.map { "-\($0)" } ?? "")
        return RPMVersion.parse(evr) == nil ? nil : TerminalText.field(evr, max: 200)
    }

    /// updateinfo's `issued date`: `2024-05-21 00:00:00`, `2024-05-21` (UTC) or seconds since 1970 (SUSE).
    static func date(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if !t.isEmpty, t.allSatisfy(\.isNumber), let seconds = Double(t) { return Date(timeIntervalSince1970: seconds) }
        guard let day = CalendarDate.parse(String(t.prefix(10))) else { return nil }
        // `2024-05-21 00:00:00`, or ISO 8601's `2023-11-13T22:21:51Z` (Bottlerocket).
        let time = t.dropFirst(10).trimmingCharacters(in: CharacterSet(charactersIn: " TZ")).split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 || time.isEmpty else { return day }
        return time.isEmpty ? day : day.addingTimeInterval(TimeInterval(time[0] * 3600 + time[1] * 60 + time[2]))
    }

    /// Installed `name.arch` → the installed package, the newest where several are installed (kernels).
    static func newestInstalled(_ packages: [InstalledPackage]) -> [InstalledPackage] {
        var by: [String: InstalledPackage] = [:]
        for p in packages {
            let key = "\(p.name).\(p.architecture ?? "")"
            if let current = by[key], (RPMVersion.compare(p.version, current.version) ?? 0) <= 0 { continue }
            by[key] = p
        }
        return by.values.sorted { ($0.name, $0.architecture ?? "") < ($1.name, $1.architecture ?? "") }
    }
}

extension PatchFindings {
    /// An updateinfo severity that takes ISM-1606's 48-hour timeline: Critical (Red Hat, SUSE), Urgent (Fedora),
    /// or none given (unknown, so the shortest applies).
    static func isCritical(_ severity: String?) -> Bool {
        guard let s = severity?.lowercased(), !s.isEmpty, s != "none", s != "unspecified" else { return true }
        return s == "critical" || s == "urgent"
    }

    /// ISM-1606 for an rpm host (or a mechanism's rpm packages): the security advisories in the updateinfo of the
    /// repositories dnf or yum cached on the host whose packages are newer than the installed ones (same name and
    /// arch), each aged from its `issued` date against its timeline — 48 hours for a Critical advisory (or one
    /// without a severity) or one naming a CVE in CISA KEV (a working exploit), otherwise 2 weeks when the host is
    /// internet-facing (declared, or assumed when the profile does not say) and 1 month when it is declared not.
    static func rpmPendingUpdates(
        evidence: HostEvidence, now: Date, sources: DnfSources?, packages rpm: [InstalledPackage], mechanism: Bool, subject: String,
        timelines: Timelines = Timelines()
    ) -> Finding {
        let expected =
            "no security update pending in the host's security sources past its ISM-1606 deadline (48 h critical or exploited, 2 weeks internet-facing, 1 month otherwise)"
        func inconclusive(_ reason: String, _ evidence: [Evidence] = []) -> Finding {
            finding(pendingCheckID, .inconclusive(reason: reason), observed: nil, expected: expected, evidence: evidence, subject: subject)
        }
        guard let sources else {
            return inconclusive(
                "an rpm host without dnf or yum metadata on it (\(DnfMetadataNeed.caches.joined(separator: ", ")) not readable): run `dnf makecache` so the repositories' metadata is cached, or the host takes no updates"
            )
        }
        let unreadSecurity = sources.updateinfoUnread
        guard sources.updateinfoRead > 0 else {
            if !unreadSecurity.isEmpty {
                return inconclusive(
                    "the repositories' security advisories (updateinfo) were not read (\(unreadSecurity.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")))",
                    sources.evidence)
            }
            return inconclusive(
                "no repository cached on the host carries security advisories (updateinfo) in \(DnfMetadataNeed.caches.joined(separator: ", ")): run `dnf makecache` with the distribution's repositories enabled, or the host takes no security updates",
                sources.evidence)
        }
        struct Pending {
            var package: InstalledPackage
            var fixed: String
            var advisories: [DnfSources.Advisory]
            /// The oldest issued of the pending advisories, and whether one of them is critical.
            var since: Date?
            var critical: Bool
            /// The advisories' CVE ids that CISA KEV lists (a working exploit): 48 hours.
            var exploited: [String]
            var window: TimeInterval { critical || !exploited.isEmpty ? PatchFindings.criticalWindow : 0 }
        }
        let known = timelines.knownExploited ?? []
        var pending: [Pending] = []
        var otherUpdates: [String] = []
        let installed = DnfSources.newestInstalled(rpm)
        for pkg in installed {
            let fixes = (sources.fixes[pkg.name] ?? []).filter { fix in
                (pkg.architecture == nil || fix.arch == pkg.architecture) && (RPMVersion.compare(fix.evr, pkg.version) ?? 0) > 0
            }
            if !fixes.isEmpty {
                let advisories = Set(fixes.map(\.advisory)).sorted().map { sources.advisories[$0] }
                let fixed = fixes.map(\.evr).max { (RPMVersion.compare($0, $1) ?? 0) < 0 } ?? fixes[0].evr
                pending.append(
                    Pending(
                        package: pkg, fixed: fixed, advisories: advisories, since: advisories.compactMap(\.issued).min(),
                        critical: advisories.contains { isCritical($0.severity) },
                        exploited: Array(Set(advisories.flatMap(\.cves).filter(known.contains))).sorted()))
            } else if let newest = sources.newest["\(pkg.name).\(pkg.architecture ?? "")"], (RPMVersion.compare(newest.evr, pkg.version) ?? 0) > 0 {
                otherUpdates.append("\(pkg.name) \(pkg.version) → \(newest.evr) (\(newest.repo))")
            }
        }
        otherUpdates.sort()
        let unlisted =
            sources.primaryRead == 0 ? [] : installed.filter { sources.newest["\($0.name).\($0.architecture ?? "")"] == nil }.map(\.name).sorted()
        if mechanism, !unlisted.isEmpty, unlisted.count == installed.count, pending.isEmpty {
            return inconclusive(
                "none of \(subject)'s packages (\(unlisted.joined(separator: ", "))) is in a repository's primary metadata on the host (installed from elsewhere, or its repository not configured): its updates cannot be seen here",
                sources.evidence)
        }
        var notes: [String] = []
        if !otherUpdates.isEmpty {
            notes.append(
                "\(otherUpdates.count) other update(s) without a security advisory (\(otherUpdates.prefix(10).joined(separator: ", "))\(otherUpdates.count > 10 ? " and \(otherUpdates.count - 10) more" : ""))"
            )
        }
        if !unreadSecurity.isEmpty { notes.append("security advisories not read: \(unreadSecurity.map(\.name).joined(separator: ", "))") }
        let unreadPrimary = sources.unread.filter { $0.type == "primary" }
        if !unreadPrimary.isEmpty { notes.append("package lists (primary) not read: \(unreadPrimary.map(\.name).joined(separator: ", "))") }
        if !unlisted.isEmpty {
            notes.append(
                "\(unlisted.count) installed package(s) in no repository's primary, their updates not visible here (\(unlisted.prefix(10).joined(separator: ", "))\(unlisted.count > 10 ? " …" : ""))"
            )
        }
        let noteText = notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")
        let repos = sources.updateinfoRead
        if pending.isEmpty {
            let observed =
                "every installed package\(mechanism ? " of \(subject)" : "") is at or above the fixed versions of the security advisories in \(repos) repositor\(repos == 1 ? "y" : "ies")' updateinfo"
                + noteText
            if !unreadSecurity.isEmpty {
                return finding(
                    pendingCheckID, .inconclusive(reason: observed + ": an unread updateinfo may hold a pending update"), observed: observed,
                    expected: expected, evidence: sources.evidence, subject: subject)
            }
            // The cache shows what the repositories held when dnf last refreshed it: an advisory since is not seen.
            let generated = sources.repos.filter { $0.advisories != nil }.compactMap(\.generated).max()
            if let generated, now.timeIntervalSince(generated) > DnfMetadataNeed.maxMetadataAge {
                return finding(
                    pendingCheckID,
                    .inconclusive(
                        reason: observed
                            + ": the newest cached security metadata was generated \(CalendarDate.format(generated)) (\(Int(now.timeIntervalSince(generated) / 86400)) days before), so advisories since are not seen; run `dnf makecache` on the host and assess again"
                    ), observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
            }
            return finding(pendingCheckID, .pass, observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
        }
        pending.sort { $0.package.name < $1.package.name }
        func describe(_ p: Pending) -> String {
            let ids = p.advisories.prefix(3).map { a in
                "\(a.id) \(a.severity ?? "no severity")\(a.issued.map { ", issued \(CalendarDate.format($0))" } ?? "")"
            }
            let kev =
                p.exploited.isEmpty
                ? "" : "; working exploit (CISA KEV): \(p.exploited.prefix(5).joined(separator: ", "))\(p.exploited.count > 5 ? " …" : "")"
            return "\(p.package.name) \(p.package.version) → \(p.fixed) [\(ids.joined(separator: "; "))\(p.advisories.count > 3 ? "; …" : "")\(kev)]"
        }
        let shown = pending.prefix(20).map(describe).joined(separator: ", ")
        let more = pending.count > 20 ? " and \(pending.count - 20) more" : ""
        guard let oldest = pending.compactMap(\.since).min() else {
            return inconclusive(
                "\(pending.count) security update(s) pending (\(shown)\(more)); their age is unknown (no issued date)\(noteText)", sources.evidence)
        }
        // Overdue: a critical (or unrated) or exploited advisory past 48 hours, any other past 2 weeks (internet-facing,
        // declared or assumed) or 1 month (declared not internet-facing).
        let overdue = pending.filter { p in
            guard let since = p.since else { return false }
            return now.timeIntervalSince(since) >= (p.window > 0 ? p.window : timelines.otherWindow)
        }
        let age = now.timeIntervalSince(oldest)
        var context = [timelines.internetFacingText]
        if timelines.knownExploited == nil {
            context.append("no CISA KEV records in the advisory database, so a working exploit is not known here (run `bulkhead advisories fetch`)")
        } else if pending.allSatisfy({ $0.advisories.allSatisfy(\.cves.isEmpty) }) {
            context.append("the pending advisories name no CVE ids, so CISA KEV cannot be matched")
        }
        let observed =
            "\(pending.count) security update(s) pending (\(shown)\(more)); the oldest advisory issued \(CalendarDate.format(oldest)) (\(ageText(age))): \(rpmTimelines(age, timelines))"
            + (overdue.isEmpty ? "" : "; overdue: \(overdue.map(\.package.name).joined(separator: ", "))") + "; " + context.joined(separator: "; ")
            + noteText
        if !overdue.isEmpty {
            return finding(pendingCheckID, .fail, observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
        }
        return finding(
            pendingCheckID,
            .inconclusive(
                reason: observed
                    + ", inside each advisory's timeline (48 hours critical or exploited, \(timelines.otherWindowText) otherwise): not yet overdue unless a vulnerability is exploited"
            ),
            observed: observed, expected: expected, evidence: sources.evidence, subject: subject)
    }

    /// Which of ISM-1606's timelines an advisory this old has passed; updateinfo gives the severity.
    static func rpmTimelines(_ age: TimeInterval, _ timelines: Timelines = Timelines()) -> String {
        if age >= otherWindow { return "past every ISM-1606 timeline (48 hours critical or exploited, 2 weeks internet-facing, 1 month otherwise)" }
        if age >= internetFacingWindow {
            let which =
                switch timelines.internetFacing {
                case true?: "the host is declared internet-facing"
                case false?: "the host is declared not internet-facing, so it does not apply"
                case nil: "assumed: the profile does not say whether the host is"
                }
            return "past the 48-hour (critical or exploited) and 2-week (internet-facing; \(which)) timelines, inside the 1-month one"
        }
        if age >= criticalWindow {
            return "past the 48-hour timeline (critical advisories, or exploited vulnerabilities), inside the 2-week and 1-month ones"
        }
        return "inside every ISM-1606 timeline"
    }
}
