import BulkheadTestSupport
import Foundation
import Testing

/// "Read the host once", tested from outside with the built `bulkhead` binary: for several real roots,
/// every file `assess --root R` opens (seen by strace) is in the snapshot `snapshot --root R` writes, and
/// `assess --snapshot S` gives the same JSON as `assess --root R` except the assessment time.
@Suite(.serialized) struct OneCollectionTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let noDatabase = ["--advisory-database", "/nonexistent/bulkhead-advisories.sqlite", "--no-store"]

    /// The checks' fixture hosts (captured from real Debian configurations, see their PROVENANCE.md) and
    /// a hypervisor host built here from real fixtures.
    static func roots(in dir: URL) throws -> [URL] {
        let hosts = tests.appendingPathComponent("ChecksTests/Fixtures/hosts")
        let fixtureRoots = try FileManager.default.contentsOfDirectory(atPath: hosts.path).sorted().map { hosts.appendingPathComponent($0) }
        return fixtureRoots + [try HypervisorTree.build(in: dir)]
    }

    @Test(.enabled(if: Tool.runs("strace"), "needs strace to see what bulkhead opens (.ci/run installs it)"))
    func assessOpensOnlyWhatTheSnapshotHolds() throws {
        let strace = try #require(Tool.find("strace"), "strace is not installed")
        let dir = try TempTree()
        for root in try Self.roots(in: dir.url) {
            let log = dir.url.appendingPathComponent("strace-\(root.lastPathComponent).log").path
            let bulkhead = try Bulkhead.path()
            let traced = try Bulkhead.run(
                ["-f", "-qq", "-y", "-e", "trace=open,openat,openat2", "-o", log, bulkhead, "assess", "--root", root.path, "--format", "json"]
                    + Self.noDatabase, executable: strace)
            #expect(traced.status == 0, "\(root.lastPathComponent): \(traced.stderr)")
            let snapshot = dir.url.appendingPathComponent("\(root.lastPathComponent).tar.gz").path
            let written = try Bulkhead.run(["snapshot", "--root", root.path, "--output", snapshot])
            #expect(written.status == 0, "\(written.stderr)")
            let members = try Snapshot.paths(snapshot)
            let (opened, directories) = try Strace.openedPaths(log, under: root.path)
            #expect(!opened.isEmpty, "strace saw no file under \(root.path)")
            #expect(opened.contains { $0.hasPrefix("/proc/") && $0.hasSuffix("/status") } || !directories.contains { $0.hasPrefix("/proc/") })
            // A directory opened to read its members (a process's /proc/PID) holds nothing itself: it is covered by
            // the members the snapshot holds under it, each of which is checked as any other open.
            let missing = opened.subtracting(members).filter { path in
                !(directories.contains(path) && members.contains { $0.hasPrefix(path + "/") })
            }
            #expect(missing.isEmpty, "\(root.lastPathComponent): assess opened \(missing.sorted()) but the snapshot lacks them")
        }
    }

    @Test func snapshotReplayEqualsTheDirectAssessment() throws {
        let dir = try TempTree()
        for root in try Self.roots(in: dir.url) {
            let direct = try Bulkhead.run(["assess", "--root", root.path, "--format", "json"] + Self.noDatabase)
            #expect(direct.status == 0, "\(direct.stderr)")
            let snapshot = dir.url.appendingPathComponent("\(root.lastPathComponent)-replay.tar.gz").path
            #expect(try Bulkhead.run(["snapshot", "--root", root.path, "--output", snapshot]).status == 0)
            // Replayed a second later at the earliest: the capture time must survive the replay.
            Thread.sleep(forTimeInterval: 1.1)
            let replayed = try Bulkhead.run(["assess", "--snapshot", snapshot, "--format", "json"] + Self.noDatabase)
            #expect(replayed.status == 0, "\(replayed.stderr)")
            let a = try Report.normalised(direct.stdout)
            let b = try Report.normalised(replayed.stdout)
            #expect(b.replayedFrom?.contains(snapshot) == true)
            // The replay is dated when the snapshot was taken, not when it was replayed.
            let captured = try Snapshot.capturedAt(snapshot)
            #expect(b.collectedAt == captured, "replayed evidence dated \(b.collectedAt ?? "-"), snapshot taken \(captured)")
            // The snapshot was a second collection after the direct run: with each run's collection time
            // standing for itself, nothing else may differ.
            let (left, right) = (a.datedAs("T"), b.datedAs("T"))
            #expect(left == right, "\(root.lastPathComponent): replayed assessment differs: \(Report.firstDifference(left, right))")
        }
    }

    /// This machine: the snapshot inside an evidence bundle comes from the same collection as the report
    /// beside it, so replaying it must give that report again, dated as the original.
    @Test func liveBundleSnapshotReplaysToTheSameReport() throws {
        let dir = try TempTree()
        let prefix = dir.url.appendingPathComponent("signer").path
        #expect(try Bulkhead.run(["keys", "generate", "--output", prefix]).status == 0)
        let key = prefix + ".key"
        let bundle = dir.url.appendingPathComponent("bundle").path
        let live = try Bulkhead.run(["assess", "--bundle", bundle, "--signing-key", key, "--format", "json"] + Self.noDatabase)
        #expect(live.status == 0, "\(live.stderr)")
        Thread.sleep(forTimeInterval: 1.1)
        let replayed = try Bulkhead.run(
            ["assess", "--snapshot", bundle + "/snapshot/host.tar.gz", "--format", "json"] + Self.noDatabase)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let a = try Report.normalised(live.stdout)
        var b = try Report.normalised(replayed.stdout)
        #expect(a.collectedAt == b.collectedAt && a.collectedAt != nil, "the replay keeps the capture time")
        b.replayedFrom = nil
        #expect(a.json == b.json, "the live assessment and its bundled snapshot's replay differ: \(Report.firstDifference(a.json, b.json))")
    }
}

/// A report with the assessment time removed, for comparison.
struct Report {
    var json: String
    var collectedAt: String?
    var replayedFrom: String?

    static func normalised(_ text: String) throws -> Report {
        guard var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("the report is not a JSON object: \(text.prefix(200))")
        }
        object["assessedAt"] = nil
        var host = object["host"] as? [String: Any] ?? [:]
        let replayedFrom = host["replayedFrom"] as? String
        host["replayedFrom"] = nil
        object["host"] = host
        if var mechanisms = object["mechanisms"] as? [[String: Any]] {
            // Each ISM-1460 evaluation is stamped with the assessment time too.
            for index in mechanisms.indices {
                guard var controls = mechanisms[index]["controls"] as? [[String: Any]] else { continue }
                for c in controls.indices {
                    if var evaluation = controls[c]["ism1460"] as? [String: Any] {
                        evaluation["assessedAt"] = nil
                        controls[c]["ism1460"] = evaluation
                    }
                }
                mechanisms[index]["controls"] = controls
            }
            object["mechanisms"] = mechanisms
        }
        // So is the host's ISM-1743 evaluation of its operating system.
        if var hostControls = object["hostControls"] as? [[String: Any]] {
            for c in hostControls.indices {
                if var evaluation = hostControls[c]["ism1460"] as? [String: Any] {
                    evaluation["assessedAt"] = nil
                    hostControls[c]["ism1460"] = evaluation
                }
            }
            object["hostControls"] = hostControls
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Report(json: String(decoding: data, as: UTF8.self), collectedAt: host["collectedAt"] as? String, replayedFrom: replayedFrom)
    }

    /// Where two texts first differ, with some context from each.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var index = 0
        while index < min(x.count, y.count) && x[index] == y[index] { index += 1 }
        let start = max(0, index - 150)
        func slice(_ bytes: [UInt8]) -> String { String(decoding: bytes[start..<min(bytes.count, index + 150)], as: UTF8.self) }
        return "at byte \(index): …\(slice(x))… versus …\(slice(y))…"
    }

    /// The JSON with this report's collection time replaced by `marker` wherever it stands.
    func datedAs(_ marker: String) -> String {
        guard let collectedAt else { return json }
        return json.replacingOccurrences(of: "\"" + collectedAt + "\"", with: "\"" + marker + "\"")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The host paths a snapshot's manifest lists.
enum Snapshot {
    static func manifest(_ archive: String) throws -> [String: Any] {
        let out = try Bulkhead.run(["-xzOf", archive, "manifest.json"], executable: "/bin/tar")
        guard out.status == 0, let manifest = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("cannot read the manifest of \(archive): \(out.stderr)")
        }
        return manifest
    }

    static func paths(_ archive: String) throws -> Set<String> {
        guard let files = try manifest(archive)["files"] as? [[String: Any]] else { throw TestFailure("\(archive): no files in the manifest") }
        return Set(files.compactMap { $0["path"] as? String })
    }

    static func capturedAt(_ archive: String) throws -> String {
        guard let date = try manifest(archive)["capturedAt"] as? String else { throw TestFailure("\(archive): no capturedAt") }
        return date
    }
}

/// Paths opened under a directory, from an strace `-y` log (`PID openat(AT_FDCWD</cwd>, "/dir/etc/x", …) = 3</dir/etc/x>`,
/// or relative to an open directory: `PID openat(3</dir/proc/7>, "status", …)`), and those opened as directories
/// (`O_DIRECTORY`).
enum Strace {
    static func openedPaths(_ log: String, under root: String) throws -> (paths: Set<String>, directories: Set<String>) {
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var paths = Set<String>()
        var directories = Set<String>()
        for line in text.split(separator: "\n") {
            guard let open = line.firstIndex(of: "\""), let close = line[line.index(after: open)...].firstIndex(of: "\"") else { continue }
            var path = String(line[line.index(after: open)..<close])
            if !path.hasPrefix("/") {
                // Relative to the directory descriptor, whose path `-y` prints in `<…>` before the name.
                let head = line[..<open]
                guard let start = head.lastIndex(of: "<"), let end = head.lastIndex(of: ">"), start < end else { continue }
                path = String(head[head.index(after: start)..<end]) + "/" + path
            }
            guard path.hasPrefix(root + "/") else { continue }
            let hostPath = String(path.dropFirst(root.count))
            paths.insert(hostPath)
            if line.contains("O_DIRECTORY") { directories.insert(hostPath) }
        }
        return (paths, directories)
    }
}

/// The built `bulkhead` binary, run with an argument array and a time limit.
enum Bulkhead {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func path() throws -> String {
        let arg0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var dir = arg0.deletingLastPathComponent()
        var candidates: [String] = []
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("bulkhead").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bulkhead").path)
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw TestFailure("bulkhead is not built (swift build --build-tests); looked in \(candidates)")
    }

    static func run(_ arguments: [String], executable: String? = nil, timeout: TimeInterval = 120) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable ?? path())
        process.arguments = arguments
        process.environment = ["TZ": "UTC", "HOME": dir.path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("\(arguments.prefix(3)) did not finish in \(Int(timeout)) s")
        }
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A temporary directory removed when the test lets go of it.
final class TempTree {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A hypervisor host assembled from real fixtures: the dpkg status and /proc files of HostInspection's
/// fixtures, a Proxmox QEMU command line, a virt-install domain, a libvirt qemu.conf, an xl.cfg, a
/// Firecracker process whose --config-file is Firecracker's own example (read because the process names
/// it), and this machine's qemu changelog when it has one.
enum HypervisorTree {
    static func build(in parent: URL) throws -> URL {
        let root = parent.appendingPathComponent("hypervisor")
        let fixtures = OneCollectionTests.tests
        func copy(_ fixture: String, to path: String) throws {
            let data = try Data(contentsOf: fixtures.appendingPathComponent(fixture))
            try write(path, data)
        }
        func write(_ path: String, _ data: Data) throws {
            let url = root.appendingPathComponent(String(path.dropFirst()))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try copy("HostInspectionTests/Fixtures/dpkg-status.txt", to: "/var/lib/dpkg/status")
        try copy("HostInspectionTests/Fixtures/osrelease.txt", to: "/proc/sys/kernel/osrelease")
        try copy("HostInspectionTests/Fixtures/cpuinfo.txt", to: "/proc/cpuinfo")
        try copy("HostInspectionTests/Fixtures/proc-cmdline-kernel.txt", to: "/proc/cmdline")
        try copy("DetectorTests/Fixtures/virt-manager__virt-install-kvm-win10.xml", to: "/etc/libvirt/qemu/win10.xml")
        try copy("DiscoveryTests/Fixtures/libvirt-qemu-conf/lennard0711-vfio__qemu.conf", to: "/etc/libvirt/qemu.conf")
        try copy("DetectorTests/Fixtures/xen__xlexample.hvm", to: "/etc/xen/xlexample.cfg")
        try copy("DetectorTests/Fixtures/firecracker__vm_config.json", to: "/srv/fc/vm_config.json")
        try write("/usr/bin/qemu-system-x86_64", Data("ELF".utf8))
        try write("/usr/bin/firecracker", Data("ELF".utf8))
        try write("/etc/hostname", Data("hv-e2e\n".utf8))
        let proxmox = try String(contentsOf: fixtures.appendingPathComponent("DetectorTests/Fixtures/simple1.conf.cmd"), encoding: .utf8)
        let qemuArgv = ShellWords.split(proxmox)
        let processes: [(Int, String, [String])] = [
            (4242, "kvm", qemuArgv),
            (4343, "firecracker", ["/usr/bin/firecracker", "--id", "e2e", "--config-file", "/srv/fc/vm_config.json"]),
        ]
        for (pid, comm, argv) in processes {
            let p = "/proc/\(pid)"
            try write(p + "/cmdline", Data((argv.joined(separator: "\0") + "\0").utf8))
            try write(p + "/comm", Data((comm + "\n").utf8))
            try write(p + "/stat", Data("\(pid) (\(comm)) S 1 \(pid) \(pid) 0 -1 4194560\n".utf8))
            try write(
                p + "/status",
                Data("Name:\t\(comm)\nPid:\t\(pid)\nPPid:\t1\nUid:\t0\t0\t0\t0\nSeccomp:\t2\nNoNewPrivs:\t1\nCapEff:\t0000000000000000\n".utf8))
            try FileManager.default.createSymbolicLink(
                atPath: root.appendingPathComponent("proc/\(pid)/exe").path, withDestinationPath: argv.first ?? "/usr/bin/\(comm)")
        }
        let changelog = "/usr/share/doc/qemu-system-x86/changelog.Debian.gz"
        if let data = FileManager.default.contents(atPath: changelog) { try write(changelog, data) }
        return root
    }
}

/// Splits a shell-quoted command line (the Proxmox fixture uses single quotes and backslash-newlines).
enum ShellWords {
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped {
                if ch != "\n" {
                    current.append(ch)
                    inWord = true
                }
                escaped = false
            } else if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
            } else if ch == "\\" {
                escaped = true
            } else if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else if ch == " " || ch == "\n" || ch == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
