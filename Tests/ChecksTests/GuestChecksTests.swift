import BulkheadModel
import Checks
import Discovery
import Foundation
import HostInspection
import Testing

/// Outcomes the real configurations do not show, each from a real configuration with one change, plus
/// the inconclusive path of every guest and daemon check.
@Suite struct GuestChecksTests {
    let catalog = Fixture.catalog

    func run(_ mechanisms: [IsolationMechanism], only: String, facts: HostFacts? = nil) -> [String: Finding] {
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: facts ?? HostFacts(collectedAt: Fixture.collectedAt, source: "test"), mechanisms: mechanisms),
            selection: CheckSelection(only: [only]))
        return Dictionary(report.findings.map { ($0.checkID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func everyGuestCheckIsInconclusiveWhenTheConfigurationIsMissing() throws {
        for d in catalog.definitions where d.scope == .guest {
            for product in d.products {
                let m = IsolationMechanism(
                    product: ProductID(product), name: product, role: .vmm, state: .running,
                    guests: [Guest(name: "g", pid: 31, running: true, problems: [Problem(subject: "/proc/31/cmdline", message: "permission denied")])]
                )
                let f = run([m], only: d.id)
                #expect(f.count == 1, "\(d.id) on \(product)")
                #expect(f[d.id]?.reason?.contains("permission denied") == true, "\(d.id) on \(product): \(String(describing: f[d.id]?.outcome))")
            }
        }
    }

    @Test func guestChecksIgnoreOtherProducts() throws {
        // A Firecracker guest gets no QEMU or libvirt finding, and the reverse.
        let fc = RealConfigTests.mechanism("firecracker", "vm", .firecracker(try RealConfigTests.jailerExample()))
        let f = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), mechanisms: [fc]),
            // The host-scope checks of these families (polkit rules, xenstored's socket, Xen's device nodes, Xen's boot command
            // line) judge the host, not a guest.
            selection: CheckSelection(
                only: ["qemu.*", "libvirt.*", "xen.*", "gvisor.*"],
                skip: ["libvirt.polkit-manage", "xen.xenstored-socket", "xen.device-nodes", "xen.spec-ctrl", "xen.xsm", "xen.dom0-mem"]))
        #expect(f.findings.isEmpty)
    }

    // MARK: libvirt domain variations (graphics-spice.xml from libvirt's test data, one edit each)

    func domain(_ edit: (String) -> String) throws -> [String: Finding] {
        let xml = edit(try Fixture.text("configs/libvirt/graphics-spice.xml"))
        let d = try LibvirtDomainParser.parse(Data(xml.utf8), source: "edited").value
        return run([RealConfigTests.mechanism("libvirt", "QEMUGuest1", .libvirt(d))], only: "libvirt.*")
    }

    @Test func libvirtDomainFailures() throws {
        let none = try domain { $0.replacingOccurrences(of: "</devices>", with: "</devices>\n  <seclabel type='none'/>") }
        #expect(none["libvirt.seclabel-none"]?.outcome == .fail)
        let open = try domain {
            $0.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0").replacingOccurrences(of: " tlsPort='5904'", with: "").replacingOccurrences(
                of: " defaultMode='secure'", with: "")
        }
        #expect(open["libvirt.graphics-exposure"]?.outcome == .fail)
        let password = try domain { $0.replacingOccurrences(of: "<graphics type='spice'", with: "<graphics type='spice' passwd='sercet'") }
        #expect(password["libvirt.graphics-password"]?.outcome == .fail)
        #expect(password["libvirt.graphics-password"]?.observed?.contains("sercet") == false)
        let argv = try domain {
            $0.replacingOccurrences(of: "<domain type='qemu'>", with: "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
                .replacingOccurrences(
                    of: "</devices>",
                    with: "</devices>\n  <qemu:commandline>\n    <qemu:arg value='-sandbox'/>\n    <qemu:arg value='off'/>\n  </qemu:commandline>")
        }
        #expect(argv["libvirt.qemu-commandline"]?.outcome == .fail)
        #expect(argv["libvirt.qemu-commandline"]?.observed?.contains("-sandbox off") == true)
        let kvm = try domain {
            $0.replacingOccurrences(of: "<domain type='qemu'>", with: "<domain type='kvm'>").replacingOccurrences(
                of: "<controller type='usb' index='0'/>", with: "<controller type='usb' index='0' model='none'/>")
        }
        #expect(kvm["libvirt.domain-type"]?.outcome == .pass)
        #expect(kvm["libvirt.legacy-devices"]?.outcome == .pass)
    }

    @Test func libvirtHostdevAcceptedByTailoring() throws {
        let d = try LibvirtDomainParser.parse(Data(try Fixture.text("configs/libvirt/hostdev-vfio.xml").utf8), source: "hostdev-vfio.xml").value
        let t = try Tailoring.parse(
            Array(#"{"values": {"libvirt.hostdev": {"allowed": true, "reason": "GPU passthrough for the render VM"}}}"#.utf8), source: "t.json",
            catalog: catalog)
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(
                facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"),
                mechanisms: [RealConfigTests.mechanism("libvirt", "vfio", .libvirt(d))]),
            selection: CheckSelection(only: ["libvirt.hostdev"]), tailoring: t)
        #expect(report.findings.first?.outcome == .pass)
        #expect(report.findings.first?.evidence.contains { $0.claim.contains("GPU passthrough") } == true)
    }

    @Test func runningLibvirtGuestUnconfinedByLabel() throws {
        let d = try LibvirtDomainParser.parse(Data(try Fixture.text("configs/libvirt/graphics-spice.xml").utf8), source: "x").value
        let m = RealConfigTests.mechanism("libvirt", "g", .libvirt(d), confinement: ProcessConfinement(uid: 64055, lsmLabel: "unconfined"), pid: 88)
        #expect(run([m], only: "libvirt.seclabel-none")["libvirt.seclabel-none"]?.outcome == .fail)
    }

    // MARK: gVisor (argv as runsc is installed by `runsc install` plus the flags under test)

    func gvisor(_ flags: [String], version: String? = nil) throws -> [String: Finding] {
        let argv = ["/usr/bin/runsc"] + flags + ["--root=/run/docker/runtime-runc/moby", "boot", "--bundle=/run/containerd/b", "0123456789ab"]
        let c = try GVisorArgvParser.parse(argv).value
        var m = RealConfigTests.mechanism("gvisor", "sandbox 0123456789ab", .gvisor(c))
        m.version = version
        return run([m], only: "gvisor.*")
    }

    @Test func gvisorFlags() throws {
        let defaults = try gvisor([])
        #expect(
            defaults.mapValues(\.outcome.label) == [
                "gvisor.network-host": "pass", "gvisor.unsafe-flags": "pass", "gvisor.platform": "pass",
                // Today's defaults: directfs on (gVisor: disabling it "increases security"), rootfs overlay root:self.
                "gvisor.directfs": "fail", "gvisor.rootfs-overlay": "pass",
            ])
        #expect(try gvisor(["--network=host"])["gvisor.network-host"]?.outcome == .fail)
        let unsafe = try gvisor(["--TESTONLY-unsafe-nonroot", "--profile"])
        #expect(unsafe["gvisor.unsafe-flags"]?.outcome == .fail)
        #expect(unsafe["gvisor.unsafe-flags"]?.observed?.contains("TESTONLY-unsafe-nonroot") == true)
        // flags.go: "(DO NOT USE IN PRODUCTION)", "TEST ONLY"; debugging flags are not marked so and pass.
        #expect(try gvisor(["--profiling-metrics-log=/tmp/runsc/"])["gvisor.unsafe-flags"]?.outcome == .fail)
        #expect(try gvisor(["--profiling-metrics=sentry_cpu"])["gvisor.unsafe-flags"]?.outcome == .fail)
        #expect(try gvisor(["--iouring"])["gvisor.unsafe-flags"]?.outcome == .fail)
        #expect(try gvisor(["--iouring=false"])["gvisor.unsafe-flags"]?.outcome == .pass)
        #expect(try gvisor(["--debug", "--strace", "--debug-log=/tmp/runsc/"])["gvisor.unsafe-flags"]?.outcome == .pass)
        #expect(try gvisor(["--platform=ptrace"])["gvisor.platform"]?.outcome == .fail)
        #expect(try gvisor(["--platform=kvm"])["gvisor.platform"]?.outcome == .pass)
    }

    @Test func gvisorDirectfsAndRootfsOverlay() throws {
        #expect(try gvisor(["--directfs=false"])["gvisor.directfs"]?.outcome == .pass)
        #expect(try gvisor(["--directfs=0"])["gvisor.directfs"]?.outcome == .pass)
        #expect(try gvisor(["--directfs=true"])["gvisor.directfs"]?.outcome == .fail)
        #expect(try gvisor(["--directfs=maybe"])["gvisor.directfs"]?.outcome.label == "inconclusive")
        // Before release-20230522.0 the sandbox always went through the gofer; before release-20230313.0 there was no
        // rootfs overlay by default.
        let old = try gvisor([], version: "0.0~20221219.0")
        #expect(old["gvisor.directfs"]?.outcome == .pass)
        #expect(old["gvisor.rootfs-overlay"]?.outcome == .fail)
        let current = try gvisor([], version: "release-20240212.0")
        #expect(current["gvisor.directfs"]?.outcome == .fail)
        #expect(current["gvisor.rootfs-overlay"]?.outcome == .pass)
        #expect(try gvisor(["--overlay2=none"])["gvisor.rootfs-overlay"]?.outcome == .fail)
        for value in ["root:self", "all:memory", "root:dir=/var/lib/overlay", "root:memory,size=2g"] {
            #expect(try gvisor(["--overlay2=\(value)"])["gvisor.rootfs-overlay"]?.outcome == .pass, "\(value)")
        }
        #expect(try gvisor(["--overlay2=root"])["gvisor.rootfs-overlay"]?.outcome.label == "inconclusive")
        #expect(try gvisor(["--overlay2=rootfs:self"])["gvisor.rootfs-overlay"]?.outcome.label == "inconclusive")
        #expect(try gvisor(["--overlay"], version: "0.0~20221219.0")["gvisor.rootfs-overlay"]?.outcome == .pass)
    }

    // MARK: container runtimes

    static let host = HostProcess(
        pid: 1, name: "systemd", arguments: ["/sbin/init"],
        confinement: ProcessConfinement(
            uid: 0, capEff: "000001ffffffffff",
            namespaces: [
                "net": "net:[4026531840]", "pid": "pid:[4026531836]", "ipc": "ipc:[4026531839]", "uts": "uts:[4026531838]", "mnt": "mnt:[4026531841]",
            ]))

    func container(_ c: ProcessConfinement?) -> [String: Finding] {
        var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "t")
        facts.processes = [Self.host]
        let m = IsolationMechanism(
            product: "docker", name: "Docker", role: .containerRuntime, state: .running,
            guests: [Guest(name: "web", pid: 4000, running: true, confinement: c)])
        // The per-container checks only: the host-scope engine checks (runtime.engine-*) judge sockets and daemons.
        return run([m], only: "runtime.*", facts: facts).filter { ["runtime.privileged", "runtime.host-namespaces"].contains($0.key) }
    }

    @Test func runtimePrivilegeAndNamespaces() {
        // CapEff values: Docker's default capability set (0x00000000a80425fb) and every capability (root on 6.x).
        let isolated = ProcessConfinement(
            uid: 0, seccomp: 2, noNewPrivs: true, capEff: "00000000a80425fb",
            namespaces: [
                "net": "net:[4026532290]", "pid": "pid:[4026532288]", "ipc": "ipc:[4026532287]", "uts": "uts:[4026532286]", "mnt": "mnt:[4026532285]",
            ])
        #expect(container(isolated).mapValues(\.outcome.label) == ["runtime.privileged": "pass", "runtime.host-namespaces": "pass"])
        var privileged = isolated
        privileged.capEff = "000001ffffffffff"
        privileged.seccomp = 0
        privileged.namespaces["net"] = "net:[4026531840]"
        privileged.namespaces["pid"] = "pid:[4026531836]"
        let f = container(privileged)
        #expect(f["runtime.privileged"]?.outcome == .fail)
        #expect(f["runtime.host-namespaces"]?.observed == "shares the host's net, pid namespaces")
        // One dangerous capability, no seccomp filter, or no_new_privs off each fail on their own.
        var sysAdmin = isolated
        sysAdmin.capEff = "00000000a82425fb"  // Docker's default set plus CAP_SYS_ADMIN (bit 21): --cap-add SYS_ADMIN
        #expect(container(sysAdmin)["runtime.privileged"]?.observed == "CapEff 00000000a82425fb holds CAP_SYS_ADMIN")
        var unconfined = isolated
        unconfined.seccomp = 0  // --security-opt seccomp=unconfined
        #expect(container(unconfined)["runtime.privileged"]?.observed == "Seccomp: 0 (no seccomp filter)")
        var newPrivs = isolated
        newPrivs.noNewPrivs = false  // Docker's default without --security-opt no-new-privileges
        #expect(container(newPrivs)["runtime.privileged"]?.outcome == .fail)
        var unseen = isolated
        unseen.noNewPrivs = nil
        #expect(container(unseen)["runtime.privileged"]?.outcome.label == "inconclusive")
        var garbage = isolated
        garbage.capEff = "zz"
        #expect(container(garbage)["runtime.privileged"]?.outcome.label == "inconclusive")
        let unknown = container(nil)
        #expect(unknown["runtime.privileged"]?.reason != nil && unknown["runtime.host-namespaces"]?.reason != nil)
    }

    @Test func containerSecurityLabels() {
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        let judge = { (label: String?) -> Finding? in
            var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "t")
            facts.processes = [
                Self.host, HostProcess(pid: 4000, ppid: 1, name: "sleep", arguments: ["sleep"], confinement: ProcessConfinement(lsmLabel: label)),
            ]
            let m = IsolationMechanism(
                product: "docker", name: "Docker", role: .containerRuntime, state: .running, guests: [Guest(name: "web", pid: 4000, running: true)])
            let report = CheckRunner(catalog: self.catalog).run(
                CheckInput(facts: facts, mechanisms: [m], observations: obs), selection: CheckSelection(only: ["runtime.lsm-profile"]))
            return report.findings.first
        }
        #expect(judge("docker-default (enforce)")?.outcome == .pass)
        #expect(judge("unconfined")?.outcome == .fail)
        #expect(judge("docker-default (complain)")?.observed?.contains("complain mode") == true)
        // SELinux (container-selinux's types): confined only while enforcing.
        let selinux = "system_u:system_r:container_t:s0:c123,c456"
        #expect(judge(selinux)?.reason?.contains("/sys/fs/selinux/enforce") == true)
        obs.files["/sys/fs/selinux/enforce"] = .content("1")
        #expect(judge(selinux)?.outcome == .pass)
        #expect(judge("system_u:system_r:spc_t:s0")?.outcome == .fail)
        obs.files["/sys/fs/selinux/enforce"] = .content("0")
        #expect(judge(selinux)?.outcome == .fail)
        // No label: no labelling LSM fails, an unread label is inconclusive.
        #expect(judge(nil)?.outcome.label == "inconclusive")
        obs.files["/sys/kernel/security/lsm"] = .content("lockdown,capability,landlock,yama")
        #expect(judge(nil)?.outcome == .fail)
        obs.files["/sys/kernel/security/lsm"] = .content("lockdown,capability,landlock,yama,apparmor")
        #expect(judge(nil)?.outcome.label == "inconclusive")
    }
}
