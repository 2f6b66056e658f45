/// The lexical rules the line counter needs for one language.
struct Syntax: Sendable {
    enum Strings: Sendable {
        case none, c, cpp, rust, go, swift, csharp, java, python, ocaml, ada, pascal
    }
    enum Watch: Sendable {
        case none, rust, go, swift, csharp, header
    }
    enum LineStart: Sendable {
        case none
        /// Ruby: `=begin` … `=end` at column 0.
        case ruby
        /// Perl: POD (`=head1` … `=cut`) and everything after `__END__`/`__DATA__`.
        case perl
        /// m4: `dnl` at column 0.
        case m4
        /// Assembly: `*` at column 0 (z/OS), and `#` lines that are not C preprocessor directives.
        case assembly
    }

    var slash = false  // `//` and `/* */`
    var nested = false  // block comments nest (Rust, Swift)
    var hash = false  // `#` to end of line
    var dashDash = false  // `--` to end of line (Ada, assembly)
    var asmMarkers = false  // `;` `@` `|` `!` `#` to end of line
    var ocaml = false  // `(* *)`, nested
    var pascal = false  // `{ }` and `(* *)`
    var html = false  // `<!-- -->`
    var allCode = false  // every non-blank line is code (JSON, plain text)
    var strings: Strings = .none
    var watch: Watch = .none
    var lineStart: LineStart = .none

    static func forLanguage(_ language: Language, header: Bool = false) -> Syntax {
        var s = Syntax()
        switch language {
        case .c, .cpp:
            s.slash = true
            s.strings = language == .cpp ? .cpp : .c
            if header { s.watch = .header; s.strings = .cpp }
        case .rust: s.slash = true; s.nested = true; s.strings = .rust; s.watch = .rust
        case .go: s.slash = true; s.strings = .go; s.watch = .go
        case .swift: s.slash = true; s.nested = true; s.strings = .swift; s.watch = .swift
        case .csharp: s.slash = true; s.strings = .csharp; s.watch = .csharp
        case .java: s.slash = true; s.strings = .java
        case .python: s.hash = true; s.strings = .python
        case .ruby: s.hash = true; s.lineStart = .ruby
        case .perl: s.hash = true; s.lineStart = .perl
        case .shell, .make, .meson, .cmake, .yaml, .toml: s.hash = true
        case .autoconf: s.hash = true; s.lineStart = .m4
        case .ocaml: s.ocaml = true; s.strings = .ocaml
        case .ada: s.dashDash = true; s.strings = .ada
        case .pascal: s.slash = true; s.pascal = true; s.strings = .pascal
        case .assembly: s.slash = true; s.asmMarkers = true; s.dashDash = true; s.lineStart = .assembly
        case .xml, .html, .markdown: s.html = true
        case .json, .text, .restructuredText: s.allCode = true
        }
        return s
    }
}
