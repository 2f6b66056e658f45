import BulkheadModel
import Foundation

// libvirt.graphics-password: its words are in libvirt.graphics-password.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let graphicsPassword = onDomain("libvirt.graphics-password") { ctx, s, d in
        let withPassword = d.graphics.filter(\.passwordSet).map(\.type)
        let evidence = ctx.guestEvidence(s, withPassword.isEmpty ? "no passwd= attribute" : "passwd= on " + withPassword.joined(separator: ", "))
        if d.graphics.isEmpty { return .notApplicable("no <graphics>", evidence) }
        if withPassword.isEmpty { return .pass("no cleartext passwd= in the domain XML", evidence) }
        return .fail("cleartext passwd= attribute on <graphics type='\(withPassword.joined(separator: "', '"))'> (value not recorded)", evidence)
    }
}
