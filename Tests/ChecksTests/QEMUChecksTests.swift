import BulkheadModel
import Checks
import Discovery
import Formats
import Foundation
import HostInspection
import Testing

/// QEMU checks on real generated command lines (Proxmox qemu-server cfg2cmd, libvirt qemuxmlconfdata),
/// parsed by Discovery's QEMU parser, then on variations that flip one fact each.
@Suite struct QEMUChecksTests {
    let catalog = Fixture.catalog
    static let ids = [
        "qemu.sandbox", "qemu.non-root", "qemu.legacy-devices", "qemu.display-exposure", "qemu.monitor-network", "qemu.accelerator",
        "qemu.machine-type",
    ]

    static func parse(_ file: String) throws -> QEMUConfiguration {
        let text = try Fixture.text("configs/qemu/\(file)")
        let commands = try CommandLineText.split(text)
        let argv = try #require(commands.first?.argv)
        return try QEMUArgvParser.parse(argv, source: file).value
    }

    static func guest(_ q: QEMUConfiguration, confinement: ProcessConfinement? = nil) -> IsolationMechanism {
        IsolationMechanism(
            product: "qemu", name: "QEMU", role: .vmm, state: .running,
            guests: [
                Guest(
                    name: q.name ?? "vm", pid: confinement == nil ? nil : 4242, running: confinement != nil, configuration: .qemu(q),
                    confinement: confinement)
            ])
    }

    func outcomes(_ m: IsolationMechanism, tailoring: Tailoring? = nil) -> [String: Finding] {
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), mechanisms: [m]),
            selection: CheckSelection(only: ["qemu.*"]), tailoring: tailoring)
        return Dictionary(report.findings.map { ($0.checkID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func labels(_ f: [String: Finding]) -> [String: String] { f.mapValues(\.outcome.label) }

    @Test func proxmoxSpiceWindowsGuest() throws {
        let f = outcomes(Self.guest(try Self.parse("spice-win.conf.cmd")))
        #expect(
            labels(f) == [
                "qemu.sandbox": "fail", "qemu.non-root": "inconclusive", "qemu.legacy-devices": "fail",
                "qemu.display-exposure": "pass", "qemu.monitor-network": "pass", "qemu.accelerator": "pass",
                "qemu.machine-type": "pass",
            ])
        #expect(f["qemu.machine-type"]?.observed == "machine pc-i440fx-4.0+pve0 (family pc, security-supported)")
        #expect(f["qemu.legacy-devices"]?.observed?.contains("floppy controller") == true)
        #expect(f["qemu.sandbox"]?.observed == "no -sandbox option (QEMU's default is off)")
        #expect(f["qemu.legacy-devices"]?.observed?.contains("piix3-usb-uhci") == true)
        #expect(f["qemu.accelerator"]?.observed == "kvm (impliedByBinary)")
    }

    @Test func everyProxmoxCommandLineLacksTheSandbox() throws {
        for file in ["minimal-defaults.conf.cmd", "q35-usb3.conf.cmd", "sev-snp.conf.cmd", "simple1.conf.cmd", "spice-win.conf.cmd"] {
            let f = outcomes(Self.guest(try Self.parse(file)))
            #expect(f["qemu.sandbox"]?.outcome == .fail, "\(file)")
            #expect(f["qemu.monitor-network"]?.outcome == .pass, "\(file): QMP on a UNIX socket")
            #expect(f["qemu.display-exposure"]?.outcome == .pass, "\(file): VNC on a UNIX socket with a password")
        }
    }

    @Test func libvirtGeneratedCommandLine() throws {
        let f = outcomes(Self.guest(try Self.parse("graphics-spice.x86_64-latest.args")))
        #expect(
            labels(f) == [
                "qemu.sandbox": "pass", "qemu.non-root": "inconclusive", "qemu.legacy-devices": "fail",
                "qemu.display-exposure": "pass", "qemu.monitor-network": "pass", "qemu.accelerator": "fail",
                "qemu.machine-type": "pass",
            ])
        #expect(f["qemu.accelerator"]?.observed?.contains("TCG") == true)
        // The same argv with trusted guests declared: TCG accepted, with the reason as evidence.
        let t = try Tailoring.parse(
            Array(#"{"values": {"qemu.accelerator": {"untrustedGuests": false, "reason": "CI runners, own images"}}}"#.utf8), source: "t.json",
            catalog: catalog)
        let tailored = outcomes(Self.guest(try Self.parse("graphics-spice.x86_64-latest.args")), tailoring: t)
        #expect(tailored["qemu.accelerator"]?.outcome == .pass)
        #expect(tailored["qemu.accelerator"]?.evidence.contains { $0.claim.contains("CI runners") } == true)
    }

    @Test func sandboxPartialAndProcessSeccomp() throws {
        var q = try Self.parse("graphics-spice.x86_64-latest.args")
        var sandbox = QEMUSandbox()
        (sandbox.enabled, sandbox.obsolete, sandbox.elevatePrivileges) = (true, "deny", "deny")
        (sandbox.spawn, sandbox.resourceControl) = ("allow", "deny")
        q.sandbox = sandbox
        #expect(outcomes(Self.guest(q))["qemu.sandbox"]?.observed == "-sandbox on without spawn=deny")
        let full = try Self.parse("graphics-spice.x86_64-latest.args")
        let off = outcomes(Self.guest(full, confinement: ProcessConfinement(uid: 64055, seccomp: 0)))
        #expect(off["qemu.sandbox"]?.outcome == .fail)
        let on = outcomes(Self.guest(full, confinement: ProcessConfinement(uid: 64055, seccomp: 2)))
        #expect(on["qemu.sandbox"]?.outcome == .pass)
        #expect(on["qemu.non-root"]?.outcome == .pass)
        #expect(outcomes(Self.guest(full, confinement: ProcessConfinement(uid: 0, seccomp: 2)))["qemu.non-root"]?.outcome == .fail)
    }

    @Test func kataDocumentedSandboxWithDaemonizePasses() throws {
        // Kata's configuration-qemu.toml.in: seccompsandbox="on,obsolete=deny,spawn=deny,resourcecontrol=deny" and
        // "elevateprivileges=deny doesn't work with daemonize option"; Kata starts QEMU with -daemonize.
        var q = try Self.parse("graphics-spice.x86_64-latest.args")
        var sandbox = QEMUSandbox()
        (sandbox.enabled, sandbox.obsolete, sandbox.spawn, sandbox.resourceControl) = (true, "deny", "deny", "deny")
        q.sandbox = sandbox
        q.daemonize = true
        let kata = try #require(outcomes(Self.guest(q))["qemu.sandbox"])
        #expect(kata.outcome == .pass && kata.observed?.contains("-daemonize") == true)
        // Without -daemonize the same sandbox still lacks elevateprivileges=deny.
        q.daemonize = false
        #expect(outcomes(Self.guest(q))["qemu.sandbox"]?.observed == "-sandbox on without elevateprivileges=deny")
        // -daemonize excuses only elevateprivileges.
        q.daemonize = true
        q.sandbox?.spawn = nil
        #expect(outcomes(Self.guest(q))["qemu.sandbox"]?.observed == "-sandbox on without spawn=deny")
    }

    @Test func networkDisplaysAndMonitors() throws {
        let argv = ["qemu-system-x86_64", "-accel", "kvm", "-nodefaults", "-vnc", "0.0.0.0:1", "-qmp", "tcp:0.0.0.0:4444,server=on,wait=off"]
        let q = try QEMUArgvParser.parse(argv).value
        let f = outcomes(Self.guest(q))
        #expect(f["qemu.display-exposure"]?.outcome == .fail)
        #expect(f["qemu.monitor-network"]?.outcome == .fail)
        #expect(f["qemu.legacy-devices"]?.outcome == .pass)
        let safe = try QEMUArgvParser.parse([
            "qemu-system-x86_64", "-accel", "kvm", "-nodefaults", "-vnc", "127.0.0.1:1", "-qmp", "unix:/run/q.sock,server=on,wait=off",
        ]).value
        let s = outcomes(Self.guest(safe))
        #expect(s["qemu.display-exposure"]?.outcome == .pass && s["qemu.monitor-network"]?.outcome == .pass)
        let none = try QEMUArgvParser.parse(["qemu-system-x86_64", "-accel", "kvm", "-nodefaults", "-display", "none"]).value
        #expect(outcomes(Self.guest(none))["qemu.display-exposure"]?.outcome == .notApplicable)
    }

    @Test func machineTypes() throws {
        let isapc = try QEMUArgvParser.parse(["qemu-system-x86_64", "-machine", "isapc", "-accel", "kvm"]).value
        #expect(outcomes(Self.guest(isapc))["qemu.machine-type"]?.outcome == .fail)
        let q35 = try QEMUArgvParser.parse(["qemu-system-x86_64", "-machine", "pc-q35-8.2,accel=kvm"]).value
        #expect(outcomes(Self.guest(q35))["qemu.machine-type"]?.outcome == .pass)
        let arm = try QEMUArgvParser.parse(["qemu-system-aarch64", "-accel", "kvm"]).value
        #expect(outcomes(Self.guest(arm))["qemu.machine-type"]?.reason?.contains("qemu-system-aarch64") == true)
    }

    @Test func floppyAndDefaults() throws {
        let q = try QEMUArgvParser.parse(["qemu-system-x86_64", "-accel", "kvm", "-fda", "/tmp/floppy.img"]).value
        let f = try #require(outcomes(Self.guest(q))["qemu.legacy-devices"])
        #expect(f.outcome == .fail)
        #expect(f.observed?.contains("no -nodefaults") == true)
    }

    @Test func unparsedGuestIsInconclusiveForEveryCheck() {
        // Discovery found a QEMU process but could not parse its argv.
        let m = IsolationMechanism(
            product: "qemu", name: "QEMU", role: .vmm, state: .running,
            guests: [Guest(name: "pid 77", pid: 77, running: true, problems: [Problem(subject: "pid 77", message: "argv over the 64 KiB bound")])])
        let f = outcomes(m)
        #expect(f.count == Self.ids.count)
        for id in Self.ids {
            #expect(f[id]?.reason?.contains("argv over the 64 KiB bound") == true, "\(id)")
        }
        // The stub shape (argv kept, nothing parsed) is not mistaken for a parsed command line either.
        var argvOnly = QEMUConfiguration()
        argvOnly.raw = ["qemu-system-x86_64", "-sandbox", "on"]
        let stub = Self.guest(argvOnly)
        for (id, finding) in outcomes(stub) { #expect(finding.reason != nil, "\(id)") }
    }
}
