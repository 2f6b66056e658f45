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
        var evidence = ctx.guestEvidence(s, seen.isEmpty ? "no monitor" : seen.joined(separator: "; "))
        // A UNIX-socket monitor of a running QEMU: its file permissions are its only access control.
        var unclear: [String] = []
        if let pid = s.guest.pid {
            for m in q.monitors where m.endpoint.transport == .unix && m.endpoint.server == true {
                guard let path = m.endpoint.path, path.hasPrefix("/") else { continue }
                let j = ctx.controlSocket(path, role: "\(m.kind.rawValue) socket", pid: pid, confinement: s.guest.confinement)
                bad += j.wrong
                unclear += j.unclear
                evidence += j.evidence
            }
        }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        if seen.isEmpty { return .pass("no monitor, QMP or gdb endpoint", evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }
}
