import Foundation

/// Splits command lines written as shell text (launcher test data such as libvirt's `.args` files,
/// Proxmox `.cmd` files, command lines quoted in documentation) into argument arrays. This is not a
/// shell: it understands '…', "…" with backslash escapes, backslash-newline continuations, `#`
/// comments at the start of a word and `$(…)` kept literally; it never expands or runs anything.
/// Leading `NAME=value` words are returned as the environment, not as arguments.
public enum CommandLineText {
    public struct Command: Hashable, Sendable {
        public var environment: [String]
        public var argv: [String]
    }

    /// Splits `text` into commands (one per logical line). With `joinLines`, every line is part of one
    /// command (for documentation that wraps a command without continuations).
    public static func split(_ text: String, joinLines: Bool = false, maxWords: Int = 65_536) throws(ConfigParseError)
        -> [Command]
    {
        var commands: [Command] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1

        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand() {
            endWord()
            if !words.isEmpty {
                var env: [String] = []
                var k = 0
                while k < words.count, isAssignment(words[k]) { env.append(words[k]); k += 1 }
                commands.append(Command(environment: env, argv: Array(words[k...])))
            }
            words = []
        }
        /// A quoted part of a word, from the `quote` at `i` to the one that closes it; a backslash before one of
        /// `escaping` stands for it (before a newline: a continuation, nothing), any other byte is taken as it is.
        func quoted(_ quote: Unicode.Scalar, escaping: String, name: String) throws(ConfigParseError) {
            inWord = true
            i += 1
            let start = line
            while i < chars.count, chars[i] != quote {
                if chars[i] == "\\", i + 1 < chars.count, escaping.unicodeScalars.contains(chars[i + 1]) {
                    if chars[i + 1] != "\n" { word.unicodeScalars.append(chars[i + 1]) } else { line += 1 }
                    i += 2
                    continue
                }
                if chars[i] == "\n" { line += 1 }
                word.unicodeScalars.append(chars[i]); i += 1
            }
            if i >= chars.count {
                throw ConfigParseError(.malformed, source: "command text", line: start, message: "unterminated \(name) quote")
            }
            i += 1
        }

        while i < chars.count {
            if words.count > maxWords {
                throw ConfigParseError(.tooLarge, source: "command text", line: line, message: "more than \(maxWords) words")
            }
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 < chars.count {
                    if chars[i + 1] == "\n" { i += 2; line += 1; continue }
                    word.unicodeScalars.append(chars[i + 1]); inWord = true; i += 2
                } else {
                    i += 1
                }
            case "'": try quoted("'", escaping: "", name: "single")
            case "\"": try quoted("\"", escaping: "\"\\$`\n", name: "double")
            case "$" where i + 1 < chars.count && chars[i + 1] == "(":
                var depth = 0
                inWord = true
                while i < chars.count {
                    let d = chars[i]
                    word.unicodeScalars.append(d)
                    i += 1
                    if d == "(" { depth += 1 } else if d == ")" { depth -= 1; if depth == 0 { break } }
                }
            case "#" where !inWord:
                while i < chars.count, chars[i] != "\n" { i += 1 }
            case "\n":
                line += 1
                i += 1
                if joinLines { endWord() } else { endCommand() }
            case " ", "\t", "\r":
                endWord(); i += 1
            default:
                word.unicodeScalars.append(c); inWord = true; i += 1
            }
        }
        endCommand()
        return commands
    }

    /// The argv in a `/proc/PID/cmdline` buffer: NUL-separated arguments, the last one NUL-terminated.
    /// Invalid UTF-8 is replaced (U+FFFD) rather than refused, so a hostile process name cannot hide the
    /// rest of its command line; `truncated` is true when the buffer did not end with NUL (the caller
    /// read fewer bytes than the kernel had).
    public static func argv(procCmdline data: [UInt8]) -> (argv: [String], truncated: Bool) {
        guard !data.isEmpty else { return ([], false) }
        var parts = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let truncated = data.last != 0
        if !truncated, parts.last == "" { parts.removeLast() }
        return (parts, truncated)
    }

    package static func isAssignment(_ w: String) -> Bool {
        guard let eq = w.firstIndex(of: "="), eq != w.startIndex else { return false }
        let name = w[..<eq]
        guard let f = name.unicodeScalars.first, f == "_" || (f.isASCII && CharacterSet.letters.contains(f)) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }
}
