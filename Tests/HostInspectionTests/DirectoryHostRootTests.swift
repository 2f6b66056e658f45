import Foundation
import Synchronization
import Testing

@testable import HostInspection

#if canImport(Glibc)
    import Glibc
#endif

@Suite("DirectoryHostRoot failure paths")
struct DirectoryHostRootTests {
    @Test("a relative link climbing out of the root is refused; an absolute one stays inside")
    func linkOutsideRoot() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        try dir.link("etc/evil", to: "../../../../../../etc/passwd")
        try dir.link("etc/abs", to: "/etc/passwd")
        try dir.link("etc/dirlink", to: "../..")
        let root = DirectoryHostRoot(directory: dir.path)
        #expect {
            _ = try root.read("/etc/evil")
        } throws: { error in
            let e = error as? HostReadError
            return e?.code == .escapesRoot && e?.message.contains("points outside the host root") == true && e?.path == "/etc/evil"
        }
        // The absolute target is read inside the root (chroot semantics), where there is no passwd.
        #expect(throws: HostReadError.self) { _ = try root.read("/etc/abs") }
        #expect((try? root.read("/etc/abs")) == nil)
        #expect {
            _ = try root.list("/etc/dirlink")
        } throws: { ($0 as? HostReadError)?.code == .escapesRoot }
        #expect {
            _ = try root.read("/../etc/passwd")
        } throws: { ($0 as? HostReadError)?.code == .escapesRoot }
        // The link itself is still visible as a link.
        #expect(root.kind(of: "/etc/evil") == .symlink)
        #expect(try root.readLink("/etc/evil") == "../../../../../../etc/passwd")
    }

    /// Issue 19 #8: a fake `firecracker` run by any user names a FIFO (or /dev/watchdog) as its
    /// --config-file; root's read must refuse it without opening it. A writer blocked in open(2) on the
    /// FIFO is released the moment anyone opens it for reading, so it stays blocked only if the read
    /// never opened the FIFO.
    @Test("a FIFO or device named as a file is refused before it is opened")
    func fifoIsNeverOpened() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.path + "/srv", withIntermediateDirectories: true)
        let fifo = dir.path + "/srv/config.json"
        try #require(mkfifo(fifo, 0o600) == 0, "mkfifo failed: \(errno)")
        let opened = Mutex<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            opened.withLock { $0 = true }
            if fd >= 0 { close(fd) }
            done.signal()
        }
        writer.start()
        usleep(100_000)
        let root = DirectoryHostRoot(directory: dir.path)
        #expect(throws: HostReadError.self) { try root.read("/srv/config.json", limit: 1 << 20) }
        do {
            _ = try root.read("/srv/config.json", limit: 1 << 20)
        } catch {
            #expect(error.code == .wrongKind)
            #expect(error.message.contains("without opening it"), "\(error.message)")
        }
        usleep(300_000)
        #expect(opened.withLock { $0 } == false, "the FIFO was opened by the read")
        // Release the writer: open the FIFO for reading here.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        done.wait()
        if reader >= 0 { close(reader) }
        // A character device (/dev/null's numbers) inside the tree is refused the same way.
        if geteuid() == 0 {
            let device = dir.path + "/srv/watchdog"
            if mknod(device, S_IFCHR | 0o600, dev_t(0x0103) /* makedev(1, 3): major 1, minor 3 */) == 0 {
                do {
                    _ = try root.read("/srv/watchdog", limit: 4096)
                    Issue.record("a device node was read")
                } catch {
                    #expect(error.code == .wrongKind)
                }
            }
        }
    }

    /// Issue 13: reads skip repeated work, but nothing resolved for one read may be trusted by the next. A
    /// process directory read once, then swapped for a symbolic link (to outside the root, or to elsewhere
    /// inside it), is resolved again on the next read: the link out is refused, the confined link is followed
    /// inside the root only, and the file outside is never read.
    @Test("a directory component swapped for a link after it was read is resolved again")
    func swappedDirectoryComponent() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("host/proc/77/status", "Name:\tqemu-system-x86\n")
        try dir.write("outside/77/status", "Name:\tstolen\n")
        try dir.write("host/elsewhere/77/status", "Name:\tinside\n")
        let root = DirectoryHostRoot(directory: dir.path + "/host")
        let recorder = RecordingHostRoot(wrapping: root)
        #expect(try root.readText("/proc/77/status") == "Name:\tqemu-system-x86\n")
        #expect(try recorder.readText("/proc/77/status") == "Name:\tqemu-system-x86\n")

        try FileManager.default.moveItem(atPath: dir.path + "/host/proc/77", toPath: dir.path + "/host/proc/77.old")
        try dir.link("host/proc/77", to: "../../outside/77")
        #expect {
            _ = try root.read("/proc/77/status")
        } throws: { ($0 as? HostReadError)?.code == .escapesRoot }
        #expect {
            _ = try root.list("/proc/77")
        } throws: { ($0 as? HostReadError)?.code == .escapesRoot }

        // An absolute target means the same path inside the root: /outside/77 is not there.
        try FileManager.default.removeItem(atPath: dir.path + "/host/proc/77")
        try dir.link("host/proc/77", to: "/outside/77")
        #expect {
            _ = try root.read("/proc/77/status")
        } throws: { ($0 as? HostReadError)?.code == .notFound }

        // A link that stays inside the root is followed there.
        try FileManager.default.removeItem(atPath: dir.path + "/host/proc/77")
        try dir.link("host/proc/77", to: "../elsewhere/77")
        #expect(try root.readText("/proc/77/status") == "Name:\tinside\n")

        // The file itself swapped for a link out of the root: refused the same way.
        try FileManager.default.removeItem(atPath: dir.path + "/host/proc/77")
        try dir.write("host/proc/77/status", "Name:\tqemu-system-x86\n")
        #expect(try root.readText("/proc/77/status") == "Name:\tqemu-system-x86\n")
        try FileManager.default.removeItem(atPath: dir.path + "/host/proc/77/status")
        try dir.link("host/proc/77/status", to: "../../../outside/77/status")
        #expect {
            _ = try root.read("/proc/77/status")
        } throws: { ($0 as? HostReadError)?.code == .escapesRoot }
        // On the live host a link under /proc is never followed at all.
        let live = DirectoryHostRoot(prefix: dir.path + "/host", label: "live-like", isLive: true)
        #expect {
            _ = try live.read("/proc/77/status")
        } throws: { ($0 as? HostReadError)?.code == .wrongKind }
    }

    /// Issue 13: a process's files are read relative to its /proc/PID, opened once. Every member must answer
    /// exactly as a read of its path does (bytes, error code, path and message), links (followed inside the
    /// root, refused out of it or under the live /proc), FIFOs (refused unopened), missing files and
    /// subdirectories included; a recorder keeps the same record either way.
    @Test("members read through an opened directory answer exactly as reads of their paths")
    func directoryMembersMatchPathReads() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("host/proc/77/status", "Name:\tqemu-system-x86\nPPid:\t1\n")
        try dir.write("host/proc/77/cmdline", "qemu-system-x86_64\u{0}-S\u{0}")
        try dir.write("host/proc/77/attr/current", "unconfined\n")
        try dir.write("host/proc/77/big", String(repeating: "x", count: 40_000))
        try dir.write("host/usr/bin/qemu-system-x86_64", "ELF")
        try dir.write("host/elsewhere/cgroup", "0::/machine.slice\n")
        try dir.write("outside/secret", "stolen\n")
        try dir.link("host/proc/77/exe", to: "/usr/bin/qemu-system-x86_64")
        try dir.link("host/proc/77/cgroup", to: "../../elsewhere/cgroup")
        try dir.link("host/proc/77/evil", to: "../../../outside/secret")
        try dir.link("host/proc/77/ns/net", to: "net:[4026531840]")
        try dir.link("host/proc/77/linked", to: "../../elsewhere")
        try dir.mkdir("host/proc/77/task/78")
        try #require(mkfifo(dir.path + "/host/proc/77/fifo", 0o600) == 0)
        let names = [
            "status", "cmdline", "attr/current", "big", "exe", "cgroup", "evil", "ns/net", "ns", "task", "task/78", "fifo",
            "missing", "attr/missing", "missing/status", "status/x", "linked/cgroup", "./status", "../77/status", "", "attr//current",
        ]
        func answer<T>(_ body: () throws(HostReadError) -> T) -> String {
            do { return "ok \(try body())" } catch { return "\(error.code) \(error.path) \(error.message)" }
        }
        for root in [
            DirectoryHostRoot(directory: dir.path + "/host"), DirectoryHostRoot(prefix: dir.path + "/host", label: "live-like", isLive: true),
        ] {
            for limit in [8, 1 << 20] {
                let byDirectory = root.withDirectory("/proc/77") { directory in
                    #expect(directory is OpenedDirectory)
                    return names.map { name in
                        [
                            answer { () throws(HostReadError) in try directory.read(name, limit: limit) },
                            answer { () throws(HostReadError) in try directory.readLink(name) },
                            answer { () throws(HostReadError) in try directory.list(name).sorted() },
                        ]
                    }
                }
                let byPath = names.map { name in
                    [
                        answer { () throws(HostReadError) in try root.read("/proc/77/" + name, limit: limit) },
                        answer { () throws(HostReadError) in try root.readLink("/proc/77/" + name) },
                        answer { () throws(HostReadError) in try root.list("/proc/77/" + name).sorted() },
                    ]
                }
                for (index, name) in names.enumerated() {
                    #expect(byDirectory[index] == byPath[index], "\(root.label) \(name)")
                }
            }
            // The recorder keeps the same record for a directory's members as for their paths.
            let viaDirectory = RecordingHostRoot(wrapping: root)
            let viaPaths = RecordingHostRoot(wrapping: root)
            viaDirectory.withDirectory("/proc/77") { directory in
                for name in names {
                    _ = try? directory.read(name, limit: 1 << 20)
                    _ = try? directory.readLink(name)
                    _ = try? directory.list(name)
                }
            }
            for name in names {
                _ = try? viaPaths.read("/proc/77/" + name, limit: 1 << 20)
                _ = try? viaPaths.readLink("/proc/77/" + name)
                _ = try? viaPaths.list("/proc/77/" + name)
            }
            #expect(viaDirectory.recorded == viaPaths.recorded)
            #expect(viaDirectory.recorded["/proc/77/status"]?.content == Array("Name:\tqemu-system-x86\nPPid:\t1\n".utf8))
        }
        // A directory that is not there (or not a directory) answers by path, member by member.
        let root = DirectoryHostRoot(directory: dir.path + "/host")
        root.withDirectory("/proc/99") { directory in
            #expect(!(directory is OpenedDirectory))
            #expect(throws: HostReadError.self) { try directory.read("status", limit: 100) }
        }
        root.withDirectory("/proc/77/status") { directory in #expect(!(directory is OpenedDirectory)) }
    }

    /// The directory opened once is the one read: its path swapped for a link out of the root afterwards changes
    /// nothing for reads through it (they never walk the path again), while a read by path resolves anew and refuses.
    @Test("a directory opened once is read, never the link its path was swapped for")
    func openedDirectoryIgnoresLaterSwap() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("host/proc/77/status", "Name:\tqemu-system-x86\n")
        try dir.write("outside/77/status", "Name:\tstolen\n")
        let root = DirectoryHostRoot(directory: dir.path + "/host")
        root.withDirectory("/proc/77") { directory in
            #expect((try? directory.readText("status", limit: 100)) == "Name:\tqemu-system-x86\n")
            #expect((try? FileManager.default.moveItem(atPath: dir.path + "/host/proc/77", toPath: dir.path + "/host/proc/77.old")) != nil)
            #expect((try? dir.link("host/proc/77", to: "../../outside/77")) != nil)
            #expect((try? directory.readText("status", limit: 100)) == "Name:\tqemu-system-x86\n")
            #expect {
                _ = try root.read("/proc/77/status")
            } throws: { ($0 as? HostReadError)?.code == .escapesRoot }
        }
    }

    @Test("a link loop is reported as a loop")
    func linkLoop() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.link("a", to: "b")
        try dir.link("b", to: "a")
        let root = DirectoryHostRoot(directory: dir.path)
        #expect {
            _ = try root.read("/a")
        } throws: { ($0 as? HostReadError)?.code == .linkLoop }
    }

    @Test("a file over the bound is tooLarge, never truncated")
    func overBound() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        let root = DirectoryHostRoot(directory: dir.path)
        #expect {
            _ = try root.read("/proc/cpuinfo", limit: 100)
        } throws: { error in
            let e = error as? HostReadError
            return e?.code == .tooLarge && e?.message.contains("100 bytes") == true
        }
        #expect(try root.read("/proc/cpuinfo", limit: 1 << 20).count == (try Fixtures.bytes("cpuinfo.txt")).count)
        // Live /proc files report size 0; the chunked read still enforces the bound.
        #expect {
            _ = try DirectoryHostRoot.live.read("/proc/\(getpid())/status", limit: 16)
        } throws: { ($0 as? HostReadError)?.code == .tooLarge }
    }

    @Test("a /proc entry of a process that has exited reads as notFound")
    func vanishedProcess() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        let pid = process.processIdentifier
        try #require(waitForExit(process, seconds: 30), "/bin/true was not reaped")
        let root = DirectoryHostRoot.live
        #expect {
            _ = try root.read("/proc/\(pid)/status")
        } throws: { ($0 as? HostReadError)?.code == .notFound }
        #expect {
            _ = try root.readLink("/proc/\(pid)/exe")
        } throws: { ($0 as? HostReadError)?.code == .notFound }
        // The scanner skips such a process quietly.
        var problems = ProblemLog()
        #expect(ProcessScanner(root: root, options: InspectionOptions()).readProcess(pid, &problems) == nil)
        #expect(problems.items.isEmpty)
    }

    @Test("permission denied is reported as such, and HostInspector makes it a problem naming the path")
    func permissionDenied() throws {
        // Root bypasses file modes, but not sysctl modes: /proc/sys/vm/drop_caches is write-only (0200)
        // and refuses reads even to root. Without root, a mode-000 file is refused the ordinary way.
        let denied: (root: DirectoryHostRoot, path: String)
        let dir = try TempDir()
        defer { dir.remove() }
        if geteuid() == 0 {
            denied = (DirectoryHostRoot.live, "/proc/sys/vm/drop_caches")
        } else {
            try dir.write("secret", "x", mode: 0o000)
            denied = (DirectoryHostRoot(directory: dir.path), "/secret")
        }
        #expect {
            _ = try denied.root.read(denied.path)
        } throws: { error in
            let e = error as? HostReadError
            return e?.code == .permissionDenied && e?.message.contains("permission denied") == true && e?.path == denied.path
        }
        // HostInspector: the dpkg status file answers with that real denial; the rest of the run goes on.
        let fixture = try FixtureHost.build()
        defer { fixture.remove() }
        let root = RedirectingRoot(
            base: DirectoryHostRoot(directory: fixture.path), redirect: ["/var/lib/dpkg/status": denied])
        let facts = HostInspector(root: root).collect()
        #expect(facts.problems.contains { $0.subject == "/var/lib/dpkg/status" && $0.message.contains("permission denied") })
        #expect(facts.packages.isEmpty)
        #expect(facts.cpu.vendor == "AuthenticAMD", "the rest of the run went on")
    }

    @Test("metadata of /dev/kvm and of a regular file")
    func metadata() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("f", "hello", mode: 0o640)
        let meta = try DirectoryHostRoot(directory: dir.path).metadata(of: "/f")
        #expect(meta.kind == .regular)
        #expect(meta.octalMode == "0640")
        #expect(meta.size == 5)
        #expect(meta.uid == geteuid())
        #expect {
            _ = try DirectoryHostRoot(directory: dir.path).metadata(of: "/missing")
        } throws: { ($0 as? HostReadError)?.code == .notFound }
        if FileManager.default.fileExists(atPath: "/dev/kvm") {
            var st = stat()
            #expect(lstat("/dev/kvm", &st) == 0)
            let kvm = try DirectoryHostRoot.live.metadata(of: "/dev/kvm")
            #expect(kvm.kind == .other)
            #expect(kvm.mode == UInt32(st.st_mode & 0o7777))
            #expect(kvm.gid == st.st_gid)
        }
    }
}

/// Answers reads of chosen paths from another root (to route a real kernel denial to a fixture path).
struct RedirectingRoot: HostRoot {
    let base: DirectoryHostRoot
    let redirect: [String: (root: DirectoryHostRoot, path: String)]
    var label: String { base.label }
    var isLive: Bool { false }

    func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        if let target = redirect[path] {
            do {
                return try target.root.read(target.path, limit: limit)
            } catch {
                throw HostReadError(error.code, path: path, message: error.message)
            }
        }
        return try base.read(path, limit: limit)
    }
    func list(_ path: String) throws(HostReadError) -> [String] { try base.list(path) }
    func kind(of path: String) -> FileKind? { base.kind(of: path) }
    func readLink(_ path: String) throws(HostReadError) -> String { try base.readLink(path) }
    func metadata(of path: String) throws(HostReadError) -> FileMetadata { try base.metadata(of: path) }
}
