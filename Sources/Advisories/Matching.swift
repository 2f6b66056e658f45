public import BulkheadModel
public import Foundation

/// How one product is named in each advisory naming system. The VendorEvidence catalog is the only
/// source: `Assessment.AdvisoryAliases` builds these from each product's catalog `aliases`.
public struct ProductAliases: Codable, Hashable, Sendable {
    public struct VendorProduct: Codable, Hashable, Sendable {
        public var vendor: String
        public var product: String
        public init(_ vendor: String, _ product: String) {
            self.vendor = vendor
            self.product = product
        }
    }
    public struct Package: Codable, Hashable, Sendable {
        public var ecosystem: String
        public var name: String
        public init(_ ecosystem: String, _ name: String) {
            self.ecosystem = ecosystem
            self.name = name
        }
    }
    public struct VendorKeyword: Codable, Hashable, Sendable {
        public var vendor: String
        public var keyword: String
        public init(_ vendor: String, _ keyword: String) {
            self.vendor = vendor
            self.keyword = keyword
        }
    }
    public var product: ProductID
    /// NVD CPE vendor:product pairs (`qemu:qemu`).
    public var cpe: [VendorProduct]
    /// CVE 5 `affected[].vendor` / `product` strings as CNAs write them.
    public var cve5: [VendorProduct]
    /// OSV packages (`Go` `github.com/opencontainers/runc`); a Go module matches its sub-packages too.
    public var packages: [Package]
    /// Debian binary or source package names that install this product.
    public var debianPackages: [String]
    /// RPM package names (also matched against CVE 5 `packageName`).
    public var rpmPackages: [String]
    /// Words searched in the description of records that name no vendor/product (`n/a`), e.g. "QEMU".
    public var descriptionKeywords: [String]
    /// A vendor whose records name the product only in their description (Microsoft + "Hyper-V": the
    /// records list Windows editions as products). Matches an entry of that vendor (CVE 5 vendor or CPE
    /// vendor) when the description contains the keyword as a whole word.
    public var vendorKeywords: [VendorKeyword]

    public init(
        product: ProductID, cpe: [VendorProduct] = [], cve5: [VendorProduct] = [], packages: [Package] = [],
        debianPackages: [String] = [], rpmPackages: [String] = [], descriptionKeywords: [String] = [],
        vendorKeywords: [VendorKeyword] = []
    ) {
        self.product = product
        self.cpe = cpe
        self.cve5 = cve5
        self.packages = packages
        self.debianPackages = debianPackages
        self.rpmPackages = rpmPackages
        self.descriptionKeywords = descriptionKeywords
        self.vendorKeywords = vendorKeywords
    }

    /// The entries of `a` that name the product through a vendor + description keyword, and why.
    public func vendorKeywordEntries(_ a: Advisory) -> (entries: [AffectedEntry], why: String)? {
        for vk in vendorKeywords where Self.containsWord(a.summary, vk.keyword) {
            let v = Self.norm(vk.vendor)
            let entries = a.affected.filter { Self.norm($0.vendor) == v || Self.norm($0.cpeVendor) == v }
            if !entries.isEmpty { return (entries, "\(vk.vendor) record whose description names \"\(vk.keyword)\"") }
        }
        return nil
    }

    static func norm(_ s: String?) -> String {
        guard let s else { return "" }
        // Fast path (nearly every name): ASCII. Trim ASCII white space, lower-case only when needed.
        let u = s.utf8
        guard !u.contains(where: { $0 >= 0x80 }) else { return s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        func space(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        var trimmed = Substring(s)
        while let f = trimmed.utf8.first, space(f) { trimmed = trimmed.dropFirst() }
        while let l = trimmed.utf8.last, space(l) { trimmed = trimmed.dropLast() }
        return trimmed.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? trimmed.lowercased() : String(trimmed)
    }

    /// Why this entry names the product, or `nil`.
    public func matches(_ e: AffectedEntry) -> String? { naming(e)?.reason(e) }

    /// How an entry names the product: `matches(_:)` without its sentence, which is written only for the
    /// entry a match reports (a product's 30,000 kernel records each name it twice).
    enum Naming {
        case cpe, vendorProduct, package, packageName

        func reason(_ e: AffectedEntry) -> String {
            switch self {
            case .cpe: "CPE \(e.cpeVendor ?? ""):\(e.cpeProduct ?? "")"
            case .vendorProduct: "CVE 5 vendor/product \(e.vendor ?? "")/\(e.product ?? "")"
            case .package: "OSV package \(e.ecosystem ?? "")/\(e.packageName ?? "")"
            case .packageName: "CVE 5 packageName \(e.packageName ?? "")"
            }
        }
    }

    func naming(_ e: AffectedEntry) -> Naming? {
        if let v = e.cpeVendor, let p = e.cpeProduct, !cpe.isEmpty {
            let nv = Self.norm(v), np = Self.norm(p)
            for c in cpe where Self.norm(c.vendor) == nv && Self.norm(c.product) == np { return .cpe }
        }
        if e.vendor != nil || e.product != nil, !cve5.isEmpty {
            let nv = Self.norm(e.vendor), np = Self.norm(e.product)
            for c in cve5 where Self.norm(c.vendor) == nv && Self.norm(c.product) == np { return .vendorProduct }
        }
        if let name = e.packageName {
            if let eco = e.ecosystem {
                guard !packages.isEmpty else { return nil }
                let neco = Self.norm(eco)
                let base = neco.split(separator: ":").first.map(String.init) ?? ""
                for p in packages where Self.norm(p.ecosystem) == base || Self.norm(p.ecosystem) == neco {
                    if name == p.name || (neco == "go" && name.hasPrefix(p.name + "/")) { return .package }
                }
            } else if debianPackages.contains(name) || rpmPackages.contains(name) {
                return .packageName
            }
        }
        return nil
    }

    /// The aliases with every name normalised once: `naming(_:)` and `maps(_:)` for the tens of thousands
    /// of candidates of one product, without normalising (lower-casing, trimming) the product's names again
    /// for each entry or allocating a lower-cased copy of an entry's ASCII names.
    struct Normalized: Sendable {
        let aliases: ProductAliases
        let cpe: [(vendor: String, product: String)]
        let cve5: [(vendor: String, product: String)]
        let packageEcosystems: [String]

        init(_ p: ProductAliases) {
            aliases = p
            cpe = p.cpe.map { (ProductAliases.norm($0.vendor), ProductAliases.norm($0.product)) }
            cve5 = p.cve5.map { (ProductAliases.norm($0.vendor), ProductAliases.norm($0.product)) }
            packageEcosystems = p.packages.map { ProductAliases.norm($0.ecosystem) }
        }

        /// `ProductAliases.naming(_:)`.
        func naming(_ e: AffectedEntry) -> Naming? {
            if let v = e.cpeVendor, let p = e.cpeProduct, !cpe.isEmpty {
                for c in cpe where ProductAliases.normEquals(v, c.vendor) && ProductAliases.normEquals(p, c.product) { return .cpe }
            }
            if e.vendor != nil || e.product != nil, !cve5.isEmpty {
                for c in cve5 where ProductAliases.normEquals(e.vendor, c.vendor) && ProductAliases.normEquals(e.product, c.product) {
                    return .vendorProduct
                }
            }
            if let name = e.packageName {
                if let eco = e.ecosystem {
                    guard !aliases.packages.isEmpty else { return nil }
                    let neco = ProductAliases.norm(eco)
                    let base = neco.split(separator: ":").first.map(String.init) ?? ""
                    for (p, ne) in zip(aliases.packages, packageEcosystems) where ne == base || ne == neco {
                        if name == p.name || (neco == "go" && name.hasPrefix(p.name + "/")) { return .package }
                    }
                } else if aliases.debianPackages.contains(name) || aliases.rpmPackages.contains(name) {
                    return .packageName
                }
            }
            return nil
        }

        /// `ProductMatcher.maps(_:_:)`.
        func maps(_ a: Advisory) -> Bool {
            a.affected.contains { naming($0) != nil } || aliases.vendorKeywordEntries(a) != nil || aliases.descriptionMatch(a) != nil
        }
    }

    var normalized: Normalized { Normalized(self) }

    /// `norm(s) == n` for a normalised `n`, without building `norm(s)` when `s` is ASCII.
    static func normEquals(_ s: String?, _ n: String) -> Bool {
        guard let s else { return n.isEmpty }
        let u = s.utf8
        guard !u.contains(where: { $0 >= 0x80 }) else { return norm(s) == n }
        func space(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        var lo = u.startIndex
        var hi = u.endIndex
        while lo < hi, space(u[lo]) { lo = u.index(after: lo) }
        while lo < hi, space(u[u.index(before: hi)]) { hi = u.index(before: hi) }
        let t = u[lo..<hi]
        guard t.count == n.utf8.count else { return false }
        return t.elementsEqual(n.utf8) { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
    }

    /// Whether an entry names nothing usable (`n/a` vendor and product, no package, no CPE).
    static let unnamedWords: Set<String> = ["", "n/a", "na", "unknown", "*"]

    static func isUnnamed(_ e: AffectedEntry) -> Bool {
        e.packageName == nil && e.cpeVendor == nil && unnamedWords.contains(norm(e.vendor)) && unnamedWords.contains(norm(e.product))
    }

    public func descriptionMatch(_ a: Advisory) -> String? {
        guard a.affected.allSatisfy(Self.isUnnamed) else { return nil }
        for k in descriptionKeywords where Self.containsWord(a.summary, k) { return "description mentions \"\(k)\"" }
        return nil
    }

    static func containsWord(_ text: String, _ word: String) -> Bool {
        var search = text.startIndex..<text.endIndex
        while let r = text.range(of: word, options: [.caseInsensitive], range: search) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            let isWordChar: (Character?) -> Bool = { c in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWordChar(before) && !isWordChar(after) { return true }
            search = r.upperBound..<text.endIndex
        }
        return false
    }
}

/// Whether an installed version is affected. `unknown` whenever a statement cannot be evaluated;
/// never `notAffected` by default.
public enum AffectedStatus: Codable, Hashable, Sendable, CustomStringConvertible {
    case affected(reason: String)
    case notAffected(reason: String)
    case unknown(reason: String)

    public var reason: String {
        switch self {
        case .affected(let r), .notAffected(let r), .unknown(let r): r
        }
    }
    public var label: String {
        switch self {
        case .affected: "affected"
        case .notAffected: "not affected"
        case .unknown: "unknown"
        }
    }
    public var description: String { "\(label): \(reason)" }

    /// affected > unknown > notAffected.
    static func combine(_ xs: [AffectedStatus], empty: AffectedStatus) -> AffectedStatus {
        if let a = xs.first(where: { if case .affected = $0 { true } else { false } }) { return a }
        if let u = xs.first(where: { if case .unknown = $0 { true } else { false } }) { return u }
        return xs.first ?? empty
    }
}

/// Range semantics of each format.
public enum RangeEvaluator {
    /// Evaluates every range of one affected entry against `installed`, compared with `scheme`
    /// (the product's upstream scheme) unless the range names its own scheme.
    public static func evaluate(_ e: AffectedEntry, installed: String, scheme: VersionScheme) -> AffectedStatus {
        evaluate(e, installed: installed, scheme: scheme, reasons: true)
    }

    /// `reasons: false` decides the same status with an empty reason for every CVE 5 range: an assessment
    /// decides tens of thousands of records and writes the reason of the few its report shows.
    static func evaluate(_ e: AffectedEntry, installed: String, scheme: VersionScheme, reasons: Bool) -> AffectedStatus {
        var statuses: [AffectedStatus] = []
        var cve5Matched: [AffectedStatus] = []
        var cve5Count = 0
        for r in e.ranges {
            switch r {
            case .cve5(let version, let lt, let lte, let status, let vt, let changes):
                cve5Count += 1
                if let s = cve5(
                    version: version, lessThan: lt, lessThanOrEqual: lte, status: status, versionType: vt,
                    changes: changes, installed: installed, scheme: scheme, reasons: reasons)
                {
                    cve5Matched.append(s)
                }
            case .osv(let type, let events):
                statuses.append(osv(type: type, events: events, ecosystem: e.ecosystem, installed: installed, fallback: scheme))
            case .cpe(let version, let update, let si, let se, let ei, let ee, let vulnerable, let platform):
                guard vulnerable else { continue }
                statuses.append(
                    cpe(
                        version: version, update: update, startIncluding: si, startExcluding: se, endIncluding: ei,
                        endExcluding: ee, platform: platform, installed: installed, scheme: scheme))
            }
        }
        if cve5Count > 0 {
            if !cve5Matched.isEmpty {
                statuses.append(AffectedStatus.combine(cve5Matched, empty: .unknown(reason: "")))
            } else {
                switch ProductAliases.norm(e.defaultStatus) {
                case "unaffected": statuses.append(.notAffected(reason: "outside every listed version; defaultStatus unaffected"))
                case "affected": statuses.append(.affected(reason: "outside every listed version; defaultStatus affected"))
                default:
                    statuses.append(
                        .unknown(
                            reason: reasons
                                ? "\(installed) is outside every listed version and the record gives no defaultStatus (the CVE 5 default is unknown)"
                                : ""))
                }
            }
        } else if e.ranges.isEmpty, let d = e.defaultStatus {
            switch ProductAliases.norm(d) {
            case "affected": statuses.append(.affected(reason: "defaultStatus affected, no versions listed"))
            case "unaffected": statuses.append(.notAffected(reason: "defaultStatus unaffected, no versions listed"))
            default: break
            }
        }
        if !e.versions.isEmpty {
            let sch = e.ecosystem.flatMap(VersionScheme.forOSVEcosystem) ?? scheme
            if e.versions.contains(where: { $0 == installed || sch.compare($0, installed) == 0 }) {
                statuses.append(.affected(reason: "\(installed) is in the OSV versions list"))
            } else if statuses.isEmpty {
                statuses.append(.notAffected(reason: "\(installed) is not in the OSV versions list"))
            }
        }
        return AffectedStatus.combine(statuses, empty: .unknown(reason: "the record gives no version information"))
    }

    static func schemeFor(versionType: String?, fallback: VersionScheme) -> VersionScheme? {
        // The names as records write them (nearly all), before trimming and lower-casing a copy.
        switch versionType ?? "" {
        case "", "custom", "semver", "generic", "python", "maven", "version": return fallback
        case "rpm": return .rpm
        case "deb", "debian", "dpkg": return .debian
        case "go": return .go
        case "git", "original_commit_for_fix": return nil
        default: break
        }
        switch ProductAliases.norm(versionType) {
        case "", "custom", "semver", "generic", "python", "maven", "version": return fallback
        case "rpm": return .rpm
        case "deb", "debian", "dpkg": return .debian
        case "go": return .go
        default: return nil  // git and unknown types
        }
    }

    static let unbounded: Set<String> = ["*", "", "0", "all", "n/a"]

    /// One CVE 5 `versions[]` entry: the status when `installed` falls in it, `nil` when it does
    /// not, `unknown` when it cannot be evaluated.
    static func cve5(
        version rawVersion: String, lessThan: String?, lessThanOrEqual: String?, status: String, versionType: String?,
        changes: [StatusChange], installed: String, scheme fallback: VersionScheme, reasons: Bool = true
    ) -> AffectedStatus? {
        let version = Whitespace.trimmed(rawVersion)
        guard let scheme = schemeFor(versionType: versionType, fallback: fallback) else {
            return .unknown(reason: reasons ? "versionType \(versionType ?? "?") cannot be ordered" : "")
        }
        func cmp(_ a: String, _ b: String) -> Int? { scheme.compare(strip(a), strip(b)) }
        func mapStatus(_ s: String, _ why: String) -> AffectedStatus {
            switch ProductAliases.norm(s) {
            case "affected": .affected(reason: why)
            case "unaffected": .notAffected(reason: why)
            default: .unknown(reason: reasons ? "status \(s): \(why)" : "")
            }
        }
        if lessThan != nil || lessThanOrEqual != nil {
            let upper = Whitespace.trimmed(lessThan ?? lessThanOrEqual ?? "")
            var inRange = true
            if !unbounded.contains(version) {
                guard let c = cmp(installed, version) else {
                    return .unknown(reason: reasons ? "cannot compare \(installed) with range start \"\(version)\" (\(scheme.rawValue))" : "")
                }
                inRange = c >= 0
            }
            if upper != "*" {
                guard let c = cmp(installed, upper) else {
                    return .unknown(reason: reasons ? "cannot compare \(installed) with range end \"\(upper)\" (\(scheme.rawValue))" : "")
                }
                inRange = inRange && (lessThan != nil ? c < 0 : c <= 0)
            }
            guard inRange else { return nil }
            var st = status
            var why = !reasons ? "" : "\(installed) in [\(version), \(lessThan.map { "<\($0)" } ?? "<=\(lessThanOrEqual ?? "")")]"
            let sorted = changes.sorted { (cmp($0.at, $1.at) ?? 0) < 0 }
            for ch in sorted {
                guard let c = cmp(installed, ch.at) else {
                    return .unknown(reason: reasons ? "cannot compare \(installed) with change point \"\(ch.at)\"" : "")
                }
                if c >= 0 {
                    st = ch.status
                    if reasons { why += ", status \(ch.status) from \(ch.at)" }
                }
            }
            return mapStatus(st, why)
        }
        // Packed expression: ">= 21.0, < 51.2", ">=v1.0.0-rc93, < 1.1.12", "< 5.2.0".
        if version.contains("<") || version.contains(">") || version.hasPrefix("=") {
            guard let ok = packedExpression(version, installed: installed, cmp: cmp) else {
                return .unknown(reason: reasons ? "cannot evaluate version expression \"\(version)\"" : "")
            }
            return ok ? mapStatus(status, reasons ? "\(installed) satisfies \"\(version)\"" : "") : nil
        }
        if unbounded.contains(version) {
            // "version": "*" / "0" with no bound: every version has this status.
            return mapStatus(status, reasons ? "all versions (\"\(version)\")" : "")
        }
        guard let c = cmp(installed, version) else {
            return .unknown(reason: reasons ? "version \"\(version)\" is not a comparable version (\(scheme.rawValue))" : "")
        }
        return c == 0 ? mapStatus(status, reasons ? "\(installed) equals \(version)" : "") : nil
    }

    static func strip(_ s: String) -> String {
        var t = Whitespace.trimmed(s)
        if let f = t.utf8.first, f == UInt8(ascii: "v") || f == UInt8(ascii: "V"), t.hasPrefix("v") || t.hasPrefix("V"),
            t.dropFirst().first?.isNumber == true
        {
            t.removeFirst()
        }
        return t
    }

    /// All comma-separated constraints hold; `nil` when one cannot be parsed or compared.
    static func packedExpression(_ expr: String, installed: String, cmp: (String, String) -> Int?) -> Bool? {
        var all = true
        for part in expr.split(separator: ",") {
            let p = Whitespace.trimmed(part)
            var op = ""
            for candidate in [">=", "<=", "==", ">", "<", "="] where p.hasPrefix(candidate) {
                op = candidate
                break
            }
            guard !op.isEmpty else { return nil }
            let v = Whitespace.trimmed(p.dropFirst(op.count))
            guard !v.isEmpty, let c = cmp(installed, v) else { return nil }
            let holds: Bool =
                switch op {
                case ">=": c >= 0
                case "<=": c <= 0
                case ">": c > 0
                case "<": c < 0
                default: c == 0
                }
            all = all && holds
        }
        return all
    }

    /// The OSV event walk over one range.
    static func osv(type: String, events: [OSVEvent], ecosystem: String?, installed: String, fallback: VersionScheme) -> AffectedStatus {
        let scheme: VersionScheme
        switch type.uppercased() {
        case "GIT":
            return .unknown(reason: "GIT range (commit hashes) is not evaluable against a version number")
        case "SEMVER":
            scheme = ProductAliases.norm(ecosystem) == "go" ? .go : .semver
        case "ECOSYSTEM":
            guard let s = ecosystem.flatMap(VersionScheme.forOSVEcosystem) else {
                return .unknown(reason: "ecosystem \(ecosystem ?? "?") has no version ordering in Bulkhead")
            }
            scheme = s
        default:
            return .unknown(reason: "range type \(type) is not known")
        }
        func isZero(_ v: String) -> Bool { v == "0" || v == "0.0.0-0" }
        // Sort events by version ("0" first); any unparseable version makes the range unknown.
        for ev in events where !isZero(ev.version) {
            if scheme.compare(ev.version, ev.version) == nil {
                return .unknown(reason: "event version \"\(ev.version)\" is not a valid \(scheme.rawValue) version")
            }
        }
        guard scheme.compare(installed, installed) != nil else {
            return .unknown(reason: "installed version \(installed) is not a valid \(scheme.rawValue) version")
        }
        let sorted = events.sorted { a, b in
            if isZero(a.version) { return !isZero(b.version) }
            if isZero(b.version) { return false }
            return (scheme.compare(a.version, b.version) ?? 0) < 0
        }
        var affected = false
        var why = ""
        for ev in sorted {
            switch ev.kind {
            case .introduced:
                if isZero(ev.version) || (scheme.compare(installed, ev.version) ?? -1) >= 0 {
                    affected = true
                    why = "introduced \(ev.version)"
                }
            case .fixed:
                if (scheme.compare(installed, ev.version) ?? -1) >= 0 {
                    affected = false
                    why = "fixed in \(ev.version)"
                }
            case .lastAffected:
                if (scheme.compare(installed, ev.version) ?? -1) > 0 {
                    affected = false
                    why = "after last_affected \(ev.version)"
                }
            case .limit:
                continue
            }
        }
        return affected
            ? .affected(reason: "\(installed) ≥ \(why) and before any fix (\(type) \(scheme.rawValue))")
            : .notAffected(reason: "\(installed): \(why.isEmpty ? "before introduction" : why) (\(type) \(scheme.rawValue))")
    }

    /// One NVD cpeMatch with `vulnerable: true`.
    static func cpe(
        version: String, update: String?, startIncluding: String?, startExcluding: String?, endIncluding: String?,
        endExcluding: String?, platform: Bool, installed: String, scheme: VersionScheme
    ) -> AffectedStatus {
        let note = platform ? " (the configuration also requires a platform Bulkhead does not evaluate)" : ""
        if version == "-" {
            return .unknown(reason: "CPE version is \"-\" (not applicable)")
        }
        if version != "*" {
            var v = version
            if let u = update, u != "*", u != "-", !u.isEmpty { v += "-" + u }
            guard let c = scheme.compare(installed, v) else {
                return .unknown(reason: "cannot compare \(installed) with CPE version \(v)")
            }
            return c == 0
                ? .affected(reason: "\(installed) is the CPE version \(v)\(note)") : .notAffected(reason: "\(installed) is not the CPE version \(v)")
        }
        var ok = true
        var desc: [String] = []
        let bounds: [(String?, String, (Int) -> Bool)] = [
            (startIncluding, ">=", { $0 >= 0 }), (startExcluding, ">", { $0 > 0 }),
            (endIncluding, "<=", { $0 <= 0 }), (endExcluding, "<", { $0 < 0 }),
        ]
        for (bound, op, test) in bounds {
            guard let b = bound else { continue }
            guard let c = scheme.compare(strip(installed), strip(b)) else {
                return .unknown(reason: "cannot compare \(installed) with CPE bound \(op) \(b)")
            }
            ok = ok && test(c)
            desc.append("\(op) \(b)")
        }
        if desc.isEmpty { return .affected(reason: "CPE matches every version\(note)") }
        let d = desc.joined(separator: ", ")
        return ok ? .affected(reason: "\(installed) \(d)\(note)") : .notAffected(reason: "\(installed) outside \(d)")
    }
}

/// An advisory mapped to a product, with the status of the installed version.
public struct AdvisoryMatch: Codable, Hashable, Sendable {
    public var advisory: Advisory
    /// Why the advisory names this product (CPE, CVE 5 vendor/product, OSV package, description).
    public var mappedBy: String
    public var status: AffectedStatus
}

public enum ProductMatcher {
    /// Maps an advisory to the product (`nil` when it does not name it) and evaluates `installed`.
    /// `installed == nil` only maps.
    public static func match(_ a: Advisory, _ p: ProductAliases, installed: String?, scheme: VersionScheme = .upstream) -> AdvisoryMatch? {
        match(a, p.normalized, installed: installed, scheme: scheme, reasons: true)
    }

    /// `match` with the product's names normalised once for all its candidates.
    /// `reasons: false`: the same match with `mappedBy` empty and the CVE 5 ranges' reasons empty.
    static func match(_ a: Advisory, _ n: ProductAliases.Normalized, installed: String?, scheme: VersionScheme, reasons: Bool)
        -> AdvisoryMatch?
    {
        let p = n.aliases
        var entries: [AffectedEntry] = []
        var mapped = ""
        for e in a.affected {
            guard let naming = n.naming(e) else { continue }
            if entries.isEmpty, reasons { mapped = naming.reason(e) }
            entries.append(e)
        }
        if entries.isEmpty, let vk = p.vendorKeywordEntries(a) {
            entries = vk.entries
            mapped = vk.why
        }
        if entries.isEmpty {
            guard let why = p.descriptionMatch(a) else { return nil }
            return AdvisoryMatch(
                advisory: a, mappedBy: why,
                status: .unknown(reason: "the record names no product or version; mapped by its description only"))
        }
        guard let installed else { return AdvisoryMatch(advisory: a, mappedBy: mapped, status: .unknown(reason: "no installed version")) }
        if a.withdrawn != nil {
            return AdvisoryMatch(advisory: a, mappedBy: mapped, status: .notAffected(reason: "withdrawn/rejected (\(a.withdrawn ?? ""))"))
        }
        let statuses = entries.map { RangeEvaluator.evaluate($0, installed: installed, scheme: scheme, reasons: reasons) }
        return AdvisoryMatch(advisory: a, mappedBy: mapped, status: AffectedStatus.combine(statuses, empty: .unknown(reason: "no statement")))
    }

    /// Whether `match(a, p, installed: nil)` is not nil, without making the match (no copy of the record,
    /// no sentence): what the statistics of a product need of each of its candidates.
    public static func maps(_ a: Advisory, _ p: ProductAliases) -> Bool {
        a.affected.contains { p.naming($0) != nil } || p.vendorKeywordEntries(a) != nil || p.descriptionMatch(a) != nil
    }
}

/// Bounded reads of files that are not host files (advisory feeds, fixtures, the database's inputs).
public enum BoundedFile {
    public static func read(_ path: String, limit: Int) throws -> Data {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw AdvisoriesError(.unreadable, "cannot open \(path)")
        }
        defer { try? h.close() }
        let data: Data
        do { data = try h.read(upToCount: limit + 1) ?? Data() } catch {
            throw AdvisoriesError(.unreadable, "cannot read \(path)", cause: error)
        }
        if data.count > limit {
            throw AdvisoriesError(.tooLarge, "\(path) is larger than the \(limit)-byte cap; skipped")
        }
        return data
    }
}
