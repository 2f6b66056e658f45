import BulkheadModel
import Checks
import Foundation
import Testing

/// firecracker.jail-paths on host trees built in the test: a jailer still running (`--new-pid-ns`, so its argv
/// with --exec-file and --netns is seen), each path described by `PATH.stat` as in the probe fixtures, and the
/// ways it goes wrong or cannot be told.
@Suite struct FirecrackerJailPathsTests {
    let id = "firecracker.jail-paths"
    static let vm = "551e7604-e35c-42b3-b825-416853441234"

    /// A host root with the jailer of Firecracker's test framework (`tests/framework/jailer.py`: `--new-pid-ns`,
    /// uid/gid 1234) as pid 4300, and every judged path described by `stats` (path → `MODE UID GID KIND`).
    func judge(_ argv: [String], stats: [String: String], links: [String: String] = [:], check: String? = nil) throws -> Finding? {
        let id = check ?? self.id
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jail-paths-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let proc = dir.appendingPathComponent("proc/4300")
        try FileManager.default.createDirectory(at: proc, withIntermediateDirectories: true)
        try Data(argv.joined(separator: "\0").utf8 + [0]).write(to: proc.appendingPathComponent("cmdline"))
        let status = "Name:\tjailer\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4300\nPid:\t4300\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
        try Data(status.utf8).write(to: proc.appendingPathComponent("status"))
        for (path, stat) in stats {
            let file = dir.appendingPathComponent(String(path.dropFirst()) + ".stat")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((stat + "\n").utf8).write(to: file)
        }
        for (path, target) in links {
            let link = dir.appendingPathComponent(String(path.dropFirst()))
            try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        }
        let input = try FixtureRunner.hostTree(dir, label: "jail-paths")
        let report = CheckRunner(catalog: Fixture.catalog).run(input, selection: CheckSelection(only: [id]))
        return report.findings.first { $0.checkID == id }
    }

    static let argv = [
        "/usr/bin/jailer", "--id", vm, "--exec-file", "/usr/bin/firecracker", "--uid", "1234", "--gid", "1234", "--daemonize",
        "--new-pid-ns", "--netns", "/run/netns/vm1",
    ]
    /// The paths as a root-run jailer leaves them under the default chroot base.
    static var sound: [String: String] {
        [
            "/srv": "0755 0 0 directory", "/srv/jailer": "0755 0 0 directory", "/srv/jailer/firecracker": "0755 0 0 directory",
            "/srv/jailer/firecracker/\(vm)": "0755 0 0 directory", "/srv/jailer/firecracker/\(vm)/root": "0755 1234 1234 directory",
            "/usr": "0755 0 0 directory", "/usr/bin": "0755 0 0 directory", "/usr/bin/firecracker": "0755 0 0 regular",
            "/run": "0755 0 0 directory", "/run/netns": "0755 0 0 directory", "/run/netns/vm1": "0444 0 0 regular",
        ]
    }

    @Test func aRootOwnedJailPasses() throws {
        let f = try judge(Self.argv, stats: Self.sound)
        #expect(f?.outcome == .pass, "\(String(describing: f))")
        #expect(f?.observed?.contains("/usr/bin/firecracker regular 0755 uid 0") == true)
    }

    @Test func eachPathOthersCanWriteFails() throws {
        var stats = Self.sound
        // The binary the jailer (root) copies into every jail, writable by a group other than root.
        stats["/usr/bin/firecracker"] = "0775 0 1000 regular"
        let binary = try judge(Self.argv, stats: stats)
        #expect(binary?.outcome == .fail && binary?.observed?.contains("exec file /usr/bin/firecracker") == true)
        // The namespace handles' directory owned by a user.
        stats = Self.sound
        stats["/run/netns"] = "0755 1000 1000 directory"
        let netns = try judge(Self.argv, stats: stats)
        #expect(netns?.outcome == .fail && netns?.observed?.contains("/run/netns on the jail's path is owned by uid 1000") == true)
        // The chroot given to another user than the microVM's.
        stats = Self.sound
        stats["/srv/jailer/firecracker/\(Self.vm)/root"] = "0755 1000 1000 directory"
        let chroot = try judge(Self.argv, stats: stats)
        #expect(chroot?.outcome == .fail && chroot?.observed?.contains("neither root nor the microVM's uid 1234") == true)
        // A world-writable chroot base without the sticky bit.
        stats = Self.sound
        stats["/srv/jailer"] = "0777 0 0 directory"
        #expect(try judge(Self.argv, stats: stats)?.outcome == .fail)
    }

    @Test func aStickyBaseParentAndRootOwnedLinksPass() throws {
        // --chroot-base-dir under /tmp (1777): others cannot replace root's entries there.
        let argv = Self.argv + ["--chroot-base-dir", "/tmp/fc"]
        var stats = Self.sound.filter { !$0.key.hasPrefix("/srv") }
        stats["/tmp"] = "1777 0 0 directory"
        stats["/tmp/fc"] = "0755 0 0 directory"
        stats["/tmp/fc/firecracker"] = "0755 0 0 directory"
        stats["/tmp/fc/firecracker/\(Self.vm)"] = "0755 0 0 directory"
        stats["/tmp/fc/firecracker/\(Self.vm)/root"] = "0755 1234 1234 directory"
        // /run as a root-owned link (lstat's 0777 of a link means nothing).
        stats["/run"] = "0777 0 0 symlink"
        #expect(try judge(argv, stats: stats)?.outcome == .pass)
        stats["/run"] = "0777 1000 1000 symlink"
        #expect(try judge(argv, stats: stats)?.outcome == .fail)
    }

    @Test func whatCannotBeToldIsNeverPassed() throws {
        // The chroot not there (the jail is gone, or the base is elsewhere than the argv says).
        var stats = Self.sound
        stats["/srv/jailer/firecracker/\(Self.vm)/root"] = nil
        let missing = try judge(Self.argv, stats: stats)
        #expect(missing?.outcome.label == "inconclusive" && missing?.reason?.contains("/\(Self.vm)/root: no such file") == true)
        // A relative --exec-file: relative to the jailer's working directory, which is not known.
        let relative = try judge(
            ["/usr/bin/jailer", "--id", Self.vm, "--exec-file", "../firecracker", "--uid", "1234", "--gid", "1234", "--new-pid-ns"],
            stats: Self.sound)
        #expect(relative?.outcome.label == "inconclusive" && relative?.reason?.contains("--exec-file ../firecracker") == true)
    }

    /// A jailer still running is discovered as one: its argv (read as the jailer's, not as Firecracker's) decides
    /// firecracker.jailer and firecracker.jailer-limits too, and its `-- --config-file` (a path inside the jail)
    /// is not read from the host.
    @Test func aLiveJailersArgvIsReadAsTheJailers() throws {
        let limited = Self.argv + ["--cgroup-version", "2", "--cgroup", "memory.max=268435456", "--cgroup", "cpu.max=50000 100000"]
        #expect(try judge(limited, stats: Self.sound, check: "firecracker.jailer-limits")?.outcome == .pass)
        let unlimited = try judge(Self.argv, stats: Self.sound, check: "firecracker.jailer-limits")
        #expect(unlimited?.outcome == .fail && unlimited?.observed?.contains("no memory, cpu limit") == true)
        let started = try judge(Self.argv + ["--", "--config-file", "/vm.json"], stats: Self.sound, check: "firecracker.jailer")
        #expect(started?.outcome == .pass && started?.observed?.contains("started by the jailer") == true)
    }
}
