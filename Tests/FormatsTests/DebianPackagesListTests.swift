import Foundation
import Testing

@testable import Formats

/// apt's `Packages` lists read in the pieces LZ4 decodes them to (a real bookworm-security list captured on the CI
/// machine: ChecksTests/Fixtures/apt, PROVENANCE there).
@Suite struct DebianPackagesListTests {
    static let securityList = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(
            "ChecksTests/Fixtures/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages")

    /// The scanner sees a list in the pieces an LZ4 list decodes to: a line cut anywhere (inside `Package:`,
    /// between a name and its newline, at a stanza's blank line) reads the same as the whole list.
    @Test func aListFedInPiecesReadsAsTheWholeList() throws {
        let bytes = Array(try Data(contentsOf: Self.securityList))
        func scan(pieces size: Int, wanted: Set<String>?) -> PackageListScanner {
            var scanner = PackageListScanner(wanted: wanted)
            var at = 0
            while at < bytes.count {
                let next = min(bytes.count, at + size)
                scanner.feed(bytes.span.extracting(at..<next))
                at = next
            }
            scanner.finish()
            return scanner
        }
        let whole = scan(pieces: bytes.count, wanted: nil)
        #expect(whole.stanzas == 4 && whole.versions.count == 4)
        for size in [1, 2, 3, 7, 8, 9, 64, 1000, 4096] {
            let pieces = scan(pieces: size, wanted: nil)
            #expect(pieces.stanzas == whole.stanzas, "pieces of \(size)")
            #expect(
                pieces.versions.map { "\($0.package) \($0.version)" } == whole.versions.map { "\($0.package) \($0.version)" }, "pieces of \(size)")
        }
        // Only the wanted packages' versions are kept; every stanza is still counted.
        let some = scan(pieces: 5, wanted: ["openssl", "curl", "tzdata"])
        #expect(some.stanzas == 4 && Set(some.versions.map(\.package)) == ["openssl", "curl"])
        // A list that does not end in a newline keeps its last line.
        var cut = PackageListScanner(wanted: nil)
        let unterminated = Array("Package: a\nVersion: 1.0".utf8)
        cut.feed(unterminated.span)
        cut.finish()
        #expect(cut.versions.map { "\($0.package) \($0.version)" } == ["a 1.0"])
    }
}
