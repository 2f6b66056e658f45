import BulkheadModel
import BulkheadTestSupport
import Checks
import Discovery
import Foundation
import HostInspection
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 6's live test: two real QEMU guests on this machine, one hardened and one exposed, discovered from
/// /proc and checked; the sandbox, display and uid outcomes flip between them.
@Suite(.serialized) struct LiveChecksTests {
    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func qemuOutcomesFlipWithSandboxAndExposedVNC() throws {
        let qemu = try #require(Tool.find("/usr/bin/qemu-system-x86_64"), "qemu-system-x86 is not installed")
        let tag = UInt32.random(in: 0...UInt32.max)
        let display = Int.random(in: 40...89)
        let hardenedName = "bulkhead-checks-hardened-\(tag)"
        let exposedName = "bulkhead-checks-exposed-\(tag)"
        let common = [qemu, "-accel", "tcg", "-S", "-nodefaults", "-m", "64"]
        var hardenedArgv =
            common + [
                "-name", "guest=\(hardenedName)", "-vnc", "127.0.0.1:\(display)",
                "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
            ]
        // As libvirt does, start the hardened QEMU as an unprivileged user (QEMU's own -runas needs setuid,
        // which elevateprivileges=deny forbids): setpriv drops to nobody and execs QEMU.
        let setpriv = "/usr/bin/setpriv"
        let runningAsRoot = getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
        if runningAsRoot { hardenedArgv = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + hardenedArgv }
        let exposedArgv = common + ["-name", "guest=\(exposedName)", "-vnc", "0.0.0.0:\(display + 1)"]
        let hardened = try LiveProgram(hardenedArgv)
        let exposed = try LiveProgram(exposedArgv)
        hardened.waitUntilVisible(containing: hardenedName, settle: 0.5)
        exposed.waitUntilVisible(containing: exposedName, settle: 0.5)
        #expect(hardened.process.isRunning && exposed.process.isRunning, "QEMU exited early (VNC port \(5900 + display) in use?)")

        let evidence = HostInspector(root: DirectoryHostRoot.live).collectEvidence([DiscoveryEngine()])
        let (facts, discovery) = (evidence.facts, DiscoveryEngine().run(evidence))
        var qemuMechanism = try #require(discovery.mechanisms.first { $0.product == "qemu" })
        qemuMechanism.guests = qemuMechanism.guests.filter { $0.pid == hardened.pid || $0.pid == exposed.pid }
        #expect(qemuMechanism.guests.count == 2)
        // Discovery's bridge hands over the argv; until it calls the parser itself, parse it here.
        qemuMechanism.guests = qemuMechanism.guests.map { guest in
            var g = guest
            if case .qemu(let c)? = g.configuration, c.binary == nil, let parsed = try? QEMUArgvParser.parse(c.raw).value {
                g.configuration = .qemu(parsed)
            }
            return g
        }
        let catalog = try CheckCatalog.standard()
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: facts, mechanisms: [qemuMechanism]), selection: CheckSelection(only: ["qemu.*"]))
        func finding(_ id: String, _ name: String) -> Finding? {
            report.findings.first { $0.checkID == id && $0.subject == "qemu/\(name)" }
        }
        let sandboxOn = try #require(finding("qemu.sandbox", hardenedName))
        let sandboxOff = try #require(finding("qemu.sandbox", exposedName))
        #expect(sandboxOn.outcome == .pass, "\(sandboxOn)")
        #expect(sandboxOff.outcome == .fail, "\(sandboxOff)")
        // The kernel's own view backs the argv: Seccomp 2 for the sandboxed QEMU, 0 for the other.
        #expect(sandboxOn.evidence.contains { $0.source == .process(pid: hardened.pid, field: "status:Seccomp") && $0.claim == "Seccomp: 2" })
        #expect(sandboxOff.evidence.contains { $0.source == .process(pid: exposed.pid, field: "status:Seccomp") && $0.claim == "Seccomp: 0" })

        #expect(finding("qemu.display-exposure", hardenedName)?.outcome == .pass)
        let vnc = try #require(finding("qemu.display-exposure", exposedName))
        #expect(vnc.outcome == .fail)
        #expect(vnc.observed?.contains("0.0.0.0") == true)

        if runningAsRoot {
            #expect(finding("qemu.non-root", hardenedName)?.outcome == .pass, "started as nobody")
            #expect(finding("qemu.non-root", exposedName)?.outcome == .fail, "QEMU started by root stays root")
        }
        // Both run under TCG, which the accelerator check flags for untrusted guests.
        #expect(finding("qemu.accelerator", hardenedName)?.outcome == .fail)
        #expect(finding("qemu.monitor-network", exposedName)?.outcome == .pass)
    }
}
