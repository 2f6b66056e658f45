import BulkheadTestSupport
import Foundation
import Testing

@testable import Census

/// Runs the real cloc 1.96 on the fixtures where both tools should agree, and on those where
/// docs/census.md says cloc is wrong, checks that cloc still says what the docs claim (so the
/// documented differences stay true).
@Suite(.enabled(if: Tool.runs("cloc"), "needs cloc (.ci/run installs it)"))
struct ClocAgreementTests {
    /// cloc's per-file (blank, comment, code) for the fixture files.
    static func clocCounts(_ files: [String]) async throws -> [String: LineCounts] {
        let cloc = try #require(Tool.find("cloc"), "cloc is not installed")
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("lang")
        let r = try await ToolRun.run(
            cloc, ["--by-file", "--json", "--skip-uniqueness", "--quiet"] + files.map { dir.appendingPathComponent($0).path })
        #expect(r.status == 0, "cloc failed: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var out: [String: LineCounts] = [:]
        for (key, value) in json {
            guard let v = value as? [String: Any], let blank = v["blank"] as? Int, let comment = v["comment"] as? Int,
                let code = v["code"] as? Int
            else { continue }
            out[URL(fileURLWithPath: key).lastPathComponent] = LineCounts(blank: blank, comment: comment, code: code)
        }
        return out
    }

    @Test func agreesWithClocWhereClocIsRight() async throws {
        let files = [
            "c_block_comment.c", "rust_lifetimes_chars.rs", "go_unsafe.go", "csharp_verbatim.cs",
            "python_docstrings.py", "ruby_begin_end.rb", "ocaml_nested.ml", "ada_comments.adb", "perl_pod.pl",
            "Makefile", "meson.build", "data.json", "rust_unsafe.rs",
        ]
        let theirs = try await Self.clocCounts(files)
        try #require(!theirs.isEmpty, "cloc counted none of the files")
        for f in files {
            let ours = try LineCounterTests.counts(f)
            #expect(theirs[f] == ours, "\(f): cloc \(String(describing: theirs[f])), bulkhead \(ours)")
        }
    }

    @Test func clocStillGetsTheDocumentedCasesWrong() async throws {
        let expectedCloc: [String: LineCounts] = [
            "c_markers_in_strings.c": LineCounts(blank: 0, comment: 3, code: 3),
            "cpp_raw_string.cpp": LineCounts(blank: 0, comment: 7, code: 1),
            "rust_nested_comment.rs": LineCounts(blank: 0, comment: 3, code: 6),
            "rust_raw_strings.rs": LineCounts(blank: 0, comment: 5, code: 5),
            "go_raw_strings.go": LineCounts(blank: 2, comment: 6, code: 4),
            "swift_nested.swift": LineCounts(blank: 0, comment: 3, code: 3),
            "java_text_block.java": LineCounts(blank: 0, comment: 4, code: 4),
            "asm_mixed.S": LineCounts(blank: 0, comment: 6, code: 2),
        ]
        let theirs = try await Self.clocCounts(Array(expectedCloc.keys))
        try #require(!theirs.isEmpty, "cloc counted none of the files")
        for (f, expected) in expectedCloc {
            #expect(theirs[f] == expected, "\(f): cloc now says \(String(describing: theirs[f])); update docs/census.md")
            #expect(try LineCounterTests.counts(f) != expected)
        }
    }
}
