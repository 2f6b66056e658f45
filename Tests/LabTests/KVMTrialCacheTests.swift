import Foundation
import Testing

@testable import Lab

/// The KVM trial's verdict is reused only for the boot, /dev/kvm and QEMU it was decided with, and only briefly.
@Suite struct KVMTrialCacheTests {
    let directory: URL
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvm-trial-\(UUID().uuidString)")
    }

    /// A key from this machine's real boot id and a real binary standing in for QEMU and /dev/kvm where absent.
    func realKey() throws -> KVMTrialCache.Key {
        let kvm = FileManager.default.fileExists(atPath: "/dev/kvm") ? "/dev/kvm" : "/dev/null"
        return try #require(KVMTrialCache.Key.current(qemu: "/bin/sh", kvm: kvm))
    }

    @Test func aVerdictIsReusedForTheSameBootDeviceAndQEMUOnly() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try realKey()
        #expect(key.bootID.count == 36, "boot id \(key.bootID)")
        let cache = KVMTrialCache(directory: directory)
        let decided = Date(timeIntervalSince1970: 1_800_000_000)
        cache.save(KVMTrialCache.Entry(key: key, usable: false, note: "KVM trial: no serial output; TCG used", decidedAt: decided))
        // Created owner-only in an owner-only directory.
        let attributes = try FileManager.default.attributesOfItem(atPath: cache.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(cache.load(for: key, now: decided.addingTimeInterval(60))?.usable == false)

        var otherBoot = key
        otherBoot.bootID = UUID().uuidString.lowercased()
        #expect(cache.load(for: otherBoot, now: decided) == nil)
        var reloaded = key
        reloaded.kvmInode += 1
        #expect(cache.load(for: reloaded, now: decided) == nil)
        var upgraded = key
        upgraded.qemuModified += 1
        #expect(cache.load(for: upgraded, now: decided) == nil)
        // Too old, or dated in the future: a new trial.
        #expect(cache.load(for: key, now: decided.addingTimeInterval(KVMTrialCache.maxAge + 1)) == nil)
        #expect(cache.load(for: key, now: decided.addingTimeInterval(-3600)) == nil)
    }

    @Test func aLinkOrAnUnreadableEntryMeansANewTrial() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try realKey()
        let cache = KVMTrialCache(directory: directory)
        let now = Date()
        // Garbage and an oversized file are ignored.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: cache.path))
        #expect(cache.load(for: key, now: now) == nil)
        try Data(repeating: 0x20, count: KVMTrialCache.maxBytes + 1).write(to: URL(fileURLWithPath: cache.path))
        #expect(cache.load(for: key, now: now) == nil)
        // A valid entry reached through a symbolic link is not read, and saving does not write through the link.
        try FileManager.default.removeItem(atPath: cache.path)
        let elsewhere = directory.appendingPathComponent("elsewhere.json")
        let entry = KVMTrialCache.Entry(key: key, usable: true, note: "KVM trial: printed; KVM used", decidedAt: now)
        try KVMTrialCache.encoder.encode(entry).write(to: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: cache.path, withDestinationPath: elsewhere.path)
        #expect(cache.load(for: key, now: now) == nil)
        cache.save(KVMTrialCache.Entry(key: key, usable: false, note: "KVM trial: none; TCG used", decidedAt: now))
        #expect(try KVMTrialCache.decoder.decode(KVMTrialCache.Entry.self, from: Data(contentsOf: elsewhere)).usable == true)
    }

    /// The real trial, then the kept verdict: the second decision names when the trial ran and agrees with it.
    @Test(.enabled(if: canBootQEMU, "needs qemu-system-x86 and a guest kernel (.ci/run installs them)"))
    func theSecondRunInABootUsesTheFirstTrial() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try requireQEMU()
        let kernel = try await KernelImage.uncompressed(try LabTools.kernel(explicit: nil)).get()
        var options = LabOptions(mechanism: .qemu)
        options.kvmTrialCache = directory.path
        let (first, firstNote) = await LabRunner.kvmDecision(options: options, kernel: kernel)
        guard firstNote.hasPrefix("KVM trial:") else {
            // No /dev/kvm here: nothing is tried, so nothing is kept.
            #expect(!FileManager.default.fileExists(atPath: KVMTrialCache(directory: directory).path), "\(firstNote)")
            return
        }
        let (second, secondNote) = await LabRunner.kvmDecision(options: options, kernel: kernel)
        #expect(second == first)
        #expect(secondNote.hasPrefix(firstNote) && secondNote.contains("this boot; kept in"), "\(secondNote)")
    }
}
