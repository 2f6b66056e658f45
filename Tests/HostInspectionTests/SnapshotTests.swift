import BulkheadModel
import Crypto
import Formats
import Foundation
import Testing

@testable import HostInspection

@Suite("Snapshots: record, write, load, replay; hostile archives")
struct SnapshotTests {
    /// A small valid snapshot of the fixture tree, as bytes.
    static func fixtureSnapshot() throws -> (archive: [UInt8], facts: HostFacts) {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: dir.path))
        let facts = HostInspector(root: recorder).collect()
        let (_, tar) = try SnapshotWriter(bulkheadVersion: "test").archive(
            recorder.recorded, hostname: facts.hostname, source: recorder.label, capturedAt: Date(timeIntervalSince1970: 1_800_000_000))
        return (try Gzip.compress(tar), facts)
    }

    static func gz(_ members: [TarMember]) throws -> [UInt8] {
        var writer = TarWriter()
        for member in members { writer.append(member) }
        return try Gzip.compress(writer.finish())
    }

    static func manifest(_ entries: [SnapshotManifest.Entry]) throws -> TarMember {
        let manifest = SnapshotManifest(
            format: SnapshotManifest.formatName, formatVersion: 1, hostname: "h", capturedAt: Date(timeIntervalSince1970: 0),
            bulkheadVersion: "test", source: "crafted", files: entries)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return TarMember(name: "manifest.json", kind: .regular, content: [UInt8](try encoder.encode(manifest)))
    }

    static func expectError(_ code: HostInspectionError.Code, containing text: String, limits: SnapshotLimits = SnapshotLimits(), _ archive: [UInt8])
    {
        #expect {
            _ = try SnapshotHostRoot(archive: archive, name: "test.tar.gz", limits: limits)
        } throws: { error in
            guard let e = error as? HostInspectionError else { return false }
            if e.code != code || !e.description.contains(text) {
                Issue.record("got \(e.code): \(e)")
                return false
            }
            return true
        }
    }

    func compare(_ a: HostFacts, _ b: HostFacts) {
        #expect(a.hostname == b.hostname)
        #expect(a.packages == b.packages)
        #expect(a.processes == b.processes)
        #expect(a.kernel == b.kernel)
        #expect(a.cpu == b.cpu)
        #expect(a.kvm == b.kvm)
        #expect(a.iommu == b.iommu)
        #expect(a.virtualization == b.virtualization)
        #expect(a.problems == b.problems)
    }

    @Test("round trip on the live host: record → write → load → collect gives the same facts")
    func liveRoundTrip() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let now = Date()
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot.live)
        let live = HostInspector(root: recorder).collect(now: now)
        let output = dir.path + "/host.tar.gz"
        let summary = try SnapshotWriter(bulkheadVersion: "0.1.0").write(recorder, hostname: live.hostname, capturedAt: now, to: output)
        #expect(summary.fileCount > 10)
        #expect(summary.archiveBytes > 0)
        let written = try #require(FileManager.default.contents(atPath: output))
        #expect(summary.sha256 == SHA256.hash(data: written).hexString)
        let attributes = try FileManager.default.attributesOfItem(atPath: output)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let snapshot = try SnapshotHostRoot(path: output)
        #expect(!snapshot.isLive)
        #expect(snapshot.label.hasPrefix("snapshot \(output) (host \(live.hostname ?? "unknown"), captured "))
        #expect(snapshot.manifest.bulkheadVersion == "0.1.0")
        let replay = HostInspector(root: snapshot).collect(now: now)
        #expect(!live.processes.isEmpty)
        compare(live, replay)
        #expect(replay.source == snapshot.label)

        // Every manifest hash matches its recorded bytes; every listed directory listing is preserved.
        for entry in snapshot.manifest.files where entry.sha256 != nil {
            let bytes = try #require(recorder.recorded[entry.path]?.content)
            #expect(SHA256.hash(data: bytes).hexString == entry.sha256)
        }
        #expect(snapshot.manifest.files.contains { $0.path == "/proc" && ($0.entries?.isEmpty == false) })
        // A path never read is "not in the snapshot".
        #expect {
            _ = try snapshot.read("/etc/shadow")
        } throws: { ($0 as? HostReadError)?.message.contains("not in the snapshot") == true }
    }

    @Test("fixture round trip keeps links, empty directories, absent paths and recorded errors")
    func fixtureRoundTrip() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        try dir.mkdir("sys/kernel/iommu_groups")
        try dir.write("var/big", [UInt8](repeating: 0x41, count: 5000))
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: dir.path))
        let facts = HostInspector(root: recorder).collect()
        _ = try? recorder.read("/var/big", limit: 10)
        _ = recorder.kind(of: "/dev/kvm")
        let (_, tar) = try SnapshotWriter(bulkheadVersion: "t").archive(
            recorder.recorded, hostname: facts.hostname, source: recorder.label, capturedAt: Date())
        let snapshot = try SnapshotHostRoot(archive: try Gzip.compress(tar), name: "fixture.tar.gz")
        compare(facts, HostInspector(root: snapshot).collect(now: facts.collectedAt))
        #expect(try snapshot.list("/sys/kernel/iommu_groups") == [])
        #expect(try snapshot.readLink("/proc/\(FixtureHost.pid)/exe") == "/usr/bin/cat")
        #expect(snapshot.kind(of: "/dev/kvm") == nil)
        #expect {
            _ = try snapshot.read("/var/big", limit: 10)
        } throws: { ($0 as? HostReadError)?.code == .tooLarge }
        #expect {
            _ = try snapshot.read("/proc/cpuinfo", limit: 10)
        } throws: { ($0 as? HostReadError)?.code == .tooLarge }
        #expect(try snapshot.read("/proc/cpuinfo", limit: 1 << 20) == (try Fixtures.bytes("cpuinfo.txt")))
        let entry = try #require(snapshot.manifest.files.first { $0.path == "/proc/cpuinfo" })
        #expect(entry.kind == "regular")
        #expect(entry.mode == "0644")
        #expect(entry.size == (try Fixtures.bytes("cpuinfo.txt")).count)
        let exe = try #require(snapshot.manifest.files.first { $0.path == "/proc/\(FixtureHost.pid)/exe" })
        #expect(exe.linkTarget == "/usr/bin/cat")
        #expect(exe.member == "files/proc/\(FixtureHost.pid)/exe")
    }

    @Test("the writer refuses to overwrite without force and never writes through a link")
    func overwrite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: dir.path))
        _ = recorder.kind(of: "/x")
        let writer = SnapshotWriter(bulkheadVersion: "t")
        let output = dir.path + "/out.tar.gz"
        _ = try writer.write(recorder, hostname: nil, to: output)
        #expect {
            _ = try writer.write(recorder, hostname: nil, to: output)
        } throws: { ($0 as? HostInspectionError)?.code == .exists }
        _ = try writer.write(recorder, hostname: nil, to: output, overwrite: true)
        try dir.write("target", "keep")
        try dir.link("link.tar.gz", to: dir.path + "/target")
        #expect(throws: HostInspectionError.self) { _ = try writer.write(recorder, hostname: nil, to: dir.path + "/link.tar.gz", overwrite: true) }
        #expect(FileManager.default.contents(atPath: dir.path + "/target") == Data("keep".utf8))
    }

    @Test("a member named ../etc/passwd or /etc/passwd is refused")
    func traversalMembers() throws {
        let m = try Self.manifest([])
        Self.expectError(
            .unsafeMember, containing: "../etc/passwd", try Self.gz([m, TarMember(name: "../etc/passwd", kind: .regular, content: [1])]))
        Self.expectError(.unsafeMember, containing: "/etc/passwd", try Self.gz([m, TarMember(name: "/etc/passwd", kind: .regular, content: [1])]))
        Self.expectError(.unsafeMember, containing: "files/../../x", try Self.gz([m, TarMember(name: "files/../../x", kind: .regular)]))
        Self.expectError(.unsafeMember, containing: "outside files/", try Self.gz([m, TarMember(name: "etc/passwd", kind: .regular)]))
        // A long name goes through a pax header and is checked the same way.
        let long = "../" + String(repeating: "a/", count: 80) + "x"
        Self.expectError(.unsafeMember, containing: "climbs", try Self.gz([m, TarMember(name: long, kind: .regular)]))
    }

    @Test("a symlink to ../../.. loads but reading through it is refused, exactly as DirectoryHostRoot refuses it")
    func escapingLink() throws {
        var entry = SnapshotManifest.Entry(path: "/etc/evil")
        entry.kind = "symlink"
        entry.member = "files/etc/evil"
        entry.linkTarget = "../../.."
        let archive = try Self.gz([try Self.manifest([entry]), TarMember(name: "files/etc/evil", kind: .symlink, linkTarget: "../../..")])
        let snapshot = try SnapshotHostRoot(archive: archive, name: "evil.tar.gz")
        var snapshotError: HostReadError?
        do { _ = try snapshot.read("/etc/evil/etc/passwd") } catch { snapshotError = error }
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.link("etc/evil", to: "../../..")
        var directoryError: HostReadError?
        do { _ = try DirectoryHostRoot(directory: dir.path).read("/etc/evil/etc/passwd") } catch { directoryError = error }
        #expect(snapshotError?.code == .escapesRoot)
        #expect(snapshotError?.message.contains("points outside the host root") == true)
        #expect(snapshotError == directoryError)
    }

    @Test("truncated, corrupt and non-gzip archives give clear errors")
    func truncated() throws {
        let (archive, _) = try Self.fixtureSnapshot()
        #expect(throws: Never.self) { _ = try SnapshotHostRoot(archive: archive, name: "ok.tar.gz") }
        for cut in [archive.count - 1, archive.count - 9, archive.count / 2, 30] {
            Self.expectError(.corrupt, containing: "truncated or corrupt gzip", Array(archive.prefix(cut)))
        }
        var flipped = archive
        flipped[flipped.count / 2] ^= 0xFF
        Self.expectError(.corrupt, containing: "test.tar.gz", flipped)
        Self.expectError(.corrupt, containing: "not a gzip file", Array("plain text, not an archive at all".utf8))
        #expect {
            _ = try SnapshotHostRoot(path: "/dev/null")
        } throws: { ($0 as? HostInspectionError)?.description.contains("not a regular file") == true }
        #expect {
            _ = try SnapshotHostRoot(path: "/nonexistent/host.tar.gz")
        } throws: { ($0 as? HostInspectionError)?.description.contains("does not exist") == true }
        // A valid gzip holding a truncated tar.
        var writer = TarWriter()
        writer.append(TarMember(name: "manifest.json", kind: .regular, content: [UInt8](repeating: 0x20, count: 2000)))
        let tar = writer.finish()
        Self.expectError(.corrupt, containing: "truncated tar", try Gzip.compress(Array(tar.prefix(1024))))
        var badSum = tar
        badSum[0] = UInt8(ascii: "X")
        Self.expectError(.corrupt, containing: "checksum", try Gzip.compress(badSum))
    }

    @Test("a member whose bytes differ from the manifest hash is refused, naming the file")
    func hashMismatch() throws {
        var entry = SnapshotManifest.Entry(path: "/proc/cpuinfo")
        entry.kind = "regular"
        entry.member = "files/proc/cpuinfo"
        entry.size = 5
        entry.sha256 = SHA256.hash(data: Array("hello".utf8)).hexString
        let archive = try Self.gz([try Self.manifest([entry]), TarMember(name: "files/proc/cpuinfo", kind: .regular, content: Array("HELLO".utf8))])
        Self.expectError(.hashMismatch, containing: "/proc/cpuinfo does not match its manifest hash", archive)
        // A member the manifest does not list is refused too.
        let extra = try Self.gz([try Self.manifest([]), TarMember(name: "files/etc/extra", kind: .regular, content: [1])])
        Self.expectError(.corrupt, containing: "not listed in manifest.json", extra)
        Self.expectError(.corrupt, containing: "no manifest.json", try Self.gz([]))
    }

    @Test("size caps: archive, total, entry count and per-entry size")
    func caps() throws {
        let (archive, _) = try Self.fixtureSnapshot()
        var limits = SnapshotLimits()
        limits.maxArchiveBytes = 100
        Self.expectError(.tooLarge, containing: "over the snapshot cap", limits: limits, archive)
        limits = SnapshotLimits()
        limits.maxTotalBytes = 4096
        Self.expectError(.tooLarge, containing: "decompresses to more than", limits: limits, archive)
        limits = SnapshotLimits()
        limits.maxEntries = 3
        Self.expectError(.tooLarge, containing: "more than 3 tar members", limits: limits, archive)
        limits = SnapshotLimits()
        limits.maxEntryBytes = 1000
        Self.expectError(.tooLarge, containing: "per-entry cap", limits: limits, archive)
        // A gzip bomb: 16 MiB of zeros compresses to ~16 KiB and is stopped at the total cap.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 16 << 20))
        limits = SnapshotLimits()
        limits.maxTotalBytes = 1 << 20
        Self.expectError(.tooLarge, containing: "decompresses to more than", limits: limits, bomb)
    }

    @Test("RecordingHostRoot records from many threads at once without losing answers")
    func concurrentRecording() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        for i in 0..<64 { try dir.write("data/\(i)", "value \(i)\n") }
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: dir.path))
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            _ = try? recorder.read("/data/\(i)")
            _ = recorder.kind(of: "/data/\(i)")
            _ = try? recorder.read("/data/missing-\(i)")
        }
        let recorded = recorder.recorded
        for i in 0..<64 {
            #expect(recorded["/data/\(i)"]?.content == Array("value \(i)\n".utf8))
            #expect(recorded["/data/\(i)"]?.kind == .regular)
            #expect(recorded["/data/missing-\(i)"]?.readError?.code == .notFound)
        }
    }
}
