import BulkheadModel
import Foundation

// qemu.display-exposure: its words are in qemu.display-exposure.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let displayExposure = Check.on("qemu.display-exposure", .qemu, \.qemu) { ctx, s, q in
        let remote = q.displays.filter { $0.kind == .vnc || $0.kind == .spice }
        guard !remote.isEmpty else { return .notApplicable("no VNC or SPICE server", ctx.guestEvidence(s, "no -vnc/-spice")) }
        var bad: [String] = []
        var described: [String] = []
        for d in remote {
            let at = d.endpoint.map { e in e.path.map { "unix:\($0)" } ?? "\(e.host ?? "*"):\(e.port.map(String.init) ?? "?")" } ?? "?"
            let text =
                "\(d.kind.rawValue) on \(at)" + (d.tlsConfigured ? " with TLS" : "") + (d.passwordSet ? " with password" : "")
                + (d.saslEnabled ? " with SASL" : "") + (d.disableTicketing ? " with disable-ticketing" : "")
            described.append(text)
            if d.listensBeyondLoopback && (!d.authenticationSet || d.disableTicketing) { bad.append(text) }
        }
        let evidence = ctx.guestEvidence(s, described.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; ") + " (reachable from the network without authentication)", evidence) }
        return .pass(described.joined(separator: "; "), evidence)
    }
}
