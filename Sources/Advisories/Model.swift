public import BulkheadModel
public import Foundation

/// The one error type of the Advisories target.
public typealias AdvisoriesError = BulkheadError<AdvisoriesErrorCode>

/// Why an advisory file, archive, database or changelog could not be used.
public enum AdvisoriesErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "advisories"
    case unreadable, tooLarge, invalidUTF8, malformed, unknownFormat, unknownSchemaVersion
    case database, archive, changelog, network, usage
}

/// The format a record came from.
public enum AdvisoryFormat: String, Codable, Hashable, Sendable, CaseIterable {
    case cve5, osv, nvd
    /// CSAF 2.0 VEX (Red Hat's per-CVE documents), `FormatCSAF.swift`.
    case csaf
}

/// A weakness classification and which part of the record stated it.
public struct CWERef: Codable, Hashable, Sendable {
    public var id: Int
    /// `cna`, `adp:<title>`, `nvd:Primary:<source>`, `ghsa`, …
    public var source: String
    public init(id: Int, source: String) {
        self.id = id
        self.source = source
    }
}

/// A severity statement, kept together with who made it.
public struct Severity: Codable, Hashable, Sendable {
    public var score: Double?
    /// CRITICAL / HIGH / MEDIUM / LOW (upper-cased), or a vendor word ("Moderate").
    public var rating: String?
    public var vector: String?
    public var source: String

    public init(score: Double?, rating: String?, vector: String?, source: String) {
        self.score = score
        self.rating = rating.map(ASCIICase.upper)
        self.vector = vector
        self.source = source
    }

    /// CVSS qualitative rating from the score when the record gives none.
    public var effectiveRating: String? {
        if let rating, !rating.isEmpty { return rating }
        guard let score else { return nil }
        switch score {
        case 9.0...: return "CRITICAL"
        case 7.0..<9.0: return "HIGH"
        case 4.0..<7.0: return "MEDIUM"
        case 0.1..<4.0: return "LOW"
        default: return "NONE"
        }
    }

    public var isCritical: Bool { (score ?? 0) >= 9.0 || effectiveRating == "CRITICAL" }
}

/// One OSV range event.
public struct OSVEvent: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable { case introduced, fixed, lastAffected, limit }
    public var kind: Kind
    public var version: String
    public init(_ kind: Kind, _ version: String) {
        self.kind = kind
        self.version = version
    }
}

/// A CVE 5 `changes` entry: from `at` on, the status is `status`.
public struct StatusChange: Codable, Hashable, Sendable {
    public var at: String
    public var status: String
    public init(at: String, status: String) {
        self.at = at
        self.status = status
    }
}

/// One version statement of an advisory, in the shape its format gave it.
public enum VersionRange: Codable, Hashable, Sendable {
    /// CVE 5 `versions[]` entry.
    case cve5(version: String, lessThan: String?, lessThanOrEqual: String?, status: String, versionType: String?, changes: [StatusChange])
    /// OSV `ranges[]` entry (`SEMVER`, `ECOSYSTEM`, `GIT`).
    case osv(type: String, events: [OSVEvent])
    /// NVD `cpeMatch` entry: the version field of the CPE plus the range bounds.
    case cpe(
        version: String, update: String?, startIncluding: String?, startExcluding: String?, endIncluding: String?, endExcluding: String?,
        vulnerable: Bool, platformCondition: Bool)
}

/// What an advisory says is affected: a product (by any of the naming systems) and its versions.
public struct AffectedEntry: Codable, Hashable, Sendable {
    public var vendor: String?
    public var product: String?
    /// CVE 5 `packageName` or OSV `package.name`.
    public var packageName: String?
    /// OSV `package.ecosystem`.
    public var ecosystem: String?
    /// From an NVD criteria string or CVE 5 `cpes`: `cpe:2.3:<part>:<vendor>:<product>:…`.
    public var cpePart: String?
    public var cpeVendor: String?
    public var cpeProduct: String?
    /// CVE 5 `defaultStatus` (affected / unaffected / unknown).
    public var defaultStatus: String?
    public var ranges: [VersionRange]
    /// OSV `versions[]`: exact affected versions.
    public var versions: [String]
    /// CSAF: the full product id the statement is about and its remediation
    /// (`AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64`, `… (no_fix_planned: Will not fix)`).
    public var note: String?

    public init(
        vendor: String? = nil, product: String? = nil, packageName: String? = nil, ecosystem: String? = nil,
        cpePart: String? = nil, cpeVendor: String? = nil, cpeProduct: String? = nil, defaultStatus: String? = nil,
        ranges: [VersionRange] = [], versions: [String] = [], note: String? = nil
    ) {
        self.vendor = vendor
        self.product = product
        self.packageName = packageName
        self.ecosystem = ecosystem
        self.cpePart = cpePart
        self.cpeVendor = cpeVendor
        self.cpeProduct = cpeProduct
        self.defaultStatus = defaultStatus
        self.ranges = ranges
        self.versions = versions
        self.note = note
    }
}

/// One advisory record, normalised from CVE 5, OSV or NVD 2.0.
public struct Advisory: Codable, Hashable, Sendable {
    public var id: String
    public var format: AdvisoryFormat
    public var aliases: [String]
    /// Publication date as written in the record (`datePublished`, OSV `published`, NVD `published`).
    public var published: String?
    public var modified: String?
    /// Withdrawal date (OSV `withdrawn`) or `REJECTED` (CVE state / NVD vulnStatus).
    public var withdrawn: String?
    public var assigner: String?
    public var summary: String
    public var cwes: [CWERef]
    public var severities: [Severity]
    public var affected: [AffectedEntry]
    /// Date a CISA ADP container says the CVE was added to KEV.
    public var kevDateAdded: String?
    /// RustSec `database_specific.categories` and `informational`.
    public var categories: [String]

    public init(
        id: String, format: AdvisoryFormat, aliases: [String] = [], published: String? = nil, modified: String? = nil,
        withdrawn: String? = nil, assigner: String? = nil, summary: String = "", cwes: [CWERef] = [],
        severities: [Severity] = [], affected: [AffectedEntry] = [], kevDateAdded: String? = nil, categories: [String] = []
    ) {
        self.id = id
        self.format = format
        self.aliases = aliases
        self.published = published
        self.modified = modified
        self.withdrawn = withdrawn
        self.assigner = assigner
        self.summary = summary
        self.cwes = cwes
        self.severities = severities
        self.affected = affected
        self.kevDateAdded = kevDateAdded
        self.categories = categories
    }

    /// The CVE ids this record stands for (its id when it is a CVE, and CVE aliases).
    public var cveIDs: [String] {
        var out: [String] = []
        if id.hasPrefix("CVE-") { out.append(id) }
        for a in aliases where a.hasPrefix("CVE-") && !out.contains(a) { out.append(a) }
        return out
    }

    /// `cveIDs.first ?? id` without building the list: the key that groups one vulnerability's records.
    var vulnerabilityKey: String {
        if id.hasPrefix("CVE-") { return id }
        return aliases.first { $0.hasPrefix("CVE-") } ?? id
    }

    /// The severity to use: CNA/primary CVSS v3.x or v4 first, then any other with a score, then a rating.
    public var bestSeverity: Severity? {
        severities.first { $0.score != nil } ?? severities.first { $0.effectiveRating != nil }
    }

    public var memorySafety: MemorySafety.Classification { MemorySafety.classify(self) }
}

/// A CISA Known Exploited Vulnerabilities catalog entry.
public struct KEVEntry: Codable, Hashable, Sendable {
    public var cveID: String
    public var vendorProject: String?
    public var product: String?
    public var dateAdded: String?
    public var dueDate: String?
    public var knownRansomwareCampaignUse: String?
}

/// A record or file that could not be imported, and why.
public struct ImportProblem: Codable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var code: AdvisoriesError.Code.RawValue
    public init(file: String, code: AdvisoriesError.Code, reason: String) {
        self.file = file
        self.code = code.rawValue
        self.reason = reason
    }
    public var description: String { "\(file): \(reason)" }
}

/// Case mappings with the answers of `uppercased()`/`lowercased()`, without making a string when the text
/// is ASCII already in that case (an ASCII string maps byte by byte; anything else goes to the full mapping).
enum ASCIICase {
    static func upper(_ s: String) -> String {
        var ascii = true
        var changes = false
        for b in s.utf8 {
            if b >= 0x80 {
                ascii = false
                break
            }
            if b >= 0x61 && b <= 0x7A { changes = true }
        }
        guard ascii else { return s.uppercased() }
        return changes ? String(decoding: s.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self) : s
    }

    /// Whether `s.lowercased() == lower`, for `lower` lower-case ASCII.
    static func lowercased(_ s: String, is lower: String) -> Bool {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.lowercased() == lower }
        return s.utf8.count == lower.utf8.count && zip(s.utf8, lower.utf8).allSatisfy { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
    }

    /// Whether `s.lowercased().hasPrefix(lower)`, for `lower` lower-case ASCII.
    static func lowercased(_ s: String, hasPrefix lower: String) -> Bool {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.lowercased().hasPrefix(lower) }
        return s.utf8.count >= lower.utf8.count
            && zip(s.utf8, lower.utf8).allSatisfy { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
    }

    /// Whether `s.lowercased().contains(lower)`, for `lower` lower-case ASCII and not empty.
    static func lowercased(_ s: String, contains lower: String) -> Bool {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.lowercased().contains(lower) }
        let t = Array(s.utf8)
        let k = Array(lower.utf8)
        guard !k.isEmpty, t.count >= k.count else { return k.isEmpty }
        for i in 0...(t.count - k.count) {
            var j = 0
            while j < k.count, (t[i + j] >= 0x41 && t[i + j] <= 0x5A ? t[i + j] | 0x20 : t[i + j]) == k[j] { j += 1 }
            if j == k.count { return true }
        }
        return false
    }

    /// Whether `s.uppercased() == upper`, for `upper` upper-case ASCII.
    static func uppercased(_ s: String, is upper: String) -> Bool {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.uppercased() == upper }
        return s.utf8.count == upper.utf8.count && zip(s.utf8, upper.utf8).allSatisfy { a, b in (a >= 0x61 && a <= 0x7A ? a - 0x20 : a) == b }
    }
}

// MARK: - Memory safety

/// The memory-safety weakness classification (documented in docs/advisories.md).
public enum MemorySafety {
    /// CWE ids counted as memory-safety weaknesses (research note advisories.md §4). CWE-190/191
    /// (integer overflow/underflow) count because in C code they are the usual root of a memory error.
    public static let cwes: Set<Int> = [
        119, 120, 121, 122, 123, 124, 125, 126, 127, 131, 190, 191, 415, 416, 476, 590, 680, 761, 762,
        763, 787, 788, 805, 822, 823, 824, 825,
    ]
    /// Description phrases used when no CWE decides.
    public static let keywords = [
        "out-of-bounds", "out of bounds", "use-after-free", "use after free", "heap overflow",
        "heap-based buffer overflow", "stack-based buffer overflow", "buffer overflow", "double free",
        "null pointer dereference", "heap-overflow", "memory corruption",
    ]
    /// RustSec categories that mean a memory-safety defect.
    public static let rustsecCategories: Set<String> = ["memory-corruption", "memory-exposure", "unsound"]

    public struct Classification: Codable, Hashable, Sendable {
        public var isMemorySafety: Bool
        /// What decided: `CWE-416 (cna)`, `keyword "use-after-free"`, `rustsec category memory-corruption`,
        /// or `no CWE or keyword`.
        public var reason: String
    }

    static let keywordBytes: [[UInt8]] = keywords.map { Array($0.utf8) }

    /// The first keyword (in `keywords` order) found, ASCII case-insensitively, in one pass over the
    /// text: at each byte only the keywords starting with that (lower-cased) pair of letters are compared
    /// (every keyword starts with two letters).
    static func firstKeyword(in text: String) -> String? {
        let t = text.utf8.span
        // Globals read once, not at every byte.
        let pairs = byFirstPair
        let words = keywordBytes
        var found = Int.max
        var i = 0
        while i + 1 < t.count {
            let a = (t[i] | 0x20) &- 0x61
            let b = (t[i + 1] | 0x20) &- 0x61
            if a < 26, b < 26 {
                var candidates = pairs[Int(a) * 26 + Int(b)]
                while candidates != 0 {
                    let n = candidates.trailingZeroBitCount
                    candidates &= candidates - 1
                    if n < found, matches(t, at: i, words[n]) { found = n }
                }
                if found == 0 { break }
            }
            i += 1
        }
        return found == Int.max ? nil : keywords[found]
    }

    /// For each pair of lower-case letters (`26 * first + second`), the keywords starting with it, as bits
    /// of their index in `keywords`.
    static let byFirstPair: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 26 * 26)
        for (n, k) in keywordBytes.enumerated() {
            precondition(k.count >= 2 && (0x61...0x7A).contains(k[0]) && (0x61...0x7A).contains(k[1]) && n < 32)
            table[Int(k[0] - 0x61) * 26 + Int(k[1] - 0x61)] |= 1 << UInt32(n)
        }
        return table
    }()

    private static func matches(_ t: Span<UInt8>, at i: Int, _ k: [UInt8]) -> Bool {
        guard i + k.count <= t.count else { return false }
        for j in 0..<k.count {
            var c = t[i + j]
            if c >= 0x41, c <= 0x5A { c |= 0x20 }
            if c != k[j] { return false }
        }
        return true
    }

    public static func classify(_ a: Advisory) -> Classification {
        for c in a.cwes where cwes.contains(c.id) {
            return Classification(isMemorySafety: true, reason: "CWE-\(c.id) (\(c.source))")
        }
        for c in a.categories where rustsecCategories.contains(c) {
            return Classification(isMemorySafety: true, reason: "rustsec category \(c)")
        }
        if let k = firstKeyword(in: a.summary) {
            return Classification(isMemorySafety: true, reason: "keyword \"\(k)\" in description")
        }
        if let c = a.cwes.first {
            return Classification(isMemorySafety: false, reason: "CWE-\(c.id) (\(c.source)) is not a memory-safety CWE")
        }
        return Classification(isMemorySafety: false, reason: "no CWE or keyword")
    }
}

// MARK: - Dates

public enum AdvisoryDate {
    /// Days since 1970-01-01 of a date written `YYYY-MM-DD…` (any time/zone suffix ignored);
    /// `nil` for malformed dates and Go vulndb's `0001-01-01` placeholder.
    public static func dayNumber(_ s: String?) -> Int? {
        guard let s else { return nil }
        let u = Array(s.utf8.prefix(10))
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for k in r {
                let c = u[k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                n = n * 10 + Int(c - 0x30)
            }
            return n
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), y >= 1970, (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        // Howard Hinnant's days_from_civil.
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func year(_ s: String?) -> Int? {
        guard dayNumber(s) != nil, let s else { return nil }
        return Int(s.prefix(4))
    }

    public static func dayNumber(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86400).rounded(.down)) }
}
