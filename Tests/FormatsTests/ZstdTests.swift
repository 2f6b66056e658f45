import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

/// The Zstandard decoder against the zstd 1.5 program, run in the test on real documents (this machine's apt
/// security list, as LZ4 decodes it; the ISM catalog from ../shared/reference; the checked-in security head of
/// Fixtures/lz4) at many settings, and on hostile frames: bit flips, every truncation, bombs, dictionaries,
/// windows over the limit, trailing bytes, and the crashes the fuzzer found.
@Suite struct ZstdTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var plain: [UInt8] {
        get throws { Array(try Data(contentsOf: fixtures.appendingPathComponent("lz4/security-head_Packages"))) }
    }

    func code(_ bytes: [UInt8], maxSize: Int = 1 << 24) -> FormatErrorCode? {
        do {
            _ = try Zstd.decompress(bytes, maxSize: maxSize, name: "t")
            return nil
        } catch {
            return error.code
        }
    }

    // MARK: - XXH64

    /// Known vectors (xxHash's own: the empty input, "a", "abc", and python-xxhash's documented example).
    @Test func xxh64MatchesKnownVectors() {
        #expect(XXHash64.hash(Array("".utf8)) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test func xxh64FedInPiecesEqualsOneCall() throws {
        let text = try Self.plain
        let whole = XXHash64.hash(text)
        for piece in [1, 7, 31, 32, 33, 1000, 65536] {
            var stream = XXHash64.Stream()
            var at = 0
            while at < text.count {
                let next = min(text.count, at + piece)
                stream.update(text.span.extracting(at..<next))
                at = next
            }
            #expect(stream.digest() == whole, "pieces of \(piece)")
        }
    }

    // MARK: - Differential against the zstd program

    /// Runs `zstd` with `arguments` on `input` (a file, so the frame states its content size unless told not to),
    /// returning its standard output.
    static func zstd(_ arguments: [String], _ input: [UInt8]) throws -> [UInt8] {
        let zstd = try #require(Tool.find("zstd"), "zstd is not installed")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-zstd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("in")
        try Data(input).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zstd)
        process.arguments = arguments + ["-q", "-c", "--", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "zstd \(arguments) failed")
        return Array(out)
    }

    /// Real documents: the security list of this machine's apt (as LZ4 decodes it) when there is one, the ISM
    /// catalog from ../shared/reference, and the checked-in security head.
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
        ["-1"], ["-3"], ["-9"], ["-19"], ["--ultra", "-22"], ["--long=27"], ["--no-check"], ["--no-content-size"],
        ["-3", "--zstd=wlog=10"],  // a 1 KiB window: 1 KiB blocks, every offset checked against the window
        ["-19", "--zstd=wlog=17,hlog=10"],
    ]

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"), arguments: presets)
    func realDocumentsDecodeToTheBytesZstdCompressed(preset: [String]) throws {
        for (name, document) in try Self.documents() {
            let frame = try Self.zstd(preset, document)
            #expect(Zstd.isFrame(frame))
            let out = try Zstd.decompress(frame, maxSize: 64 << 20, name: name)
            #expect(out == document, "\(name) \(preset)")
            // Streamed: the pieces in order are the document, each at most one block.
            var streamed: [UInt8] = []
            var largest = 0
            try Zstd.decode(frame, maxSize: 64 << 20, name: name) { piece in
                largest = max(largest, piece.count)
                for i in piece.indices { streamed.append(piece[i]) }
            }
            #expect(streamed == document && largest <= 128 << 10, "\(name) \(preset)")
            // Exactly at the cap is fine; one byte under is refused, never truncated silently.
            #expect(try Zstd.decompress(frame, maxSize: document.count, name: name).count == document.count)
            #expect(code(frame, maxSize: document.count - 1) == .tooLarge, "\(name) \(preset)")
        }
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func edgeInputsDecode() throws {
        var rng = SplitMix(seed: 8878)
        let random = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }  // raw blocks
        let repetitive = [UInt8](repeating: 0x61, count: 1 << 20)  // RLE blocks
        let cases: [(String, [UInt8])] = [
            ("empty", []), ("one byte", [0x42]), ("repetitive", repetitive), ("random", random),
            ("text then zeros", try Self.plain + [UInt8](repeating: 0, count: 200_000)),
        ]
        for (name, input) in cases {
            for preset in [["-1"], ["-19"], ["--no-check"], ["--no-content-size"]] {
                let frame = try Self.zstd(preset, input)
                #expect(try Zstd.decompress(frame, maxSize: 4 << 20, name: name) == input, "\(name) \(preset)")
            }
        }
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func concatenatedAndSkippableFramesDecodeInOrder() throws {
        let text = try Self.plain
        let a = try Self.zstd(["-3"], Array(text[..<40_000]))
        let b = try Self.zstd(["-19", "--no-check"], Array(text[40_000...]))
        let empty = try Self.zstd([], [])
        let skippable: [UInt8] = [0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]
        #expect(try Zstd.decompress(skippable + a + empty + skippable + b, maxSize: 1 << 20, name: "frames") == text)
        #expect(try Zstd.decompress(skippable, maxSize: 1 << 20, name: "skip only").isEmpty)
    }

    // MARK: - Hostile frames

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func everyTruncationIsAnError() throws {
        let text = Array(try Self.plain[..<6_000])
        for preset in [["-19"], ["--no-check"]] {
            let frame = try Self.zstd(preset, text)
            for cut in 0..<frame.count {
                #expect(throws: FormatError.self, "\(preset) cut at \(cut)") {
                    try Zstd.decompress(Array(frame[..<cut]), maxSize: 1 << 20, name: "cut")
                }
            }
        }
    }

    /// Every bit of a small checked frame flipped in turn: an error, or (a bit the format leaves free, such as
    /// a larger window) exactly the original; never a crash, never other bytes.
    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func everyBitFlipIsAnErrorOrTheOriginal() throws {
        let text = Array(try Self.plain[..<3_000])
        for preset in [["-19"], ["-1"]] {
            let frame = try Self.zstd(preset, text)
            for at in 4..<frame.count {
                for bit in 0..<8 {
                    var bad = frame
                    bad[at] ^= 1 << bit
                    if let out = try? Zstd.decompress(bad, maxSize: 1 << 20, name: "flip") {
                        #expect(out == text, "\(preset) byte \(at) bit \(bit)")
                    }
                }
            }
        }
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func randomDamageNeverCrashesOrPassesTheCap() throws {
        let frame = try Self.zstd(["-9", "--no-check"], try Self.plain)
        var rng = SplitMix(seed: 14)
        for _ in 0..<400 {
            var bad = frame
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bad[6 + Int(rng.next() % UInt64(bad.count - 6))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let out = try? Zstd.decompress(bad, maxSize: 200_000, name: "damaged") { #expect(out.count <= 200_000) }
        }
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func aBombIsRefusedAtTheCapNotAfterIt() throws {
        for preset in [["-19"], ["--no-content-size"]] {
            let bomb = try Self.zstd(preset, [UInt8](repeating: 0, count: 16 << 20))  // about 500 bytes
            #expect(bomb.count < 2_000)
            #expect(code(bomb, maxSize: 1 << 20) == .tooLarge)
            var seen = 0
            #expect(throws: FormatError.self) {
                try Zstd.decode(bomb, maxSize: 1 << 20, name: "bomb") { seen += $0.count }
            }
            #expect(seen <= 1 << 20)
        }
    }

    /// A hand-made frame: RLE blocks of 128 KiB each, far more than the cap, from 4 bytes a block.
    @Test func anRLEBlockBombIsRefusedBeforeItIsWritten() throws {
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]  // no size, window 128 KiB
        let header = (128 << 10) << 3 | 1 << 1  // RLE, 128 KiB, not last
        for _ in 0..<100 { frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16), 0x41] }
        frame += [0x01, 0, 0]  // last: an empty raw block
        #expect(code(frame, maxSize: 1 << 20) == .tooLarge)
        #expect(try Zstd.decompress(frame, maxSize: 100 << 17, name: "rle").count == 100 << 17)
    }

    @Test func dictionariesAndOversizedWindowsAreRefusedByName() throws {
        // A frame that needs dictionary 7 (one dictionary byte), and the same needing dictionary 0 (none).
        let needsDictionary: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x01, 0x38, 0x07, 0x01, 0x00, 0x00]
        do throws(FormatError) {
            _ = try Zstd.decompress(needsDictionary, maxSize: 1 << 20, name: "dict")
            Issue.record("a frame needing a dictionary must be refused")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("dictionary 7"))
        }
        #expect(try Zstd.decompress([0x28, 0xB5, 0x2F, 0xFD, 0x01, 0x38, 0x00, 0x01, 0x00, 0x00], maxSize: 1, name: "d0").isEmpty)
        // A zstd dictionary file itself is not a frame.
        #expect(code([0x37, 0xA4, 0x30, 0xEC, 1, 2, 3, 4]) == .corrupt)
        // Window log 28 (256 MiB): over the 128 MiB limit; window log 27 is read.
        #expect(code([0x28, 0xB5, 0x2F, 0xFD, 0x00, 18 << 3, 0x01, 0x00, 0x00]) == .tooLarge)
        #expect(code([0x28, 0xB5, 0x2F, 0xFD, 0x00, 17 << 3, 0x01, 0x00, 0x00]) == nil)
        // A single-segment frame declaring 32 MiB is over a 16 MiB cap before any block is read.
        #expect(code([0x28, 0xB5, 0x2F, 0xFD, 0xA0, 0, 0, 0, 2, 0x01, 0x00, 0x00]) == .tooLarge)
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func trailingBytesAndBadMagicAreErrors() throws {
        let frame = try Self.zstd([], Array("hello".utf8))
        #expect(try Zstd.decompress(frame, maxSize: 10, name: "ok") == Array("hello".utf8))
        #expect(code(frame + [0]) == .corrupt)
        #expect(code(frame + [0x28, 0xB5, 0x2F]) == .corrupt)
        #expect(code(frame + [1, 2, 3, 4, 5]) == .corrupt)
        #expect(code([]) == .corrupt)
        #expect(!Zstd.isFrame([0x28, 0xB5, 0x2F]))
        // The frame header's reserved bit, and a block of the reserved type.
        var reserved = frame
        reserved[4] |= 0x08
        #expect(code(reserved) == .corrupt)
        #expect(code([0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38, 0x07, 0x00, 0x00]) == .corrupt)
    }

    /// A compressed block whose sequences repeat a table the frame never set, and one whose Huffman literals
    /// repeat a tree the frame never set ("treeless" first): both corrupt.
    @Test func repeatModesWithNothingToRepeatAreCorrupt() {
        // Block: compressed, last, 4 bytes: raw literals (1 byte "a"), one sequence, modes all repeat (0xFC).
        let sequences: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38, 0x25, 0x00, 0x00, 0x08, 0x61, 0x01, 0xFC]
        #expect(code(sequences) == .corrupt)
        // Treeless literals (type 3), one stream, 1 literal from 1 byte, then no sequences.
        let treeless: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38, 0x2D, 0x00, 0x00, 0x13, 0x40, 0x00, 0x80, 0x00]
        #expect(code(treeless) == .corrupt)
    }
}
