import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import Discovery

/// True when `pid` is `ancestor` or one of its descendants (up to 8 levels), from /proc/PID/stat.
func descends(_ pid: String, from ancestor: Int32) -> Bool {
    var cur = pid
    for _ in 0..<8 {
        if cur == String(ancestor) { return true }
        guard let h = FileHandle(forReadingAtPath: "/proc/\(cur)/stat") else { return false }
        defer { try? h.close() }
        guard let d = try? h.read(upToCount: 4096) else { return false }
        let s = String(decoding: d, as: UTF8.self)
        guard let close = s.lastIndex(of: ")") else { return false }
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return false }
        cur = String(fields[1])
        if cur == "0" || cur == "1" { return false }
    }
    return false
}

/// Reads /proc/PID/cmdline (bounded) as an argv.
func procCmdline(_ pid: String) -> [String]? {
    guard let h = FileHandle(forReadingAtPath: "/proc/\(pid)/cmdline") else { return nil }
    defer { try? h.close() }
    guard let d = try? h.read(upToCount: 256 << 10), !d.isEmpty else { return nil }
    var parts = d.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    if parts.last == "" { parts.removeLast() }
    return parts
}

@Suite("runsc parser")
struct GVisorArgvParserTests {
    /// Shaped exactly like the children `runsc --rootless --network=none do` starts (captured from
    /// runsc release 20221219 on the build host).
    static let bootArgv = [
        "runsc-sandbox", "--root=/tmp/runsc-do298079314", "--overlay=true", "--network=none", "--rootless=true", "boot",
        "--bundle=/tmp/runsc-do298079314", "--setup-root", "--cpu-num", "2", "--total-memory", "25276502016",
        "--attached", "--io-fds=3", "--overlay-filestore-fd=-1", "--mounts-fd=4", "--start-sync-fd=5",
        "--controller-fd=6", "--spec-fd=7", "--stdio-fds=8", "--stdio-fds=9", "--stdio-fds=10", "runsc-385308",
    ]
    static let goferArgv = [
        "runsc-gofer", "--root=/tmp/runsc-do298079314", "--overlay=true", "--network=none", "--rootless=true", "gofer",
        "--bundle", "/tmp/runsc-do298079314", "--spec-fd=3", "--mounts-fd=4", "--io-fds=5", "--apply-caps=false",
        "--setup-root=false", "--sync-userns-fd=-1",
    ]

    @Test func bootArgvShape() throws {
        let r = try GVisorArgvParser.parse(Self.bootArgv)
        let c = r.value
        #expect(c.binary == "runsc-sandbox" && c.subcommand == "boot")
        #expect(c.network == "none" && c.rootless == true && c.overlay == true)
        #expect(c.globalFlags["root"] == "/tmp/runsc-do298079314")
        #expect(c.subcommandFlags["setup-root"] == "true" && c.subcommandFlags["cpu-num"] == "2")
        #expect(c.subcommandFlags["attached"] == "true" && c.subcommandFlags["stdio-fds"] == "8,9,10")
        #expect(c.arguments == ["runsc-385308"])
        #expect(c.testOnlyFlags.isEmpty && c.unrecognised.isEmpty)
        #expect(r.problems.isEmpty)
    }

    @Test func goferArgvShape() throws {
        let c = try GVisorArgvParser.parse(Self.goferArgv).value
        #expect(c.subcommand == "gofer" && c.subcommandFlags["bundle"] == "/tmp/runsc-do298079314")
        #expect(c.subcommandFlags["apply-caps"] == "false" && c.subcommandFlags["setup-root"] == "false")
        #expect(c.arguments.isEmpty)
    }

    @Test func hardeningFlags() throws {
        let r = try GVisorArgvParser.parse([
            "runsc", "-network", "host", "--platform=ptrace", "--TESTONLY-unsafe-nonroot", "--directfs=false",
            "--host-uds=all", "--host-fifo", "open", "--nvproxy", "--net-raw", "--overlay2=none", "--debug",
            "--debug-log=/tmp/", "--strace", "--ignore-cgroups", "--file-access=shared", "--allow-flag-override",
            "--profile", "--oci-seccomp", "--enable-core-tags=true", "--host-settings=enforce", "run", "--detach", "ctr",
        ])
        let c = r.value
        #expect(c.network == "host" && c.platform == "ptrace" && c.testOnlyFlags == ["TESTONLY-unsafe-nonroot"])
        #expect(c.directfs == false && c.hostUDS == "all" && c.hostFIFO == "open" && c.nvproxy == true)
        #expect(c.netRaw == true && c.overlay2 == "none" && c.debug == true && c.debugLog == "/tmp/")
        #expect(c.strace == true && c.ignoreCgroups == true && c.fileAccess == "shared" && c.allowFlagOverride == true)
        #expect(c.profile == true && c.ociSeccomp == true && c.enableCoreTags == true && c.hostSettings == "enforce")
        #expect(c.subcommand == "run" && c.subcommandFlags["detach"] == "true" && c.arguments == ["ctr"])
        #expect(r.problems.isEmpty)
    }

    @Test func goFlagEdgeCases() throws {
        // A boolean flag does not take the next word: `--rootless false` leaves `false` as the subcommand.
        let b = try GVisorArgvParser.parse(["runsc", "--rootless", "false"])
        #expect(b.value.rootless == true && b.value.subcommand == "false")
        #expect(b.problems.contains { $0.message.contains("not a known runsc subcommand") })
        let stop = try GVisorArgvParser.parse(["runsc", "--debug", "--", "--network=host"])
        #expect(stop.value.network == nil && stop.value.subcommand == "--network=host")
        let missing = try GVisorArgvParser.parse(["runsc", "--network"])
        #expect(missing.value.network == nil && missing.problems.contains { $0.message.contains("needs a value") })
        let unknown = try GVisorArgvParser.parse(["runsc", "--future-flag", "x", "--future-bool", "run", "c"])
        #expect(unknown.value.globalFlags["future-flag"] == "x" && unknown.value.globalFlags["future-bool"] == "true")
        #expect(unknown.value.subcommand == "run" && unknown.value.unrecognised == ["--future-flag", "--future-bool"])
        let badBool = try GVisorArgvParser.parse(["runsc", "--debug=maybe", "run"])
        #expect(badBool.value.debug == nil && badBool.problems.count == 1)
        let legacy = try GVisorArgvParser.parse(["runsc", "--fsgofer-host-uds", "run"])
        #expect(legacy.value.hostUDS == "all")
    }

    /// Runs real runsc and parses the argv of the sandbox and gofer children it starts.
    @Test(.enabled(if: Tool.runs("runsc"), "needs runsc (.ci/run installs it)"))
    func liveRunscChildren() async throws {
        let runsc = try #require(Tool.find("runsc"), "runsc is not installed")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-runsc-\(getpid())").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: runsc)
        // The sandbox sleeps far longer than the test waits: with every suite running at once on two cores the loop
        // below may first run minutes after the start, and a sandbox that had already exited was not seen (CI).
        p.arguments = ["--root=\(root)", "--rootless", "--network=none", "do", "sleep", "900"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            try? FileManager.default.removeItem(atPath: root)
        }
        var found: [[String]] = []
        for _ in 0..<300 where found.count < 2 && p.isRunning {
            try await Task.sleep(nanoseconds: 100_000_000)
            found = []
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
                if let argv = procCmdline(pid), argv.first?.hasPrefix("runsc-") == true,
                    descends(pid, from: p.processIdentifier)
                {
                    found.append(argv)
                }
            }
        }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        guard found.count >= 2 else {
            // Installed but unable to start a sandbox here (no user namespaces, say): a failure in CI, a skip elsewhere.
            let why = "runsc did not start a sandbox and a gofer (found \(found.count) children)"
            try #require(!Tool.inCI, "\(why)")
            try Test.cancel("\(why)")
        }
        for argv in found {
            let r = try GVisorArgvParser.parse(argv, source: "live runsc child")
            #expect(r.value.network == "none" && r.value.rootless == true)
            #expect(["boot", "gofer"].contains(r.value.subcommand ?? ""))
            #expect(r.value.globalFlags["root"]?.isEmpty == false)
            #expect(r.problems.isEmpty, "\(argv): \(r.problems)")
        }
        #expect(Set(found.compactMap { try? GVisorArgvParser.parse($0).value.subcommand }) == ["boot", "gofer"])
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for (k, argv) in [Self.bootArgv, Self.goferArgv].enumerated() {
            for m in Mutation.mutants(of: argv, count: 150, seed: UInt64(700 + k)) {
                do { _ = try GVisorArgvParser.parse(m) } catch { #expect(!error.message.isEmpty) }
                n += 1
            }
        }
        #expect(n == 300)
    }
}

@Suite("bwrap parser")
struct BubblewrapArgvParserTests {
    static let sandbox = [
        "bwrap", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--unshare-all",
        "--share-net", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000",
        "--", "/bin/true",
    ]

    @Test func typicalSandbox() throws {
        let r = try BubblewrapArgvParser.parse(Self.sandbox)
        let c = r.value
        #expect(c.unshareAll && c.shareNet && c.unshared == ["user", "ipc", "pid", "uts", "cgroup"])
        #expect(c.mounts == [BubblewrapMount(kind: .roBind, source: "/", destination: "/")])
        #expect(c.procMounts == ["/proc"] && c.devMounts == ["/dev"] && c.tmpfsMounts == ["/tmp"])
        #expect(c.dieWithParent && c.newSession && c.capDrop == ["ALL"] && c.uid == 1000 && c.gid == 1000)
        #expect(c.command == ["/bin/true"])
        #expect(r.problems.isEmpty)
    }

    @Test func moreOptions() throws {
        let r = try BubblewrapArgvParser.parse([
            "bwrap", "--bind", "/home/u", "/home/u", "--dev-bind", "/dev/dri", "/dev/dri", "--ro-bind-try", "/etc/x", "/etc/x",
            "--unshare-user", "--unshare-pid", "--unshare-cgroup-try", "--cap-add", "CAP_NET_ADMIN", "--seccomp", "10",
            "--add-seccomp-fd", "11", "--args", "12", "--as-pid-1", "--disable-userns", "--setenv", "A", "B",
            "--hostname", "box", "--chdir", "/", "--overlay", "/rw", "/work", "/usr", "--bogus", "sh", "-c", "echo --bind",
        ])
        let c = r.value
        #expect(c.mounts.map(\.kind) == [.bind, .devBind, .roBindTry, .overlay])
        #expect(c.mounts[3].source == "/rw" && c.mounts[3].destination == "/usr")
        #expect(c.unshared == ["user", "pid"] && c.unshareCgroupTry && !c.unshareAll)
        #expect(c.capAdd == ["CAP_NET_ADMIN"] && c.seccompFDs == [10] && c.addSeccompFDs == [11] && c.argsFDs == [12])
        #expect(c.asPid1 && c.disableUserns && c.hostname == "box" && c.chdir == "/")
        #expect(c.unrecognised == ["--bogus"])
        #expect(c.command == ["sh", "-c", "echo --bind"])
        #expect(r.problems.contains { $0.message.contains("fd 12") })
        let end = try BubblewrapArgvParser.parse(["bwrap", "--unshare-net", "--bind", "/a"])
        #expect(end.problems.contains { $0.message.contains("needs 2 arguments") })
        #expect(end.problems.contains { $0.message.contains("no command") })
        #expect(try BubblewrapArgvParser.parse(["bwrap", "--uid", "x", "true"]).problems.count == 1)
    }

    /// The argv the tests parse is one bwrap really accepts: run it.
    @Test(.enabled(if: Tool.runs("bwrap"), "needs bubblewrap (.ci/run installs it)"))
    func liveBwrapAcceptsTheArgv() throws {
        let bwrap = try #require(Tool.find("bwrap"), "bubblewrap is not installed")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bwrap)
        p.arguments = Array(Self.sandbox.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0, Tool.inCI {
            Issue.record("bwrap refused the sandbox argv (exit \(p.terminationStatus))")
        }
        let parsed = try BubblewrapArgvParser.parse([bwrap] + (p.arguments ?? []))
        #expect(parsed.value.command == ["/bin/true"])
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for m in Mutation.mutants(of: Self.sandbox, count: 300, seed: 800) {
            do { _ = try BubblewrapArgvParser.parse(m) } catch { #expect(!error.message.isEmpty) }
            n += 1
        }
        #expect(n == 300)
    }
}
