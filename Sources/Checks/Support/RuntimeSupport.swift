import BulkheadModel
import Foundation

extension SandboxChecks {
    static let containerRuntimes: Set<String> = ["docker", "containerd", "podman", "runc", "crun", "youki", "lxc", "kata-containers"]

    static func problems(_ s: GuestSubject) -> String {
        s.guest.problems.isEmpty ? "" : ": " + s.guest.problems.map(\.description).joined(separator: "; ")
    }

    /// The processes inside a container (`AdminInterfaces.processes(inContainer:)`), or the inconclusive result that
    /// says why there are none to judge: no observed process, or none inside it. `what` names what their files
    /// would have shown ("mounts", "security label").
    static func containerProcesses(_ ctx: CheckContext, _ s: GuestSubject, what: String) -> Result<[HostProcess], Inconclusive> {
        guard let pid = s.guest.pid else {
            return .failure(
                Inconclusive(result: .inconclusive("the container has no observed process, so its \(what) could not be read" + problems(s))))
        }
        let inside = AdminInterfaces.processes(inContainer: pid, ctx.facts.processes)
        guard !inside.isEmpty else {
            return .failure(Inconclusive(result: .inconclusive("no process inside the container (pid \(pid)) was observed" + problems(s))))
        }
        return .success(inside)
    }

    /// `containerProcesses` with the host observations their mount tables are read from, or why not.
    static func containerMounts(_ ctx: CheckContext, _ s: GuestSubject) -> Result<([HostProcess], HostObservations), Inconclusive> {
        let notCollected = Inconclusive(
            result: .inconclusive("the container's mount table /proc/PID/mountinfo was not collected from \(ctx.facts.source)" + problems(s)))
        if s.guest.pid != nil, ctx.input.observations == nil { return .failure(notCollected) }
        return containerProcesses(ctx, s, what: "mounts").flatMap { inside in
            ctx.input.observations.map { .success((inside, $0)) } ?? .failure(notCollected)
        }
    }

    /// Judges the mount table (/proc/PID/mountinfo) of every process inside the container: `judge` reads one
    /// table's text and gives what is wrong in it (empty: nothing) and its evidence line, or nil when the text is no
    /// mount table. Any wrong mount fails the check; else a table not collected, unreadable, gone or not a mount
    /// table leaves it inconclusive; else it passes with `passing` of the processes whose tables were read.
    static func judgeContainerMounts(
        _ ctx: CheckContext, _ s: GuestSubject, passing: ([Int32]) -> String,
        _ judge: (HostProcess, String) -> (wrong: [String], evidence: String)?
    ) -> CheckResult {
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
                guard let judged = judge(p, text) else {
                    unclear.append("\(path) is not a mount table")
                    continue
                }
                read.append(p.pid)
                evidence.append(ctx.process(p.pid, "mountinfo", judged.evidence))
                wrong += judged.wrong
            case .unreadable(let why)?: unclear.append("\(path): \(why)")
            case .absent?: unclear.append("\(path) vanished (the process exited)")
            case .present?, nil: unclear.append("\(path) was not collected")
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; ") + problems(s), evidence) }
        return .pass(passing(read), evidence)
    }

    /// A check's inconclusive result, carried as an error so a support function can return it or its data.
    struct Inconclusive: Error { let result: CheckResult }

    static func runtimeGuest(_ ctx: CheckContext, _ s: GuestSubject) -> ProcessConfinement?? {
        guard containerRuntimes.contains(s.mechanism.product.rawValue) else { return nil }
        return .some(s.guest.confinement)
    }
}
