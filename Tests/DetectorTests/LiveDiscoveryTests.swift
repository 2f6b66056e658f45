import BulkheadModel
import BulkheadTestSupport
import Discovery
import Foundation
import HostInspection
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct LiveDiscoveryTests {
    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func findsARunningQEMUGuestWithItsArgv() throws {
        let qemu = try #require(Tool.find("/usr/bin/qemu-system-x86_64"), "qemu-system-x86 is not installed")
        let name = "bulkhead-live-\(UInt32.random(in: 0...UInt32.max))"
        let guest = try LiveProgram([
            qemu, "-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-m", "64",
            "-name", "guest=\(name),debug-threads=on", "-sandbox", "on,obsolete=deny,spawn=deny",
        ])
        guest.waitUntilVisible(containing: name)
        // QEMU installs its -sandbox filter after parsing its options: wait for it, as an operator would.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let status = String(decoding: FileManager.default.contents(atPath: "/proc/\(guest.pid)/status") ?? Data(), as: UTF8.self)
            if status.contains("Seccomp:\t2") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let (_, result) = DiscoveryEngine().run(root: DirectoryHostRoot.live)
        let mechanism = try #require(result.mechanisms.first { $0.product == "qemu" })
        #expect(mechanism.state == .running)
        #expect(mechanism.version?.isEmpty == false, "the version comes from dpkg")
        let found = try #require(mechanism.guests.first { $0.pid == guest.pid })
        #expect(found.name == name)
        #expect(found.running)
        // The kernel applied QEMU's -sandbox filter: the confinement was read from /proc.
        #expect(found.confinement?.seccomp == 2)
        guard case .qemu(let config)? = found.configuration else {
            Issue.record("the guest's argv was not parsed: \(found.problems)")
            return
        }
        #expect(config.accelerator == "tcg")
        #expect(config.sandbox?.enabled == true)
        #expect(config.startPaused)
        #expect(found.problems.isEmpty, "\(found.problems)")
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/runsc"), "needs runsc (.ci/run installs it)"))
    func findsRunscInstalledAndARunningSandbox() throws {
        let runsc = try #require(Tool.find("/usr/bin/runsc"), "runsc is not installed")
        let sandbox = try LiveProgram([runsc, "--rootless", "--network=none", "do", "sleep", "20"])
        let deadline = ContinuousClock.now + .seconds(15)
        var result: DiscoveryResult?
        // The sandbox's boot process appears a moment after runsc starts.
        while ContinuousClock.now < deadline {
            let (_, r) = DiscoveryEngine().run(root: DirectoryHostRoot.live)
            result = r
            if r.mechanisms.first(where: { $0.product == "gvisor" })?.guests.contains(where: { $0.running }) == true {
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        _ = sandbox
        let gvisor = try #require(result?.mechanisms.first { $0.product == "gvisor" })
        #expect(
            gvisor.evidence.contains {
                if case .package(let name, _, "dpkg") = $0.source { return name == "runsc" }
                return false
            })
        #expect(gvisor.state == .running)
        let boot = try #require(gvisor.guests.first)
        #expect(boot.confinement?.seccomp == 2, "runsc's sandbox runs under its seccomp filter")
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/bwrap"), "needs bubblewrap (.ci/run installs it)"))
    func findsBubblewrapInstalledAndRunning() throws {
        let bwrap = try #require(Tool.find("/usr/bin/bwrap"), "bubblewrap is not installed")
        let marker = "bulkhead-bwrap-\(UInt32.random(in: 0...UInt32.max))"
        let sandbox = try LiveProgram([
            bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent",
            "--setenv", "MARKER", marker, "sleep", "20",
        ])
        sandbox.waitUntilVisible(containing: marker)
        let (_, result) = DiscoveryEngine().run(root: DirectoryHostRoot.live)
        let bw = try #require(result.mechanisms.first { $0.product == "bubblewrap" })
        #expect(bw.version?.hasPrefix("0.") == true)
        #expect(bw.state == .running)
        #expect(bw.guests.contains { $0.pid == sandbox.pid })
    }

    @Test func thisMachineSaysWhetherItIsItselfAGuest() throws {
        let (_, result) = DiscoveryEngine().run(root: DirectoryHostRoot.live)
        let cpuinfo = String(decoding: FileManager.default.contents(atPath: "/proc/cpuinfo") ?? Data(), as: UTF8.self)
        if cpuinfo.contains(" hypervisor") {
            #expect(result.virtualization.isGuest == true)
            #expect(!result.virtualization.evidence.isEmpty)
        }
    }
}
