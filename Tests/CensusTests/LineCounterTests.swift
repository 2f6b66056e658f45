import Foundation
import Testing

@testable import Census

/// Exact counts on hand-made files, one per tricky construct.
@Suite struct LineCounterTests {
    static func fixture(_ name: String) throws -> URL {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures bundle missing")
        return dir.appendingPathComponent(name)
    }

    static func scan(_ name: String, as language: Language? = nil, header: Bool = false) throws -> ScanResult {
        let url = try fixture("lang/" + name)
        let data = try Data(contentsOf: url)
        var lang = language
        if lang == nil, case .language(let l) = LanguageDetector.guess(fileName: url.lastPathComponent) { lang = l }
        let language = try #require(lang, "no language for \(name)")
        return try LineCounter.scan(data.span, language: language, header: header)
    }

    static func counts(_ name: String, as language: Language? = nil, header: Bool = false) throws -> LineCounts {
        try scan(name, as: language, header: header).lines
    }

    // MARK: C and C++

    @Test func cBlockCommentsBlankLinesInsideAreBlank() throws {
        #expect(try Self.counts("c_block_comment.c") == LineCounts(blank: 2, comment: 6, code: 4))  // cloc agrees
    }

    @Test func cCommentMarkersInsideStringsAndCharLiterals() throws {
        // cloc 1.96 says 3 comment / 3 code: it loses track after `\"` and `'"'`.
        #expect(try Self.counts("c_markers_in_strings.c") == LineCounts(blank: 0, comment: 1, code: 5))
    }

    @Test func cppRawStringsAndDigitSeparators() throws {
        // cloc 1.96 says 7 comment / 1 code: it does not know raw strings.
        #expect(try Self.counts("cpp_raw_string.cpp") == LineCounts(blank: 0, comment: 2, code: 6))
    }

    @Test func headerWithCppCodeIsCpp() throws {
        let r = try Self.scan("header_cpp.h", as: .c, header: true)
        #expect(r.lines == LineCounts(blank: 0, comment: 1, code: 4))
        #expect(r.cppEvidence > 0)
    }

    @Test func headerWithCppWordsOnlyInCommentsIsC() throws {
        let r = try Self.scan("header_c.h", as: .c, header: true)
        #expect(r.lines == LineCounts(blank: 0, comment: 1, code: 10))
        #expect(r.cppEvidence == 0)
    }

    // MARK: Rust

    @Test func rustNestedBlockComments() throws {
        // cloc 1.96 says 3 comment / 6 code: it does not nest.
        #expect(try Self.counts("rust_nested_comment.rs") == LineCounts(blank: 0, comment: 6, code: 3))
    }

    @Test func rustRawAndByteStrings() throws {
        // cloc 1.96 says 5 comment / 5 code: it reads `/*` inside r##"…"## as a comment.
        #expect(try Self.counts("rust_raw_strings.rs") == LineCounts(blank: 0, comment: 1, code: 9))
    }

    @Test func rustLifetimesAreNotCharLiterals() throws {
        #expect(try Self.counts("rust_lifetimes_chars.rs") == LineCounts(blank: 0, comment: 1, code: 7))  // cloc agrees
    }

    @Test func rustUnsafeByKindOutsideCommentsAndStrings() throws {
        let r = try Self.scan("rust_unsafe.rs")
        #expect(r.lines == LineCounts(blank: 0, comment: 2, code: 8))
        #expect(r.unsafeUses == ["fn": 1, "impl": 1, "trait": 1, "extern": 1, "block": 1])
    }

    // MARK: Go

    @Test func goBacktickRawStringsSpanLines() throws {
        // cloc 1.96 says 6 comment / 4 code.
        #expect(try Self.counts("go_raw_strings.go") == LineCounts(blank: 2, comment: 1, code: 9))
    }

    @Test func goUnsafeAndCgo() throws {
        let r = try Self.scan("go_unsafe.go")
        #expect(r.lines == LineCounts(blank: 3, comment: 3, code: 10))  // cloc agrees
        #expect(r.unsafeUses == ["cgo": 1, "import unsafe": 1, "unsafe.": 2])
    }

    // MARK: Swift

    @Test func swiftNestedBlockComments() throws {
        // cloc 1.96 says 3 comment / 3 code: it does not nest.
        #expect(try Self.counts("swift_nested.swift") == LineCounts(blank: 0, comment: 5, code: 1))
    }

    @Test func swiftRawAndMultilineStrings() throws {
        // cloc 1.96 says 2 comment / 8 code: it reads `// not a comment` in the """ string as a comment.
        #expect(try Self.counts("swift_strings.swift") == LineCounts(blank: 0, comment: 1, code: 9))
    }

    @Test func swiftUnsafeIdentifiers() throws {
        let r = try Self.scan("swift_unsafe.swift")
        #expect(r.lines == LineCounts(blank: 0, comment: 1, code: 5))
        #expect(r.unsafeUses == ["UnsafeMutableRawPointer": 1, "unsafeBitCast": 1, "withUnsafeBytes": 1])
    }

    // MARK: C#, Java

    @Test func csharpVerbatimStringsAndUnsafe() throws {
        let r = try Self.scan("csharp_verbatim.cs")
        #expect(r.lines == LineCounts(blank: 0, comment: 1, code: 7))  // cloc agrees
        #expect(r.unsafeUses == ["unsafe": 1])
    }

    @Test func javaTextBlocks() throws {
        // cloc 1.96 says 4 comment / 4 code.
        #expect(try Self.counts("java_text_block.java") == LineCounts(blank: 0, comment: 1, code: 7))
    }

    // MARK: Scripting, ML, Ada

    @Test func pythonDocstringsAreCommentsShebangIsCode() throws {
        #expect(try Self.counts("python_docstrings.py") == LineCounts(blank: 4, comment: 4, code: 5))  // cloc agrees
    }

    @Test func rubyBeginEndBlocks() throws {
        #expect(try Self.counts("ruby_begin_end.rb") == LineCounts(blank: 0, comment: 5, code: 2))  // cloc agrees
    }

    @Test func ocamlNestedCommentsAndStrings() throws {
        #expect(try Self.counts("ocaml_nested.ml") == LineCounts(blank: 0, comment: 3, code: 3))  // cloc agrees
    }

    @Test func adaDoubledQuotesAndCharacterLiterals() throws {
        #expect(try Self.counts("ada_comments.adb") == LineCounts(blank: 0, comment: 1, code: 6))  // cloc agrees
    }

    @Test func perlPodAndEnd() throws {
        #expect(try Self.counts("perl_pod.pl") == LineCounts(blank: 4, comment: 6, code: 4))  // cloc agrees
    }

    @Test func extensionlessShebangScript() throws {
        let url = try Self.fixture("lang/script_noext")
        #expect(LanguageDetector.guess(fileName: "script_noext") == .maybeScript)
        let data = try Data(contentsOf: url)
        let lang = LanguageDetector.shebang(ArraySlice(data.prefix(while: { $0 != 10 })))
        #expect(lang == .shell)
        #expect(try LineCounter.scan(data.span, language: .shell).lines == LineCounts(blank: 1, comment: 1, code: 3))
        #expect(LanguageDetector.shebang(ArraySlice("#!/usr/bin/env -S python3 -u".utf8)) == .python)
        #expect(LanguageDetector.shebang(ArraySlice("#!/usr/bin/perl -w".utf8)) == .perl)
        #expect(LanguageDetector.shebang(ArraySlice("# not a shebang".utf8)) == nil)
    }

    @Test func buildFiles() throws {
        #expect(try Self.counts("Makefile") == LineCounts(blank: 1, comment: 1, code: 3))
        #expect(try Self.counts("meson.build") == LineCounts(blank: 0, comment: 1, code: 2))
        #expect(LanguageDetector.guess(fileName: "CMakeLists.txt") == .language(.cmake))
    }

    @Test func assemblyCommentsAndPreprocessorDirectives() throws {
        // cloc 1.96 says 6 comment / 2 code: it takes `#include` and `#define` for comments.
        #expect(try Self.counts("asm_mixed.S") == LineCounts(blank: 0, comment: 4, code: 4))
    }

    @Test func dataAndDocsAreSetAside() throws {
        #expect(try Self.counts("data.json") == LineCounts(blank: 1, comment: 0, code: 4))
        #expect(try Self.counts("readme.md") == LineCounts(blank: 1, comment: 1, code: 2))
        #expect(Language.json.category == .data)
        #expect(Language.markdown.category == .data)
        #expect(Language.shell.category == .shell)
        #expect(Language.meson.category == .build)
    }

    @Test func lastLineWithoutNewlineAndEmptyFile() throws {
        let bytes: [UInt8] = Array("int a;\n\n// c".utf8)
        #expect(try LineCounter.scan(bytes.span, language: .c).lines == LineCounts(blank: 1, comment: 1, code: 1))
        let empty: [UInt8] = []
        #expect(try LineCounter.scan(empty.span, language: .c).lines == LineCounts())
    }

    @Test func lineLengthCapFails() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 2000)
        #expect(throws: ScanFailure.lineTooLong(line: 1, length: 2000, limit: 1000)) {
            try LineCounter.scan(bytes.span, language: .c, maxLineLength: 1000)
        }
    }
}
