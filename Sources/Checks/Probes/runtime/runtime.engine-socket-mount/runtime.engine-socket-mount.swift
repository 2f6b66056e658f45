import BulkheadModel
import Foundation

// runtime.engine-socket-mount: its words are in runtime.engine-socket-mount.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let runtimeEngineSocketMount = Check.guest("runtime.engine-socket-mount") { ctx, s in
        guard containerRuntimes.contains(s.mechanism.product.rawValue) else { return nil }
        return judgeContainerMounts(
            ctx, s,
            passing: { read in
                "no engine API socket (docker.sock, containerd.sock, podman.sock, crio.sock) mounted in process "
                    + read.map(String.init).joined(separator: ", ")
            }
        ) { p, text in
            let mounts = AdminInterfaces.engineSocketMounts(text)
            let lines = text.split(separator: "\n").count
            return (
                mounts.map {
                    "process \(p.pid) (\(p.programName)) has the container engine's API socket mounted at \($0): it controls the engine, so the host"
                },
                mounts.isEmpty ? "\(lines) mounts, none of an engine socket" : "mounts " + mounts.joined(separator: ", ")
            )
        }
    }
}
