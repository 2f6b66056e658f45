import BulkheadModel
import Foundation

// runtime.host-namespaces: its words are in runtime.host-namespaces.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let sharedNamespaces = ["net", "pid", "ipc", "uts", "mnt"]

    static let runtimeHostNamespaces = Check.guest("runtime.host-namespaces") { ctx, s in
        guard let confinement = runtimeGuest(ctx, s) else { return nil }
        guard let c = confinement, !c.namespaces.isEmpty, let pid = s.guest.pid else {
            return .inconclusive("the container's namespaces (/proc/PID/ns) were not observed" + problems(s), ctx.guestEvidence(s, "no ns"))
        }
        guard let host = ctx.facts.processes.first(where: { $0.pid == 1 })?.confinement.namespaces, !host.isEmpty else {
            return .inconclusive("the host's namespaces (/proc/1/ns) were not observed, so there is nothing to compare with")
        }
        let shared = sharedNamespaces.filter { ns in c.namespaces[ns] != nil && c.namespaces[ns] == host[ns] }
        let evidence = [
            ctx.process(pid, "ns/*", sharedNamespaces.compactMap { ns in c.namespaces[ns].map { "\(ns):\($0)" } }.joined(separator: " ")),
            ctx.process(1, "ns/*", sharedNamespaces.compactMap { ns in host[ns].map { "\(ns):\($0)" } }.joined(separator: " ")),
        ]
        if shared.isEmpty { return .pass("own net, pid, ipc, uts and mount namespaces", evidence) }
        return .fail("shares the host's " + shared.joined(separator: ", ") + " namespace" + (shared.count > 1 ? "s" : ""), evidence)
    }
}
