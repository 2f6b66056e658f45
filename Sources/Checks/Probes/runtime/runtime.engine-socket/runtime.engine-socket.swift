import BulkheadModel
import Foundation

// runtime.engine-socket: its words are in runtime.engine-socket.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let runtimeEngineSocket = Check.host("runtime.engine-socket") { ctx in
        guard let obs = ctx.input.observations else {
            return ctx.unobserved("the container engines' API sockets", at: AdminInterfaces.engineSockets[0].path)
        }
        let extra = Set(ctx.strings("adminGroups"))
        var sockets = AdminInterfaces.engineSockets
        for (path, engine) in AdminInterfaces.commandLineSockets(ctx.facts.processes) where !sockets.contains(where: { $0.path == path }) {
            sockets.append(AdminInterfaces.EngineSocket(path: path, engine: engine, groups: engine == "docker" ? ["root", "docker"] : ["root"]))
        }
        let groupText = obs.text("/etc/group")
        let groups = groupText.map(AdminInterfaces.groups)
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var judged: [String] = []
        for socket in sockets {
            switch obs.stats[socket.path] {
            case nil: unclear.append("\(socket.path) was not observed (not collected from \(obs.source))")
            case .absent?: continue
            case .unreadable(let why)?: unclear.append("\(socket.path): \(why)")
            case .stat(let st)?:
                guard st.kind == "socket" else {
                    evidence.append(ctx.file(socket.path, "\(socket.path) is a \(st.kind), not a socket"))
                    continue
                }
                let group = groups?[st.gid]
                let groupLabel = group.map { "\($0.name) (gid \(st.gid))" } ?? "gid \(st.gid)"
                evidence.append(ctx.file(socket.path, "socket mode \(st.octalMode), owner uid \(st.uid), group \(groupLabel)"))
                if let group, !group.members.isEmpty, st.mode & 0o020 != 0 {
                    evidence.append(ctx.file("/etc/group", "\(group.name) members: \(group.members.joined(separator: ", "))"))
                }
                judged.append("\(socket.path) \(st.octalMode) uid \(st.uid) \(groupLabel)")
                if st.mode & 0o002 != 0 {
                    wrong.append(
                        "\(socket.path) is writable by every local user (mode \(st.octalMode)): any of them has root through the \(socket.engine) API"
                    )
                }
                if st.uid != 0 {
                    wrong.append("\(socket.path) is owned by uid \(st.uid), not root: that user controls \(socket.engine) (and root on the host)")
                }
                if st.mode & 0o020 != 0, st.gid != 0 {
                    if let group {
                        if !socket.groups.contains(group.name) && !extra.contains(group.name) {
                            wrong.append(
                                "\(socket.path) is group-writable by \(group.name) (mode \(st.octalMode)), not an administrators' group for \(socket.engine)"
                            )
                        }
                    } else {
                        unclear.append(
                            "\(socket.path) is group-writable by gid \(st.gid), whose name "
                                + (groupText == nil ? "could not be read (/etc/group not observed)" : "is not in /etc/group"))
                    }
                }
                // The directory: a writable parent lets its users replace the socket with their own.
                let parent = String(socket.path[..<(socket.path.lastIndex(of: "/") ?? socket.path.startIndex)])
                if case .stat(let dir)? = obs.stats[parent], dir.mode & 0o002 != 0, dir.mode & 0o1000 == 0 {
                    evidence.append(ctx.file(parent, "directory mode \(dir.octalMode), owner uid \(dir.uid)"))
                    wrong.append(
                        "\(parent), which holds \(socket.path), is writable by every local user without the sticky bit (mode \(dir.octalMode))")
                }
            }
        }
        // `dockerd -H fd://` (Docker's docker.service): the API socket is the one systemd creates from
        // docker.socket, with that unit's SocketMode=, SocketUser= and SocketGroup=; an enabled unit makes it at
        // boot, before dockerd runs.
        let fdDaemons = ctx.facts.processes.filter { p in
            p.programName == "dockerd" && DockerDaemonArgs(p.arguments).hosts.contains { $0.hasPrefix("fd://") }
        }
        let fdLabel = fdDaemons.map { "dockerd (pid \($0.pid)) runs with -H fd://" }.joined(separator: ", ")
        switch SystemdSockets.unit("docker.socket", obs) {
        case .failure(let problem):
            if !fdDaemons.isEmpty { unclear.append("\(fdLabel), but docker.socket could not be read: \(problem.description)") }
        case .success(.none):
            if !fdDaemons.isEmpty {
                unclear.append(
                    "\(fdLabel), but no docker.socket unit was found in \(SystemdSockets.unitDirectories.joined(separator: ", ")): its socket's configured mode and group are unknown"
                )
            }
        case .success(let unit?):
            guard !fdDaemons.isEmpty || unit.enabled else { break }
            let why = fdDaemons.isEmpty ? "docker.socket is \(unit.enablementText)" : fdLabel
            let user = unit.socketUser ?? "root"
            let group = unit.socketGroup ?? "root"
            let mode = unit.socketMode ?? SystemdSockets.defaultSocketMode
            let modeText = unit.socketMode == nil ? "\(mode) (SocketMode= unset: systemd's default)" : mode
            for path in unit.unixListens {
                evidence.append(
                    ctx.file(
                        unit.paths[0],
                        "\(why): its API socket \(path) is made by docker.socket with SocketMode=\(modeText), SocketUser=\(user), SocketGroup=\(group)"
                            + (unit.paths.count > 1 ? " (drop-ins \(unit.paths.dropFirst().joined(separator: ", ")))" : "")))
                judged.append("\(path) from docker.socket \(mode) \(user):\(group)")
                guard let others = SystemdSockets.othersMayConnect(mode), let groupWrite = SystemdSockets.groupMayConnect(mode) else {
                    unclear.append("docker.socket's SocketMode=\(mode) is not an octal mode")
                    continue
                }
                if others {
                    wrong.append(
                        "docker.socket makes \(path) mode \(modeText) (\(why)): every local user has the Docker API, so root on the host")
                }
                if user != "root" && user != "0" {
                    wrong.append(
                        "docker.socket makes \(path) owned by \(user) (SocketUser=), not root: that user controls docker (and root on the host)")
                }
                if groupWrite, group != "root", group != "0", !["docker"].contains(group), !extra.contains(group) {
                    wrong.append(
                        "docker.socket makes \(path) writable by group \(group) (SocketGroup=, mode \(mode)), not an administrators' group for docker"
                    )
                }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        if judged.isEmpty {
            return .notApplicable("no container engine API socket at " + sockets.map(\.path).joined(separator: ", "), evidence)
        }
        return .pass("restricted to root and the engine's administrators: " + judged.joined(separator: "; "), evidence)
    }
}
