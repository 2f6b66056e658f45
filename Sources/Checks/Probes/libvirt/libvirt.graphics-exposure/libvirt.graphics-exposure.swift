import BulkheadModel
import Foundation

// libvirt.graphics-exposure: its words are in libvirt.graphics-exposure.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let graphicsExposure = onDomain("libvirt.graphics-exposure") { ctx, s, d in
        let remote = d.graphics.filter { $0.type == "vnc" || $0.type == "spice" || $0.type == "rdp" }
        guard !remote.isEmpty else { return .notApplicable("no VNC, SPICE or RDP server", ctx.guestEvidence(s, "no remote <graphics>")) }
        var bad: [String] = []
        var seen: [String] = []
        for g in remote {
            let at = (g.listenAddresses + g.socketPaths).joined(separator: ",")
            let text = "\(g.type) listen=\(at.isEmpty ? "(qemu.conf default)" : at)" + (g.tlsEnabled ? " tls" : "") + (g.passwordSet ? " passwd" : "")
            seen.append(text)
            let insecureSpice = g.type == "spice" && (g.defaultMode == "insecure" || g.channelModes.values.contains("insecure"))
            if g.listensBeyondLoopback && (!(g.tlsEnabled || g.passwordSet) || insecureSpice) {
                bad.append(text + (insecureSpice ? " (insecure channels)" : " (no TLS, no password)"))
            }
        }
        let evidence = ctx.guestEvidence(s, seen.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }
}
