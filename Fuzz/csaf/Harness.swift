import Advisories
import Foundation

/// One CSAF 2.0 VEX document (or OSV distribution record), then what a host does with it: the distribution
/// decisions on four releases (RHEL 9.3 and 7.9, Ubuntu 22.04 LTS, Debian 12) for every package it names, with
/// installed versions taken from its own fixed versions (compared in rpm or dpkg order), the upstream view
/// without its distribution entries, and the input read as /etc/os-release.
func fuzz(_ data: Data) {
    _ = DistroRelease.parse(osRelease: String(decoding: data.prefix(4096), as: UTF8.self))
    let parsed = AdvisoryParser.parse(data, file: "fuzz.json")
    let releases = [
        DistroRelease(id: "rhel", versionID: "9.3"), DistroRelease(id: "rhel", versionID: "7.9"),
        DistroRelease(id: "ubuntu", versionID: "22.04", isLTS: true), DistroRelease(id: "debian", versionID: "12"),
    ]
    for a in parsed.advisories {
        var names = Set<String>()
        var versions = ["0", "1.0-1", "7.76.1-26.el9_3.2"]
        for e in a.affected.prefix(64) {
            if let n = e.packageName { names.insert(n) }
            for r in e.ranges {
                if case .osv(_, let events) = r { versions += events.prefix(4).map(\.version) }
            }
        }
        for release in releases {
            for v in versions.prefix(8) { _ = DistroData.decisions(records: [a], release: release, names: names, installed: v) }
        }
        _ = DistroData.upstreamOnly([a])
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
