import BulkheadModel
import Foundation
import Testing

@testable import HostInspection

#if canImport(Glibc)
    import Glibc
#endif

/// The shortcuts of `HostInspector.collectEvidence` against what each stands in for: the entries of a listed
/// directory read in batches through the directory opened once (`withDirectory`) against reads by path, and
/// the evidence's files kept up to date with the recorder's changes against a copy of its whole record.
@Suite("Evidence collection shortcuts")
struct EvidenceCollectionTests {
    /// A root that reads every path by itself: `DirectoryHostRoot` without its opened directories (the default
    /// `withDirectory`, member by member by path), as every read was made before.
    struct PathOnlyRoot: HostRoot {
        let base: DirectoryHostRoot
        var label: String { base.label }
        var isLive: Bool { base.isLive }
        func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] { try base.read(path, limit: limit) }
        func list(_ path: String) throws(HostReadError) -> [String] { try base.list(path) }
        func kind(of path: String) -> FileKind? { base.kind(of: path) }
        func readLink(_ path: String) throws(HostReadError) -> String { try base.readLink(path) }
        func metadata(of path: String) throws(HostReadError) -> FileMetadata { try base.metadata(of: path) }
    }

    /// Lists directories and reads their entries (every entry with the suffix ""), and reads a few paths.
    struct ListingNeed: EvidenceNeed {
        let directories: [(String, String, Int)]
        let files: [(String, Int)]
        func request(given evidence: HostEvidence) -> EvidenceRequest {
            var request = EvidenceRequest()
            for (path, suffix, limit) in directories { request.list(path, readingEntriesEndingWith: suffix, limit: limit) }
            for (path, limit) in files { request.read(path, limit: limit) }
            return request
        }
    }

    static func answers(_ evidence: HostEvidence) -> [String: RecordedPath] { evidence.files.records }

    /// More entries than one batch holds, of every kind a hostile tree can put there.
    static func hostileTree() throws -> TempDir {
        let dir = try TempDir()
        for index in 0..<150 { try dir.write("host/etc/libvirt/qemu/vm\(index).xml", "<domain><name>vm\(index)</name></domain>\n") }
        try dir.write("host/etc/libvirt/qemu/big.xml", String(repeating: "x", count: 5000))
        try dir.write("host/etc/libvirt/qemu/unreadable.xml", "secret", mode: 0o000)
        try dir.write("host/etc/libvirt/qemu.conf", "security_driver = \"apparmor\"\n")
        try dir.write("host/srv/domains/elsewhere.xml", "<domain><name>elsewhere</name></domain>\n")
        try dir.write("outside/stolen.xml", "stolen\n")
        try dir.link("host/etc/libvirt/qemu/inside.xml", to: "/srv/domains/elsewhere.xml")
        try dir.link("host/etc/libvirt/qemu/relative.xml", to: "../../../srv/domains/elsewhere.xml")
        try dir.link("host/etc/libvirt/qemu/escape.xml", to: "../../../../outside/stolen.xml")
        try dir.link("host/etc/libvirt/qemu/dangling.xml", to: "/nowhere.xml")
        try dir.link("host/etc/libvirt/qemu/loop.xml", to: "loop.xml")
        try dir.mkdir("host/etc/libvirt/qemu/networks.xml")
        try #require(mkfifo(dir.path + "/host/etc/libvirt/qemu/fifo.xml", 0o600) == 0)
        // A directory reached through a link: its entries are read where the link leads, named by the link's path.
        try dir.link("host/run/libvirt/qemu", to: "/srv/domains")
        return dir
    }

    @Test("entries read through their directory opened once are the reads by path (hostile tree, fixtures, this machine)")
    func batchedReadsAreReadsByPath() throws {
        let hostile = try Self.hostileTree()
        defer { hostile.remove() }
        let fixture = try FixtureHost.build()
        defer { fixture.remove() }
        let domains = ListingNeed(
            directories: [
                ("/etc/libvirt/qemu", ".xml", 1000), ("/run/libvirt/qemu", ".xml", 1 << 20), ("/missing", ".xml", 1 << 20),
                ("/etc/libvirt/qemu.conf", "", 1 << 20),
            ],
            files: [("/etc/libvirt/qemu.conf", 1 << 20), ("/etc/libvirt/qemu/vm1.xml", 1 << 20)])
        // The hostile tree and the fixture host with their whole facts (a tree that does not change), this machine's
        // configuration and sysctl files with the facts given (its /proc changes between two collections).
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let cases: [(DirectoryHostRoot, [any EvidenceNeed], HostFacts?)] = [
            (DirectoryHostRoot(directory: hostile.path + "/host"), [domains], nil),
            (
                DirectoryHostRoot(directory: fixture.path),
                [domains, ListingNeed(directories: [("/proc", "", 1 << 20), ("/sys/devices/system/cpu/vulnerabilities", "", 1 << 20)], files: [])],
                nil
            ),
            (
                DirectoryHostRoot.live, [ListingNeed(directories: [("/etc", "", 1 << 20)], files: [])],
                HostFacts(collectedAt: now, source: "live host")
            ),
        ]
        for (root, needs, facts) in cases {
            let batched = HostInspector(root: root).collectEvidence(needs, given: facts, now: now)
            let byPath = HostInspector(root: PathOnlyRoot(base: root)).collectEvidence(needs, given: facts, now: now)
            #expect(batched.facts == byPath.facts, "\(root.label)")
            let (a, b) = (Self.answers(batched), Self.answers(byPath))
            #expect(Set(a.keys) == Set(b.keys), "\(root.label)")
            // A difference is named by its path and the shape of the answers (never a file's bytes: /etc/shadow).
            func shape(_ record: RecordedPath?) -> String {
                guard let record else { return "none" }
                return "\(record.content?.count ?? -1) \(String(describing: record.readError)) \(record.listing?.count ?? -1)"
            }
            for path in a.keys.sorted() where a[path] != b[path] {
                Issue.record("\(root.label) \(path): \(shape(a[path])) against \(shape(b[path]))")
            }
            #expect(a.count > 5, "\(root.label)")
        }
        // What the hostile tree's reads answered, so the comparison above compared something.
        let evidence = HostInspector(root: DirectoryHostRoot(directory: hostile.path + "/host")).collectEvidence([domains], now: now)
        let files = evidence.files
        #expect(try files.readText("/etc/libvirt/qemu/vm149.xml", limit: 1000) == "<domain><name>vm149</name></domain>\n")
        #expect(try files.readText("/etc/libvirt/qemu/inside.xml", limit: 1000) == "<domain><name>elsewhere</name></domain>\n")
        #expect(try files.readText("/run/libvirt/qemu/elsewhere.xml", limit: 1000) == "<domain><name>elsewhere</name></domain>\n")
        #expect(files.records["/etc/libvirt/qemu/big.xml"]?.readError?.code == .tooLarge)
        #expect(files.records["/etc/libvirt/qemu/escape.xml"]?.readError?.code == .escapesRoot)
        #expect(files.records["/etc/libvirt/qemu/loop.xml"]?.readError?.code == .linkLoop)
        #expect(files.records["/etc/libvirt/qemu/fifo.xml"]?.readError?.code == .wrongKind)
        #expect(files.records["/etc/libvirt/qemu/networks.xml"]?.readError?.code == .wrongKind)
        #expect(files.records["/etc/libvirt/qemu/dangling.xml"]?.readError?.code == .notFound)
        if geteuid() != 0 { #expect(files.records["/etc/libvirt/qemu/unreadable.xml"]?.readError?.code == .permissionDenied) }
    }

    @Test("the record brought up to date with the recorder's changes is its whole record")
    func changesMakeTheWholeRecord() throws {
        let fixture = try FixtureHost.build()
        defer { fixture.remove() }
        for recordsMetadata in [false, true] {
            let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: fixture.path), recordsMetadata: recordsMetadata)
            _ = HostInspector(root: recorder).collect(now: Date(timeIntervalSince1970: 1_800_000_000))
            var files = RecordedFiles(recorder.takeChanges())
            #expect(files.records == recorder.recorded)
            #expect(recorder.takeChanges().isEmpty)
            // New paths, and paths whose record changes: a file refused as too large read again with a larger bound,
            // a kind, metadata and a link asked of paths already read.
            _ = try? recorder.read("/var/lib/dpkg/status", limit: 10)
            _ = try? recorder.read("/proc/sys/kernel/osrelease", limit: 1)
            files.update(recorder.takeChanges())
            #expect(files.records == recorder.recorded)
            _ = try? recorder.read("/var/lib/dpkg/status", limit: 1 << 20)
            _ = recorder.kind(of: "/proc/sys/kernel/osrelease")
            _ = try? recorder.metadata(of: "/proc/cpuinfo")
            _ = try? recorder.readLink("/proc/cpuinfo")
            _ = try? recorder.list("/etc")
            _ = try? recorder.read("/missing", limit: 10)
            let changes = recorder.takeChanges()
            #expect(changes.keys.contains("/var/lib/dpkg/status") && changes.keys.contains("/missing"))
            files.update(changes)
            #expect(files.records == recorder.recorded)
            #expect(files.records["/var/lib/dpkg/status"]?.content != nil)
        }
    }
}
