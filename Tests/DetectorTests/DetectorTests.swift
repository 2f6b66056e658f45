import BulkheadModel
import Discovery
import Foundation
import HostInspection
import Testing

@Suite struct DetectorTests {
    let qemuPackage = InstalledPackage(
        name: "qemu-system-x86", version: "1:7.2+dfsg-7+deb12u18", architecture: "amd64", manager: "dpkg",
        sourcePackage: "qemu")

    @Test func qemuProcessFromProxmoxIsAGuestWithItsName() throws {
        let argv = shellWords(try fixtureText("simple1.conf.cmd"))
        #expect(argv.first == "/usr/bin/kvm")
        let process = HostProcess(
            pid: 4242, ppid: 1, name: "kvm", executable: "/usr/bin/qemu-system-x86_64", arguments: argv,
            confinement: ProcessConfinement(uid: 0, seccomp: 0))
        let host = facts(processes: [process], packages: [qemuPackage])
        let temp = try TempRoot()
        let found = QEMUDetector().detect(in: host, root: temp.root)
        let qemu = try #require(found.first)
        #expect(qemu.product == "qemu")
        #expect(qemu.version == "1:7.2+dfsg-7+deb12u18")
        #expect(qemu.state == .running)
        #expect(qemu.guests.count == 1)
        #expect(qemu.guests.first?.name == "simple")
        #expect(qemu.guests.first?.pid == 4242)
        #expect(qemu.guests.first?.confinement?.uid == 0)
        #expect(qemu.evidence.contains { $0.source == .package(name: "qemu-system-x86", version: "1:7.2+dfsg-7+deb12u18", manager: "dpkg") })
        #expect(qemu.evidence.contains { $0.source == .process(pid: 4242, field: "cmdline") })
    }

    @Test func kernelThreadsNamedKvmAreNotQEMU() throws {
        let thread = HostProcess(pid: 77, ppid: 2, name: "kvm", executable: nil, arguments: [])
        let temp = try TempRoot()
        #expect(QEMUDetector().detect(in: facts(processes: [thread]), root: temp.root).isEmpty)
    }

    @Test func runningWithoutAPackageSaysTheVersionIsUnknown() throws {
        let process = HostProcess(
            pid: 10, name: "qemu-system-x86", executable: "/opt/qemu/bin/qemu-system-x86_64",
            arguments: ["/opt/qemu/bin/qemu-system-x86_64", "-name", "guest=lab,debug-threads=on"])
        let temp = try TempRoot()
        let qemu = try #require(QEMUDetector().detect(in: facts(processes: [process]), root: temp.root).first)
        #expect(qemu.version == nil)
        #expect(qemu.guests.first?.name == "lab")
        #expect(qemu.problems.contains { $0.message.contains("version is unknown") })
    }

    @Test func kvmNeedsModulesOrTheDevice() throws {
        let temp = try TempRoot()
        #expect(KVMDetector().detect(in: facts(), root: temp.root).isEmpty)
        let kvm = try #require(KVMDetector().detect(in: facts(modules: ["kvm", "kvm_intel"]), root: temp.root).first)
        #expect(kvm.role == .kernelHypervisor)
        #expect(kvm.version == "6.1.0-40-amd64")
        #expect(kvm.evidence.filter { $0.source == .file(path: "/proc/modules", sha256: nil) }.count == 2)
    }

    @Test func libvirtDomainsFromEtcAndRun() throws {
        let temp = try TempRoot()
        let xml = try fixtureText("virt-manager__virt-install-kvm-win10.xml")
        try temp.write("/etc/libvirt/qemu.conf", "security_driver = \"apparmor\"\n")
        try temp.write("/etc/libvirt/qemu/win10.xml", xml)
        // A broken definition and a link out of the root are inconclusive items, not a failed run.
        try temp.write("/etc/libvirt/qemu/broken.xml", "<domain type='kvm'><name>broken")
        try temp.symlink("/etc/libvirt/qemu/escape.xml", to: "../../../../../etc/shadow")
        let pkg = InstalledPackage(name: "libvirt-daemon-system", version: "9.0.0-4+deb12u2", manager: "dpkg")
        let libvirt = try #require(LibvirtDetector().detect(in: facts(packages: [pkg]), root: temp.root).first)
        #expect(libvirt.version == "9.0.0-4+deb12u2")
        #expect(libvirt.state == .installed)
        #expect(libvirt.evidence.contains { $0.source == .file(path: "/etc/libvirt/qemu.conf", sha256: nil) })
        let names = libvirt.guests.map(\.name)
        #expect(names.contains("win10"))
        let escape = try #require(libvirt.guests.first { $0.name == "escape" })
        #expect(escape.configuration == nil)
        #expect(escape.problems.contains { $0.message.contains("outside the host root") })
        #expect(libvirt.guests.allSatisfy { !$0.running })
        // The good definition is parsed into typed facts; the truncated one is inconclusive with the reason.
        guard case .libvirt(let win10)? = libvirt.guests.first(where: { $0.name == "win10" })?.configuration else {
            Issue.record("win10.xml was not parsed")
            return
        }
        #expect(win10.domainType == "kvm")
        let broken = try #require(libvirt.guests.first { $0.name == "broken" })
        #expect(broken.configuration == nil)
        #expect(broken.problems.contains { $0.subject.contains("/etc/libvirt/qemu/broken.xml") })
    }

    /// Issue 19 #11: a looping /etc/libvirt/qemu (a link to itself) hid every defined guest without a word.
    @Test func aLoopingDomainDirectoryIsAProblem() throws {
        let temp = try TempRoot()
        try temp.write("/etc/libvirt/qemu.conf", "user = \"qemu\"\n")
        try temp.symlink("/etc/libvirt/qemu", to: "qemu")
        let pkg = InstalledPackage(name: "libvirt-daemon-system", version: "9.0.0-4+deb12u2", manager: "dpkg")
        let libvirt = try #require(LibvirtDetector().detect(in: facts(packages: [pkg]), root: temp.root).first)
        #expect(libvirt.guests.isEmpty)
        #expect(libvirt.problems.contains { $0.subject == "/etc/libvirt/qemu" && $0.message.contains("cannot be listed") }, "\(libvirt.problems)")
        // A missing /run/libvirt/qemu (no running domain) is not a problem.
        #expect(!libvirt.problems.contains { $0.subject == "/run/libvirt/qemu" })
    }

    @Test func libvirtIsNotReportedOnAHostWithoutIt() throws {
        let temp = try TempRoot()
        #expect(LibvirtDetector().detect(in: facts(), root: temp.root).isEmpty)
    }

    @Test func xenDom0WithXlGuests() throws {
        let temp = try TempRoot()
        try temp.write("/proc/xen/capabilities", "control_d\n")
        try temp.write("/etc/xen/xlexample.hvm.cfg", try fixtureText("xen__xlexample.hvm"))
        try temp.write("/etc/xen/xl.conf", "autoballoon=\"off\"\n")
        let xen = try #require(XenDetector().detect(in: facts(), root: temp.root).first)
        #expect(xen.state == .running)
        #expect(xen.guests.count == 1)
        #expect(xen.evidence.contains { $0.claim.contains("dom0") })
    }

    @Test func xenDomUIsNotAMechanismOfThisHost() throws {
        let temp = try TempRoot()
        try temp.write("/proc/xen/capabilities", "\n")
        #expect(XenDetector().detect(in: facts(), root: temp.root).isEmpty)
    }

    @Test func firecrackerUnderTheJailerIsNotReadInsideTheChroot() throws {
        let temp = try TempRoot()
        let process = HostProcess(
            pid: 900, ppid: 1, name: "firecracker", executable: "/srv/jailer/firecracker/551e/root/firecracker",
            arguments: ["/firecracker", "--id", "551e", "--config-file", "/vm.json", "--start-time-us", "1"])
        let fc = try #require(FirecrackerDetector().detect(in: facts(processes: [process]), root: temp.root).first)
        let guest = try #require(fc.guests.first)
        #expect(guest.name == "microvm 551e")
        #expect(guest.problems.contains { $0.message.contains("chroot") })
    }

    @Test func firecrackerConfigFileIsReadFromTheHost() throws {
        let temp = try TempRoot()
        try temp.write("/srv/vm.json", try fixtureText("firecracker__vm_config.json"))
        let process = HostProcess(
            pid: 901, name: "firecracker", executable: "/usr/bin/firecracker",
            arguments: ["/usr/bin/firecracker", "--api-sock", "/tmp/fc.sock", "--config-file", "/srv/vm.json"])
        let fc = try #require(FirecrackerDetector().detect(in: facts(processes: [process]), root: temp.root).first)
        let guest = try #require(fc.guests.first)
        #expect(guest.problems.isEmpty, "\(guest.problems)")
        #expect(guest.evidence.contains { $0.source == .file(path: "/srv/vm.json", sha256: nil) })
        guard case .firecracker(let config)? = guest.configuration else {
            Issue.record("Firecracker argv was not parsed")
            return
        }
        #expect(config.apiSocket == "/tmp/fc.sock")
        #expect(config.vm != nil, "the --config-file JSON is parsed into the guest's facts")
    }

    @Test func runscSandboxesAreTheBootProcesses() throws {
        let temp = try TempRoot()
        let pkg = InstalledPackage(name: "runsc", version: "0.0~20221219.0-1", manager: "dpkg")
        let boot = HostProcess(
            pid: 300, ppid: 299, name: "exe", executable: "/usr/bin/runsc",
            arguments: ["runsc-sandbox", "--root=/run/runsc", "--network=none", "boot", "--bundle=/b", "abc123def456789"])
        let gofer = HostProcess(
            pid: 301, ppid: 299, name: "exe", executable: "/usr/bin/runsc",
            arguments: ["runsc-gofer", "--root=/run/runsc", "gofer", "--bundle=/b"])
        let gv = try #require(
            GVisorDetector().detect(in: facts(processes: [boot, gofer], packages: [pkg]), root: temp.root).first)
        #expect(gv.state == .running)
        #expect(gv.guests.map(\.name) == ["sandbox abc123def456"])
    }

    @Test func bubblewrapListsOnlyTheOuterProcess() throws {
        let temp = try TempRoot()
        let outer = HostProcess(pid: 50, ppid: 1, name: "bwrap", executable: "/usr/bin/bwrap", arguments: ["bwrap", "--unshare-all", "sh"])
        let inner = HostProcess(pid: 51, ppid: 50, name: "bwrap", executable: "/usr/bin/bwrap", arguments: ["bwrap", "--unshare-all", "sh"])
        let bw = try #require(BubblewrapDetector().detect(in: facts(processes: [outer, inner]), root: temp.root).first)
        #expect(bw.guests.map(\.pid) == [50])
    }

    @Test func engineRunsEveryDetectorAndKeepsProblems() throws {
        let temp = try TempRoot()
        let host = facts(
            processes: [
                HostProcess(pid: 1, name: "systemd", executable: "/usr/lib/systemd/systemd", arguments: ["/sbin/init"])
            ], packages: [qemuPackage], modules: ["kvm", "kvm_amd"])
        var withProblem = host
        withProblem.problems = [Problem(subject: "/proc/123/status", message: "no such file (or the process exited)")]
        let result = DiscoveryEngine().run(facts: withProblem, root: temp.root)
        #expect(result.mechanisms.map(\.product) == ["kvm", "qemu"])
        #expect(result.problems.count == 1)
        #expect(result.schemaVersion == DiscoveryResult.currentSchemaVersion)
    }
}

@Suite struct LibvirtRunningStateTests {
    /// libvirt's live XML under /run/libvirt/qemu is a <domstatus> document wrapping the <domain>.
    @Test func runningDomainInsideDomstatusIsParsed() throws {
        let temp = try TempRoot()
        let domain = try fixtureText("virt-manager__virt-install-kvm-win10.xml")
        // The fixture holds two <domain> documents; wrap the first as libvirt does for a running guest.
        guard let end = domain.range(of: "</domain>") else {
            Issue.record("fixture has no </domain>")
            return
        }
        let first = String(domain[..<end.upperBound])
        try temp.write(
            "/run/libvirt/qemu/win10.xml",
            "<domstatus state='running' reason='booted' pid='4242'>\n<monitor path='/var/lib/libvirt/qemu/domain-1-win10/monitor.sock' type='unix'/>\n\(first)\n</domstatus>\n"
        )
        let pkg = InstalledPackage(name: "libvirt-daemon-system", version: "9.0.0-4+deb12u2", manager: "dpkg")
        let libvirt = try #require(LibvirtDetector().detect(in: facts(packages: [pkg]), root: temp.root).first)
        let guest = try #require(libvirt.guests.first)
        #expect(guest.running)
        #expect(libvirt.state == .running)
        guard case .libvirt(let d)? = guest.configuration else {
            Issue.record("domstatus not parsed: \(guest.problems)")
            return
        }
        #expect(d.name == guest.name)
    }

    // MARK: Container shims: the container is the shim's child

    /// containerd's runc shim (runtime/v2/runc) and Podman's conmon run as root with every capability; the
    /// container they hold is their child. The guest is the child, named by the id in its cgroup path.
    @Test func aShimsChildIsTheContainerNotTheShim() throws {
        let temp = try TempRoot()
        let id = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
        let shim = HostProcess(
            pid: 700, ppid: 1, name: "containerd-shim", executable: "/usr/bin/containerd-shim-runc-v2",
            arguments: [
                "/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "pod0sandbox", "-address", "/run/containerd/containerd.sock",
            ],
            confinement: ProcessConfinement(seccomp: 0, capEff: "000001ffffffffff"))
        let pause = HostProcess(
            pid: 701, ppid: 700, name: "pause", executable: "/pause", arguments: ["/pause"],
            confinement: ProcessConfinement(seccomp: 2, capEff: "00000000a80425fb", cgroups: ["0::/kubepods.slice/cri-containerd-\(id).scope"]))
        let app = HostProcess(
            pid: 702, ppid: 700, name: "nginx", executable: "/usr/sbin/nginx", arguments: ["nginx"],
            confinement: ProcessConfinement(seccomp: 2, capEff: "00000000a80425fb", cgroups: ["0::/kubepods.slice/"]))
        let detector = ContainerRuntimeDetector(ProductSignatures.containerd)
        let mechanism = try #require(detector.detect(in: facts(processes: [shim, pause, app]), root: temp.root).first)
        #expect(mechanism.guests.map(\.pid) == [701, 702], "the shim (pid 700) is not a guest")
        #expect(mechanism.guests.map(\.name) == ["container 4f3c2b1a0e9d", "container pod0sandbox pid 702"])
        #expect(mechanism.guests.allSatisfy { $0.confinement?.capEff == "00000000a80425fb" })
        #expect(mechanism.guests[0].evidence.contains { $0.claim.contains("child of containerd-shim-runc-v2 (pid 700)") })
    }

    /// A conmon whose container process is not (yet, or no longer) there: a guest without a pid, so checks of the
    /// container are inconclusive instead of judging conmon's own capabilities.
    @Test func aShimWithoutAChildGivesAGuestWithoutAPid() throws {
        let temp = try TempRoot()
        let conmon = HostProcess(
            pid: 800, ppid: 1, name: "conmon", executable: "/usr/bin/conmon",
            arguments: ["/usr/bin/conmon", "--api-version", "1", "-c", "9a8b7c6d5e4f3a2b1c0d", "-u", "9a8b7c6d5e4f", "-n", "web"],
            confinement: ProcessConfinement(seccomp: 0, capEff: "000001ffffffffff"))
        let runtime = HostProcess(pid: 801, ppid: 800, name: "crun", executable: "/usr/bin/crun", arguments: ["/usr/bin/crun", "start"])
        let podman = ContainerRuntimeDetector(ProductSignatures.podman)
        let mechanism = try #require(podman.detect(in: facts(processes: [conmon, runtime]), root: temp.root).first)
        let guest = try #require(mechanism.guests.first)
        #expect(mechanism.guests.count == 1)
        #expect(guest.pid == nil && guest.name == "container web")
        #expect(guest.evidence.first?.claim.contains("no container process as its child") == true)
    }

    @Test func containerIDsAreReadFromCgroupPaths() {
        let id = String(repeating: "ab12", count: 16)
        #expect(ContainerRuntimeDetector.containerID(inCgroups: ["0::/system.slice/docker-\(id).scope"]) == id)
        #expect(ContainerRuntimeDetector.containerID(inCgroups: ["12:pids:/docker/\(id)", "0::/"]) == id)
        #expect(ContainerRuntimeDetector.containerID(inCgroups: ["0::/machine.slice/libpod-\(id).scope/container"]) == id)
        #expect(ContainerRuntimeDetector.containerID(inCgroups: ["0::/user.slice/\(id)0"]) == nil, "65 hex digits are not an id")
        #expect(ContainerRuntimeDetector.containerID(inCgroups: ["0::/user.slice/session-3.scope"]) == nil)
    }
}
