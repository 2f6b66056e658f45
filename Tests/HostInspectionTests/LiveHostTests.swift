import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import HostInspection

#if canImport(Glibc)
    import Glibc
#endif

@Suite("HostInspector on this machine")
struct LiveHostTests {
    @Test("finds this test process with its argv, uid, seccomp and executable")
    func findsSelf() throws {
        let facts = HostInspector(root: DirectoryHostRoot.live).collect()
        let me = try #require(facts.processes.first { $0.pid == getpid() })
        #expect(me.arguments == CommandLine.arguments)
        #expect(me.confinement.uid == geteuid())
        #expect(me.confinement.gid == getegid())
        let status = try #require(smallFile("/proc/self/status"))
        let fields = ProcessScanner.statusFields(status)
        #expect(me.confinement.seccomp == fields["Seccomp"].flatMap { Int($0) })
        #expect(me.confinement.capEff == fields["CapEff"])
        #expect(me.executable == (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")))
        #expect(me.ppid == getppid())
        #expect(me.confinement.namespaces["pid"]?.hasPrefix("pid:[") == true)
        #expect(!me.confinement.cgroups.isEmpty)
        #expect(facts.processes.count > 1)
        #expect(facts.hostname != nil)
        #expect(facts.hostname == smallFile("/proc/sys/kernel/hostname")?.trimmed)
        #expect(facts.kernel.release == smallFile("/proc/sys/kernel/osrelease")?.trimmed)
        #expect(facts.packages.contains { $0.manager == "dpkg" } || !FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"))
    }

    @Test(
        "a process started with no_new_privs under setpriv shows NoNewPrivs and its argv",
        .enabled(if: Tool.runs("setpriv", "sleep"), "needs setpriv (util-linux) and sleep"))
    func noNewPrivsChild() throws {
        let setpriv = try #require(Tool.find("setpriv"), "setpriv is not installed")
        let sleep = try #require(Tool.find("sleep"), "sleep is not installed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--no-new-privs", sleep, "3"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Short-lived and left to exit by itself: killing children races Foundation's reaping.
        defer { #expect(waitForExit(process, seconds: 30), "setpriv child not reaped") }
        let pid = process.processIdentifier
        var found: HostProcess?
        for _ in 0..<25 {
            var problems = ProblemLog()
            if let p = ProcessScanner(root: DirectoryHostRoot.live, options: InspectionOptions()).readProcess(pid, &problems),
                p.arguments == [sleep, "3"], p.name == "sleep"
            {
                // status and cmdline are read at different instants: a child caught mid-exec shows setpriv's
                // status beside sleep's argv, so wait until both show the exec'd program.
                found = p
                break
            }
            usleep(100_000)
        }
        let child = try #require(found, "setpriv child did not exec sleep")
        #expect(child.confinement.noNewPrivs == true)
        #expect(child.name == "sleep")
        #expect(child.ppid == getpid())
    }

    @Test(
        "an isolation program (bwrap) gets per-thread Seccomp; others do not",
        .enabled(if: Tool.runs("bwrap", "sleep"), "needs bubblewrap (.ci/run installs it) and sleep"))
    func isolationThreads() throws {
        let bwrap = try #require(Tool.find("bwrap"), "bubblewrap is not installed")
        let sleep = try #require(Tool.find("sleep"), "sleep is not installed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--unshare-pid", "--die-with-parent", sleep, "3"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Short-lived and left to exit by itself: killing children races Foundation's reaping.
        defer { #expect(waitForExit(process, seconds: 30), "bwrap not reaped") }
        let pid = process.processIdentifier
        var found: HostProcess?
        for _ in 0..<25 {
            var problems = ProblemLog()
            if let p = ProcessScanner(root: DirectoryHostRoot.live, options: InspectionOptions()).readProcess(pid, &problems),
                p.programName == "bwrap", !p.confinement.threadSeccomp.isEmpty
            {
                found = p
                break
            }
            usleep(100_000)
        }
        let sandbox = try #require(found, "bwrap process \(pid) not found with thread seccomp")
        #expect(sandbox.confinement.threadSeccomp[pid] != nil, "the main thread is a task of its own")
        #expect(sandbox.confinement.threadSeccomp[pid] == sandbox.confinement.seccomp)
    }

    @Test("this CI machine is a guest: the hypervisor flag means isGuest and KVM is named")
    func liveVirtualization() throws {
        let facts = HostInspector(root: DirectoryHostRoot.live).collect()
        let cpuinfo = try #require(smallFile("/proc/cpuinfo"))
        let hasFlag = HostInspector.parseCPUInfo(cpuinfo).flags.contains("hypervisor")
        if hasFlag {
            #expect(facts.virtualization.isGuest == true)
            #expect(facts.virtualization.hypervisor == "KVM", "evidence: \(facts.virtualization.evidence.map(\.claim))")
            #expect(facts.virtualization.evidence.contains { $0.claim.contains("`hypervisor`") })
        } else {
            #expect(facts.virtualization.isGuest != true || !facts.virtualization.evidence.isEmpty)
        }
        #expect(facts.cpu.logicalCPUs == ProcessInfo.processInfo.processorCount)
        if FileManager.default.fileExists(atPath: "/dev/kvm") {
            let kvm = try #require(facts.kvm)
            var st = stat()
            #expect(stat("/dev/kvm", &st) == 0)
            #expect(kvm.groupGID == st.st_gid)
            #expect(kvm.mode == FileMetadata(mode: UInt32(st.st_mode & 0o7777), uid: 0, gid: 0, size: 0, kind: .other).octalMode)
        } else {
            #expect(facts.kvm == nil)
        }
    }
}
