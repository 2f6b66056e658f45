import BulkheadModel
import Checks
import Discovery
import Formats
import Foundation
import HostInspection
import Testing

/// The real configurations in ../shared/reference/configs (copied to Fixtures/configs), parsed with
/// Discovery's parsers and assessed, with every outcome asserted.
@Suite struct RealConfigTests {
    let catalog = Fixture.catalog

    static func mechanism(
        _ product: ProductID, _ name: String, _ config: GuestConfiguration?, problems: [Problem] = [], confinement: ProcessConfinement? = nil,
        pid: Int32? = nil, path: String? = nil
    ) -> IsolationMechanism {
        IsolationMechanism(
            product: product, name: product.rawValue, role: .vmm, state: .running,
            guests: [
                Guest(
                    name: name, pid: pid, running: pid != nil, configuration: config, confinement: confinement,
                    evidence: path.map {
                        [
                            Evidence(
                                claim: "configuration file", source: .file(path: $0, sha256: nil), observedAt: Fixture.collectedAt, confidence: .high)
                        ]
                    } ?? [],
                    problems: problems)
            ])
    }

    func outcomes(
        _ mechanisms: [IsolationMechanism], daemons: [DaemonConfiguration] = [], only: String,
        facts: HostFacts = HostFacts(collectedAt: Fixture.collectedAt, source: "test"), observations: HostObservations? = nil
    ) -> [String: Finding] {
        // The host-wide libvirt.polkit-manage (polkit rules), xen.xenstored-socket, xen.device-nodes (stat of sockets and device
        // nodes) and xen.spec-ctrl, xen.xsm and xen.dom0-mem (Xen's boot command line) are not about the configuration under test.
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: facts, mechanisms: mechanisms, observations: observations, daemons: daemons),
            selection: CheckSelection(
                only: [only], skip: ["libvirt.polkit-manage", "xen.xenstored-socket", "xen.device-nodes", "xen.spec-ctrl", "xen.xsm", "xen.dom0-mem"])
        )
        return Dictionary(report.findings.map { ($0.checkID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func labels(_ f: [String: Finding]) -> [String: String] { f.mapValues(\.outcome.label) }

    static func data(_ path: String) throws -> Data { Data(try Fixture.text("configs/\(path)").utf8) }

    // MARK: libvirt domain XML

    static func domain(_ file: String) throws -> LibvirtDomain {
        try LibvirtDomainParser.parse(try data("libvirt/\(file)"), source: file).value
    }

    func libvirt(_ file: String) throws -> [String: Finding] {
        outcomes([Self.mechanism("libvirt", file, .libvirt(try Self.domain(file)), path: "/etc/libvirt/qemu/\(file)")], only: "libvirt.*")
    }

    @Test func libvirtTestDomains() throws {
        let spice = try libvirt("graphics-spice.xml")
        #expect(
            labels(spice) == [
                "libvirt.seclabel-none": "pass", "libvirt.hostdev": "pass", "libvirt.graphics-exposure": "pass",
                "libvirt.graphics-password": "pass", "libvirt.qemu-commandline": "pass", "libvirt.legacy-devices": "fail",
                "libvirt.domain-type": "fail",
            ])
        #expect(
            spice["libvirt.domain-type"]?.evidence.contains { $0.source == .file(path: "/etc/libvirt/qemu/graphics-spice.xml", sha256: nil) } == true)
        let vfio = try libvirt("hostdev-vfio.xml")
        #expect(vfio["libvirt.hostdev"]?.outcome == .fail)
        #expect(vfio["libvirt.hostdev"]?.observed?.contains("pci") == true)
        #expect(vfio["libvirt.graphics-exposure"]?.outcome == .notApplicable)
    }

    @Test func virtManagerDomains() throws {
        let win10 = try libvirt("virt-manager__virt-install-kvm-win10.xml")
        #expect(
            labels(win10) == [
                "libvirt.seclabel-none": "pass", "libvirt.hostdev": "fail", "libvirt.graphics-exposure": "pass",
                "libvirt.graphics-password": "pass", "libvirt.qemu-commandline": "pass", "libvirt.legacy-devices": "fail",
                "libvirt.domain-type": "pass",
            ])
        #expect(win10["libvirt.hostdev"]?.observed?.contains("redirdev usb spicevmc") == true)
        #expect(win10["libvirt.legacy-devices"]?.observed?.contains("sound ich9") == true)
        let mdev = try libvirt("virt-manager__virt-install-mdev-devices.xml")
        #expect(mdev["libvirt.hostdev"]?.outcome == .fail)
        let singleton = try libvirt("virt-manager__virt-install-singleton-config-2.xml")
        #expect(singleton["libvirt.seclabel-none"]?.outcome == .pass)
        #expect(singleton["libvirt.seclabel-none"]?.observed?.contains("selinux dynamic") == true)
        let xen = try libvirt("virt-manager__virt-install-xen-pv.xml")
        #expect(xen["libvirt.domain-type"]?.outcome == .pass)
    }

    // MARK: qemu.conf

    func qemuConf(_ file: String) throws -> [String: Finding] {
        let conf = try LibvirtQEMUConfParser.parse(try Self.data("libvirt-qemu-conf/\(file)"), source: file).value
        return outcomes(
            [], daemons: [DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))], only: "libvirt.*")
    }

    @Test func userQEMUConfs() throws {
        // Both real files leave the security keys at libvirt's defaults (one sets a login user as `user`).
        let lennard = try qemuConf("lennard0711-vfio__qemu.conf")
        // libvirt.sched-core needs the host's SMT state and libvirt.security-driver (unset) the host's security modules,
        // which these facts do not hold.
        let hostDependent: Set<String> = ["libvirt.sched-core", "libvirt.security-driver"]
        // libvirt's own defaults that fall short: migrate_tls_force (0) lets a migration without --tls go in the clear;
        // security_require_confined (0) lets a domain ask to run unconfined.
        let defaultFails: Set<String> = ["libvirt.migrate-tls", "libvirt.require-confined"]
        #expect(defaultFails.allSatisfy { lennard[$0]?.outcome == .fail })
        #expect(Set(lennard.filter { !hostDependent.union(defaultFails).contains($0.key) }.values.map(\.outcome.label)) == ["pass"])
        #expect(lennard["libvirt.sched-core"]?.reason?.contains("smt/control") == true)
        #expect(lennard["libvirt.security-driver"]?.reason?.contains("/sys/kernel/security/lsm") == true)
        #expect(lennard.count == 10)
        #expect(lennard["libvirt.qemu-user"]?.observed == "user = \"lennard0711\"")
        let smartperson = try qemuConf("smartperson-ubuntu-x570-qemu-setup__qemu.conf")
        // No `user`: without a package or a running QEMU the build's default (upstream's is root) is unknown.
        #expect(
            Set(
                smartperson.filter { $0.key != "libvirt.qemu-user" && !hostDependent.union(defaultFails).contains($0.key) }.values.map(
                    \.outcome.label)) == ["pass"])
        #expect(smartperson["libvirt.qemu-user"]?.outcome.label == "inconclusive")
        #expect(smartperson["libvirt.seccomp-sandbox"]?.evidence.first?.source == .file(path: "/etc/libvirt/qemu.conf", sha256: nil))
    }

    @Test func absentQEMUUserIsJudgedByThePackageOrTheRunningProcess() throws {
        let conf = try LibvirtQEMUConfParser.parse(
            try Self.data("libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf"), source: "qemu.conf"
        ).value
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))
        func judge(_ packages: [InstalledPackage], _ processes: [HostProcess] = []) -> Finding? {
            var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
            facts.packages = packages
            facts.processes = processes
            return outcomes([], daemons: [daemon], only: "libvirt.qemu-user", facts: facts)["libvirt.qemu-user"]
        }
        // Debian 12's package (apt-cache show libvirt-daemon-driver-qemu): built to run QEMU as libvirt-qemu.
        let debian = judge([
            InstalledPackage(name: "libvirt-daemon-driver-qemu", version: "9.0.0-4+deb12u2", manager: "dpkg", sourcePackage: "libvirt")
        ])
        #expect(debian?.outcome == .pass && debian?.observed?.contains("libvirt-qemu") == true)
        let rhel = judge([InstalledPackage(name: "libvirt-daemon-driver-qemu", version: "10.0.0-6.el9", manager: "rpm")])
        #expect(rhel?.observed == "user not set: the rpm package libvirt-daemon-driver-qemu runs QEMU as qemu")
        // A running QEMU outranks the package: uid 0 fails, another uid passes.
        let qemu = HostProcess(
            pid: 4242, name: "qemu-system-x86", arguments: ["/usr/bin/qemu-system-x86_64", "-name", "guest=web"],
            confinement: ProcessConfinement(uid: 0))
        let asRoot = judge([InstalledPackage(name: "libvirt-daemon-driver-qemu", version: "9.0.0-4+deb12u2", manager: "dpkg")], [qemu])
        #expect(asRoot?.outcome == .fail && asRoot?.evidence.contains { $0.source == .process(pid: 4242, field: "status:Uid") } == true)
        var unprivileged = qemu
        unprivileged.confinement.uid = 64055
        #expect(judge([], [unprivileged])?.outcome == .pass)
        // Another manager, or nothing at all: inconclusive, never assumed.
        #expect(judge([InstalledPackage(name: "libvirt-daemon", version: "9.0", manager: "pacman")])?.outcome.label == "inconclusive")
    }

    @Test func libvirtAdminInterfaceEdges() throws {
        func judge(_ settings: [String: String], path: String = "/etc/libvirt/libvirtd.conf") -> Finding? {
            let values = settings.mapValues { LibvirtConfValue(kind: .string, string: $0) }
            let d = DaemonConfiguration(product: "libvirt", path: path, settings: .libvirtDaemon(values))
            // A host with no libvirt socket units (libvirtd is not running either).
            var none = HostObservations(observedAt: Fixture.collectedAt, source: "test")
            none.markNoSocketUnits()
            return outcomes([], daemons: [d], only: "libvirt.admin-interface", observations: none)["libvirt.admin-interface"]
        }
        #expect(judge([:])?.outcome == .pass)
        #expect(judge(["listen_tcp": "1", "auth_tcp": "none"], path: "/etc/libvirt/virtproxyd.conf")?.outcome == .fail)
        #expect(judge(["listen_tls": "1", "tls_no_verify_certificate": "1"])?.outcome == .fail)
        #expect(judge(["listen_tls": "1", "tls_no_verify_certificate": "1", "auth_tls": "sasl"])?.outcome == .pass)
        // A world-writable rw socket is libvirt's own polkit default: it passes while polkit authenticates.
        #expect(judge(["unix_sock_rw_perms": "0777"])?.outcome == .pass)
        #expect(judge(["unix_sock_admin_perms": "0777"])?.outcome == .fail)
        #expect(judge(["unix_sock_rw_perms": "rwx"])?.outcome.label == "inconclusive")
        // The group of a group-writable rw socket without authentication (issue 15: "unix_sock_rw_perms and group"):
        // libvirtd.conf's own example group, libvirt, is its administrators; users or kvm are every login or device user.
        let groupRW = ["unix_sock_rw_perms": "0770", "auth_unix_rw": "none"]
        #expect(judge(groupRW.merging(["unix_sock_group": "libvirt"]) { $1 })?.outcome == .pass)
        #expect(judge(groupRW)?.outcome == .pass)  // unix_sock_group unset: root
        for group in ["users", "kvm"] {
            let f = judge(groupRW.merging(["unix_sock_group": group]) { $1 })
            #expect(f?.outcome == .fail && f?.observed?.contains("every member of \(group)") == true, "\(group)")
        }
        #expect(judge(["unix_sock_rw_perms": "0750", "auth_unix_rw": "none", "unix_sock_group": "users"])?.outcome == .pass)
        #expect(judge(["unix_sock_rw_perms": "0770", "auth_unix_rw": "polkit", "unix_sock_group": "users"])?.outcome == .pass)
        #expect(judge(["listen_tcp": "yes"])?.outcome.label == "inconclusive")
        let unreadable = DaemonConfiguration(
            product: "libvirt", path: "/etc/libvirt/libvirtd.conf", settings: nil,
            problems: [Problem(subject: "/etc/libvirt/libvirtd.conf", message: "permission denied (run as root to read it)")])
        let u = outcomes([], daemons: [unreadable], only: "libvirt.*")
        #expect(u["libvirt.admin-interface"]?.reason?.contains("permission denied") == true)
        // The qemu.conf checks are not misled by an unreadable libvirtd.conf.
        #expect(u["libvirt.qemu-user"] == nil)
    }

    @Test func qemuConfFailures() throws {
        // The real file with the risky settings appended (last value wins in qemu.conf).
        let text =
            try Fixture.text("configs/libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf")
            + "\nsecurity_driver = \"none\"\nseccomp_sandbox = 0\nuser = \"root\"\nnamespaces = [ ]\nclear_emulator_capabilities = 0\n"
            + "dynamic_ownership = 0\nvnc_listen = \"0.0.0.0\"\n"
        let conf = try LibvirtQEMUConfParser.parse(Data(text.utf8), source: "qemu.conf").value
        let f = outcomes(
            [], daemons: [DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))], only: "libvirt.*")
        #expect(
            labels(f) == [
                "libvirt.security-driver": "fail", "libvirt.seccomp-sandbox": "fail", "libvirt.qemu-user": "fail", "libvirt.namespaces": "fail",
                "libvirt.clear-capabilities": "fail", "libvirt.migrate-tls": "fail", "libvirt.dynamic-ownership": "fail",
                "libvirt.require-confined": "fail", "libvirt.graphics-listen": "fail",
                // No SMT state in these facts: sched_core unset cannot be judged.
                "libvirt.sched-core": "inconclusive",
            ])
        // An unreadable qemu.conf: every daemon check inconclusive with the reason.
        let unreadable = DaemonConfiguration(
            product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: nil,
            problems: [Problem(subject: "/etc/libvirt/qemu.conf", message: "permission denied (run as root to read it)")])
        let u = outcomes([], daemons: [unreadable], only: "libvirt.*")
        #expect(u.count == 10)
        #expect(u.values.allSatisfy { $0.reason?.contains("permission denied") == true })
    }

    @Test func qemuConfDefaultSecurityDriverNeedsSELinuxOrAppArmor() throws {
        // Ubuntu's stock qemu.conf leaves security_driver unset: libvirt's default driver "will automatically disable
        // itself" when the host's security module is not active (qemu.conf.in).
        let stock = try Fixture.text("configs/libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf")
        let conf = try LibvirtQEMUConfParser.parse(Data(stock.utf8), source: "qemu.conf").value
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))
        func judge(_ files: [String: HostObservations.State]?) -> Finding? {
            var obs: HostObservations? = nil
            if let files { obs = HostObservations(files: files, observedAt: Fixture.collectedAt, source: "t") }
            return outcomes([], daemons: [daemon], only: "libvirt.security-driver", observations: obs)["libvirt.security-driver"]
        }
        let lsm = "/sys/kernel/security/lsm"
        let enforce = "/sys/fs/selinux/enforce"
        // The capture machine's modules (Debian 12 userland, a Firecracker guest kernel): no SELinux, no AppArmor.
        #expect(judge([lsm: .content("lockdown,capability,landlock,bpf")])?.outcome == .fail)
        #expect(judge([lsm: .content("lockdown,capability,landlock,yama,apparmor")])?.outcome == .pass)
        #expect(judge([lsm: .content("lockdown,capability,yama,selinux,bpf"), enforce: .content("1\n")])?.outcome == .pass)
        #expect(judge([lsm: .content("lockdown,capability,yama,selinux,bpf"), enforce: .content("0\n")])?.outcome == .fail)
        #expect(judge([lsm: .content("capability,selinux")])?.outcome.label == "inconclusive")
        #expect(judge([lsm: .absent, enforce: .content("1")])?.outcome == .pass)
        #expect(judge([lsm: .absent, enforce: .absent])?.outcome.label == "inconclusive")
        #expect(judge([lsm: .unreadable("permission denied")])?.reason?.contains("permission denied") == true)
        // A bare qemu.conf, no host facts: not passed on an assumption.
        #expect(judge(nil)?.outcome.label == "inconclusive")
        // A named driver or "none" is decided by qemu.conf alone.
        let named = try LibvirtQEMUConfParser.parse(Data((stock + "\nsecurity_driver = \"apparmor\"\n").utf8), source: "qemu.conf").value
        let n = outcomes(
            [], daemons: [DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(named))],
            only: "libvirt.security-driver")
        #expect(n["libvirt.security-driver"]?.outcome == .pass)
    }

    @Test func qemuConfSchedCore() throws {
        let stock = try Fixture.text("configs/libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf")
        var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
        let judge = { (text: String) throws -> Finding? in
            let conf = try LibvirtQEMUConfParser.parse(Data(text.utf8), source: "qemu.conf").value
            return self.outcomes(
                [], daemons: [DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))],
                only: "libvirt.sched-core", facts: facts)["libvirt.sched-core"]
        }
        #expect(try judge(stock)?.reason?.contains("smt/control") == true)
        facts.cpu.smtControl = "on"
        #expect(try judge(stock)?.outcome == .fail)
        #expect(try judge(stock + "\nsched_core = \"none\"\n")?.outcome == .fail)
        for value in ["vcpus", "emulator", "full"] { #expect(try judge(stock + "\nsched_core = \"\(value)\"\n")?.outcome == .pass) }
        #expect(try judge(stock + "\nsched_core = \"all\"\n")?.outcome.label == "inconclusive")
        // The CI machine's smt/control: no sibling threads.
        facts.cpu.smtControl = "notsupported"
        #expect(try judge(stock)?.outcome == .notApplicable)
    }

    // MARK: Firecracker

    static func firecracker(_ file: String) throws -> FirecrackerConfiguration {
        var c = try FirecrackerParser.parseArgv(["firecracker", "--api-sock", "/run/fc.sock", "--config-file", "/etc/fc/\(file)"]).value
        c.vm = try FirecrackerParser.parseConfigFile(try data("firecracker/\(file)"), source: file).value
        return c
    }

    @Test func firecrackerConfigFiles() throws {
        // A bare `firecracker --config-file` (no jailer, no process observed).
        let plain = outcomes(
            [Self.mechanism("firecracker", "vm", .firecracker(try Self.firecracker("firecracker__vm_config.json")))], only: "firecracker.*")
        #expect(
            labels(plain) == [
                "firecracker.jailer": "fail", "firecracker.uid": "inconclusive", "firecracker.seccomp": "inconclusive",
                "firecracker.mmds-v1": "notApplicable", "firecracker.guest-smt": "pass",
                // No running process: its API socket cannot be stat'ed.
                "firecracker.api-socket": "inconclusive",
                // No jailer argv: its cgroup and resource limits are unknown, never passed.
                "firecracker.jailer-limits": "inconclusive",
                // Not started by the jailer: no jail whose paths could be judged.
                "firecracker.jail-paths": "inconclusive",
            ])
        let v2 = outcomes(
            [Self.mechanism("firecracker", "vm", .firecracker(try Self.firecracker("firecracker__vm_config_with_mmdsv2.json")))],
            only: "firecracker.mmds-v1")
        #expect(v2["firecracker.mmds-v1"]?.observed == "MMDS V2")
        // The same document with its mmds-config version removed: V1 by default.
        var text = try Fixture.text("configs/firecracker/firecracker__vm_config_with_mmdsv2.json")
        text = text.replacingOccurrences(of: "\"version\": \"V2\",", with: "")
        var c = try Self.firecracker("firecracker__vm_config.json")
        c.vm = try FirecrackerParser.parseConfigFile(Data(text.utf8), source: "edited").value
        #expect(
            outcomes([Self.mechanism("firecracker", "vm", .firecracker(c))], only: "firecracker.mmds-v1")["firecracker.mmds-v1"]?.outcome == .fail)
        c.vm?.machine?.smt = true
        // Guest SMT only changes the guest's topology (Firecracker README): hardening (ISM-1604), not ISM-1461.
        let smtCheck = try #require(catalog.definition("firecracker.guest-smt"))
        #expect(smtCheck.controls == ["ISM-1604"] && smtCheck.severity == .low)
        #expect(
            outcomes([Self.mechanism("firecracker", "vm", .firecracker(c))], only: "firecracker.guest-smt")["firecracker.guest-smt"]?.outcome == .fail
        )
        for file in ["firecracker__vm_config_network.json", "firecracker-containerd__firecracker-runtime.json"] {
            let f = outcomes([Self.mechanism("firecracker", "vm", .firecracker(try Self.firecracker(file)))], only: "firecracker.*")
            #expect(f["firecracker.guest-smt"]?.outcome == .pass && f["firecracker.mmds-v1"]?.outcome == .notApplicable, "\(file)")
        }
    }

    static func jailerExample() throws -> FirecrackerConfiguration {
        let text = try Fixture.text("configs/firecracker/firecracker__docs_jailer.md.example-run.txt")
        let argv = try CommandLineText.split(text, joinLines: true).flatMap(\.argv)
        return try FirecrackerParser.parseJailer(argv, source: "jailer.md").value
    }

    @Test func firecrackerJailerExample() throws {
        let f = outcomes([Self.mechanism("firecracker", "551e7604", .firecracker(try Self.jailerExample()))], only: "firecracker.*")
        #expect(
            labels(f) == [
                "firecracker.jailer": "pass", "firecracker.uid": "pass", "firecracker.seccomp": "inconclusive", "firecracker.mmds-v1": "inconclusive",
                "firecracker.guest-smt": "inconclusive", "firecracker.api-socket": "inconclusive",
                // Only cpuset cgroups: no memory limit.
                "firecracker.jailer-limits": "fail",
                // No running jailer: the jail's paths are stat'ed on a live process only.
                "firecracker.jail-paths": "inconclusive",
            ])
        #expect(f["firecracker.uid"]?.observed == "uid 123 gid 100, not shared with another microVM")
        // The running process: all threads filtered → pass; one thread unfiltered → fail.
        let filtered = ProcessConfinement(uid: 123, gid: 100, seccomp: 2, threadSeccomp: [500: 2, 501: 2, 502: 2])
        let ok = outcomes(
            [Self.mechanism("firecracker", "551e7604", .firecracker(try Self.jailerExample()), confinement: filtered, pid: 500)],
            only: "firecracker.seccomp")
        #expect(ok["firecracker.seccomp"]?.observed == "Seccomp: 2 on all 3 threads")
        let partial = ProcessConfinement(uid: 123, gid: 100, seccomp: 2, threadSeccomp: [500: 2, 501: 0, 502: 2])
        let bad = outcomes(
            [Self.mechanism("firecracker", "551e7604", .firecracker(try Self.jailerExample()), confinement: partial, pid: 500)],
            only: "firecracker.seccomp")
        #expect(bad["firecracker.seccomp"]?.outcome == .fail && bad["firecracker.seccomp"]?.observed?.contains("tid 501 Seccomp: 0") == true)
        var noSeccomp = try Self.jailerExample()
        noSeccomp.noSeccomp = true
        #expect(
            outcomes([Self.mechanism("firecracker", "x", .firecracker(noSeccomp))], only: "firecracker.seccomp")["firecracker.seccomp"]?.outcome
                == .fail)
        // Root, and two microVMs sharing one uid.
        let root = outcomes(
            [Self.mechanism("firecracker", "x", .firecracker(try Self.jailerExample()), confinement: ProcessConfinement(uid: 0, gid: 0), pid: 9)],
            only: "firecracker.uid")
        #expect(root["firecracker.uid"]?.outcome == .fail)
        var two = Self.mechanism("firecracker", "a", .firecracker(try Self.jailerExample()))
        two.guests.append(Guest(name: "b", running: false, configuration: .firecracker(try Self.jailerExample())))
        let shared = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), mechanisms: [two]),
            selection: CheckSelection(only: ["firecracker.uid"]))
        #expect(shared.findings.count == 2 && shared.findings.allSatisfy { $0.outcome == .fail && $0.observed?.contains("shared") == true })
    }

    // MARK: Cloud Hypervisor, crosvm, Xen

    static func commands(_ path: String) throws -> [[String]] {
        try CommandLineText.split(try Fixture.text("configs/\(path)")).map(\.argv)
    }

    @Test func cloudHypervisorDocumentedCommandLines() throws {
        func run(_ argv: [String], _ confinement: ProcessConfinement? = nil) throws -> [String: String] {
            let c = try CloudHypervisorArgvParser.parse(argv).value
            return labels(
                outcomes(
                    [Self.mechanism("cloud-hypervisor", "vm", .cloudHypervisor(c), confinement: confinement, pid: confinement == nil ? nil : 700)],
                    only: "cloud-hypervisor.*"))
        }
        let fs = try #require(
            try Self.commands("cloud-hypervisor/cloud-hypervisor__docs_fs.cmdlines.txt").first { $0.first?.hasSuffix("cloud-hypervisor") == true })
        // docs/fs.md's command line has no --api-socket: no API to restrict.
        #expect(
            try run(fs) == ["cloud-hypervisor.landlock": "fail", "cloud-hypervisor.seccomp": "inconclusive", "cloud-hypervisor.api-socket": "pass"])
        let landlock = try Self.commands("cloud-hypervisor/cloud-hypervisor__docs_landlock.cmdlines.txt").filter {
            $0.first?.hasSuffix("cloud-hypervisor") == true
        }
        #expect(landlock.count == 2)
        for argv in landlock { #expect(try run(argv)["cloud-hypervisor.landlock"] == "pass") }
        let vfio = try #require(
            try Self.commands("cloud-hypervisor/cloud-hypervisor__docs_vfio.cmdlines.txt").first { $0.first?.hasSuffix("cloud-hypervisor") == true })
        #expect(try run(vfio)["cloud-hypervisor.landlock"] == "fail")
        #expect(try run(fs, ProcessConfinement(seccomp: 2, threadSeccomp: [700: 2, 701: 2]))["cloud-hypervisor.seccomp"] == "pass")
        #expect(try run(fs + ["--seccomp", "false"])["cloud-hypervisor.seccomp"] == "fail")
        #expect(try run(fs + ["--seccomp", "log"])["cloud-hypervisor.seccomp"] == "fail")
    }

    @Test func crosvmExampleRuns() throws {
        for file in ["crosvm__tools_examples_example_network.run.txt", "crosvm__tools_examples_example_simple.run.txt"] {
            // The examples run crosvm through `cargo run [--no-default-features] --`; the argv after `--` is crosvm's.
            let cargo = try #require(try Self.commands("crosvm/\(file)").first { $0.first == "cargo" })
            let dashes = try #require(cargo.firstIndex(of: "--"))
            let argv = ["crosvm"] + cargo[(dashes + 1)...]
            let c = try CrosvmArgvParser.parse(argv, source: file).value
            #expect(outcomes([Self.mechanism("crosvm", file, .crosvm(c))], only: "crosvm.*")["crosvm.sandbox"]?.outcome == .pass, "\(file)")
            let disabled = try CrosvmArgvParser.parse(["crosvm", "run", "--disable-sandbox"] + argv.dropFirst(2), source: file).value
            #expect(outcomes([Self.mechanism("crosvm", file, .crosvm(disabled))], only: "crosvm.*")["crosvm.sandbox"]?.outcome == .fail, "\(file)")
        }
    }

    static func xen(_ file: String) throws -> XenGuestConfiguration {
        try XenConfigParser.parse(try data("xen/\(file)"), source: file).value
    }

    @Test func xenExamples() throws {
        let hvm = outcomes([Self.mechanism("xen", "hvm", .xen(try Self.xen("xen__xlexample.hvm")))], only: "xen.*")
        // Every example's vif names no backend: xl gives it dom0 (xen.driver-domains).
        #expect(
            labels(hvm) == [
                "xen.device-model": "fail", "xen.pci-permissive": "notApplicable", "xen.display-exposure": "notApplicable",
                "xen.driver-domains": "fail",
            ])
        let pv = outcomes([Self.mechanism("xen", "pv", .xen(try Self.xen("xen__xlexample.pvlinux")))], only: "xen.*")
        #expect(
            labels(pv) == [
                "xen.device-model": "notApplicable", "xen.pci-permissive": "notApplicable", "xen.display-exposure": "notApplicable",
                "xen.driver-domains": "fail",
            ])
        let spice = outcomes([Self.mechanism("xen", "spice", .xen(try Self.xen("libvirt-xlconfigdata/test-spice-features.cfg")))], only: "xen.*")
        #expect(
            labels(spice) == [
                "xen.device-model": "fail", "xen.pci-permissive": "notApplicable", "xen.display-exposure": "pass", "xen.driver-domains": "fail",
            ])
        // The HVM example with the settings xl.cfg(5) describes for hardening, and with risky ones.
        let base = try Fixture.text("configs/xen/xen__xlexample.hvm")
        func parsed(_ extra: String) throws -> [String: Finding] {
            let c = try XenConfigParser.parse(Data((base + "\n" + extra + "\n").utf8), source: "edited").value
            return outcomes([Self.mechanism("xen", "hvm", .xen(c))], only: "xen.*")
        }
        #expect(try parsed("dm_restrict=1\ndevice_model_user=\"xen-qemuuser-hvm\"")["xen.device-model"]?.outcome == .pass)
        #expect(try parsed("device_model_stubdomain_override=1")["xen.device-model"]?.outcome == .pass)
        #expect(try parsed("pci = [ '0000:03:00.0,permissive=1' ]")["xen.pci-permissive"]?.outcome == .fail)
        #expect(try parsed("pci = [ '0000:03:00.0' ]")["xen.pci-permissive"]?.outcome == .pass)
        #expect(try parsed("vnc=1\nvnclisten=\"0.0.0.0\"")["xen.display-exposure"]?.outcome == .fail)
        #expect(try parsed("vnc=1\nvnclisten=\"127.0.0.1\"")["xen.display-exposure"]?.outcome == .pass)
    }
}
