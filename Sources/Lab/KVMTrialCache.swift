import Foundation
import SafeFiles

/// The KVM trial's verdict (`--accel auto`), kept so that later runs in the same boot skip the trial.
///
/// Whether KVM can run guests is a property of this boot, this `/dev/kvm` and this QEMU: the entry is used only
/// while the kernel's boot id, `/dev/kvm`'s inode and change time (a reloaded kvm module makes a new node) and the
/// QEMU binary's path, size and modification time are the ones it was decided with, and for at most `maxAge`
/// (a trial that timed out on a momentarily overloaded host is not trusted for long). It lives beside the cached
/// kernels (`KernelImage.cacheDirectory()`, owner-only), is written through SafeFiles (0600, never through a
/// link) and read as a regular file of at most 4 KiB; anything unreadable or stale means a new trial. Like
/// libvirt's capability cache (/var/cache/libvirt/qemu/capabilities, keyed on the QEMU binary and the kernel).
struct KVMTrialCache {
    struct Key: Codable, Equatable, Sendable {
        var bootID: String
        var qemu: String
        var qemuSize: Int64
        var qemuModified: Int64
        var kvmInode: UInt64
        var kvmChanged: Int64

        /// The key for this boot, `/dev/kvm` and `qemu`; nil when any part cannot be read (then nothing is cached).
        static func current(qemu: String, kvm: String = "/dev/kvm", bootIDPath: String = "/proc/sys/kernel/random/boot_id") -> Key? {
            guard let raw = try? SafeFile.readRegular(bootIDPath, limit: 128) else { return nil }
            let bootID = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !bootID.isEmpty else { return nil }
            var q = stat()
            var k = stat()
            guard stat(qemu, &q) == 0, q.st_mode & S_IFMT == S_IFREG, stat(kvm, &k) == 0 else { return nil }
            return Key(
                bootID: bootID, qemu: qemu, qemuSize: Int64(q.st_size), qemuModified: Int64(q.st_mtim.tv_sec),
                kvmInode: UInt64(k.st_ino), kvmChanged: Int64(k.st_ctim.tv_sec))
        }
    }

    struct Entry: Codable, Equatable, Sendable {
        var key: Key
        var usable: Bool
        /// The trial's own words (`LabRunner.kvmWorks`).
        var note: String
        var decidedAt: Date
    }

    static let fileName = "kvm-trial.json"
    static let maxAge: TimeInterval = 6 * 3600
    static let maxBytes = 4096

    let directory: URL
    var path: String { directory.appendingPathComponent(Self.fileName).path }

    /// The entry decided for `key` within `maxAge` of `now`; nil when there is none or it does not apply.
    func load(for key: Key, now: Date = Date()) -> Entry? {
        // The entry itself, never a link planted in its place (the directory is owner-only; this is belt and braces).
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == getuid(),
            let data = try? SafeFile.readRegular(path, limit: Self.maxBytes),
            let entry = try? Self.decoder.decode(Entry.self, from: data),
            entry.key == key, entry.decidedAt <= now.addingTimeInterval(60), now.timeIntervalSince(entry.decidedAt) <= Self.maxAge
        else { return nil }
        return entry
    }

    /// Records a verdict; best effort (a lab run never fails because its cache cannot be written).
    func save(_ entry: Entry) {
        guard
            (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]))
                != nil,
            let data = try? Self.encoder.encode(entry)
        else { return }
        try? SafeFile.create(path, contents: data, replace: true)
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}
