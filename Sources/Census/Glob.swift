/// Shell-style globs over relative paths: `*` and `?` stay within one path component, `**` crosses
/// components, `[abc]` is a set. A pattern without `/` matches any single component or the file name
/// (like .gitignore), so `--exclude tests` drops every `tests` directory.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]
    private let anchored: Bool

    public init(_ pattern: String) {
        var p = pattern
        while p.hasPrefix("./") { p.removeFirst(2) }
        if p.hasSuffix("/") { p.removeLast() }
        self.pattern = pattern
        self.bytes = Array(p.utf8)
        self.anchored = p.contains("/")
    }

    public var description: String { pattern }

    /// Whether `path` (relative, `/`-separated) or, for unanchored patterns, one of its components matches.
    /// A directory match also matches everything below it.
    public func matches(_ path: String) -> Bool {
        let p = Array(path.utf8)
        if anchored {
            if Glob.match(bytes, 0, p, 0) { return true }
            // A match on a leading directory covers everything below it.
            var i = 0
            while i < p.count {
                if p[i] == UInt8(ascii: "/"), Glob.match(bytes, 0, Array(p[0..<i]), 0) { return true }
                i += 1
            }
            return false
        }
        for component in p.split(separator: UInt8(ascii: "/")) where Glob.match(bytes, 0, Array(component), 0) {
            return true
        }
        return false
    }

    static func match(_ pat: [UInt8], _ pi: Int, _ str: [UInt8], _ si: Int) -> Bool {
        var pi = pi, si = si
        while pi < pat.count {
            let c = pat[pi]
            if c == UInt8(ascii: "*") {
                let doubleStar = pi + 1 < pat.count && pat[pi + 1] == UInt8(ascii: "*")
                var next = pi + (doubleStar ? 2 : 1)
                if doubleStar && next < pat.count && pat[next] == UInt8(ascii: "/") {
                    // `**/` may also match nothing.
                    if match(pat, next + 1, str, si) { return true }
                    next += 0
                }
                var k = si
                while true {
                    if match(pat, next, str, k) { return true }
                    if k >= str.count { return false }
                    if !doubleStar && str[k] == UInt8(ascii: "/") { return false }
                    k += 1
                }
            }
            guard si < str.count else { return false }
            if c == UInt8(ascii: "?") {
                if str[si] == UInt8(ascii: "/") { return false }
            } else if c == UInt8(ascii: "[") {
                var k = pi + 1
                var negate = false
                if k < pat.count && (pat[k] == UInt8(ascii: "!") || pat[k] == UInt8(ascii: "^")) { negate = true; k += 1 }
                var found = false
                var first = true
                while k < pat.count && (first || pat[k] != UInt8(ascii: "]")) {
                    first = false
                    if k + 2 < pat.count && pat[k + 1] == UInt8(ascii: "-") && pat[k + 2] != UInt8(ascii: "]") {
                        if str[si] >= pat[k] && str[si] <= pat[k + 2] { found = true }
                        k += 3
                    } else {
                        if str[si] == pat[k] { found = true }
                        k += 1
                    }
                }
                guard k < pat.count else { return c == str[si] && match(pat, pi + 1, str, si + 1) }  // no `]`: literal
                if found == negate { return false }
                pi = k
            } else if c != str[si] {
                return false
            }
            pi += 1
            si += 1
        }
        return si == str.count
    }
}
