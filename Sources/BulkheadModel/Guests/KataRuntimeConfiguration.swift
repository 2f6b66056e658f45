/// Parsed facts of a Kata Containers runtime configuration (`configuration.toml`): every setting by its
/// dotted path (`hypervisor.qemu.enable_debug`, `runtime.disable_guest_seccomp`), plus the facts the
/// hardening checks read. Strings are kept as written; lists as their items.
public struct KataRuntimeConfiguration: Codable, Hashable, Sendable {
    /// Scalar settings: dotted path → value text (`true`, `"virtio-fs"` unquoted, `2`).
    public var values: [String: String]
    /// Array settings: dotted path → items.
    public var lists: [String: [String]]

    public init(values: [String: String] = [:], lists: [String: [String]] = [:]) {
        self.values = values
        self.lists = lists
    }

    /// The `[hypervisor.NAME]` sections present (`qemu`, `clh`, `firecracker`, `dragonball`, `stratovirt` …).
    public var hypervisors: [String] {
        let names = (Array(values.keys) + Array(lists.keys)).compactMap { key -> String? in
            let parts = key.split(separator: ".")
            return parts.count >= 3 && parts[0] == "hypervisor" ? String(parts[1]) : nil
        }
        return Array(Set(names)).sorted()
    }

    /// A boolean setting, nil when absent or not a boolean.
    public func bool(_ path: String) -> Bool? {
        switch values[path] {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// Every path ending in `.key` that is set to true (e.g. all `enable_debug` switches).
    public func enabled(_ key: String) -> [String] {
        values.filter { $0.key == key || $0.key.hasSuffix("." + key) }.filter { $0.value == "true" }.map(\.key).sorted()
    }
}
