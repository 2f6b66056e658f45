import Checks
import Foundation
import VendorEvidence

/// The files an assessor hands in: evidence (attestations), a catalog product file, a tailoring file, and the
/// ISM catalog (OSCAL JSON) given with --ism-catalog.
let catalog = Catalog.bundled()
let checks: CheckCatalog = {
    do { return try CheckCatalog.standard() } catch { fatalError("the bundled check catalog does not load: \(error)") }
}()

func fuzz(_ data: Data) {
    _ = try? EvidenceFile.decode(data, file: "evidence.json", catalog: catalog)
    _ = try? Catalog.decodeProduct(data, file: "product.json")
    _ = try? Tailoring.parse(Array(data), source: "tailoring.json", catalog: checks)
    _ = try? ISMCatalog.parse(data, source: "catalog.json")
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
