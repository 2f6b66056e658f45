import Assessment
import Discovery
import Foundation

/// The TOML of Kata's configuration and of the system profile, and libvirt's qemu.conf syntax.
func fuzz(_ data: Data) {
    _ = try? KataConfigParser.parse(data, source: "configuration.toml")
    _ = try? SystemProfile.parse(data, path: "bulkhead.toml")
    _ = try? LibvirtQEMUConfParser.parse(data, source: "qemu.conf")
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
