import FleetAgent
import FleetProtocol
import Foundation
import Testing

struct SpoolTests {
    func payload(_ text: String) -> BundlePayload {
        BundlePayload(manifest: Data("{\"n\":\"\(text)\"}".utf8), signature: "sig\n", files: ["reports/assessment.json": Data(text.utf8)])
    }

    @Test func boundedByCountTheOldestGoesFirstAndSaysSo() throws {
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spool = Spool(directory: dir.appendingPathComponent("spool").path, maxEntries: 2, maxBytes: 1 << 20)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try spool.add(payload("first"), now: start).isEmpty)
        #expect(try spool.add(payload("second"), now: start.addingTimeInterval(1)).isEmpty)
        let messages = try spool.add(payload("third"), now: start.addingTimeInterval(2))
        #expect(messages.count == 1 && messages[0].contains("dropped the oldest"))
        let kept = try spool.entries().map { try spool.load($0) }
        #expect(kept == [payload("second"), payload("third")])
        // Owner-only files.
        for entry in try spool.entries() {
            #expect(try FileManager.default.attributesOfItem(atPath: entry.path)[.posixPermissions] as? Int == 0o600)
        }
    }

    @Test func boundedByBytesAndARefusedOversizedBundleKeepsTheRest() throws {
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try FleetWire.encoder().encode(payload("a")).count
        let spool = Spool(directory: dir.appendingPathComponent("spool").path, maxEntries: 100, maxBytes: one * 2 + one / 2)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for (i, name) in ["a", "b", "c"].enumerated() { try spool.add(payload(name), now: start.addingTimeInterval(Double(i))) }
        #expect(try spool.entries().map { try spool.load($0) } == [payload("b"), payload("c")])
        #expect(throws: FleetAgentError.self) { try spool.add(payload(String(repeating: "x", count: one * 3)), now: start.addingTimeInterval(9)) }
        #expect(try spool.entries().count == 2)
    }

    @Test func aCorruptEntryIsReportedNotSentAndNotFatal() throws {
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spool = Spool(directory: dir.path, maxEntries: 5, maxBytes: 1 << 20)
        let corrupt = dir.appendingPathComponent("000000000000001-deadbeef.bundle.json").path
        try #require(FileManager.default.createFile(atPath: corrupt, contents: Data("{".utf8)), "could not create \(corrupt)")
        let entries = try spool.entries()
        #expect(entries.count == 1)
        #expect(throws: FleetAgentError.self) { try spool.load(entries[0]) }
    }
}
