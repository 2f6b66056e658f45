import BulkheadModel
import Checks
import Discovery
import Foundation
import Testing

/// Listeners and sockets systemd holds for a management daemon (socket activation), legacy polkit `.pkla`
/// grants, and Xen's xl.conf: every form the units and files are written in, and the inputs that must be
/// inconclusive (or fail), never pass.
@Suite struct SocketUnitTests {
    let catalog = Fixture.catalog
    static let now = Fixture.collectedAt

    /// The Debian 12 packaged units the fixtures hold.
    static func packaged(_ relative: String) throws -> String {
        try ProbeFiles.text(ProbeFolder.root.appendingPathComponent(relative))
    }
    static let libvirtTCP =
        "libvirt/libvirt.admin-interface/fixtures/good-debian12-libvirtd-tcp-socket-enabled-sasl/lib/systemd/system/libvirtd-tcp.socket"
    static let libvirtTLS =
        "libvirt/libvirt.admin-interface/fixtures/good-debian12-libvirtd-tcp-socket-enabled-sasl/lib/systemd/system/libvirtd-tls.socket"
    static let dockerSocket = "runtime/runtime.engine-api/fixtures/good-debian12-docker-socket-enabled-unix-only/lib/systemd/system/docker.socket"

    /// Observations of a host with the given unit files, drop-ins and `*.wants` links (everything else absent).
    static func host(
        units: [String: String] = [:], dropIns: [String: String] = [:], wants: [String: String] = [:],
        wantsState: HostObservations.State = .present, extra: (inout HostObservations) -> Void = { _ in }
    ) -> HostObservations {
        var obs = HostObservations(observedAt: now, source: "t")
        for (path, text) in units { obs.files[path] = .content(text) }
        for (path, text) in dropIns {
            obs.files[path] = .content(text)
            obs.listed[String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])] = .present
        }
        for directory in SystemdSockets.wantsDirectories { obs.listed[directory] = wantsState }
        for (link, target) in wants { obs.links[link] = .target(target) }
        extra(&obs)
        obs.markNoSocketUnits()
        return obs
    }

    // MARK: Parsing

    @Test func listenStreamForms() {
        // systemd.socket(5): a port alone, v.w.x.y:z, [x]:y are TCP; /path and @abstract are AF_UNIX; vsock is not TCP.
        #expect(SystemdSockets.port(of: "16509") == 16509)
        #expect(SystemdSockets.port(of: "0.0.0.0:2375") == 2375)
        #expect(SystemdSockets.port(of: "[::]:2376") == 2376)
        #expect(SystemdSockets.port(of: "127.0.0.1:16509") == 16509)
        #expect(SystemdSockets.isLoopback("127.0.0.1:16509") && SystemdSockets.isLoopback("[::1]:1") && !SystemdSockets.isLoopback("2375"))
        for notTCP in ["/run/docker.sock", "@docker", "vsock:2:1234", "", "docker", "0", "99999", "1:2:abc", "12345678901234567890"] {
            #expect(SystemdSockets.port(of: notTCP) == nil, "\(notTCP)")
        }
        #expect(SystemdSockets.othersMayConnect("0666") == true && SystemdSockets.othersMayConnect("660") == false)
        #expect(SystemdSockets.othersMayConnect("rw") == nil && SystemdSockets.othersMayConnect("077777") == nil)
    }

    @Test func dropInsResetAppendAndOverride() throws {
        let unit = try Self.packaged(Self.dockerSocket)
        // /etc's 10-x.conf hides /lib's 10-x.conf; an empty ListenStream= resets the list; a continued line joins.
        let obs = Self.host(
            units: ["/lib/systemd/system/docker.socket": unit],
            dropIns: [
                "/lib/systemd/system/docker.socket.d/10-x.conf": "[Socket]\nListenStream=0.0.0.0:2375\n",
                "/etc/systemd/system/docker.socket.d/10-x.conf": "[Socket]\nSocketMode=0600\n",
                "/etc/systemd/system/docker.socket.d/20-y.conf":
                    "# comment\n[Service]\nListenStream=1\n[Socket]\nListenStream=\nListenStream=\\\n  /run/d.sock\n; other comment\nSocketGroup=admins\n",
            ],
            wants: ["/etc/systemd/system/multi-user.target.wants/docker.service": "/lib/systemd/system/docker.service"])
        let parsed = try #require(try SystemdSockets.unit("docker.socket", obs).get())
        #expect(parsed.listenStreams == ["/run/d.sock"])
        #expect(parsed.socketMode == "0600" && parsed.socketUser == "root" && parsed.socketGroup == "admins")
        #expect(parsed.paths.count == 3)
        // docker.service Requires=docker.socket: enabling the service starts the socket.
        #expect(parsed.enabled)
        #expect(parsed.enablementText.contains("docker.service, which Requires=docker.socket"))
    }

    @Test func maskedUnreadableAndUncollectedUnits() throws {
        let unit = try Self.packaged(Self.libvirtTCP)
        let masked = Self.host(units: ["/lib/systemd/system/libvirtd-tcp.socket": unit]) {
            $0.links["/etc/systemd/system/libvirtd-tcp.socket"] = .target("/dev/null")
        }
        #expect(try SystemdSockets.unit("libvirtd-tcp.socket", masked).get()?.enablement == .masked)
        let unreadable = Self.host { $0.files["/etc/systemd/system/libvirtd-tcp.socket"] = .unreadable("permission denied") }
        #expect(throws: Problem.self) { try SystemdSockets.unit("libvirtd-tcp.socket", unreadable).get() }
        var never = HostObservations(observedAt: Self.now, source: "t")
        never.files["/lib/systemd/system/libvirtd-tcp.socket"] = .content(unit)
        #expect(throws: Problem.self) { try SystemdSockets.unit("libvirtd-tcp.socket", never).get() }
        let dropIn = Self.host(units: ["/lib/systemd/system/libvirtd-tcp.socket": unit]) {
            $0.listed["/etc/systemd/system/libvirtd-tcp.socket.d"] = .present
            $0.files["/etc/systemd/system/libvirtd-tcp.socket.d/x.conf"] = .unreadable("too large")
        }
        #expect(throws: Problem.self) { try SystemdSockets.unit("libvirtd-tcp.socket", dropIn).get() }
    }

    // MARK: libvirt.admin-interface

    func libvirt(_ settings: [String: String], _ obs: HostObservations, path: String = "/etc/libvirt/libvirtd.conf") -> Finding? {
        let daemon = DaemonConfiguration(
            product: "libvirt", path: path, settings: .libvirtDaemon(settings.mapValues { LibvirtConfValue(string: $0) }))
        return catalog.run(
            "libvirt.admin-interface", CheckInput(facts: HostFacts(collectedAt: Self.now, source: "t"), observations: obs, daemons: [daemon])
        ).first
    }

    @Test func libvirtSocketUnitsAreJudgedWithoutTheDaemon() throws {
        let tcp = try Self.packaged(Self.libvirtTCP)
        let tls = try Self.packaged(Self.libvirtTLS)
        let enabled = Self.host(
            units: ["/lib/systemd/system/libvirtd-tcp.socket": tcp, "/lib/systemd/system/libvirtd-tls.socket": tls],
            wants: [
                "/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket": "/lib/systemd/system/libvirtd-tcp.socket",
                "/etc/systemd/system/sockets.target.wants/libvirtd-tls.socket": "/lib/systemd/system/libvirtd-tls.socket",
            ])
        let open = libvirt(["auth_tcp": "none"], enabled)
        #expect(open?.outcome == .fail)
        #expect(open?.observed?.contains("libvirtd-tcp.socket is enabled: systemd listens on 16509") == true, "\(String(describing: open))")
        #expect(open?.evidence.contains { $0.claim.contains("ListenStream=16509") && $0.claim.contains("enabled") } == true)
        // TLS without certificate verification and without SASL accepts any client.
        #expect(libvirt(["tls_no_verify_certificate": "1"], enabled)?.observed?.contains("libvirtd-tls.socket is enabled") == true)
        #expect(libvirt(["tls_no_verify_certificate": "1", "auth_tls": "sasl"], enabled)?.outcome == .pass)
        #expect(libvirt([:], enabled)?.observed?.contains("systemd holds 16509 for libvirtd") == true)
        // The modular daemons' virtproxyd.conf is judged by virtproxyd's units, not libvirtd's.
        #expect(libvirt(["auth_tcp": "none"], enabled, path: "/etc/libvirt/virtproxyd.conf")?.outcome == .pass)
        // Masked: not a listener.
        let masked = Self.host(units: ["/lib/systemd/system/libvirtd-tcp.socket": tcp]) {
            $0.links["/etc/systemd/system/libvirtd-tcp.socket"] = .target("/dev/null")
            $0.links["/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket"] = .target("/lib/systemd/system/libvirtd-tcp.socket")
        }
        #expect(libvirt(["auth_tcp": "none"], masked)?.outcome == .pass)
        // Enablement unreadable while the unit would be open: inconclusive; while it would be safe: pass.
        let unknown = Self.host(units: ["/lib/systemd/system/libvirtd-tcp.socket": tcp], wantsState: .unreadable("permission denied"))
        #expect(libvirt(["auth_tcp": "none"], unknown)?.reason?.contains("whether it is enabled is unknown") == true)
        #expect(libvirt([:], unknown)?.outcome == .pass)
        // No observations at all: the units were not seen.
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/libvirtd.conf", settings: .libvirtDaemon([:]))
        let unseen = catalog.run("libvirt.admin-interface", CheckInput(facts: HostFacts(collectedAt: Self.now, source: "t"), daemons: [daemon]))
        #expect(unseen.first?.reason?.contains("socket units were not observed") == true)
    }

    // MARK: runtime.engine-api and runtime.engine-socket

    func run(_ id: String, _ obs: HostObservations, dockerd: [String]? = nil) -> Finding? {
        var facts = HostFacts(collectedAt: Self.now, source: "t")
        if let dockerd { facts.processes = [HostProcess(pid: 5151, ppid: 1, name: "dockerd", executable: "/usr/bin/dockerd", arguments: dockerd)] }
        return catalog.run(id, CheckInput(facts: facts, observations: obs)).first
    }

    @Test func dockerSocketTCPListenerWithoutDockerd() throws {
        let unit = try Self.packaged(Self.dockerSocket)
        let archWiki = ["/etc/systemd/system/docker.socket.d/socket.conf": "[Socket]\nListenStream=0.0.0.0:2375\n"]
        let link = ["/etc/systemd/system/sockets.target.wants/docker.socket": "/lib/systemd/system/docker.socket"]
        let open = Self.host(units: ["/lib/systemd/system/docker.socket": unit], dropIns: archWiki, wants: link)
        let f = run("runtime.engine-api", open)
        #expect(f?.outcome == .fail)
        #expect(f?.observed?.contains("systemd listens on 0.0.0.0:2375 for dockerd without --tlsverify") == true, "\(String(describing: f))")
        // tlsverify in daemon.json protects what the daemon receives from systemd.
        var verified = open
        verified.files["/etc/docker/daemon.json"] = .content(#"{"tlsverify": true, "tlscacert": "/etc/docker/ca.pem"}"#)
        #expect(run("runtime.engine-api", verified)?.outcome == .pass)
        // A running dockerd that turns it off on its command line fails, whatever daemon.json says.
        #expect(run("runtime.engine-api", verified, dockerd: ["/usr/bin/dockerd", "-H", "fd://", "--tlsverify=false"])?.outcome == .fail)
        // Not enabled: not a listener; the unit alone makes the check applicable.
        let disabled = Self.host(units: ["/lib/systemd/system/docker.socket": unit], dropIns: archWiki)
        #expect(run("runtime.engine-api", disabled)?.outcome == .pass)
        let unknown = Self.host(units: ["/lib/systemd/system/docker.socket": unit], dropIns: archWiki, wantsState: .unreadable("denied"))
        #expect(run("runtime.engine-api", unknown)?.outcome.label == "inconclusive")
        #expect(run("runtime.engine-api", Self.host())?.outcome == .notApplicable)
    }

    @Test func dockerdWithFDIsJudgedByDockerSocket() throws {
        let packaged = try Self.packaged(Self.dockerSocket)
        let fd = ["/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"]
        func judge(_ unit: String?, dropIn: String? = nil, group: String = "root:x:0:\ndocker:x:995:\n") -> Finding? {
            let obs = Self.host(
                units: unit.map { ["/lib/systemd/system/docker.socket": $0] } ?? [:],
                dropIns: dropIn.map { ["/etc/systemd/system/docker.socket.d/override.conf": $0] } ?? [:]
            ) {
                for s in AdminInterfaces.engineSockets { $0.stats[s.path] = .absent }
                $0.stats["/run/docker.sock"] = .stat(.init(kind: "socket", mode: 0o660, uid: 0, gid: 995))
                $0.files["/etc/group"] = .content(group)
            }
            return run("runtime.engine-socket", obs, dockerd: fd)
        }
        let good = judge(packaged)
        #expect(good?.outcome == .pass)
        #expect(good?.evidence.contains { $0.claim.contains("runs with -H fd://") && $0.claim.contains("SocketMode=0660") } == true)
        // SocketMode= unset: systemd's default 0666.
        let unset = packaged.replacingOccurrences(of: "SocketMode=0660\n", with: "")
        let f = judge(unset)
        #expect(f?.outcome == .fail)
        #expect(f?.observed?.contains("0666 (SocketMode= unset: systemd's default)") == true, "\(String(describing: f))")
        #expect(judge(packaged, dropIn: "[Socket]\nSocketGroup=users\n")?.observed?.contains("writable by group users") == true)
        #expect(judge(packaged, dropIn: "[Socket]\nSocketUser=alice\n")?.outcome == .fail)
        #expect(judge(packaged, dropIn: "[Socket]\nSocketMode=u+rw\n")?.reason?.contains("not an octal mode") == true)
        // dockerd takes its socket from systemd, but no docker.socket is found: the configured socket is unknown.
        #expect(judge(nil)?.reason?.contains("no docker.socket unit was found") == true)
    }

    // MARK: libvirt.polkit-manage, legacy .pkla

    func polkit(_ files: [String: String], listed: [String: HostObservations.State] = [:]) -> Finding? {
        var obs = HostObservations(observedAt: Self.now, source: "t")
        for directory in ["/etc/polkit-1/rules.d", "/usr/share/polkit-1/rules.d"] + HostObservations.polkitLocalAuthorityDirectories {
            obs.listed[directory] = listed[directory] ?? .absent
        }
        for (path, text) in files {
            obs.files[path] = .content(text)
            let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            if listed[directory] == nil { obs.listed[directory] = .present }
        }
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/libvirtd.conf", settings: .libvirtDaemon([:]))
        return catalog.run(
            "libvirt.polkit-manage", CheckInput(facts: HostFacts(collectedAt: Self.now, source: "t"), observations: obs, daemons: [daemon])
        ).first
    }

    @Test func pklaEveryForm() {
        let local = "/etc/polkit-1/localauthority/50-local.d/50-libvirt.pkla"
        func entry(_ identity: String, action: String = "org.libvirt.unix.manage", result: String = "ResultAny=yes") -> String {
            "[libvirt Management Access]\nIdentity=\(identity)\nAction=\(action)\n\(result)\n"
        }
        #expect(polkit([local: entry("unix-group:libvirt")])?.outcome == .pass)
        #expect(polkit([local: entry("unix-group:users")])?.observed?.contains("group users") == true)
        // Every user: a * glob, or the default identity.
        #expect(polkit([local: entry("unix-user:*")])?.observed?.contains("every user") == true)
        #expect(polkit([local: entry("default")])?.outcome == .fail)
        // An action glob that covers libvirt's action; auth_self is no barrier; only the active session counts too.
        #expect(polkit([local: entry("unix-group:staff", action: "org.libvirt.*")])?.outcome == .fail)
        #expect(polkit([local: entry("unix-group:staff", result: "ResultActive=auth_self_keep")])?.outcome == .fail)
        #expect(polkit([local: entry("unix-group:staff", action: "org.freedesktop.udisks2.*")])?.outcome == .pass)
        #expect(polkit([local: entry("unix-group:staff", result: "ResultAny=auth_admin_keep")])?.outcome == .pass)
        // Several identities in one entry, one of them broad; a glob or netgroup cannot be resolved.
        #expect(polkit([local: entry("unix-group:libvirt;unix-group:kvm")])?.observed?.contains("group kvm") == true)
        #expect(polkit([local: entry("unix-group:adm*")])?.reason?.contains("glob or netgroup") == true)
        #expect(polkit([local: entry("unix-netgroup:admins")])?.outcome.label == "inconclusive")
        // Third-party packages' hierarchy is read too.
        #expect(polkit(["/var/lib/polkit-1/localauthority/10-vendor.d/org.libvirt.unix.manage.pkla": entry("unix-group:users")])?.outcome == .fail)
        // An unreadable local-authority directory: inconclusive, never pass.
        let denied = polkit([:], listed: ["/etc/polkit-1/localauthority/50-local.d": .unreadable("permission denied")])
        #expect(denied?.reason?.contains("permission denied") == true)
    }

    // MARK: xen.toolstack-config

    func xen(_ xlConf: String, guests: [String: String] = [:]) throws -> Finding? {
        let parsed = try XenConfigParser.parseToolstack(Data(xlConf.utf8), source: "/etc/xen/xl.conf")
        let daemon = DaemonConfiguration(product: "xen", path: "/etc/xen/xl.conf", settings: .xenToolstack(parsed.value), problems: parsed.problems)
        let guestList = guests.sorted { $0.key < $1.key }.map { name, text in
            FixtureRunner.guest(ConfigParsers.xen(text, path: "/etc/xen/\(name)"), name: name, path: "/etc/xen/\(name)")
        }
        let mechanism = FixtureRunner.mechanism("xen", role: .vmm, guestList)
        return catalog.run(
            "xen.toolstack-config", CheckInput(facts: HostFacts(collectedAt: Self.now, source: "t"), mechanisms: [mechanism], daemons: [daemon])
        ).first
    }

    @Test func xlConfSettings() throws {
        let pygrub = "name = \"pv\"\nbootloader = \"pygrub\"\nmemory = 128\n"
        #expect(try xen("", guests: ["pv.cfg": "name = \"pv\"\nkernel = \"/boot/vmlinuz\"\n"])?.outcome == .pass)
        #expect(try xen("", guests: ["pv.cfg": pygrub])?.observed?.contains("XSA-443") == true)
        #expect(try xen("bootloader_restrict=0x1\n", guests: ["pv.cfg": pygrub])?.outcome == .pass)
        #expect(try xen("bootloader_restrict=0\n", guests: ["pv.cfg": pygrub])?.observed?.contains("sets bootloader_restrict=0") == true)
        // The guest's own setting wins over xl.conf's; a bootloader_user implies restriction (libxl's default).
        #expect(try xen("bootloader_restrict=1\n", guests: ["pv.cfg": pygrub + "bootloader_restrict=0\n"])?.outcome == .fail)
        #expect(try xen("", guests: ["pv.cfg": pygrub + "bootloader_user=\"xen-pygrub-pv\"\n"])?.outcome == .pass)
        // Values xl refuses: inconclusive.
        #expect(try xen("bootloader_restrict=\"yes\"\n", guests: ["pv.cfg": pygrub])?.outcome.label == "inconclusive")
        // Hotplug scripts xl runs as root from a directory local users write; Xen's relative default is fine.
        #expect(try xen("vif.default.script=\"/tmp/vif-bridge\"\n")?.outcome == .fail)
        #expect(try xen("vifscript=\"/home/ops/vif\"\n")?.outcome == .fail)
        #expect(try xen("vif.default.script=\"vif-route\"\nremus.default.netbufscript=\"/etc/xen/scripts/remus-netbuf-setup\"\n")?.outcome == .pass)
        #expect(try xen("colo.default.proxyscript=\"../../tmp/x\"\n")?.outcome.label == "inconclusive")
        // A guest configuration that could not be parsed: its bootloader is unknown.
        #expect(try xen("", guests: ["broken.cfg": "name = \"x\nbootloader = ["])?.reason?.contains("could not be read") == true)
    }
}
