import BulkheadModel
import Foundation

// libvirt.domain-type: its words are in libvirt.domain-type.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let domainType = onDomain("libvirt.domain-type") { ctx, s, d in
        let evidence = ctx.guestEvidence(s, "<domain type='\(d.domainType ?? "")'>")
        guard let type = d.domainType else { return .inconclusive("the domain XML has no type attribute", evidence) }
        if type == "qemu" {
            if !ctx.bool("untrustedGuests") {
                return .pass("type='qemu' (TCG; accepted by tailoring: guests are trusted)", evidence + ctx.tailoring("untrustedGuests"))
            }
            return .fail("<domain type='qemu'>: TCG emulation, outside QEMU's security boundary", evidence)
        }
        return .pass("<domain type='\(type)'>", evidence)
    }
}
