import BulkheadTestSupport
import Formats
import Foundation
import Testing

@testable import HostInspection

@Suite("RPM database (real rpmdb.sqlite built with rpmbuild and rpm)")
struct RPMTests {
    /// Builds two real packages and registers them in `<tree>/var/lib/rpm`. Returns the package files.
    static func buildDatabase(in tree: TempDir) throws -> [String] {
        let rpmbuild = try #require(Tool.find("rpmbuild"), "rpmbuild is not installed")
        let rpm = try #require(Tool.find("rpm"), "rpm is not installed")
        let work = try TempDir()
        defer { work.remove() }
        let specs = [
            ("bulkhead-fixture-a", "Version: 1.2.3\nRelease: 4.el9\nEpoch: 7\n"),
            ("bulkhead-fixture-b", "Version: 0.9\nRelease: 1\n"),
        ]
        var files: [String] = []
        for (name, version) in specs {
            let spec = "Name: \(name)\n\(version)Summary: Bulkhead test fixture\nLicense: MIT\nBuildArch: noarch\n%description\nfixture\n%files\n"
            try work.write("\(name).spec", spec)
            try run(rpmbuild, ["--quiet", "--define", "_topdir \(work.path)/top", "-bb", "\(work.path)/\(name).spec"])
        }
        let dbpath = tree.path + "/var/lib/rpm"
        try tree.mkdir("var/lib/rpm")
        try run(rpm, ["--dbpath", dbpath, "--initdb"])
        let rpms = try FileManager.default.contentsOfDirectory(atPath: "\(work.path)/top/RPMS/noarch").sorted()
        for file in rpms {
            try run(rpm, ["--dbpath", dbpath, "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "\(work.path)/top/RPMS/noarch/\(file)"])
            let copy = tree.path + "/" + file
            try FileManager.default.copyItem(atPath: "\(work.path)/top/RPMS/noarch/\(file)", toPath: copy)
            files.append(copy)
        }
        return files
    }

    @Test(
        "packages from a real rpmdb.sqlite match `rpm -qa` (epoch kept, source package derived)",
        .enabled(if: Tool.runs("rpmbuild", "rpm"), "needs rpmbuild and rpm (.ci/run installs rpm)"))
    func realDatabase() throws {
        let tree = try TempDir()
        defer { tree.remove() }
        _ = try Self.buildDatabase(in: tree)
        let rpm = try #require(Tool.find("rpm"), "rpm is not installed")
        let expected = try run(
            rpm, ["--dbpath", tree.path + "/var/lib/rpm", "-qa", "--qf", "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH}\n"]
        )
        .split(separator: "\n").map(String.init).sorted()
        let facts = HostInspector(root: DirectoryHostRoot(directory: tree.path)).collect()
        let got = facts.packages.filter { $0.manager == "rpm" }.map { "\($0.name) \($0.version) \($0.architecture ?? "")" }.sorted()
        #expect(got == expected)
        #expect(facts.package("bulkhead-fixture-a")?.version == "7:1.2.3-4.el9")
        #expect(facts.package("bulkhead-fixture-b")?.version == "0.9-1")
        #expect(facts.package("bulkhead-fixture-a")?.sourcePackage == nil, "source rpm has the same name")
        #expect(facts.problems.isEmpty, "\(facts.problems)")
        // The host's database and its directory are untouched (read through the root, opened from a private copy).
        #expect(!FileManager.default.fileExists(atPath: tree.path + "/var/lib/rpm/rpmdb.sqlite-journal"))

        // And through a snapshot.
        let recorder = RecordingHostRoot(wrapping: DirectoryHostRoot(directory: tree.path))
        let recorded = HostInspector(root: recorder).collect()
        let (_, tar) = try SnapshotWriter(bulkheadVersion: "t").archive(recorder.recorded, hostname: nil, source: recorder.label, capturedAt: Date())
        let snapshot = try SnapshotHostRoot(archive: try Gzip.compress(tar), name: "rpm.tar.gz")
        #expect(HostInspector(root: snapshot).collect().packages == recorded.packages)
    }

    @Test(
        "RPM header parser: the real header from a package file, then every truncation and bad counts",
        .enabled(if: Tool.runs("rpmbuild", "rpm"), "needs rpmbuild and rpm (.ci/run installs rpm)"))
    func hostileHeaders() throws {
        let tree = try TempDir()
        defer { tree.remove() }
        let file = try #require(try Self.buildDatabase(in: tree).first, "rpmbuild built no package")
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: file)))
        // Lead (96 bytes), signature header, then the main header, each starting with the header magic.
        let magic: [UInt8] = [0x8E, 0xAD, 0xE8, 0x01]
        var starts: [Int] = []
        var i = 0
        while i + 4 <= bytes.count {
            if Array(bytes[i..<(i + 4)]) == magic { starts.append(i) }
            i += 1
        }
        #expect(starts.count >= 2)
        let main = Array(bytes[try #require(starts.dropFirst().first)...])
        let header = try RPMHeader(bytes: main)
        #expect(header.string(RPMHeader.Tag.name) == "bulkhead-fixture-a")
        #expect(header.string(RPMHeader.Tag.version) == "1.2.3")
        #expect(header.string(RPMHeader.Tag.release) == "4.el9")
        #expect(header.int32(RPMHeader.Tag.epoch) == 7)
        #expect(header.string(RPMHeader.Tag.arch) == "noarch")
        #expect(header.string(RPMHeader.Tag.sourceRPM) == "bulkhead-fixture-a-1.2.3-4.el9.src.rpm")
        #expect(RPMDatabase.sourceName("bulkhead-fixture-a-1.2.3-4.el9.src.rpm") == "bulkhead-fixture-a")
        #expect(RPMDatabase.sourceName("nodashes.src.rpm") == nil)

        // Every truncation of the header region either parses or throws; none crashes.
        let il = Int(try #require(RPMHeader.u32(main, 8)))
        let dl = Int(try #require(RPMHeader.u32(main, 12)))
        let full = 16 + il * 16 + dl
        var failures = 0
        for cut in 0..<full {
            do { _ = try RPMHeader(bytes: Array(main.prefix(cut))) } catch { failures += 1 }
        }
        #expect(failures == full, "every strict prefix is truncated")
        // Absurd counts.
        var huge = main
        huge[8] = 0xFF
        #expect(throws: RPMHeader.ParseError.self) { try RPMHeader(bytes: huge) }
        // An index entry pointing past the data: the value is simply absent.
        var wild = main
        for entry in 0..<il {
            let at = 16 + entry * 16
            if RPMHeader.u32(wild, at) == 1000 {
                wild[at + 8] = 0x7F
            }
        }
        #expect(try RPMHeader(bytes: wild).string(RPMHeader.Tag.name) == nil)
    }

    @Test("a corrupt rpmdb.sqlite is a problem, and the rest of the inventory goes on")
    func corruptDatabase() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        try dir.write("var/lib/rpm/rpmdb.sqlite", Array("SQLite format 3\u{0}but not really".utf8))
        let facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect()
        #expect(facts.packages.count == 7, "dpkg packages still read")
        #expect(facts.problems.contains { $0.subject == "/var/lib/rpm/rpmdb.sqlite" && $0.message.contains("inconclusive") })
    }
}
