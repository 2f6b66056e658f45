import Advisories
import Foundation

/// Every version scheme's comparison must be an order: reflexive, antisymmetric and transitive. Input: three
/// versions separated by NUL bytes. A violation traps, so the fuzzer records the input.
func fuzz(_ data: Data) {
    let parts = data.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    guard parts.count == 3 else { return }
    let (a, b, c) = (parts[0], parts[1], parts[2])
    for scheme in VersionScheme.allCases {
        guard let ab = scheme.compare(a, b), let ba = scheme.compare(b, a) else { continue }
        if ab.signum() != -ba.signum() {
            fatalError("\(scheme): compare(\(a.debugDescription), \(b.debugDescription)) = \(ab) but the reverse = \(ba)")
        }
        if let aa = scheme.compare(a, a), aa != 0 { fatalError("\(scheme): \(a.debugDescription) is not equal to itself") }
        guard let bc = scheme.compare(b, c), let ac = scheme.compare(a, c) else { continue }
        if ab < 0, bc < 0, ac >= 0 { fatalError("\(scheme): \(a.debugDescription) < \(b.debugDescription) < \(c.debugDescription) but not a < c") }
        // rpm compares a missing release equal to any release (as in dependency ranges), so equality is not
        // transitive there when one of the three has no release.
        let wildcard = scheme == .rpm && [a, b, c].contains { RPMVersion.parse($0)?.release == nil }
        if ab == 0, bc == 0, ac != 0, !wildcard {
            fatalError("\(scheme): a = b = c but a != c (\(a.debugDescription), \(b.debugDescription), \(c.debugDescription))")
        }
    }
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
