import BulkheadModel
import Foundation

// libvirt.admin-interface: its words are in libvirt.admin-interface.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    /// A socket mode string (`"0777"`) that lets any local user connect (others' write bit).
    static func othersMayConnect(_ mode: String) -> Bool? {
        guard let bits = Int(mode, radix: 8) else { return nil }
        return bits & 0o002 != 0
    }

    /// The group write bit of a socket mode (connecting to a UNIX socket needs write permission).
    static func groupMayConnect(_ mode: String) -> Bool? {
        guard let bits = Int(mode, radix: 8) else { return nil }
        return bits & 0o020 != 0
    }

    /// Groups whose members administer libvirt by design: Debian's and Fedora's `libvirt` group (libvirtd.conf's
    /// example `unix_sock_group = "libvirt"`), root, and the distributions' administrator groups (as
    /// libvirt.polkit-manage accepts them).
    static let managementGroups: Set<String> = ["libvirt", "root", "+0", "wheel", "sudo", "admin"]

    /// TLS accepts any client: certificates unverified and no SASL on top.
    static func weakTLS(_ text: (String) -> String?) -> Bool {
        text("tls_no_verify_certificate") == "1" && (text("auth_tls") ?? "none") == "none"
    }

    /// The daemon a configuration file configures: libvirtd.conf → libvirtd, virtproxyd.conf → virtproxyd.
    static func program(configuring path: String) -> String? {
        switch path {
        case "/etc/libvirt/libvirtd.conf": "libvirtd"
        case "/etc/libvirt/virtproxyd.conf": "virtproxyd"
        default: nil
        }
    }

    /// The socket units that activate the daemon a configuration file configures, with their transport.
    static func socketUnits(configuring path: String) -> [(unit: String, tls: Bool)] {
        guard let program = program(configuring: path) else { return [] }
        return [("\(program)-tcp.socket", false), ("\(program)-tls.socket", true)]
    }

    /// The TCP listeners systemd holds for the daemon (its `-tcp.socket` and `-tls.socket` units, when enabled):
    /// they exist from boot whether or not the daemon runs, and socket activation ignores listen_tcp and
    /// listen_tls, so auth_tcp (and TLS's certificate check) is all that protects them.
    static func unitListeners(
        _ ctx: CheckContext, daemon: DaemonConfiguration, authTCP: String?, weakTLS: Bool
    ) -> (wrong: [String], unclear: [String], evidence: [Evidence], observed: [String]) {
        guard let program = program(configuring: daemon.path) else { return ([], [], [], []) }
        guard let obs = ctx.input.observations else {
            return ([], ["\(program)'s socket units were not observed (no host files collected)"], [], [])
        }
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var observed: [String] = []
        for (name, tls) in socketUnits(configuring: daemon.path) {
            switch SystemdSockets.unit(name, obs) {
            case .failure(let problem): unclear.append("\(name) could not be read: \(problem.description)")
            case .success(.none): continue
            case .success(let unit?):
                evidence.append(ctx.unitEvidence(unit))
                let tcp = unit.tcpListens
                guard !tcp.isEmpty else { continue }
                let open = tls ? weakTLS : authTCP == "none"
                switch unit.enablement {
                case .enabled:
                    observed.append("systemd holds \(tcp.joined(separator: ", ")) for \(program) (\(name), enabled)")
                    if open {
                        for l in tcp {
                            wrong.append(
                                tls
                                    ? "\(name) is enabled: systemd listens on \(l) for \(program) over TLS accepting any client (tls_no_verify_certificate = 1, auth_tls none), whether or not \(program) runs"
                                    : "\(name) is enabled: systemd listens on \(l) for \(program) with auth_tcp = \"none\", whether or not \(program) runs\(SystemdSockets.isLoopback(l) ? " (loopback: any local user manages every VM)" : ": anyone who reaches it manages every VM")"
                            )
                        }
                    }
                case .unknown(let why):
                    if open {
                        unclear.append(
                            "\(name) would listen on \(tcp.joined(separator: ", ")) without authentication, but whether it is enabled is unknown: \(why)"
                        )
                    }
                case .disabled, .masked:
                    observed.append("\(name) (\(tcp.joined(separator: ", "))) is \(unit.enablement == .masked ? "masked" : "not enabled")")
                }
            }
        }
        return (wrong, unclear, evidence, observed)
    }

    /// What the daemon's open TCP listeners say: failures (a non-loopback listener whose transport accepts
    /// anyone), evidence, what was observed, and why nothing could be said when its sockets were unreadable.
    static func openListeners(
        _ ctx: CheckContext, daemon: DaemonConfiguration, authTCP: String?, weakTLS: Bool
    ) -> (wrong: [String], evidence: [Evidence], observed: String, unseen: String?) {
        guard let program = program(configuring: daemon.path) else { return ([], [], "", nil) }
        let processes = ctx.facts.processes.filter { $0.programName == program }
        guard !processes.isEmpty else { return ([], [], "\(program) is not running, so it holds no TCP listener", nil) }
        guard let obs = ctx.input.observations else {
            return ([], [], "", "\(program)'s open TCP listeners were not observed (no host files collected)")
        }
        guard case .libvirtDaemon(let v)? = daemon.settings else { return ([], [], "", nil) }
        let tcpPort = Int(v["tcp_port"]?.string ?? "16509")
        let tlsPort = Int(v["tls_port"]?.string ?? "16514")
        var wrong: [String] = []
        var evidence: [Evidence] = []
        var seen: [String] = []
        for process in processes {
            switch AdminInterfaces.listeners(of: process.pid, obs) {
            case .failure(let problem):
                return (
                    [], evidence, "",
                    "\(program) (pid \(process.pid)) runs but its open TCP listeners could not be observed: \(problem.description)"
                )
            case .success(let listeners):
                for l in listeners {
                    evidence.append(
                        ctx.process(process.pid, "net/tcp", "\(program) listens on \(l.endpoint) (socket inode \(l.inode), /proc/\(process.pid)/fd)"))
                    seen.append(l.endpoint)
                    // On loopback too: any local user reaches it, with no polkit check.
                    let open = authTCP == "none"
                    if l.port == tcpPort {
                        if open {
                            wrong.append(
                                "\(program) (pid \(process.pid)) listens on \(l.endpoint), its TCP port, with auth_tcp = \"none\"\(l.loopback ? " (loopback: any local user manages every VM)" : ": anyone who reaches it manages every VM")"
                            )
                        }
                    } else if l.port == tlsPort {
                        if weakTLS {
                            wrong.append(
                                "\(program) (pid \(process.pid)) listens on \(l.endpoint), its TLS port, accepting any client (tls_no_verify_certificate = 1, auth_tls none)"
                            )
                        }
                    } else if open || weakTLS {
                        wrong.append(
                            "\(program) (pid \(process.pid)) listens on \(l.endpoint), neither its tcp_port nor its tls_port, and \(open ? "auth_tcp = \"none\"" : "TLS accepts any client")"
                        )
                    }
                }
            }
        }
        let observed =
            seen.isEmpty
            ? "\(program) (pid \(processes.map { String($0.pid) }.joined(separator: ", "))) holds no TCP listener"
            : "\(program) listens on \(seen.joined(separator: ", ")), each requiring authentication"
        if evidence.isEmpty {
            evidence.append(ctx.process(processes[0].pid, "fd", observed))
        }
        return (wrong, evidence, observed, nil)
    }

    static let adminInterface = Check.daemon("libvirt.admin-interface") { ctx, daemon in
        guard daemon.product == "libvirt", daemon.path != "/etc/libvirt/qemu.conf" else { return nil }
        guard case .libvirtDaemon(let v)? = daemon.settings else {
            return .inconclusive(
                "\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
        }
        func text(_ key: String) -> String? { v[key].flatMap { $0.string } }
        func evidence(_ key: String, _ fallback: String) -> Evidence {
            ctx.file(daemon.path, text(key).map { "\(key) = \($0)" } ?? "\(key) not set (libvirt default \(fallback))")
        }
        var wrong: [String] = []
        var unclear: [String] = []
        var used: [Evidence] = []
        // Unencrypted TCP: libvirt's own file says auth_tcp "none" is for dev/test only.
        let listenTCP = text("listen_tcp")
        if let l = listenTCP, l != "0", l != "1" { unclear.append("listen_tcp = \(l)") }
        if listenTCP == "1" {
            used += [evidence("listen_tcp", "0"), evidence("auth_tcp", "sasl")]
            if text("auth_tcp") == "none" {
                wrong.append("listen_tcp = 1 with auth_tcp = \"none\": anyone who reaches the TCP port manages every VM, in cleartext")
            }
        }
        // TLS: client certificates are the authentication unless SASL is added.
        if text("listen_tls") != "0", text("tls_no_verify_certificate") == "1", (text("auth_tls") ?? "none") == "none" {
            used += [evidence("listen_tls", "1"), evidence("tls_no_verify_certificate", "0"), evidence("auth_tls", "none")]
            wrong.append("TLS with tls_no_verify_certificate = 1 and auth_tls = \"none\": any TLS client is accepted")
        }
        // The read-write and admin UNIX sockets.
        let rwAuth = text("auth_unix_rw")
        if let perms = text("unix_sock_rw_perms") {
            used += [evidence("unix_sock_rw_perms", "0700, or 0777 with polkit"), evidence("auth_unix_rw", "polkit, or none without polkit")]
            switch othersMayConnect(perms) {
            case true? where rwAuth == "none":
                wrong.append("unix_sock_rw_perms = \"\(perms)\" with auth_unix_rw = \"none\": any local user has full management")
            case nil: unclear.append("unix_sock_rw_perms = \(perms)")
            default:
                // libvirtd.conf: unix_sock_group "can be used to allow a 'trusted' set of users access to management
                // capabilities without becoming root"; with auth_unix_rw = "none" every member of that group manages.
                if rwAuth == "none", groupMayConnect(perms) == true, let group = text("unix_sock_group"), !managementGroups.contains(group) {
                    used.append(evidence("unix_sock_group", "root or libvirt"))
                    wrong.append(
                        "unix_sock_rw_perms = \"\(perms)\" and unix_sock_group = \"\(group)\" with auth_unix_rw = \"none\": every member of \(group), not an administrators' group, has full management"
                    )
                }
            }
        } else if rwAuth == "none" {
            used.append(evidence("auth_unix_rw", "polkit"))
        }
        if let perms = text("unix_sock_admin_perms") {
            used.append(evidence("unix_sock_admin_perms", "0700"))
            switch othersMayConnect(perms) {
            case true?: wrong.append("unix_sock_admin_perms = \"\(perms)\": any local user reaches the daemon's admin interface")
            case nil: unclear.append("unix_sock_admin_perms = \(perms)")
            default: break
            }
        }
        // The TCP listeners the daemon really holds: systemd socket activation (libvirtd-tcp.socket,
        // virtproxyd-tcp.socket) opens them whatever listen_tcp says, and auth_tcp still applies.
        let listening = openListeners(ctx, daemon: daemon, authTCP: text("auth_tcp"), weakTLS: weakTLS(text))
        wrong += listening.wrong
        used += listening.evidence
        // The listeners systemd holds for it from enabled socket units, running or not.
        let units = unitListeners(ctx, daemon: daemon, authTCP: text("auth_tcp"), weakTLS: weakTLS(text))
        wrong += units.wrong
        used += units.evidence
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), used) }
        if !unclear.isEmpty { return .inconclusive("unrecognised values in \(daemon.path): " + unclear.joined(separator: ", "), used) }
        if let unseen = listening.unseen { return .inconclusive(unseen, used) }
        if !units.unclear.isEmpty { return .inconclusive(units.unclear.joined(separator: "; "), used) }
        let summary = ["listen_tcp", "auth_tcp", "listen_tls", "auth_tls", "auth_unix_rw", "unix_sock_rw_perms", "unix_sock_admin_perms"]
            .map { k in text(k).map { "\(k) = \($0)" } ?? "\(k) default" }.joined(separator: ", ")
        return .pass(
            "no unauthenticated TCP or TLS listener and no world-writable management socket (\(summary)); \(([listening.observed] + units.observed).filter { !$0.isEmpty }.joined(separator: "; "))",
            used.isEmpty ? [ctx.file(daemon.path, summary)] : used)
    }
}
