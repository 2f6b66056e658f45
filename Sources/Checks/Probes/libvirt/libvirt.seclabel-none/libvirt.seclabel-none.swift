import BulkheadModel
import Foundation

// libvirt.seclabel-none: its words are in libvirt.seclabel-none.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let seclabelNone = onDomain("libvirt.seclabel-none") { ctx, s, d in
        var evidence = ctx.guestEvidence(
            s,
            d.seclabels.isEmpty
                ? "no <seclabel> (driver default)"
                : d.seclabels.map {
                    "<seclabel type='\($0.type ?? "")' model='\($0.model ?? "")' relabel='\($0.relabel.map { $0 ? "yes" : "no" } ?? "")'>"
                }.joined(separator: " "))
        if let label = s.guest.confinement?.lsmLabel, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "attr/current", label))
            if label.contains("unconfined") { return .fail("the running QEMU is unconfined (\(label))", evidence) }
        }
        var bad: [String] = []
        for l in d.seclabels {
            if l.type == "none" || l.model == "none" {
                bad.append("<seclabel type='\(l.type ?? "")'\(l.model.map { " model='\($0)'" } ?? "")>: guest runs unconfined")
            }
            if l.type == "static" && l.relabel == false { bad.append("static label \(l.label ?? "") with relabel='no'") }
        }
        let unrelabelled = d.deviceSeclabels.filter { $0.relabel == false }.map(\.device)
        if !unrelabelled.isEmpty { bad.append("relabel='no' on " + unrelabelled.joined(separator: ", ")) }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        let how =
            d.seclabels.isEmpty
            ? "no <seclabel>: the security driver's dynamic default applies"
            : d.seclabels.map { "\($0.model ?? "") \($0.type ?? "")" }.joined(separator: ", ")
        return .pass(how, evidence)
    }
}
