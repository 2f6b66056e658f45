import BulkheadModel
import Checks
import Foundation
import Testing

/// The administrative-interface parsers and checks on the inputs that go wrong: unreadable descriptors,
/// tables that are not /proc/net/tcp, a daemon.json dockerd would refuse, an unnamed group. Each must be
/// inconclusive (or fail), never pass.
@Suite struct AdminInterfaceTests {
    let catalog = Fixture.catalog
    static let pid: Int32 = 4242

    /// The IPv4 table captured for libvirt.admin-interface's fixtures (a listener on 0.0.0.0:16509, inode 1490651).
    static func capturedTCP() throws -> String {
        try ProbeFiles.text(
            ProbeFolder.root.appendingPathComponent(
                "libvirt/libvirt.admin-interface/fixtures/good-debian12-socket-activated-tcp-sasl/proc/4242/net/tcp"))
    }

    func facts(_ program: String) -> HostFacts {
        HostFacts(
            collectedAt: Fixture.collectedAt, source: "t",
            processes: [HostProcess(pid: Self.pid, name: program, executable: "/usr/sbin/\(program)", arguments: ["/usr/sbin/\(program)"])])
    }

    func observations(fd: HostObservations.State = .present, links: [String: String] = ["3": "socket:[1490651]"], tcp: HostObservations.State)
        -> HostObservations
    {
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        obs.listed["/proc/\(Self.pid)/fd"] = fd
        for (n, t) in links { obs.links["/proc/\(Self.pid)/fd/\(n)"] = .target(t) }
        obs.files["/proc/\(Self.pid)/net/tcp"] = tcp
        obs.files["/proc/\(Self.pid)/net/tcp6"] = .absent
        obs.markNoSocketUnits()
        return obs
    }

    func libvirt(_ settings: [String: String], _ obs: HostObservations) -> Finding? {
        let daemon = DaemonConfiguration(
            product: "libvirt", path: "/etc/libvirt/libvirtd.conf", settings: .libvirtDaemon(settings.mapValues { LibvirtConfValue(string: $0) }))
        return catalog.run("libvirt.admin-interface", CheckInput(facts: facts("libvirtd"), observations: obs, daemons: [daemon])).first
    }

    @Test func procNetTCPParsesAddressesPortsAndStates() throws {
        let sockets = try #require(AdminInterfaces.tcpSockets(try Self.capturedTCP()))
        #expect(sockets.map(\.endpoint) == ["127.0.0.1:16514", "0.0.0.0:2024", "0.0.0.0:16509"])
        #expect(sockets.map(\.loopback) == [true, false, false])
        #expect(sockets.allSatisfy { $0.listening })
        // tcp6: :: and ::1, and a v4-mapped loopback (kernel words in little-endian order).
        let v6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:0948 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1496429 1 0 100 0 0 10 0
               1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0
               2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 78 1 0 100 0 0 10 0
            """
        let parsed = try #require(AdminInterfaces.tcpSockets(v6))
        #expect(parsed.map(\.endpoint) == ["[::]:2376", "[::1]:22", "[::ffff:127.0.0.1]:80"])
        #expect(parsed.map(\.loopback) == [false, true, true])
        #expect(parsed.map(\.listening) == [true, true, false])
        // Not a table, or a table with a damaged line: nil, never an empty (safe-looking) list.
        #expect(AdminInterfaces.tcpSockets("hello\n") == nil)
        #expect(AdminInterfaces.tcpSockets(try Self.capturedTCP() + "   9: ZZZZ:0016 00000000:0000 0A x x x 0 0 12\n") == nil)
    }

    @Test func unreadableDescriptorsOrTablesAreInconclusiveNeverPass() throws {
        let tcp = try Self.capturedTCP()
        // Readable: the captured listener is attributed and judged.
        #expect(libvirt(["auth_tcp": "none"], observations(tcp: .content(tcp)))?.outcome == .fail)
        #expect(libvirt([:], observations(tcp: .content(tcp)))?.outcome == .pass)
        // The daemon's descriptors unreadable (not root): inconclusive, naming why.
        let denied = libvirt([:], observations(fd: .unreadable("permission denied (run as root to read it)"), links: [:], tcp: .content(tcp)))
        #expect(denied?.reason?.contains("permission denied") == true, "\(String(describing: denied))")
        // Its TCP table unreadable, or not a table.
        #expect(libvirt([:], observations(tcp: .unreadable("permission denied")))?.reason != nil)
        #expect(libvirt([:], observations(tcp: .content("garbage")))?.reason?.contains("not a /proc/net/tcp table") == true)
        // Not collected at all (an older snapshot): inconclusive too.
        var none = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        none.files["/proc/\(Self.pid)/net/tcp"] = .content(tcp)
        #expect(libvirt([:], none)?.reason?.contains("not collected") == true)
        // A configuration failure still fails when the sockets are unreadable.
        let both = libvirt(["listen_tcp": "1", "auth_tcp": "none"], observations(fd: .unreadable("permission denied"), links: [:], tcp: .absent))
        #expect(both?.outcome == .fail)
    }

    @Test func dockerUserNamespaceRemapping() {
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        let judge = { (processes: [HostProcess]) -> Finding? in
            var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "t")
            facts.processes = processes
            return self.catalog.run("runtime.user-namespace", CheckInput(facts: facts, observations: obs)).first
        }
        let argv = ["/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"]
        let root = HostProcess(pid: 5151, ppid: 1, name: "dockerd", arguments: argv, confinement: ProcessConfinement(uid: 0, gid: 0))
        obs.files["/etc/docker/daemon.json"] = .absent
        #expect(judge([])?.outcome == .notApplicable)
        #expect(judge([root])?.outcome == .fail)
        // docs.docker.com "Isolate containers with a user namespace": the flag form.
        var flagged = root
        flagged.arguments.append("--userns-remap=testuser:testuser")
        #expect(judge([flagged])?.outcome == .pass)
        // Rootless mode: dockerd runs as the user.
        let rootless = HostProcess(
            pid: 5151, ppid: 5100, name: "dockerd", arguments: ["dockerd"], confinement: ProcessConfinement(uid: 1000, gid: 1000))
        #expect(judge([rootless])?.outcome == .pass)
        #expect(judge([HostProcess(pid: 5151, name: "dockerd", arguments: argv)])?.reason?.contains("not observed") == true)
        obs.files["/etc/docker/daemon.json"] = .content(#"{"userns-remap": "default"}"#)
        #expect(judge([])?.outcome == .pass)
        #expect(judge([root])?.outcome == .pass)
        obs.files["/etc/docker/daemon.json"] = .content(#"{"userns-remap": ""}"#)
        #expect(judge([root])?.outcome == .fail)
        obs.files["/etc/docker/daemon.json"] = .content(#"{"userns-remap": "default",}"#)
        #expect(judge([root])?.reason?.contains("trailing comma") == true)
        obs.files["/etc/docker/daemon.json"] = .content(#"{"userns-remap": true}"#)
        #expect(judge([root])?.reason?.contains("not a string") == true)
        obs.files["/etc/docker/daemon.json"] = .unreadable("permission denied")
        #expect(judge([root])?.reason?.contains("permission denied") == true)
    }

    @Test func dockerDaemonFileThatDockerdRefusesIsInconclusive() {
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        obs.markNoSocketUnits()
        let judge = { (text: String) -> Finding? in
            obs.files["/etc/docker/daemon.json"] = .content(text)
            return self.catalog.run(
                "runtime.engine-api", CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), observations: obs)
            )
            .first
        }
        // The trailing comma of dockerd.md's full Linux example ("proxies": {… "no-proxy": "…",}).
        #expect(judge(#"{"proxies": {"no-proxy": "*.test.example.com",}, "hosts": []}"#)?.reason != nil)
        #expect(judge(#"{"hosts": ["tcp://0.0.0.0:2375"], "hosts": []}"#)?.reason?.contains("twice") == true)
        // docs.docker.com "Configure remote access": loopback TCP without TLS is any local user's root.
        #expect(judge(#"{"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]}"#)?.outcome == .fail)
        #expect(judge(#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"], "tlsverify": true}"#)?.outcome == .pass)
        #expect(judge(#"{"hosts": [":2375"]}"#)?.outcome == .fail)
        #expect(judge(#"{"hosts": ["fd://", "unix:///run/docker.sock"]}"#)?.outcome == .pass)
    }

    @Test func dockerdCommandLineForms() {
        #expect(DockerDaemonArgs(["dockerd", "-H", "tcp://0.0.0.0:2375", "--tlsverify=false"]).tlsVerify == false)
        #expect(DockerDaemonArgs(["dockerd", "-H=0.0.0.0:2376", "--tlsverify"]).hosts == ["0.0.0.0:2376"])
        #expect(DockerDaemonArgs(["dockerd", "--host=unix:///x.sock", "-Htcp://a:1"]).hosts == ["unix:///x.sock", "tcp://a:1"])
    }

    @Test func engineSocketGroupsAndMetadata() throws {
        func judge(
            _ st: HostObservations.StatState?, group: String? = "root:x:0:\ndocker:x:995:alice,bob\nusers:x:100:\n", tailoring: Tailoring? = nil
        )
            -> Finding?
        {
            var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
            for s in AdminInterfaces.engineSockets { obs.stats[s.path] = .absent }
            obs.stats["/run/docker.sock"] = st
            if let group { obs.files["/etc/group"] = .content(group) }
            return catalog.run(
                "runtime.engine-socket", CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), observations: obs),
                tailoring: tailoring
            ).first
        }
        func socket(_ mode: UInt32, _ uid: UInt32, _ gid: UInt32) -> HostObservations.StatState {
            .stat(.init(kind: "socket", mode: mode, uid: uid, gid: gid))
        }
        let good = judge(socket(0o660, 0, 995))
        #expect(good?.outcome == .pass)
        #expect(good?.evidence.contains { $0.claim.contains("docker members: alice, bob") } == true)
        #expect(judge(socket(0o660, 0, 100))?.observed?.contains("users") == true)
        #expect(judge(socket(0o660, 0, 100))?.outcome == .fail)
        #expect(judge(socket(0o600, 1000, 0))?.outcome == .fail)
        #expect(judge(socket(0o660, 0, 4242))?.reason?.contains("not in /etc/group") == true)
        #expect(judge(socket(0o660, 0, 995), group: nil)?.reason?.contains("could not be read") == true)
        #expect(judge(.unreadable("permission denied"))?.reason?.contains("permission denied") == true)
        #expect(judge(nil)?.reason?.contains("not observed") == true)
        #expect(judge(.absent)?.outcome == .notApplicable)
        let t = try Tailoring.parse(
            Array(#"{"values": {"runtime.engine-socket": {"adminGroups": ["users"], "reason": "users is the operators' group here"}}}"#.utf8),
            source: "t.json", catalog: catalog)
        #expect(judge(socket(0o660, 0, 100), tailoring: t)?.outcome == .pass)
    }

    /// containerd's and Podman's sockets (issue 15 names docker.sock, containerd.sock and podman.sock): their vendors
    /// give them no group, so only root may connect; the docker group does not extend to them.
    @Test func containerdAndPodmanSockets() {
        func judge(_ path: String, _ mode: UInt32, _ uid: UInt32, _ gid: UInt32) -> Finding? {
            var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
            for s in AdminInterfaces.engineSockets { obs.stats[s.path] = .absent }
            obs.stats[path] = .stat(.init(kind: "socket", mode: mode, uid: uid, gid: gid))
            obs.files["/etc/group"] = .content("root:x:0:\ndocker:x:995:alice\nusers:x:100:\n")
            return catalog.run(
                "runtime.engine-socket", CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), observations: obs)
            ).first
        }
        for path in ["/run/containerd/containerd.sock", "/run/podman/podman.sock"] {
            #expect(judge(path, 0o660, 0, 0)?.outcome == .pass, "\(path) 0660 root:root")
            #expect(judge(path, 0o666, 0, 0)?.outcome == .fail, "\(path) 0666")
            #expect(judge(path, 0o660, 0, 995)?.outcome == .fail, "\(path) 0660 root:docker")
            #expect(judge(path, 0o600, 1000, 0)?.outcome == .fail, "\(path) owned by uid 1000")
        }
    }

    @Test func engineSocketMountsInEveryForm() {
        // A host whose /run is tmpfs: the mount's root is the socket's path inside that tmpfs.
        let tmpfs = "612 590 0:25 /docker.sock /var/run/docker.sock rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=1623172k,mode=755"
        #expect(AdminInterfaces.engineSocketMounts(tmpfs) == ["/var/run/docker.sock (from /docker.sock)"])
        // The whole containerd run directory, and an escaped space in a mount point.
        let dir = "613 590 0:25 /containerd /run/containerd rw - tmpfs tmpfs rw\n614 590 0:25 /x /a\\040b/podman.sock rw - tmpfs tmpfs rw"
        #expect(AdminInterfaces.engineSocketMounts(dir) == ["/run/containerd (from /containerd)", "/a b/podman.sock (from /x)"])
        // A container's own /run (tmpfs root /) is not the engine's.
        #expect(AdminInterfaces.engineSocketMounts("615 590 0:60 / /run rw - tmpfs tmpfs rw").isEmpty)
    }

    @Test func unreadableMountTableIsInconclusive() {
        var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "t")
        facts.processes = [
            HostProcess(pid: 700, ppid: 1, name: "containerd-shim", executable: "/usr/bin/containerd-shim-runc-v2", arguments: []),
            HostProcess(pid: 701, ppid: 700, name: "nginx", arguments: ["nginx"]),
        ]
        let m = IsolationMechanism(
            product: "containerd", name: "containerd", role: .containerRuntime, state: .running,
            guests: [Guest(name: "web", pid: 700, running: true)])
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        obs.files["/proc/701/mountinfo"] = .unreadable("permission denied")
        let denied = catalog.run("runtime.engine-socket-mount", CheckInput(facts: facts, mechanisms: [m], observations: obs)).first
        #expect(denied?.reason?.contains("permission denied") == true, "\(String(describing: denied))")
        obs.files["/proc/701/mountinfo"] = .content("1 0 0:25 /docker.sock /var/run/docker.sock rw - tmpfs tmpfs rw")
        #expect(catalog.run("runtime.engine-socket-mount", CheckInput(facts: facts, mechanisms: [m], observations: obs)).first?.outcome == .fail)
        // The shim's mount table is the host's: only its children are read.
        #expect(AdminInterfaces.wanted(facts.processes).files.keys.contains("/proc/701/mountinfo"))
        #expect(!AdminInterfaces.wanted(facts.processes).files.keys.contains("/proc/700/mountinfo"))
    }

    /// The API-socket fixtures fail and pass for the reason they were written for.
    @Test func apiSocketFixturesDecideForTheirReason() throws {
        func observed(_ id: String, _ fixture: String) throws -> String {
            let folder = try ProbeFolder.named(id)
            let f = ProbeFixture(checkID: id, url: folder.fixtures.appendingPathComponent(fixture), expectation: .good)
            let findings = catalog.run(id, try FixtureRunner.input(f))
            return findings.map { "\($0.outcome.label): \($0.observed ?? "") \($0.reason ?? "")" }.joined(separator: "; ")
        }
        let jailed = try observed("firecracker.api-socket", "good-jailer-docs-chroot")
        #expect(jailed.contains("inside the process's root /srv/jailer/firecracker/551e7604"), "\(jailed)")
        #expect(jailed.contains("0755 uid 123 gid 100"))
        #expect(try observed("firecracker.api-socket", "bad-getting-started-socket-chmod-666").contains("writable by every local user (mode 0666)"))
        #expect(try observed("cloud-hypervisor.api-socket", "bad-docs-landlock-socket-0777").contains("writable by every local user (mode 0777)"))
        #expect(try observed("cloud-hypervisor.api-socket", "good-docs-landlock-socket-0755").hasPrefix("pass: API socket restricted"))
    }

    @Test func polkitRulesEveryForm() throws {
        let packaged = try ProbeFiles.text(
            ProbeFolder.root.appendingPathComponent(
                "libvirt/libvirt.polkit-manage/fixtures/good-debian12-60-libvirt-rules/usr/share/polkit-1/rules.d/60-libvirt.rules"))
        func judge(_ rules: [String: String], listed: HostObservations.State = .present, tailoring: Tailoring? = nil) -> Finding? {
            var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
            obs.listed["/etc/polkit-1/rules.d"] = listed
            obs.listed["/usr/share/polkit-1/rules.d"] = .present
            for directory in HostObservations.polkitLocalAuthorityDirectories { obs.listed[directory] = .absent }
            obs.files["/usr/share/polkit-1/rules.d/60-libvirt.rules"] = .content(packaged)
            for (name, text) in rules { obs.files["/etc/polkit-1/rules.d/\(name)"] = .content(text) }
            let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/libvirtd.conf", settings: .libvirtDaemon([:]))
            return catalog.run(
                "libvirt.polkit-manage",
                CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "t"), observations: obs, daemons: [daemon]),
                tailoring: tailoring
            ).first
        }
        #expect(judge([:])?.outcome == .pass)
        // AUTH_SELF: the user's own password is no barrier.
        let kvm = packaged.replacingOccurrences(of: "\"libvirt\"", with: "'kvm'").replacingOccurrences(of: "Result.YES", with: "Result.AUTH_SELF")
        #expect(judge(["50-kvm.rules": kvm])?.observed?.contains("group kvm") == true)
        // A group computed at run time, an unreadable directory: inconclusive, never pass.
        let computed = packaged.replacingOccurrences(of: "isInGroup(\"libvirt\")", with: "isInGroup(adminGroup)")
        #expect(judge(["50-computed.rules": computed])?.reason?.contains("computes") == true)
        #expect(judge([:], listed: .unreadable("permission denied"))?.reason?.contains("permission denied") == true)
        // A rule for other actions is not a grant of libvirt's.
        let other = packaged.replacingOccurrences(of: "org.libvirt.unix.manage", with: "org.freedesktop.udisks2.filesystem-mount")
            .replacingOccurrences(of: "isInGroup(\"libvirt\")", with: "isInGroup(\"users\")")
        #expect(judge(["50-udisks.rules": other])?.outcome == .pass)
        let t = try Tailoring.parse(
            Array(#"{"values": {"libvirt.polkit-manage": {"adminGroups": ["kvm"], "reason": "kvm holds only the VM operators here"}}}"#.utf8),
            source: "t.json", catalog: catalog)
        #expect(judge(["50-kvm.rules": kvm], tailoring: t)?.outcome == .pass)
    }
}
