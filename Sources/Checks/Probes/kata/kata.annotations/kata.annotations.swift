import BulkheadModel
import Foundation

// kata.annotations: its words are in kata.annotations.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    /// Annotations that would let a pod choose binaries or paths on the host.
    static let dangerousAnnotations: Set<String> = [
        "path", "jailer_path", "ctlpath", "virtio_fs_daemon", "kernel", "image", "initrd", "firmware", "guest_hook_path",
        "valid_hypervisor_paths", "file_mem_backend", "entropy_source",
    ]

    static let annotations = kata("kata.annotations") { ctx, d, c in
        let lists = c.lists.filter { $0.key.hasSuffix(".enable_annotations") }
        let bad = lists.flatMap { key, items in items.filter { dangerousAnnotations.contains($0) || $0 == ".*" }.map { "\(key): \($0)" } }
        let evidence = lists.map { setting(ctx, d, "\($0.key) = [\($0.value.joined(separator: ", "))]") }
        if bad.isEmpty {
            return .pass(lists.isEmpty ? "no annotations enabled" : "enabled annotations are limited", evidence)
        }
        return .fail("pod annotations may override host paths: " + bad.joined(separator: "; "), evidence)
    }
}
