public import BulkheadModel
import Foundation
public import HostInspection

/// A container runtime: present by package/binary; running containers from shim or monitor processes.
public struct ContainerRuntimeDetector: Detector {
    public let signature: ProductSignature
    public var family: String { signature.product.rawValue }

    public init(_ signature: ProductSignature) { self.signature = signature }

    /// OCI runtimes that can run a container in the foreground, as its parent.
    static let ociRuntimes: Set<String> = ["runc", "crun", "youki"]

    public func request(given evidence: HostEvidence) -> EvidenceRequest { signature.request }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let match = signature.match(in: evidence)
        guard !match.isEmpty else { return [] }
        var mechanism = signature.mechanism(from: match)
        let shims = match.processes.filter { Self.isMonitor($0.programName) }
        let children = Dictionary(grouping: host.processes.filter { $0.ppid != nil }, by: { $0.ppid ?? 0 })
        for shim in shims {
            let id =
                GuestParsing.flagValue(shim.arguments, "-id") ?? GuestParsing.flagValue(shim.arguments, "--cid")
                ?? GuestParsing.flagValue(shim.arguments, "-n") ?? GuestParsing.flagValue(shim.arguments, "-c")
            mechanism.guests += Self.containers(monitoredBy: shim, id: id, children: children[shim.pid] ?? [], observedAt: host.collectedAt)
        }
        // An OCI runtime run in the foreground (`crun run ID`, `runc run ID`) stays the parent of its container:
        // each child of such a process is a container, named by the runtime's last argument (its id).
        let foreground = match.processes.filter { Self.ociRuntimes.contains($0.programName) && $0.arguments.dropFirst().contains("run") }
        if !foreground.isEmpty {
            let children = Dictionary(grouping: host.processes.filter { $0.ppid != nil }, by: { $0.ppid ?? 0 })
            for runtime in foreground {
                let id = runtime.arguments.count > 2 ? runtime.arguments.last : nil
                for child in children[runtime.pid] ?? [] {
                    mechanism.guests.append(
                        processGuest(child, name: id.map { "container \($0.prefix(12))" }, observedAt: host.collectedAt))
                }
            }
        }
        return [mechanism]
    }

    /// Shims and monitors: a container's process is their child, not the shim itself.
    static func isMonitor(_ program: String) -> Bool {
        program.hasPrefix("containerd-shim") || program == "conmon" || program == "lxc-start"
    }

    /// The containers a shim or monitor holds. The shim runs as root with every capability and no seccomp
    /// filter; the container is its child (containerd's runc shim: one child per container of the pod; conmon
    /// and lxc-start: the container's init). Judging the shim would fail every container on the host, so each
    /// child that is not a runtime or another shim is a guest, named by the container id in its cgroup path
    /// (Docker, containerd, CRI-O and Podman put the 64-hex id there) or else by the shim's id. A shim with no
    /// such child yields a guest without a pid: its container's process was not seen, so checks of it are
    /// inconclusive rather than judged on the shim.
    static func containers(monitoredBy shim: HostProcess, id: String?, children: [HostProcess], observedAt: Date) -> [Guest] {
        let containers = children.filter { !ociRuntimes.contains($0.programName) && !isMonitor($0.programName) }
        guard !containers.isEmpty else {
            return [
                Guest(
                    name: id.map { "container \($0.prefix(12))" } ?? "container of pid \(shim.pid)", pid: nil, running: true,
                    evidence: [
                        Evidence(
                            claim:
                                "\(shim.programName) (pid \(shim.pid)) has no container process as its child; the container's own process was not seen",
                            source: .process(pid: shim.pid, field: "cmdline"), observedAt: observedAt, confidence: .medium)
                    ])
            ]
        }
        return containers.map { child in
            let name: String
            if let cid = containerID(inCgroups: child.confinement.cgroups) {
                name = "container \(cid.prefix(12))"
            } else if let id, containers.count == 1 {
                name = "container \(id.prefix(12))"
            } else {
                name = "container \(id.map { String($0.prefix(12)) + " " } ?? "")pid \(child.pid)"
            }
            var guest = processGuest(child, name: name, observedAt: observedAt)
            guest.evidence.append(
                Evidence(
                    claim: "pid \(child.pid) is a child of \(shim.programName) (pid \(shim.pid)): the container's process",
                    source: .process(pid: child.pid, field: "status:PPid"), observedAt: observedAt, confidence: .high))
            return guest
        }
    }

    /// The last 64-hex-digit run in a process's cgroup paths (`/docker/ID`, `docker-ID.scope`,
    /// `cri-containerd-ID.scope`, `crio-ID.scope`, `libpod-ID.scope`).
    package static func containerID(inCgroups lines: [String]) -> String? {
        for line in lines.reversed() {
            var run: [UInt8] = []
            var found: [UInt8]?
            for byte in line.utf8 {
                let hex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
                if hex {
                    run.append(byte)
                } else {
                    if run.count == 64 { found = run }
                    run.removeAll(keepingCapacity: true)
                }
            }
            if run.count == 64 { found = run }
            if let found { return String(decoding: found, as: UTF8.self) }
        }
        return nil
    }
}
