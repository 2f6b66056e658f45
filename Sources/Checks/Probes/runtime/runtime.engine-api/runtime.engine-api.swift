import BulkheadModel
import Foundation

// runtime.engine-api: its words are in runtime.engine-api.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// Whether a dockerd `-H`/`hosts` value is a TCP endpoint: `tcp://…`, or the short forms `host:port`,
    /// `:port` and `host:` (dockerd's own reference). `unix://`, `fd://`, `npipe://` and `ssh://` are not.
    static func isDockerTCPHost(_ host: String) -> Bool {
        if host.hasPrefix("tcp://") { return true }
        if host.contains("://") { return false }
        return host.contains(":")
    }

    /// Docker's `/etc/docker/daemon.json`: its `hosts`, `tlsverify` and `tls`, or why it could not be read.
    static func dockerDaemonFile(_ obs: HostObservations) -> (hosts: [String], tlsVerify: Bool?, problem: String?)? {
        let path = "/etc/docker/daemon.json"
        switch obs.state(path) {
        case .content(let text)?:
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                return ([], nil, "\(path) is not a JSON object (dockerd refuses to start with it)")
            }
            if let offset = trailingComma(text) {
                return ([], nil, "\(path) has a trailing comma at byte \(offset), which dockerd's JSON decoder refuses")
            }
            if let duplicate = JSONDuplicateKeys.first(in: Array(text.utf8)) {
                return ([], nil, "\(path) sets `\(duplicate.path)` twice")
            }
            let hosts = object["hosts"] as? [String] ?? []
            return (hosts, object["tlsverify"] as? Bool, nil)
        case .unreadable(let why)?: return ([], nil, "\(path): \(why)")
        case .absent?, .present?, nil: return nil
        }
    }

    /// The byte offset of a `,` followed only by whitespace before `}` or `]`, outside strings: Foundation's
    /// parser accepts it, Go's encoding/json (dockerd) does not.
    static func trailingComma(_ text: String) -> Int? {
        var inString = false
        var escaped = false
        var comma: Int?
        for (i, b) in text.utf8.enumerated() {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                comma = nil
            case UInt8(ascii: ","): comma = i
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if let c = comma { return c }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: comma = nil
            }
        }
        return nil
    }

    static let runtimeEngineAPI = Check.host("runtime.engine-api") { ctx in
        let dockerds = ctx.facts.processes.filter { $0.programName == "dockerd" }
        let podmans = ctx.facts.processes.filter { $0.programName == "podman" && $0.arguments.contains("service") }
        guard let obs = ctx.input.observations else {
            if dockerds.isEmpty && podmans.isEmpty { return .notApplicable("no dockerd or podman API service is running") }
            return ctx.unobserved("the container engine's configuration and sockets", at: "/etc/docker/daemon.json")
        }
        let file = dockerDaemonFile(obs)
        // docker.socket: systemd listens on its ListenStream= addresses for dockerd (`-H fd://`) from boot.
        let socketUnit = SystemdSockets.unit("docker.socket", obs)
        let hasUnit = if case .success(.none) = socketUnit { false } else { true }
        guard !dockerds.isEmpty || !podmans.isEmpty || file != nil || hasUnit else {
            return .notApplicable("no dockerd or podman API service is running, /etc/docker/daemon.json and docker.socket are absent")
        }
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var seen: [String] = []
        if let file {
            if let problem = file.problem { unclear.append(problem) }
            evidence.append(
                ctx.file(
                    "/etc/docker/daemon.json",
                    "hosts \(file.hosts.isEmpty ? "not set" : file.hosts.joined(separator: ", ")); tlsverify \(file.tlsVerify.map(String.init) ?? "not set")"
                ))
        }
        // A configured daemon that is not running is judged by its file alone.
        let judged: [(pid: Int32?, args: DockerDaemonArgs)] =
            dockerds.isEmpty ? [(nil, DockerDaemonArgs(["dockerd"]))] : dockerds.map { ($0.pid, DockerDaemonArgs($0.arguments)) }
        for (pid, args) in judged {
            let verify = args.tlsVerify ?? file?.tlsVerify ?? false
            let hosts = args.hosts + (file?.hosts ?? [])
            let who = pid.map { "dockerd (pid \($0))" } ?? "/etc/docker/daemon.json"
            if let pid { evidence.append(ctx.process(pid, "cmdline", "dockerd " + args.hosts.map { "-H \($0)" }.joined(separator: " "))) }
            for host in hosts where isDockerTCPHost(host) {
                seen.append(host)
                if !verify {
                    wrong.append(
                        "\(who) serves its API on \(host) without --tlsverify: anyone who reaches it controls every container and has root on the host"
                    )
                }
            }
            guard let pid else { continue }
            switch AdminInterfaces.listeners(of: pid, obs) {
            case .failure(let problem): unclear.append("dockerd (pid \(pid))'s open TCP listeners could not be observed: \(problem.description)")
            case .success(let listeners):
                for l in listeners {
                    evidence.append(ctx.process(pid, "net/tcp", "dockerd listens on \(l.endpoint) (socket inode \(l.inode), /proc/\(pid)/fd)"))
                    seen.append(l.endpoint)
                    if !verify {
                        wrong.append(
                            "dockerd (pid \(pid)) holds a TCP listener on \(l.endpoint) without --tlsverify (socket activation or a -H the configuration does not show)"
                        )
                    }
                }
            }
        }
        switch socketUnit {
        case .failure(let problem): unclear.append("docker.socket could not be read: \(problem.description)")
        case .success(.none): break
        case .success(let unit?):
            evidence.append(ctx.unitEvidence(unit))
            // The daemon that receives the sockets applies its TLS settings to them (command line, else daemon.json).
            let verify =
                dockerds.isEmpty
                ? (file?.tlsVerify ?? false) : dockerds.allSatisfy { DockerDaemonArgs($0.arguments).tlsVerify ?? file?.tlsVerify ?? false }
            let tcp = unit.tcpListens
            switch unit.enablement {
            case .enabled where !tcp.isEmpty:
                seen += tcp.map { "\($0) (docker.socket)" }
                if !verify {
                    for l in tcp {
                        wrong.append(
                            "docker.socket is enabled: systemd listens on \(l) for dockerd without --tlsverify, whether or not dockerd runs: anyone who reaches it controls every container and has root on the host"
                        )
                    }
                }
            case .unknown(let why) where !tcp.isEmpty && !verify:
                unclear.append(
                    "docker.socket would listen on \(tcp.joined(separator: ", ")) without TLS, but whether it is enabled is unknown: \(why)")
            default: break
            }
        }
        for p in podmans {
            let endpoints = p.arguments.filter { $0.hasPrefix("tcp:") }
            evidence.append(ctx.process(p.pid, "cmdline", p.arguments.joined(separator: " ")))
            for e in endpoints {
                seen.append(e)
                wrong.append("podman system service (pid \(p.pid)) serves its API on \(e): Podman's API service has no authentication or TLS")
            }
            if case .success(let listeners) = AdminInterfaces.listeners(of: p.pid, obs), endpoints.isEmpty {
                for l in listeners {
                    seen.append(l.endpoint)
                    wrong.append("podman system service (pid \(p.pid)) holds a TCP listener on \(l.endpoint): no authentication or TLS")
                }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        return .pass(
            seen.isEmpty
                ? "no TCP endpoint: the engine API is served on UNIX sockets only"
                : "TCP endpoints \(seen.joined(separator: ", ")) require TLS client certificates (--tlsverify)",
            evidence)
    }
}
