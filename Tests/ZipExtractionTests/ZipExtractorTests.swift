import BulkheadTestSupport
import Foundation
import Testing

@testable import ZipExtraction

/// A private directory per test: `work/` holds the archives, `out/` is the extraction folder and
/// `outside` is a file an escaping member would hit.
struct Scratch: ~Copyable {
    let root: String
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("zipx-\(UUID().uuidString)").path
        for dir in [root + "/work", root + "/out"] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }
    var out: String { root + "/out" }
    func archive(_ name: String) -> String { root + "/work/" + name }
    /// Every file under `out`, relative.
    func extracted() -> [String] { ((try? FileManager.default.subpathsOfDirectory(atPath: out)) ?? []).sorted() }
    /// Bytes of the regular files under `out`.
    func bytesOnDisk() -> Int64 {
        var total: Int64 = 0
        for path in extracted() {
            let attributes = try? FileManager.default.attributesOfItem(atPath: out + "/" + path)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0 }
        }
        return total
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }
}

func jsonOrZip(_ name: String) -> ZipMemberChoice {
    name.hasSuffix(".json") ? .extract : name.hasSuffix(".zip") ? .expand : .skip
}

@Suite struct ZipExtractorTests {
    @Test func extractsSelectedMembersAndExpandsANestedZip() throws {
        let s = try Scratch()
        try HostileZip.write(
            [.file("cves/2024/CVE-1.json", Data("{\"a\":1}".utf8)), .file("cves/README.md", Data("x".utf8))], to: s.archive("inner.zip"))
        let inner = try Data(contentsOf: URL(fileURLWithPath: s.archive("inner.zip")))
        try HostileZip.write([.directory("top/"), .file("top/one.json", Data("[]".utf8)), .file("cves.zip", inner)], to: s.archive("outer.zip"))
        let budget = ExtractionBudget(totalBytes: 1 << 20)
        let report = try ZipExtractor.extract(s.archive("outer.zip"), into: s.out, budget: budget, limits: .init(maxDepth: 2), choose: jsonOrZip)
        #expect(report.files.map { String($0.dropFirst(s.out.count + 1)) }.sorted() == ["cves.zip.d/cves/2024/CVE-1.json", "top/one.json"])
        #expect(report.skipped.isEmpty)
        #expect(try String(contentsOfFile: s.out + "/cves.zip.d/cves/2024/CVE-1.json", encoding: .utf8) == "{\"a\":1}")
        // The nested archive itself is removed once expanded; README.md was never decompressed.
        #expect(!FileManager.default.fileExists(atPath: s.out + "/cves.zip"))
        #expect(!FileManager.default.fileExists(atPath: s.out + "/cves.zip.d/cves/README.md"))
        #expect(budget.bytesWritten == Int64(inner.count + 2 + 7))
    }

    /// A nested archive larger than the per-file bound is still expanded (a full cvelistV5 release's `cves.zip` is
    /// about 500 MB against the 256 MiB bound, and a 300,000-record release imported nothing); the job's budget and
    /// the depth bound it instead, and its own members keep the per-file bound.
    @Test func aNestedArchiveOverThePerFileBoundIsExpandedUnderTheBudget() throws {
        let s = try Scratch()
        // Stored incompressible filler makes the inner zip larger than the 64 KiB per-file bound.
        var rng = SystemRandomNumberGenerator()
        let filler = Data((0..<(200 << 10)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try HostileZip.write(
            [.file("cves/2024/CVE-1.json", Data("{\"a\":1}".utf8)), .file("cves/filler.bin", filler), .file("cves/big.json", filler)],
            to: s.archive("inner.zip"))
        let inner = try Data(contentsOf: URL(fileURLWithPath: s.archive("inner.zip")))
        #expect(inner.count > 64 << 10)
        try HostileZip.write([.file("cves.zip", inner)], to: s.archive("outer.zip"))
        let report = try ZipExtractor.extract(
            s.archive("outer.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 4 << 20),
            limits: .init(maxMemberBytes: 64 << 10, maxDepth: 2), choose: jsonOrZip)
        #expect(report.files.map { String($0.dropFirst(s.out.count + 1)) } == ["cves.zip.d/cves/2024/CVE-1.json"])
        // The nested archive's own oversized member is still dropped and reported; filler.bin was never chosen.
        #expect(report.skipped.count == 1 && report.skipped.first?.member.hasSuffix("cves.zip!/cves/big.json") == true)
        #expect(report.skipped.first?.reason.contains("bound for one file") == true)
        // The budget still binds it: the same archive under a budget smaller than the inner zip is refused.
        try FileManager.default.createDirectory(atPath: s.out + "-small", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: s.out + "-small") }
        #expect(throws: ZipExtractionError.self) {
            try ZipExtractor.extract(
                s.archive("outer.zip"), into: s.out + "-small", budget: ExtractionBudget(totalBytes: 128 << 10),
                limits: .init(maxMemberBytes: 64 << 10, maxDepth: 2), choose: jsonOrZip)
        }
    }

    @Test func aMemberThatLiesAboutItsSizeIsStoppedAtThePerFileBound() throws {
        let s = try Scratch()
        // 8 MiB of zeros deflate to a few KiB; the headers are patched to claim 1,000 bytes.
        try HostileZip.write([.file("big.json", Data(count: 8 << 20)), .file("small.json", Data("{}".utf8))], to: s.archive("liar.zip"))
        try HostileZip.declareUncompressedSize(1000, in: s.archive("liar.zip"))
        #expect(try HostileZip.declaredSizes(in: s.archive("liar.zip")) == [1000, 1000])
        let budget = ExtractionBudget(totalBytes: 64 << 20)
        let report = try ZipExtractor.extract(
            s.archive("liar.zip"), into: s.out, budget: budget, limits: .init(maxMemberBytes: 1 << 20), choose: jsonOrZip)
        #expect(report.skipped.map(\.member) == ["liar.zip!/big.json"])
        #expect(report.skipped.first?.reason.contains("1048576-byte bound") == true)
        // Counted as written, stopped at the bound, and the partial file removed.
        #expect(budget.bytesWritten <= (1 << 20) + 2)
        #expect(s.extracted() == ["small.json"])
    }

    @Test func aMemberThatLiesAboutItsSizeCannotPassTheTotalBudget() throws {
        let s = try Scratch()
        try HostileZip.write([.file("big.json", Data(count: 8 << 20))], to: s.archive("liar.zip"))
        try HostileZip.declareUncompressedSize(1000, in: s.archive("liar.zip"))
        let budget = ExtractionBudget(totalBytes: 2 << 20)
        do {
            _ = try ZipExtractor.extract(s.archive("liar.zip"), into: s.out, budget: budget, choose: jsonOrZip)
            Issue.record("extracted past the budget")
        } catch {
            #expect(error.code == .budgetExceeded)
            #expect(error.message.contains("2097152-byte budget"))
        }
        #expect(budget.bytesWritten <= 2 << 20)
        #expect(s.bytesOnDisk() <= 2 << 20)
    }

    @Test func aNestedZipBombIsStoppedByTheSharedBudgetAndTheDepth() throws {
        let s = try Scratch()
        // Each inner zip holds 4 MiB of zeros in a few KiB; the outer holds 16 of them (64 MiB in all).
        try HostileZip.write([.file("zeros.json", Data(count: 4 << 20))], to: s.archive("inner.zip"))
        let inner = try Data(contentsOf: URL(fileURLWithPath: s.archive("inner.zip")))
        try HostileZip.write((0..<16).map { .file("layer\($0).zip", inner) }, to: s.archive("bomb.zip"))
        let outerSize = try FileManager.default.attributesOfItem(atPath: s.archive("bomb.zip"))[.size] as? NSNumber
        #expect((outerSize?.intValue ?? .max) < 1 << 20)
        let budget = ExtractionBudget(totalBytes: 10 << 20)
        do {
            _ = try ZipExtractor.extract(s.archive("bomb.zip"), into: s.out, budget: budget, limits: .init(maxDepth: 2), choose: jsonOrZip)
            Issue.record("the bomb went off")
        } catch {
            #expect(error.code == .budgetExceeded)
            #expect(error.message.contains("bomb.zip!/layer"))
        }
        #expect(budget.bytesWritten <= 10 << 20)
        #expect(s.bytesOnDisk() <= 10 << 20)

        // A zip in a zip in a zip is refused at depth 2 before it is expanded.
        let t = try Scratch()
        try HostileZip.write([.file("inner.zip", inner)], to: t.archive("middle.zip"))
        let middle = try Data(contentsOf: URL(fileURLWithPath: t.archive("middle.zip")))
        try HostileZip.write([.file("middle.zip", middle)], to: t.archive("outer.zip"))
        do {
            _ = try ZipExtractor.extract(
                t.archive("outer.zip"), into: t.out, budget: ExtractionBudget(totalBytes: 1 << 30), limits: .init(maxDepth: 2), choose: jsonOrZip)
            Issue.record("expanded three levels")
        } catch {
            #expect(error.code == .tooDeep)
        }
        #expect(!t.extracted().contains { $0.hasSuffix("zeros.json") })
    }

    @Test func aSymbolicLinkMemberIsRefusedAndNeverCreated() throws {
        let s = try Scratch()
        try HostileZip.write([.symlink("passwd.json", target: "/etc/passwd"), .file("ok.json", Data("{}".utf8))], to: s.archive("link.zip"))
        do {
            _ = try ZipExtractor.extract(s.archive("link.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), choose: jsonOrZip)
            Issue.record("accepted a link member")
        } catch {
            #expect(error.code == .link)
            #expect(error.message.contains("passwd.json"))
        }
        #expect(s.extracted().isEmpty)
        // Census leaves links out and goes on.
        let report = try ZipExtractor.extract(
            s.archive("link.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), limits: .init(links: .skip), choose: { _ in .extract })
        #expect(report.skipped.map(\.member) == ["link.zip!/passwd.json"])
        #expect(s.extracted() == ["ok.json"])
        var status = stat()
        #expect(lstat(s.out + "/passwd.json", &status) != 0)
    }

    @Test(arguments: ["../escape.json", "a/../../escape.json", "/tmp/bulkhead-zip-slip-absolute.json", "./../escape.json"])
    func aMemberPathThatLeavesTheFolderIsRefused(_ member: String) throws {
        let s = try Scratch()
        try HostileZip.write([.file("fine.json", Data("{}".utf8)), .file(member, Data("pwned".utf8))], to: s.archive("slip.zip"))
        do {
            _ = try ZipExtractor.extract(s.archive("slip.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), choose: jsonOrZip)
            Issue.record("accepted \(member)")
        } catch {
            #expect(error.code == .unsafePath)
        }
        #expect(!FileManager.default.fileExists(atPath: s.root + "/escape.json"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/bulkhead-zip-slip-absolute.json"))
        #expect(!FileManager.default.fileExists(atPath: s.root + "/work/escape.json"))
    }

    @Test func notAZipAndTooManyMembersAreClearErrors() throws {
        let s = try Scratch()
        try Data("this is not a zip".utf8).write(to: URL(fileURLWithPath: s.archive("plain.zip")))
        do {
            _ = try ZipExtractor.extract(s.archive("plain.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), choose: jsonOrZip)
            Issue.record("read a text file as a zip")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.message.contains("plain.zip"))
        }
        try HostileZip.write((0..<10).map { .file("m\($0).json", Data("{}".utf8)) }, to: s.archive("many.zip"))
        do {
            _ = try ZipExtractor.extract(
                s.archive("many.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20, maxMembers: 5), choose: jsonOrZip)
            Issue.record("passed the member bound")
        } catch {
            #expect(error.code == .tooManyMembers)
        }
    }

    @Test func aCorruptMemberFailsItsCRC() throws {
        let s = try Scratch()
        let text = Data(String(repeating: "{\"k\":\"value\"}\n", count: 2000).utf8)
        try HostileZip.write([.file("data.json", text)], to: s.archive("crc.zip"))
        // Flip one byte of the stored CRC-32 in the central directory and the local header.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: s.archive("crc.zip"))))
        bytes[14] ^= 0xFF
        if let cd = (0..<(bytes.count - 4)).first(where: { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4b && bytes[$0 + 2] == 1 && bytes[$0 + 3] == 2 }) {
            bytes[cd + 16] ^= 0xFF
        }
        try Data(bytes).write(to: URL(fileURLWithPath: s.archive("crc.zip")))
        do {
            _ = try ZipExtractor.extract(s.archive("crc.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), choose: jsonOrZip)
            Issue.record("accepted a bad CRC")
        } catch {
            #expect(error.code == .corrupt)
        }
    }

    /// Runs the real `zip` program in `dir`.
    static func zip(_ dir: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Tool.find("zip")))
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.arguments = ["-q", "-X"] + arguments
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// The offset of the end-of-central-directory record.
    static func endRecord(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 22
        while i >= 0 {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4b && bytes[i + 2] == 5 && bytes[i + 3] == 6 { return i }
            i -= 1
        }
        Issue.record("no end record")
        return 0
    }

    /// A central directory cut short, one that declares more members than it holds, and one placed outside
    /// the archive are refused with a clear error naming the archive — never read as the members that happen
    /// to parse (ZIPFoundation's iteration ended silently at the first record it could not read).
    @Test(arguments: ["cut", "count", "offset", "size"])
    func aTruncatedOrInconsistentCentralDirectoryIsRefused(damage: String) throws {
        let s = try Scratch()
        try HostileZip.write((0..<4).map { .file("cves/m\($0).json", Data("{\"n\":\($0)}".utf8)) }, to: s.archive("cd.zip"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: s.archive("cd.zip"))))
        let end = Self.endRecord(bytes)
        let cdSize = Int(bytes[end + 12]) | Int(bytes[end + 13]) << 8
        switch damage {
        case "cut": bytes = Array(bytes[..<(end - cdSize / 2)])  // the end record and half the directory gone
        case "count":  // 5 members declared, 4 present
            bytes[end + 8] += 1
            bytes[end + 10] += 1
        case "offset": bytes[end + 19] = 0x7F  // the directory "starts" 2 GB in
        default: bytes[end + 12] &-= 20  // the directory declared 20 bytes shorter than it is
        }
        try Data(bytes).write(to: URL(fileURLWithPath: s.archive("cd.zip")))
        do {
            let r = try ZipExtractor.extract(s.archive("cd.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), choose: jsonOrZip)
            Issue.record("read a damaged central directory (\(damage)): \(r.files)")
        } catch {
            #expect(error.code == .unreadable, "\(error)")
            #expect(error.message.contains("cd.zip"))
        }
    }

    /// The flat layout (what the advisory import uses): every member written, nested zips' members too, as a
    /// number in the one extraction folder; no directory is made, not even the ones the archive declares;
    /// the report's files hold the members' bytes; unsafe paths and links are refused as in the tree layout.
    @Test(arguments: [true, false])
    func theFlatLayoutWritesNumberedFilesAndMakesNoDirectory(stored: Bool) throws {
        let s = try Scratch()
        try HostileZip.write(
            [
                .directory("cves/"), .directory("cves/2024/"), .file("cves/2024/CVE-1.json", Data("{\"a\":1}".utf8)),
                .file("cves/2024/CVE-2.json", Data("{\"a\":2}".utf8)), .file("cves/README.md", Data("x".utf8)),
            ],
            to: s.archive("inner.zip"), stored: stored)
        let inner = try Data(contentsOf: URL(fileURLWithPath: s.archive("inner.zip")))
        try HostileZip.write(
            [.directory("top/"), .file("top/one.json", Data("[]".utf8)), .file("cves.zip", inner)], to: s.archive("outer.zip"), stored: stored)
        var written: [String: String] = [:]
        let report = try ZipExtractor.extractMembers(
            s.archive("outer.zip"), into: s.out, budget: ExtractionBudget(totalBytes: 1 << 20), limits: .init(maxDepth: 2, layout: .flat),
            chooseMember: { jsonOrZip($0.path) },
            onMember: { written[$0.chain.joined(separator: "!/")] = try? String(contentsOfFile: $0.file, encoding: .utf8) })
        #expect(written == ["top/one.json": "[]", "cves.zip!/cves/2024/CVE-1.json": "{\"a\":1}", "cves.zip!/cves/2024/CVE-2.json": "{\"a\":2}"])
        #expect(report.expanded.map(\.chain) == [["cves.zip"]])
        // Only numbered files, no directory (a deflated nested zip's copy is removed once expanded).
        let left = try FileManager.default.contentsOfDirectory(atPath: s.out)
        #expect(left.count == 3 && left.allSatisfy { name in name.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }, "\(left)")
        for name in left {
            var status = stat()
            #expect(lstat(s.out + "/" + name, &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
        }

        for hostile in ["../escape.json", "/tmp/bulkhead-zip-slip-flat.json"] {
            let t = try Scratch()
            try HostileZip.write([.file("fine.json", Data("{}".utf8)), .file(hostile, Data("pwned".utf8))], to: t.archive("slip.zip"))
            #expect(throws: ZipExtractionError.self) {
                try ZipExtractor.extract(
                    t.archive("slip.zip"), into: t.out, budget: ExtractionBudget(totalBytes: 1 << 20), limits: .init(layout: .flat), choose: jsonOrZip
                )
            }
            #expect(!FileManager.default.fileExists(atPath: t.root + "/escape.json"))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/bulkhead-zip-slip-flat.json"))
        }
    }

    /// A zip stored inside a zip (how the cvelistV5 release zip holds `cves.zip`) is read in place: its
    /// members are extracted and checked, the nested archive itself is never copied out; a deflated one is
    /// extracted to a file first. A stored nested zip that is cut short is refused under its chained name.
    @Test(.enabled(if: Tool.find("zip") != nil, "needs the zip program"), arguments: [true, false])
    func aNestedZipIsReadInPlaceWhenStored(stored: Bool) throws {
        let s = try Scratch()
        let tree = s.root + "/work/tree"
        try FileManager.default.createDirectory(atPath: tree + "/cves/2024", withIntermediateDirectories: true)
        for k in 0..<3 { try Data("{\"k\":\(k)}".utf8).write(to: URL(fileURLWithPath: tree + "/cves/2024/CVE-\(k).json")) }
        try Self.zip(tree, ["-r", "cves.zip", "cves"])
        try Self.zip(tree, (stored ? ["-0"] : ["-9"]) + [s.archive("release.zip"), "cves.zip"])
        let inner = try Data(contentsOf: URL(fileURLWithPath: tree + "/cves.zip"))
        let budget = ExtractionBudget(totalBytes: 1 << 20)
        var streamed: [String] = []
        let report = try ZipExtractor.extractMembers(
            s.archive("release.zip"), into: s.out, budget: budget, limits: .init(maxDepth: 2), chooseMember: { jsonOrZip($0.path) },
            onMember: { streamed.append($0.chain.joined(separator: "!/")) })
        #expect(streamed.sorted() == (0..<3).map { "cves.zip!/cves/2024/CVE-\($0).json" })
        #expect(report.files.isEmpty && report.members.isEmpty)
        #expect(report.expanded.map(\.chain) == [["cves.zip"]] && report.expanded.first?.size == Int64(inner.count))
        #expect(try String(contentsOfFile: s.out + "/cves.zip.d/cves/2024/CVE-2.json", encoding: .utf8) == "{\"k\":2}")
        #expect(!FileManager.default.fileExists(atPath: s.out + "/cves.zip"))
        #expect(budget.bytesWritten == Int64(inner.count + 3 * 7))

        // The nested zip cut short (its end record gone), the outer zip rebuilt around it.
        try Data(inner.prefix(inner.count - 30)).write(to: URL(fileURLWithPath: tree + "/cves.zip"))
        try? FileManager.default.removeItem(atPath: s.archive("release.zip"))
        try Self.zip(tree, (stored ? ["-0"] : ["-9"]) + [s.archive("release.zip"), "cves.zip"])
        let t = try Scratch()
        do {
            _ = try ZipExtractor.extract(
                s.archive("release.zip"), into: t.out, budget: ExtractionBudget(totalBytes: 1 << 20), limits: .init(maxDepth: 2), choose: jsonOrZip)
            Issue.record("read a truncated nested zip")
        } catch {
            #expect(error.code == .unreadable, "\(error)")
            #expect(error.message.contains("release.zip!/cves.zip"))
        }
    }
}
