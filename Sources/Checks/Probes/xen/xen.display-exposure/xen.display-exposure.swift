import BulkheadModel
import Foundation

// xen.display-exposure: its words are in xen.display-exposure.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenDisplay = Check.on("xen.display-exposure", .xen, \.xen) { ctx, s, c in
        let vnc = c.vnc == true
        let spice = c.spice == true
        let evidence = ctx.guestEvidence(
            s,
            "vnc=\(vnc) vnclisten=\(c.vncListen ?? "-") vncpasswd=\(c.vncPasswordSet ? "set" : "-") spice=\(spice) spicehost=\(c.spiceHost ?? "-") spicedisable_ticketing=\(c.spiceDisableTicketing.map(String.init) ?? "-")"
        )
        guard vnc || spice else { return .notApplicable("no VNC or SPICE display", evidence) }
        var bad: [String] = []
        if vnc && !Addresses.isLoopback(c.vncListen) && !c.vncPasswordSet {
            bad.append("VNC on \(c.vncListen ?? "all interfaces (no vnclisten)") without vncpasswd")
        }
        if spice && !Addresses.isLoopback(c.spiceHost) && (c.spiceDisableTicketing == true || !c.spicePasswordSet) && c.spiceTLSPort == nil {
            bad.append("SPICE on \(c.spiceHost ?? "all interfaces") without ticketing or TLS")
        }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        return .pass(
            (vnc ? "VNC \(c.vncListen ?? "")" : "") + (spice ? " SPICE \(c.spiceHost ?? "")" : "") + " restricted to loopback or authenticated",
            evidence)
    }
}
