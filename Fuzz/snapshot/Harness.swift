import Foundation
import HostInspection

/// A snapshot archive (gzip, tar, manifest, member hashes) through SnapshotHostRoot, under small caps so
/// that a decompression bomb is refused by the cap, not by the fuzzer's memory limit.
func fuzz(_ data: Data) {
    var limits = SnapshotLimits()
    limits.maxArchiveBytes = 4 << 20
    limits.maxTotalBytes = 64 << 20
    limits.maxEntryBytes = 16 << 20
    limits.maxManifestBytes = 4 << 20
    guard let root = try? SnapshotHostRoot(archive: [UInt8](data), name: "fuzz.tar.gz", limits: limits) else { return }
    _ = try? root.list("/")
    _ = try? root.read("/etc/os-release", limit: 1 << 20)
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}

/// NUL-separated arguments, as /proc/PID/cmdline holds them.
func argv(_ data: Data) -> [String] {
    data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
}
