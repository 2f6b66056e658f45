import BulkheadModel
import Foundation

// xen.dom0-mem: its words are in xen.dom0-mem.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenDom0Mem = xenCommandLineCheck("xen.dom0-mem") { ctx, line in
        var evidence = line.evidence
        guard let dom0Mem = line.options("dom0_mem").last else {
            return .fail(
                "no dom0_mem on GRUB's Xen command line: dom0 starts with all the host's memory less a reserve, and xl balloons it down to make room for guests",
                evidence)
        }
        guard let value = dom0Mem.value, !value.isEmpty else {
            return .inconclusive("\(dom0Mem.word) (\(dom0Mem.source)) has no size", evidence)
        }
        // xl.conf's autoballoon (tools/xl/xl.c): "on" or "1" balloons dom0 even with dom0_mem; "off"/"0" never;
        // "auto", absent or any other value (xl warns) only when dom0_mem is not given.
        let xlConf = ctx.input.daemons.first { $0.product == "xen" && $0.path == "/etc/xen/xl.conf" }
        let autoballoon: String?
        switch xlConf {
        case nil:
            autoballoon = nil
            evidence.append(ctx.file("/etc/xen/xl.conf", "not present: xl's autoballoon default is \"auto\""))
        case let d?:
            guard case .xenToolstack(let c)? = d.settings else {
                return .inconclusive(
                    "\(d.path) could not be read or parsed: " + d.problems.map(\.description).joined(separator: "; "), evidence)
            }
            autoballoon = c.autoballoon
            evidence.append(ctx.file(d.path, autoballoon.map { "autoballoon = \"\($0)\"" } ?? "autoballoon not set (xl's default \"auto\")"))
        }
        let capped = value.split(separator: ",").contains { $0.hasPrefix("max:") }
        let size = "\(dom0Mem.word) (\(dom0Mem.source))"
        if autoballoon == "on" || autoballoon == "1" {
            return .fail(
                "\(size) but xl.conf sets autoballoon = \"\(autoballoon ?? "")\": xl still balloons dom0 down for new guests", evidence)
        }
        return .pass(
            size + (capped ? "" : " (no max:, so dom0's maximum reservation is unlimited)") + "; xl does not balloon dom0 ("
                + (autoballoon.map { "autoballoon = \"\($0)\"" } ?? "autoballoon auto") + ")", evidence)
    }
}
