import BulkheadModel
import Foundation

// kata.shared-fs: its words are in kata.shared-fs.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    static let sharedFS = kata("kata.shared-fs") { ctx, d, c in
        let entries = c.values.filter { $0.key.hasSuffix(".shared_fs") }
        guard !entries.isEmpty else { return .pass("no shared file system configured", [setting(ctx, d, "shared_fs not set")]) }
        let evidence = entries.map { setting(ctx, d, "\($0.key) = \"\($0.value)\"") }
        let ninep = entries.filter { $0.value == "virtio-9p" }
        if !ninep.isEmpty {
            return .fail("virtio-9p (QEMU's in-process 9p server) shares host files: " + ninep.map(\.key).joined(separator: ", "), evidence)
        }
        let cacheAlways = c.lists.filter { $0.key.hasSuffix(".virtio_fs_extra_args") && $0.value.contains { $0.contains("cache=always") } }
        if !cacheAlways.isEmpty { return .fail("virtiofsd with --cache=always", evidence) }
        return .pass(entries.map { "\($0.key) = \($0.value)" }.joined(separator: ", "), evidence)
    }
}
