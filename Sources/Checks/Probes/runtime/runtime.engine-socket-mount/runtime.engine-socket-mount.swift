import BulkheadModel
import Foundation

// runtime.engine-socket-mount: its words are in runtime.engine-socket-mount.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let runtimeEngineSocketMount = Check.guest("runtime.engine-socket-mount") { ctx, s in
        guard containerRuntimes.contains(s.mechanism.product.rawValue) else { return nil }
        let inside: [HostProcess]
        let obs: HostObservations
        switch containerMounts(ctx, s) {
        case .success(let found): (inside, obs) = found
        case .failure(let why): return why.result
        }
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var read: [Int32] = []
        for p in inside {
            let path = "/proc/\(p.pid)/mountinfo"
            switch obs.state(path) {
            case .content(let text)?:
                read.append(p.pid)
                let mounts = AdminInterfaces.engineSocketMounts(text)
                let lines = text.split(separator: "\n").count
                evidence.append(
                    ctx.process(
                        p.pid, "mountinfo", mounts.isEmpty ? "\(lines) mounts, none of an engine socket" : "mounts " + mounts.joined(separator: ", "))
                )
                for m in mounts {
                    wrong.append(
                        "process \(p.pid) (\(p.programName)) has the container engine's API socket mounted at \(m): it controls the engine, so the host"
                    )
                }
            case .unreadable(let why)?: unclear.append("\(path): \(why)")
            case .absent?: unclear.append("\(path) vanished (the process exited)")
            case .present?, nil: unclear.append("\(path) was not collected")
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; ") + problems(s), evidence) }
        return .pass(
            "no engine API socket (docker.sock, containerd.sock, podman.sock, crio.sock) mounted in process "
                + read.map(String.init).joined(separator: ", "), evidence)
    }
}
