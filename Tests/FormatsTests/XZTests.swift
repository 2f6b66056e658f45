import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

/// The .xz decoder on streams the xz 5.4 program wrote (checked-in fixtures, Fixtures/xz/PROVENANCE.md, and
/// streams `xz` writes in the test from real documents: this machine's apt lists, the ISM catalog) and on hostile
/// ones: bit flips, every truncation, bombs, other filters, forged headers.
@Suite struct XZTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static var plain: [UInt8] { get throws { try bytes("lz4/security-head_Packages") } }

    func code(_ bytes: [UInt8], maxSize: Int = 1 << 20) -> FormatErrorCode? {
        do {
            _ = try XZ.decompress(bytes, maxSize: maxSize, name: "t")
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: ["xz/security-head.xz", "xz/security-head.sha256.xz"])
    func fixturesDecodeToTheBytesXzWrote(name: String) throws {
        let input = try Self.bytes(name)
        #expect(XZ.isStream(input))
        let expected = try Self.plain
        #expect(try XZ.decompress(input, maxSize: 1 << 20, name: name) == expected)
        // Exactly at the cap is fine; one byte under is refused, never truncated silently.
        #expect(try XZ.decompress(input, maxSize: expected.count, name: name).count == expected.count)
        #expect(code(input, maxSize: expected.count - 1) == .tooLarge)
    }

    @Test func otherFiltersAndTheLegacyFormatAreRefusedByName() throws {
        let bcj = try Self.bytes("xz/security-head.x86.xz")
        do {
            _ = try XZ.decompress(bcj, maxSize: 1 << 20, name: "bcj")
            Issue.record("a BCJ-filtered stream must be refused")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("x86 BCJ"))
        }
        #expect(code(try Self.bytes("xz/security-head.lzma")) == .unsupported)
        #expect(!XZ.isStream(try Self.bytes("xz/security-head.lzma")))
    }

    @Test func aBombIsRefusedAtTheCapNotAfterIt() throws {
        let bomb = try Self.bytes("xz/zeros-16MiB.xz")  // 2,576 bytes, 16 MiB of zeros, a 64 MiB dictionary
        #expect(code(bomb, maxSize: 1 << 20) == .tooLarge)
        var seen = 0
        var largest = 0
        #expect(throws: FormatError.self) {
            try XZ.decode(bomb, maxSize: 1 << 20, name: "bomb") { piece in
                seen += piece.count
                largest = max(largest, piece.count)
            }
        }
        #expect(seen <= 1 << 20)
        // Under a large enough cap it decodes, in pieces, without the whole output or dictionary at once.
        var total = 0
        var pieces = 0
        try XZ.decode(bomb, maxSize: 16 << 20, name: "bomb") { piece in
            total += piece.count
            pieces += 1
            for i in piece.indices where piece[i] != 0 { Issue.record("a non-zero byte at \(i)") }
        }
        #expect(total == 16 << 20)
        #expect(pieces > 1)
    }

    @Test func everyTruncationIsAnError() throws {
        let input = try Self.bytes("xz/small.crc32.xz")
        for cut in 0..<input.count {
            #expect(code(Array(input[..<cut])) == .corrupt, "cut at \(cut)")
        }
    }

    @Test(arguments: ["xz/small.crc32.xz", "xz/security-head.sha256.xz"])
    func everyBitFlipIsAnErrorNeverACrash(name: String) throws {
        let input = try Self.bytes(name)
        // The small stream: every byte, one bit each (a different one from byte to byte); the larger one: every
        // bit of every 97th byte.
        let small = input.count < 10_000
        for at in stride(from: 0, to: input.count, by: small ? 1 : 97) {
            for bit in small ? [at % 8] : Array(0..<8) {
                var bad = input
                bad[at] ^= UInt8(1 << bit)
                #expect(code(bad) != nil, "byte \(at) bit \(bit)")
            }
        }
    }

    @Test func randomDamageNeverCrashesOrPassesTheCap() throws {
        let input = try Self.bytes("xz/security-head.xz")
        var rng = SplitMix(seed: 1606)
        for _ in 0..<300 {
            var bad = input
            for _ in 0..<(1 + Int(rng.next() % 4)) { bad[12 + Int(rng.next() % UInt64(bad.count - 12))] = UInt8(truncatingIfNeeded: rng.next()) }
            if let out = try? XZ.decompress(bad, maxSize: 200_000, name: "damaged") { #expect(out.count <= 200_000) }
        }
    }

    /// `stream` with its first block header rewritten by `edit` and its CRC32 recomputed.
    static func forgingBlockHeader(_ stream: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var out = stream
        let size = (Int(out[12]) + 1) * 4
        var header = Array(out[12..<(12 + size - 4)])
        edit(&header)
        let crc = CRC32.hash(header)
        out.replaceSubrange(12..<(12 + size - 4), with: header)
        for i in 0..<4 { out[12 + size - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return out
    }

    @Test func forgedHeadersAndTrailersAreRefused() throws {
        let good = try Self.bytes("xz/small.crc32.xz")
        #expect(code(good) == nil)
        // The block header of `xz` 5.4: size, flags 0x00, filter 0x21, one property byte, the dictionary code.
        #expect(good[13] == 0 && good[14] == 0x21 && good[15] == 1)
        // A 128 MiB dictionary (code 30) is over the 64 MiB bound; 64 MiB (code 28, xz -9) is not.
        #expect(code(Self.forgingBlockHeader(good) { $0[4] = 30 }) == .unsupported)
        #expect(code(Self.forgingBlockHeader(good) { $0[4] = 28 }) == nil)
        #expect(code(Self.forgingBlockHeader(good) { $0[4] = 41 }) == .corrupt)
        // A reserved block flag bit.
        #expect(code(Self.forgingBlockHeader(good) { $0[1] = 0x04 }) == .unsupported)
        // Trailing garbage, padding that is not a multiple of four, and padding that is, after the stream.
        #expect(code(good + [0x41]) == .corrupt)
        #expect(code(good + [0, 0, 0]) == .corrupt)
        #expect(code(good + [0, 0, 0, 0]) == nil)
        #expect(code(good + [0, 0, 0, 0] + good) == nil)
        #expect(code(good + [0, 0, 0, 0] + Array(good[..<12])) == .corrupt)
        // A check type that is not None/CRC32/CRC64/SHA-256 (0x02, four bytes), with its header CRC32 made right.
        var flags = good
        flags[7] = 0x02
        let crc = CRC32.hash([0, 0x02])
        for i in 0..<4 { flags[8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        #expect(code(flags) == .unsupported)
        // An index whose record disagrees with the block (one byte more uncompressed), its CRC32 made right.
        var index = good
        let indexSize = (Int(index[index.count - 8]) | Int(index[index.count - 7]) << 8) * 4 + 4
        let indexStart = index.count - 12 - indexSize
        #expect(index[indexStart] == 0 && index[indexStart + 1] == 1)
        var q = indexStart + 2
        while index[q] & 0x80 != 0 { q += 1 }  // past the unpadded size
        index[q + 1] ^= 1  // the uncompressed size's low byte
        let indexCRC = CRC32.hash(Array(index[indexStart..<(indexStart + indexSize - 4)]))
        for i in 0..<4 { index[indexStart + indexSize - 4 + i] = UInt8(truncatingIfNeeded: indexCRC >> (8 * UInt32(i))) }
        #expect(code(index) == .corrupt)
        #expect(code([]) == .corrupt)
        #expect(code(Array("not xz at all".utf8)) == .corrupt)
    }

    @Test func crcReferenceVectors() {
        let check = Array("123456789".utf8)
        #expect(CRC32.hash(check) == 0xCBF4_3926)
        #expect(CRC64.hash(check) == 0x995D_C9BB_DF19_39FA)  // CRC-64/XZ
        #expect(CRC32.hash([]) == 0 && CRC64.hash([]) == 0)
        // Fed in pieces, the same value.
        let text = Array("The quick brown fox jumps over the lazy dog, fed to the CRCs in pieces.".utf8)
        for piece in 1...text.count {
            var c32: UInt32 = 0
            var c64: UInt64 = 0
            var at = 0
            while at < text.count {
                let next = min(text.count, at + piece)
                c32 = CRC32.update(c32, text.span.extracting(at..<next))
                c64 = CRC64.update(c64, text.span.extracting(at..<next))
                at = next
            }
            #expect(c32 == CRC32.hash(text) && c64 == CRC64.hash(text), "pieces of \(piece)")
        }
    }

    // MARK: - Differential against the xz program

    /// Runs `xz` with `arguments` on `input`, returning its standard output.
    static func xz(_ arguments: [String], _ input: [UInt8]) throws -> [UInt8] {
        let xz = try #require(Tool.find("xz"), "xz is not installed")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-xz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("in")
        try Data(input).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xz)
        process.arguments = arguments + ["-c", "--", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "xz \(arguments) failed")
        return Array(out)
    }

    /// Real documents: the security list of this machine's apt (as `lz4 -dc` reads it) when there is one, the
    /// ISM catalog from ../shared/reference, and the checked-in security head.
    static func documents() throws -> [(String, [UInt8])] {
        var documents = [("security-head_Packages", try plain)]
        let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/reference/ism/ISM_catalog.json").standardized
        if let data = try? Data(contentsOf: catalog) { documents.append(("ISM_catalog.json", Array(data))) }
        let security = "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4"
        if let data = try? Data(contentsOf: URL(fileURLWithPath: security)) {
            documents.append(("bookworm-security_Packages", try LZ4.decompress(Array(data), maxSize: 64 << 20, name: security)))
        }
        return documents
    }

    static let presets: [[String]] = [
        ["-0"], ["-6"], ["-9e"], ["--check=none"], ["--check=crc32"], ["--check=crc64"], ["--check=sha256"],
        ["-T2", "--block-size=200000"], ["--lzma2=preset=6,lc=4,lp=0,pb=0"], ["--lzma2=preset=6,lc=0,lp=4,pb=4"],
        ["--lzma2=preset=1,lc=1,lp=2,pb=1"],
    ]

    @Test(.enabled(if: Tool.runs("xz"), "needs xz (xz-utils; .ci/run has it)"), arguments: presets)
    func realDocumentsDecodeAsXzWroteThem(options: [String]) throws {
        for (name, document) in try Self.documents() {
            let compressed = try Self.xz(options, document)
            #expect(try XZ.decompress(compressed, maxSize: 64 << 20, name: name) == document, "\(name) \(options)")
        }
    }

    @Test(.enabled(if: Tool.runs("xz"), "needs xz (xz-utils; .ci/run has it)"))
    func emptyIncompressibleAndConcatenatedStreams() throws {
        // No blocks at all.
        let empty = try Self.xz([], [])
        #expect(try XZ.decompress(empty, maxSize: 0, name: "empty") == [])
        // Random bytes: xz stores them as LZMA2 uncompressed chunks.
        var rng = SplitMix(seed: 14)
        let noise = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let stored = try Self.xz(["-6"], noise)
        #expect(try XZ.decompress(stored, maxSize: 1 << 20, name: "noise") == noise)
        // Mixed: text, then noise, then text in one stream (uncompressed chunks between LZMA chunks).
        let text = try Self.plain
        let mixed = Array(text[..<40_000]) + noise + Array(text[40_000...])
        #expect(try XZ.decompress(try Self.xz(["-6"], mixed), maxSize: 1 << 20, name: "mixed") == mixed)
        // Two streams of different checks with stream padding between them, as `cat a.xz b.xz` makes.
        let a = try Self.xz(["--check=sha256"], text)
        let b = try Self.xz(["-0", "--check=none"], noise)
        #expect(try XZ.decompress(a + b, maxSize: 1 << 20, name: "two") == text + noise)
        #expect(try XZ.decompress(a + [0, 0, 0, 0, 0, 0, 0, 0] + b + [0, 0, 0, 0], maxSize: 1 << 20, name: "padded") == text + noise)
        #expect(code(a + empty + b, maxSize: text.count + noise.count - 1) == .tooLarge)
    }

    @Test(.enabled(if: Tool.runs("xz"), "needs xz (xz-utils; .ci/run has it)"))
    func severalBlocksDecodeAndTheIndexIsChecked() throws {
        let text = try Self.plain
        let blocks = try Self.xz(["-T2", "--block-size=20000"], text)  // five blocks
        var pieces = 0
        var streamed: [UInt8] = []
        try XZ.decode(blocks, maxSize: 1 << 20, name: "blocks") { piece in
            pieces += 1
            for i in piece.indices { streamed.append(piece[i]) }
        }
        #expect(streamed == text)
        #expect(pieces >= 5)
        // The BCJ filter written by xz itself is refused, naming it.
        #expect(code(try Self.xz(["--x86", "--lzma2"], text)) == .unsupported)
        #expect(code(try Self.xz(["--delta=dist=4", "--lzma2"], text)) == .unsupported)
    }
}
