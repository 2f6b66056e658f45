import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

/// The LZ4 frame decoder on real frames (apt's own list from /var/lib/apt/lists and the lz4 1.9.4 program's
/// frames; Fixtures/lz4/PROVENANCE.md) and on hostile ones: corruption, truncation, bombs, offsets before the data.
@Suite struct LZ4Tests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/lz4")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    @Test(arguments: [
        ("bookworm-updates_Packages.lz4", "bookworm-updates_Packages"),
        ("apt-style.lz4", "security-head_Packages"),
        ("cli-default.lz4", "security-head_Packages"),
        ("block-checksum.lz4", "security-head_Packages"),
        ("hc-content-size.lz4", "security-head_Packages"),
    ])
    func realFramesDecodeToTheBytesLz4Wrote(compressed: String, plain: String) throws {
        let input = try Self.bytes(compressed)
        #expect(LZ4.isFrame(input))
        let expected = try Self.bytes(plain)
        #expect(expected.count > 30_000)  // more than one 64 KiB block for the security head (99,762 bytes)
        let out = try LZ4.decompress(input, maxSize: 1 << 20, name: compressed)
        #expect(out == expected)
        // Exactly at the cap is fine; one byte under is refused, never truncated silently.
        #expect(try LZ4.decompress(input, maxSize: expected.count, name: compressed).count == expected.count)
        #expect(throws: FormatError.self) { try LZ4.decompress(input, maxSize: expected.count - 1, name: compressed) }
    }

    @Test func twoConcatenatedFramesAndASkippableFrameDecodeInOrder() throws {
        let a = try Self.bytes("bookworm-updates_Packages.lz4")
        let b = try Self.bytes("cli-default.lz4")
        let skippable: [UInt8] = [0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]
        let out = try LZ4.decompress(a + skippable + b, maxSize: 1 << 20, name: "two")
        #expect(out == (try Self.bytes("bookworm-updates_Packages")) + (try Self.bytes("security-head_Packages")))
    }

    @Test func everyTruncationOfAnAptFrameIsAnError() throws {
        let input = try Self.bytes("apt-style.lz4")  // no checksums: only the structure tells a short frame
        for cut in stride(from: 1, to: input.count, by: 97) {
            #expect(throws: FormatError.self) { try LZ4.decompress(Array(input[..<cut]), maxSize: 1 << 20, name: "cut") }
        }
    }

    @Test func aFlippedByteUnderAChecksumIsAnError() throws {
        let input = try Self.bytes("cli-default.lz4")  // content checksum
        for at in stride(from: 4, to: input.count, by: 131) {
            var bad = input
            bad[at] ^= 0x20
            #expect(throws: FormatError.self, "byte \(at)") { try LZ4.decompress(bad, maxSize: 1 << 20, name: "flip") }
        }
    }

    @Test func randomDamageNeverCrashesOrPassesTheCap() throws {
        let input = try Self.bytes("apt-style.lz4")
        var rng = SplitMix(seed: 14)
        for _ in 0..<300 {
            var bad = input
            for _ in 0..<(1 + Int(rng.next() % 4)) { bad[7 + Int(rng.next() % UInt64(bad.count - 7))] = UInt8(truncatingIfNeeded: rng.next()) }
            if let out = try? LZ4.decompress(bad, maxSize: 200_000, name: "damaged") { #expect(out.count <= 200_000) }
        }
    }

    /// A frame header: magic, FLG, BD and the header checksum xxHash-32 computes.
    static func header(flags: UInt8, bd: UInt8) -> [UInt8] {
        [0x04, 0x22, 0x4D, 0x18, flags, bd, UInt8(truncatingIfNeeded: XXHash32.hash([flags, bd]) >> 8)]
    }

    static func block(_ data: [UInt8]) -> [UInt8] {
        let n = UInt32(data.count)
        return [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + data
    }

    @Test func aBombIsRefusedAtTheCapNotAfterIt() throws {
        // One literal, then a match of 15 + 255 × 16,000 + 4 bytes from a 4 MiB-block frame: 4 MB from 16 kB.
        let body: [UInt8] = [0x1F, 0x41, 0x01, 0x00] + [UInt8](repeating: 255, count: 16_000) + [0, 0x00]
        let frame = Self.header(flags: 0x60, bd: 0x70) + Self.block(body) + [0, 0, 0, 0]
        #expect(throws: FormatError.self) { try LZ4.decompress(frame, maxSize: 65_536, name: "bomb") }
        do {
            _ = try LZ4.decompress(frame, maxSize: 65_536, name: "bomb")
        } catch {
            #expect(error.code == .tooLarge)
        }
        // Under a cap that allows it, the 4,080,020 bytes fit the 4 MiB block maximum and decode.
        let out = try LZ4.decompress(frame, maxSize: 8 << 20, name: "bomb")
        #expect(out.count == 1 + 15 + 255 * 16_000 + 4 && out.allSatisfy { $0 == 0x41 })
        // The same block in a 64 KiB-block frame decodes past the frame's block maximum: corrupt.
        let small = Self.header(flags: 0x60, bd: 0x40) + Self.block(body) + [0, 0, 0, 0]
        #expect(throws: FormatError.self) { try LZ4.decompress(small, maxSize: 8 << 20, name: "bomb") }
    }

    @Test func hostileHeadersAndOffsetsAreRefused() throws {
        func code(_ bytes: [UInt8]) -> FormatErrorCode? {
            do {
                _ = try LZ4.decompress(bytes, maxSize: 1 << 20, name: "hostile")
                return nil
            } catch { return error.code }
        }
        let end: [UInt8] = [0, 0, 0, 0]
        // A match 5 bytes back after 1 byte of output.
        #expect(code(Self.header(flags: 0x60, bd: 0x40) + Self.block([0x10, 0x41, 0x05, 0x00, 0x00]) + end) == .corrupt)
        // Offset 0 is invalid.
        #expect(code(Self.header(flags: 0x60, bd: 0x40) + Self.block([0x10, 0x41, 0x00, 0x00, 0x00]) + end) == .corrupt)
        // An independent block cannot reach into the block before it.
        let first = Self.block([0x10, 0x41])
        #expect(code(Self.header(flags: 0x60, bd: 0x40) + first + Self.block([0x00, 0x01, 0x00, 0x00]) + end) == .corrupt)
        // …a linked one can.
        let linked = try LZ4.decompress(
            Self.header(flags: 0x40, bd: 0x40) + first + Self.block([0x00, 0x01, 0x00, 0x00]) + end, maxSize: 100, name: "linked")
        #expect(linked == [UInt8](repeating: 0x41, count: 5))
        // Header checksum wrong, reserved bits, dictionary, legacy format, version 0, garbage.
        var badHC = Self.header(flags: 0x60, bd: 0x40)
        badHC[6] ^= 1
        #expect(code(badHC + end) == .corrupt)
        #expect(code(Self.header(flags: 0x62, bd: 0x40) + end) == .corrupt)
        #expect(code(Self.header(flags: 0x61, bd: 0x40) + [0, 0, 0, 0] + end) == .unsupported)
        #expect(code([0x02, 0x21, 0x4C, 0x18, 0, 0, 0, 0]) == .unsupported)
        #expect(code(Self.header(flags: 0x20, bd: 0x40) + end) == .unsupported)
        #expect(code(Self.header(flags: 0x60, bd: 0x30) + end) == .corrupt)
        #expect(code([0x1F, 0x8B, 0x08, 0x00]) == .corrupt)
        #expect(code([]) == .corrupt)
        // A declared content size that does not match.
        let sized =
            [0x04, 0x22, 0x4D, 0x18]
            + { () -> [UInt8] in
                let d: [UInt8] = [0x68, 0x40, 9, 0, 0, 0, 0, 0, 0, 0]
                return d + [UInt8(truncatingIfNeeded: XXHash32.hash(d) >> 8)]
            }()
        #expect(code(sized + first + end) == .corrupt)
        // An empty frame is empty output.
        #expect(try LZ4.decompress(Self.header(flags: 0x60, bd: 0x40) + end, maxSize: 10, name: "empty") == [])
    }

    /// A linked frame of 40 blocks of 60 KB (2.4 MB out), each a match reaching back into the block before it,
    /// with a content checksum: the streaming decoder keeps only 64 KiB of history and slides it once per MiB, so
    /// this crosses every slide. The expected bytes come from a naive decoder that keeps everything.
    @Test func aLongLinkedFrameDecodesAcrossTheSlidingWindow() throws {
        var rng = SplitMix(seed: 1460)
        var frame: [UInt8] = []
        var expected: [UInt8] = []
        for k in 0..<40 {
            var body: [UInt8] = []
            let literals = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let offset = k == 0 ? 8 : 1 + Int(rng.next() % 65_535)  // the first block reaches only its own literals
            let match = 60_000
            body.append(0x8F)  // 8 literals, match length 15 + extension
            body += literals
            body += [UInt8(offset & 0xFF), UInt8(offset >> 8)]
            var rest = match - 4 - 15
            while rest >= 255 {
                body.append(255)
                rest -= 255
            }
            body.append(UInt8(rest))
            let tail = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            body.append(0x80)
            body += tail
            frame += Self.block(body)
            // The naive reference: append literals, copy the match byte by byte, append the tail.
            expected += literals
            for _ in 0..<match { expected.append(expected[expected.count - offset]) }
            expected += tail
        }
        let checksum = XXHash32.hash(expected)
        let input =
            Self.header(flags: 0x44, bd: 0x40) + frame + [0, 0, 0, 0]
            + [UInt8(checksum & 0xFF), UInt8(checksum >> 8 & 0xFF), UInt8(checksum >> 16 & 0xFF), UInt8(checksum >> 24)]
        #expect(expected.count == 40 * 60_016)
        var streamed: [UInt8] = []
        var blocks = 0
        try LZ4.decode(input, maxSize: 4 << 20, name: "linked") { block in
            blocks += 1
            #expect(block.count <= 1 << 16)
            for i in block.indices { streamed.append(block[i]) }
        }
        #expect(blocks == 40)
        #expect(streamed == expected)
        #expect(try LZ4.decompress(input, maxSize: 4 << 20, name: "linked") == expected)
        // The streamed content checksum catches one changed byte in the last block.
        var bad = input
        bad[bad.count - 20] ^= 1
        #expect(throws: FormatError.self) { try LZ4.decode(bad, maxSize: 4 << 20, name: "bad") { _ in } }
    }

    static var aptLists: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/apt/lists")) ?? []).filter { $0.hasSuffix("_Packages.lz4") }.sorted()
    }

    /// apt's own main list on this machine (Debian 12's is 19 MB stored, 50 MB plain), against `lz4 -dc` run on it.
    @Test(.enabled(if: Tool.runs("lz4") && Self.aptLists.count > 0, "needs the lz4 program and apt's lists (.ci/run has both)"))
    func thisMachinesAptListsDecodeAsLz4DecodesThem() throws {
        let lists = "/var/lib/apt/lists"
        let lz4 = try #require(Tool.find("lz4"), "lz4 is not installed")
        try #require(!Self.aptLists.isEmpty, "no apt list stored as .lz4 in \(lists)")
        for name in Self.aptLists {
            let path = "\(lists)/\(name)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: lz4)
            process.arguments = ["-dc", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let reference = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            var hash = XXHash32.Stream()
            var count = 0
            try LZ4.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))), maxSize: 160 << 20, name: name) { block in
                hash.update(block)
                count += block.count
            }
            #expect(count == reference.count, "\(name)")
            #expect(hash.digest() == XXHash32.hash(Array(reference)), "\(name)")
        }
    }

    @Test func xxHash32MatchesTheReferenceVectors() {
        // xxHash's published values (xxhsum): "" and "abc" with seed 0.
        #expect(XXHash32.hash([UInt8]()) == 0x02CC_5D05)
        #expect(XXHash32.hash(Array("abc".utf8)) == 0x32D1_53FF)
        // Fed in pieces of every size, the stream gives the one-shot value.
        let text = Array("Nobody inspects the spammish repetition, fed to xxHash-32 in pieces of every size.".utf8)
        for piece in 1...text.count {
            var stream = XXHash32.Stream()
            var at = 0
            while at < text.count {
                let next = min(text.count, at + piece)
                stream.update(text.span.extracting(at..<next))
                at = next
            }
            #expect(stream.digest() == XXHash32.hash(text), "pieces of \(piece)")
        }
    }
}

/// A deterministic generator for the damage test (the same bytes every run).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
