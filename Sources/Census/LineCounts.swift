/// Blank, comment and code lines, counted the way cloc 1.96 counts them:
/// a line with only whitespace is blank (even inside a comment or string); a line with any code
/// (string contents are code) is code; any other line is a comment line.
public struct LineCounts: Codable, Sendable, Hashable {
    public var blank: Int
    public var comment: Int
    public var code: Int

    public init(blank: Int = 0, comment: Int = 0, code: Int = 0) {
        self.blank = blank
        self.comment = comment
        self.code = code
    }

    public var total: Int { blank + comment + code }

    public static func + (lhs: LineCounts, rhs: LineCounts) -> LineCounts {
        LineCounts(blank: lhs.blank + rhs.blank, comment: lhs.comment + rhs.comment, code: lhs.code + rhs.code)
    }

    public static func += (lhs: inout LineCounts, rhs: LineCounts) { lhs = lhs + rhs }
}

/// What scanning one file found.
public struct ScanResult: Sendable, Hashable {
    public var lines = LineCounts()
    /// `unsafe` escapes found outside comments and strings, by kind (e.g. `block`, `fn`, `unsafe.`, `cgo`).
    public var unsafeUses: [String: Int] = [:]
    /// C++-only constructs seen in code (used to decide whether a `.h` header is C or C++).
    public var cppEvidence = 0

    public var unsafeTotal: Int { unsafeUses.values.reduce(0, +) }
}
