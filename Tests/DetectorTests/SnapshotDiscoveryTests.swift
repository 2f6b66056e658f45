import BulkheadModel
import BulkheadTestSupport
import Discovery
import Foundation
import HostInspection
import Testing

@Suite(.serialized) struct SnapshotDiscoveryTests {
    /// Live → snapshot → offline discovery gives the same mechanisms, guests, facts and problems.
    @Test func snapshotOfThisMachineDiscoversTheSameAsLive() throws {
        var guest: LiveProgram?
        let name = "bulkhead-snap-\(UInt32.random(in: 0...UInt32.max))"
        // Without QEMU the comparison still runs, on this machine's other mechanisms; in CI QEMU must be there.
        #expect(Tool.find("/usr/bin/qemu-system-x86_64") != nil || !Tool.inCI, "qemu-system-x86 is not installed")
        if let qemu = Tool.find("/usr/bin/qemu-system-x86_64") {
            guest = try LiveProgram([qemu, "-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-m", "64", "-name", name])
            guest?.waitUntilVisible(containing: name)
        }
        let now = Date()
        let engine = DiscoveryEngine()
        let evidence = HostInspector(root: DirectoryHostRoot.live).collectEvidence([engine], now: now, recordsMetadata: true)
        let live = engine.run(evidence)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-snap-\(UUID().uuidString).tar.gz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try SnapshotWriter(bulkheadVersion: "test").write(evidence, to: path)
        let snapshot = try SnapshotHostRoot(path: path)
        #expect(!snapshot.isLive)
        // Replayed an hour later: the evidence keeps the capture's date and the host's own label.
        let offline = engine.run(HostInspector(root: snapshot).collectEvidence([engine], now: now.addingTimeInterval(3600)))
        #expect(offline.collectedAt == live.collectedAt)
        #expect(offline.source == live.source)
        #expect(offline.hostname == live.hostname)
        #expect(offline.virtualization == live.virtualization)
        #expect(offline.mechanisms.map(\.product) == live.mechanisms.map(\.product))
        for (a, b) in zip(live.mechanisms, offline.mechanisms) {
            #expect(a == b, "mechanism \(a.product) differs offline")
        }
        #expect(offline.problems == live.problems)
        if guest != nil {
            let found = offline.mechanisms.first { $0.product == "qemu" }?.guests.contains { $0.name == name }
            #expect(found == true, "the QEMU guest running at capture time is in the snapshot")
        }
    }
}
