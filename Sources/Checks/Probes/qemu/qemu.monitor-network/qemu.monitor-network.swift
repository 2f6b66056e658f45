import BulkheadModel
import Foundation

// qemu.monitor-network: its words are in qemu.monitor-network.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let monitorNetwork = Check.on("qemu.monitor-network", .qemu, \.qemu) { ctx, s, q in
        var bad: [String] = []
        var seen: [String] = []
        for m in q.monitors {
            let e = m.endpoint
            let text =
                "\(m.kind.rawValue) \(m.option) \(e.transport.rawValue)" + (e.host.map { " \($0)" } ?? "") + (e.port.map { ":\($0)" } ?? "")
                + (e.path.map { " \($0)" } ?? "")
            seen.append(text)
            let network = e.transport == .tcp || e.transport == .udp || e.transport == .websocket || e.listensBeyondLoopback
            if network && (e.tlsCredentials == nil || e.tlsAuthz == nil) {
                bad.append(text + (e.tlsCredentials == nil ? " without TLS" : " without tls-authz"))
            }
        }
        let evidence = ctx.guestEvidence(s, seen.isEmpty ? "no monitor" : seen.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        if seen.isEmpty { return .pass("no monitor, QMP or gdb endpoint", evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }
}
