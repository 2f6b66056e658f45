import Foundation
import Synchronization

/// Version schemes and their comparators.
///
/// Every comparator works on hostile strings: it never traps, and a string that does not follow the
/// scheme gives `nil` from `compare` (the caller reports "unknown", never "not affected").

/// The ordering rules a version string follows.
public enum VersionScheme: String, Codable, Hashable, Sendable, CaseIterable {
    /// dpkg: `[epoch:]upstream[-revision]`, `~` sorts before everything, letters before non-letters.
    case debian
    /// rpmvercmp: `[epoch:]version[-release]`, with `~` (pre-release) and `^` (post-release).
    case rpm
    /// SemVer 2.0.0 precedence (pre-release identifiers, build metadata ignored); a leading `v` is allowed.
    case semver
    /// Go module versions: SemVer with a mandatory-or-optional `v`, pseudo-versions order by their
    /// SemVer pre-release (which embeds the commit time).
    case go
    /// Upstream dotted versions with suffixes: `8.2.0-rc1 < 8.2.0 < 8.2.1 < 10.0.2`, `v` prefix ignored.
    case upstream

    /// Compares two versions under this scheme: -1, 0, 1, or `nil` when either is not a valid version.
    public func compare(_ a: String, _ b: String) -> Int? {
        switch self {
        case .debian: DebianVersion.compare(a, b)
        case .rpm: RPMVersion.compare(a, b)
        case .semver: SemVer.compare(a, b)
        case .go: GoVersion.compare(a, b)
        case .upstream: UpstreamVersion.compare(a, b)
        }
    }

    /// The scheme an OSV ecosystem uses for `ECOSYSTEM` ranges; `nil` when Bulkhead has none.
    public static func forOSVEcosystem(_ ecosystem: String) -> VersionScheme? {
        let base = ecosystem.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ecosystem
        switch base.lowercased() {
        case "go": return .go
        case "crates.io", "npm", "hex", "pub", "swifturl": return .semver
        case "debian", "ubuntu": return .debian
        case "red hat", "almalinux", "rocky linux", "suse", "opensuse", "mageia", "openeuler": return .rpm
        case "pypi", "maven", "nuget", "rubygems", "packagist", "github actions", "linux", "oss-fuzz":
            return .upstream
        default: return nil
        }
    }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) private func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
@inline(__always) private func sign(_ x: Int) -> Int { x < 0 ? -1 : (x > 0 ? 1 : 0) }

// MARK: - Debian (dpkg)

/// A Debian version, split as dpkg splits it.
public struct DebianVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var epoch: Int
    public var upstream: String
    public var revision: String

    /// Parses like dpkg's `parseversion`: epoch before the first `:`, revision after the last `-`.
    /// Returns `nil` for what dpkg rejects (empty, bad epoch, upstream not starting with a digit,
    /// characters outside the allowed set).
    public init?(_ string: String) {
        let s = Whitespace.trimmed(string)
        guard !s.isEmpty, s.utf8.count <= 512 else { return nil }
        var rest = Substring(s)
        if let colon = rest.firstIndex(of: ":") {
            let e = rest[..<colon]
            guard !e.isEmpty, e.utf8.allSatisfy(isDigit), e.utf8.count <= 9, let n = Int(e) else { return nil }
            epoch = n
            rest = rest[rest.index(after: colon)...]
        } else {
            epoch = 0
        }
        if let dash = rest.lastIndex(of: "-") {
            revision = String(rest[rest.index(after: dash)...])
            upstream = String(rest[..<dash])
            guard !revision.isEmpty else { return nil }
        } else {
            revision = ""
            upstream = String(rest)
        }
        guard let first = upstream.utf8.first, isDigit(first) else { return nil }
        let okUpstream = upstream.utf8.allSatisfy { isDigit($0) || isAlpha($0) || ".+-~:".utf8.contains($0) }
        let okRevision = revision.utf8.allSatisfy { isDigit($0) || isAlpha($0) || ".+~".utf8.contains($0) }
        guard okUpstream, okRevision else { return nil }
    }

    public var description: String {
        (epoch > 0 ? "\(epoch):" : "") + upstream + (revision.isEmpty ? "" : "-\(revision)")
    }

    public static func < (a: DebianVersion, b: DebianVersion) -> Bool { compare(a, b) < 0 }

    public static func compare(_ a: DebianVersion, _ b: DebianVersion) -> Int {
        if a.epoch != b.epoch { return a.epoch < b.epoch ? -1 : 1 }
        let u = verrevcmp(Array(a.upstream.utf8), Array(b.upstream.utf8))
        if u != 0 { return u }
        return verrevcmp(Array(a.revision.utf8), Array(b.revision.utf8))
    }

    /// `dpkg --compare-versions` semantics; `nil` when either string is not a valid Debian version.
    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = DebianVersion(a), let y = DebianVersion(b) else { return nil }
        return compare(x, y)
    }

    /// dpkg's character order: end and digits 0, `~` -1, letters by code, anything else code + 256.
    @inline(__always) private static func order(_ c: UInt8?) -> Int {
        guard let c else { return 0 }
        if isDigit(c) { return 0 }
        if isAlpha(c) { return Int(c) }
        if c == UInt8(ascii: "~") { return -1 }
        return Int(c) + 256
    }

    /// dpkg's `verrevcmp`, over byte arrays with bounds-checked indices.
    static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0, j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8? { k < s.count ? s[k] : nil }
        while i < a.count || j < b.count {
            var firstDiff = 0
            while (at(a, i).map { !isDigit($0) } ?? false) || (at(b, j).map { !isDigit($0) } ?? false) {
                let ac = order(at(a, i)), bc = order(at(b, j))
                if ac != bc { return sign(ac - bc) }
                i += 1
                j += 1
            }
            while at(a, i) == UInt8(ascii: "0") { i += 1 }
            while at(b, j) == UInt8(ascii: "0") { j += 1 }
            while let x = at(a, i), let y = at(b, j), isDigit(x), isDigit(y) {
                if firstDiff == 0 { firstDiff = Int(x) - Int(y) }
                i += 1
                j += 1
            }
            if let x = at(a, i), isDigit(x) { return 1 }
            if let y = at(b, j), isDigit(y) { return -1 }
            if firstDiff != 0 { return sign(firstDiff) }
        }
        return 0
    }

    /// The upstream part of a Debian version with repack suffixes removed (`7.2+dfsg` → `7.2`), for
    /// matching upstream advisory ranges.
    public var upstreamForMatching: String {
        // Snapshot versions of date-tagged projects: `0.0~20221219.0` (gVisor's runsc) → `2022-12-19`.
        if let tilde = upstream.firstIndex(of: "~"), upstream[..<tilde].allSatisfy({ $0 == "0" || $0 == "." }) {
            let digits = upstream[upstream.index(after: tilde)...].drop { !$0.isNumber }.prefix { $0.isNumber }
            if digits.count == 8 {
                let d = Array(digits)
                return "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))"
            }
        }
        var u = Substring(upstream)
        for marker in ["+dfsg", "+ds", "~dfsg", "+really", "+repack", "+git", "~git", "+gh"] {
            if let r = u.range(of: marker) { u = u[..<r.lowerBound] }
        }
        return String(u)
    }
}

// MARK: - RPM

public enum RPMVersion {
    /// rpm's `rpmvercmp` on one component (version or release).
    public static func rpmvercmp(_ aString: String, _ bString: String) -> Int {
        if aString == bString { return 0 }
        let a = Array(aString.utf8), b = Array(bString.utf8)
        var i = 0, j = 0
        func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
        let tilde = UInt8(ascii: "~"), caret = UInt8(ascii: "^")
        while i < a.count || j < b.count {
            while i < a.count, !isAlnum(a[i]), a[i] != tilde, a[i] != caret { i += 1 }
            while j < b.count, !isAlnum(b[j]), b[j] != tilde, b[j] != caret { j += 1 }
            let ca: UInt8? = i < a.count ? a[i] : nil
            let cb: UInt8? = j < b.count ? b[j] : nil
            if ca == tilde || cb == tilde {
                if ca != tilde { return 1 }
                if cb != tilde { return -1 }
                i += 1
                j += 1
                continue
            }
            if ca == caret || cb == caret {
                if ca == nil { return -1 }
                if cb == nil { return 1 }
                if ca != caret { return 1 }
                if cb != caret { return -1 }
                i += 1
                j += 1
                continue
            }
            guard let ca, let cb else { break }
            let s1 = i, s2 = j
            let isNum = isDigit(ca)
            if isNum {
                while i < a.count, isDigit(a[i]) { i += 1 }
                while j < b.count, isDigit(b[j]) { j += 1 }
            } else {
                while i < a.count, isAlpha(a[i]) { i += 1 }
                while j < b.count, isAlpha(b[j]) { j += 1 }
            }
            _ = cb
            if j == s2 { return isNum ? 1 : -1 }
            var seg1 = Array(a[s1..<i]), seg2 = Array(b[s2..<j])
            if isNum {
                seg1 = Array(seg1.drop { $0 == UInt8(ascii: "0") })
                seg2 = Array(seg2.drop { $0 == UInt8(ascii: "0") })
                if seg1.count != seg2.count { return seg1.count > seg2.count ? 1 : -1 }
            }
            if seg1 != seg2 { return seg1.lexicographicallyPrecedes(seg2) ? -1 : 1 }
        }
        let endA = i >= a.count, endB = j >= b.count
        if endA && endB { return 0 }
        return endA ? -1 : 1
    }

    /// Splits `[epoch:]version[-release]`.
    public static func parse(_ s: String) -> (epoch: Int, version: String, release: String?)? {
        let t = Whitespace.trimmed(s)
        guard !t.isEmpty, t.utf8.count <= 512 else { return nil }
        var rest = Substring(t)
        var epoch = 0
        if let colon = rest.firstIndex(of: ":") {
            guard let e = Int(rest[..<colon]), e >= 0 else { return nil }
            epoch = e
            rest = rest[rest.index(after: colon)...]
        }
        guard !rest.isEmpty else { return nil }
        if let dash = rest.lastIndex(of: "-") {
            return (epoch, String(rest[..<dash]), String(rest[rest.index(after: dash)...]))
        }
        return (epoch, String(rest), nil)
    }

    /// Full EVR comparison (a missing release compares equal to any release, as rpm does for
    /// dependency ranges).
    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = parse(a), let y = parse(b) else { return nil }
        if x.epoch != y.epoch { return x.epoch < y.epoch ? -1 : 1 }
        let v = rpmvercmp(x.version, y.version)
        if v != 0 { return v }
        guard let r1 = x.release, let r2 = y.release else { return 0 }
        return rpmvercmp(r1, r2)
    }
}

// MARK: - SemVer

public struct SemVer: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Identifier: Hashable, Sendable {
        case numeric(UInt64)
        case alphanumeric(String)
    }
    public var major: UInt64
    public var minor: UInt64
    public var patch: UInt64
    public var prerelease: [Identifier]
    public var build: String?

    /// Strict SemVer 2.0.0, except that one leading `v` is accepted.
    public init?(_ string: String) {
        var s = Substring(string)
        guard s.utf8.count <= 256 else { return nil }
        if s.first == "v" { s = s.dropFirst() }
        var build: String?
        if let plus = s.firstIndex(of: "+") {
            let b = s[s.index(after: plus)...]
            guard !b.isEmpty, b.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ Self.validIdent($0) }) else { return nil }
            build = String(b)
            s = s[..<plus]
        }
        var pre: [Identifier] = []
        if let dash = s.firstIndex(of: "-") {
            let p = s[s.index(after: dash)...]
            for part in p.split(separator: ".", omittingEmptySubsequences: false) {
                guard Self.validIdent(part) else { return nil }
                if part.utf8.allSatisfy(isDigit) {
                    guard part.count == 1 || part.first != "0", let n = UInt64(part) else { return nil }
                    pre.append(.numeric(n))
                } else {
                    pre.append(.alphanumeric(String(part)))
                }
            }
            s = s[..<dash]
        }
        let core = s.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3 else { return nil }
        var nums: [UInt64] = []
        for c in core {
            guard !c.isEmpty, c.utf8.allSatisfy(isDigit), c.count == 1 || c.first != "0", let n = UInt64(c) else { return nil }
            nums.append(n)
        }
        major = nums[0]
        minor = nums[1]
        patch = nums[2]
        prerelease = pre
        self.build = build
    }

    private static func validIdent(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { isDigit($0) || isAlpha($0) || $0 == UInt8(ascii: "-") }
    }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty {
            s +=
                "-"
                + prerelease.map { if case .numeric(let n) = $0 { "\(n)" } else if case .alphanumeric(let a) = $0 { a } else { "" } }.joined(
                    separator: ".")
        }
        if let build { s += "+" + build }
        return s
    }

    public static func compare(_ a: SemVer, _ b: SemVer) -> Int {
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y {
            return x < y ? -1 : 1
        }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) {
            switch (x, y) {
            case (.numeric(let m), .numeric(let n)): if m != n { return m < n ? -1 : 1 }
            case (.numeric, .alphanumeric): return -1
            case (.alphanumeric, .numeric): return 1
            case (.alphanumeric(let s), .alphanumeric(let t)):
                if s != t { return Array(s.utf8).lexicographicallyPrecedes(Array(t.utf8)) ? -1 : 1 }
            }
        }
        if a.prerelease.count != b.prerelease.count { return a.prerelease.count < b.prerelease.count ? -1 : 1 }
        return 0
    }

    public static func < (a: SemVer, b: SemVer) -> Bool { compare(a, b) < 0 }
    public static func == (a: SemVer, b: SemVer) -> Bool { compare(a, b) == 0 }
    public func hash(into h: inout Hasher) {
        h.combine(major); h.combine(minor); h.combine(patch); h.combine(prerelease)
    }

    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = SemVer(a), let y = SemVer(b) else { return nil }
        return compare(x, y)
    }
}

// MARK: - Go

/// A Go module version, including pseudo-versions (`v0.0.0-20260219090056-6a672503973b`,
/// `v1.0.0-rc8.0.20190930145003-cad42f6e0932`).
public struct GoVersion: Hashable, Sendable {
    public var semver: SemVer
    /// For a pseudo-version: the commit time as `yyyymmddhhmmss` and the 12-hex-digit revision.
    public var pseudoTimestamp: String?
    public var pseudoRevision: String?

    public init?(_ string: String) {
        var s = string
        if s.hasSuffix("+incompatible") { s.removeLast("+incompatible".count) }
        guard let v = SemVer(s.hasPrefix("v") ? s : "v" + s) else { return nil }
        semver = v
        // Pseudo-version: the last two pre-release parts (after the final "-" or ".") are a
        // 14-digit timestamp and a 12-hex revision.
        let parts = s.split(separator: "-")
        if parts.count >= 3, let rev = parts.last, rev.count == 12, rev.utf8.allSatisfy({ isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }) {
            let tsPart = parts[parts.count - 2]
            let ts = tsPart.split(separator: ".").last.map(String.init) ?? ""
            if ts.count == 14, ts.utf8.allSatisfy(isDigit) {
                pseudoTimestamp = ts
                pseudoRevision = String(rev)
            }
        }
    }

    public var isPseudo: Bool { pseudoTimestamp != nil }

    /// Go orders module versions by SemVer precedence (pseudo-versions included).
    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = GoVersion(a), let y = GoVersion(b) else { return nil }
        return SemVer.compare(x.semver, y.semver)
    }
}

// MARK: - Upstream dotted

/// Upstream release numbers as projects write them: dotted numbers with optional suffixes.
/// Numeric runs compare as numbers; a pre-release word (`alpha`, `beta`, `rc`, `pre`, `dev`, `a`, `b`,
/// `c`, `preview`) or `~` sorts before the release it precedes; other letters sort after it
/// (`1.0a > 1.0`); separators `.`, `-`, `_`, `+` only split. A leading `v` is ignored.
public enum UpstreamVersion {
    enum Token: Equatable, Sendable {
        case number([UInt8])  // without leading zeros
        case word(String)
        case tilde
    }

    static let prereleaseWords: Set<String> = ["alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"]
    /// Single letters that mean a pre-release only when a number follows (`1.0a1`, `2.0b2`, `3.0m4`);
    /// alone they are patch letters (`1.0a` > `1.0`).
    static let shortPrereleaseWords: Set<String> = ["a", "b", "c", "m"]

    static func tokens(_ string: String) -> [Token]? {
        var s = Array(Whitespace.trimmed(string).utf8)
        guard !s.isEmpty, s.count <= 256 else { return nil }
        if s.first == UInt8(ascii: "v") || s.first == UInt8(ascii: "V"), s.count > 1, isDigit(s[1]) { s.removeFirst() }
        guard let f = s.first, isDigit(f) else { return nil }
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if isDigit(c) {
                let st = i
                while i < s.count, isDigit(s[i]) { i += 1 }
                out.append(.number(Array(s[st..<i].drop { $0 == UInt8(ascii: "0") })))
            } else if isAlpha(c) {
                let st = i
                while i < s.count, isAlpha(s[i]) { i += 1 }
                out.append(.word(String(decoding: s[st..<i], as: UTF8.self).lowercased()))
            } else if c == UInt8(ascii: "~") {
                out.append(.tilde)
                i += 1
            } else if ".-_+".utf8.contains(c) {
                i += 1
            } else {
                return nil
            }
        }
        // Mark context-dependent pre-release letters.
        for k in out.indices {
            if case .word(let w) = out[k], shortPrereleaseWords.contains(w), k + 1 < out.count, case .number = out[k + 1] {
                out[k] = .word(w + "#pre")
            }
        }
        return out
    }

    static func isPreWord(_ w: String) -> Bool { prereleaseWords.contains(w) || w.hasSuffix("#pre") }

    static func isPre(_ t: Token) -> Bool {
        switch t {
        case .tilde: true
        case .word(let w): isPreWord(w)
        case .number: false
        }
    }

    /// `YYYY-MM-DD` (gVisor releases and NVD bounds for them).
    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// A version string as `compare` needs it: whether it is a date, and its tokens.
    struct Parsed: Sendable {
        var isDate: Bool
        var tokens: [Token]?
    }

    /// Parsed version strings, shared by every comparison of the process: an assessment compares the
    /// installed version with the bounds of tens of thousands of ranges, and the bounds repeat (kernel
    /// stable releases, QEMU releases). Bounded: emptied when it reaches `memoLimit` strings.
    static let memo = Mutex<[String: Parsed]>([:])
    static let memoLimit = 65_536

    static func parsed(_ s: String) -> Parsed {
        if let known = memo.withLock({ $0[s] }) { return known }
        let fresh = Parsed(isDate: isDate(s), tokens: tokens(s))
        memo.withLock { m in
            if m.count >= memoLimit { m.removeAll(keepingCapacity: true) }
            m[s] = fresh
        }
        return fresh
    }

    public static func compare(_ a: String, _ b: String) -> Int? {
        let pa = parsed(a), pb = parsed(b)
        // A date and a release number cannot be ordered against each other.
        if pa.isDate != pb.isDate { return nil }
        guard let x = pa.tokens, let y = pb.tokens else { return nil }
        var k = 0
        while true {
            let tx: Token? = k < x.count ? x[k] : nil
            let ty: Token? = k < y.count ? y[k] : nil
            switch (tx, ty) {
            case (nil, nil): return 0
            case (nil, let t?): return isPre(t) ? 1 : -1
            case (let t?, nil): return isPre(t) ? -1 : 1
            case (let p?, let q?):
                if p == q { k += 1; continue }
                switch (p, q) {
                case (.number(let m), .number(let n)):
                    if m.count != n.count { return m.count < n.count ? -1 : 1 }
                    return m.lexicographicallyPrecedes(n) ? -1 : 1
                case (.tilde, _): return -1
                case (_, .tilde): return 1
                case (.word(let v), .word(let w)):
                    let pv = isPreWord(v), pw = isPreWord(w)
                    if pv != pw { return pv ? -1 : 1 }
                    return v < w ? -1 : 1
                // A number sorts after any word at the same position (`1.0.1 > 1.0a`, `1.0.1 > 1.0rc1`).
                case (.number, .word): return 1
                case (.word, .number): return -1
                default: return 0
                }
            }
        }
    }
}

/// `trimmingCharacters(in: .whitespaces)` without the Foundation round trip when there is nothing to trim
/// (nearly every version string): a string whose first and last scalars are ASCII and neither a space nor a
/// tab is returned as it is. Version comparison trims every operand, and the NSString path was a third of
/// an assessment's time with a full advisory database.
enum Whitespace {
    @inline(__always)
    static func trimmed(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last else { return s }
        if f < 0x80, l < 0x80, f != 0x20, f != 0x09, l != 0x20, l != 0x09 { return s }
        return s.trimmingCharacters(in: .whitespaces)
    }

    static func trimmed(_ s: Substring) -> String { trimmed(String(s)) }
}
