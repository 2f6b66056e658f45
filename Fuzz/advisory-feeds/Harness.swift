import Advisories
import Foundation

/// One advisory file of any format the importer reads (CVE 5, OSV, NVD 2.0 record or envelope, KEV), then the
/// version ranges of whatever it yields compared with a fixed version, as matching does.
func fuzz(_ data: Data) {
    let parsed = AdvisoryParser.parse(data, file: "fuzz.json")
    for advisory in parsed.advisories {
        _ = advisory.id
    }
    _ = parsed.problems.count
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
