import BulkheadModel
import Foundation

// xen.xsm: its words are in xen.xsm.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenXSM = xenCommandLineCheck("xen.xsm") { ctx, line in
        var evidence = line.evidence
        if ctx.bool("require") { evidence += ctx.tailoring("require") }
        // Xen reads its options in order: the last xsm= and the last flask= win.
        let xsm = line.options("xsm").last
        let flask = line.options("flask").last
        let xsmText = xsm.map { "\($0.word) (\($0.source))" } ?? ""
        let flaskText = flask.map { "\($0.word) (\($0.source))" } ?? ""
        if let xsm {
            guard let value = xsm.value, ["dummy", "flask", "silo"].contains(value) else {
                return .inconclusive("\(xsmText) is not an XSM module Xen knows (dummy, flask, silo)", evidence)
            }
        }
        if let flask {
            guard let value = flask.value, ["enforcing", "permissive", "late", "disabled"].contains(value) else {
                return .inconclusive("\(flaskText) is not a FLASK mode Xen accepts (enforcing, permissive, late, disabled)", evidence)
            }
        }
        let module = xsm?.value.map(String.init)
        // flask= decides nothing when another module was chosen explicitly.
        let mode = module == nil || module == "flask" ? flask?.value.map(String.init) : nil
        var wrong: [String] = []
        if module == "dummy" {
            wrong.append("\(xsmText): XSM's dummy module, the policy \"whereby dom0 is all powerful\" (SUPPORT.md)")
        }
        if mode == "permissive" {
            wrong.append("\(flaskText): FLASK permissive \"is intended for development and is not suitable for use with untrusted guests\"")
        }
        if mode == "disabled" { wrong.append("\(flaskText): FLASK disabled reverts XSM to the dummy module") }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if mode == "late" {
            return .inconclusive(
                "\(flaskText): FLASK enforces nothing until a policy is loaded at run time (xl loadpolicy), which is not observed", evidence)
        }
        if module == "silo" { return .pass("\(xsmText): SILO denies unmediated channels between unprivileged guests", evidence) }
        if module == "flask" || mode == "enforcing" {
            let chosen = [xsmText, flaskText].filter { !$0.isEmpty }.joined(separator: ", ")
            return .pass("\(chosen): FLASK, enforcing" + (mode == nil ? " (its default mode)" : ""), evidence)
        }
        // Neither option: Xen runs the XSM module its build made the default.
        if ctx.bool("require") {
            return .fail(
                "no xsm= or flask= on GRUB's Xen command line: the build's default XSM module runs (dummy unless Xen was built with FLASK or SILO as default), and tailoring requires SILO or FLASK enforcing to be chosen",
                evidence)
        }
        return .pass(
            "no xsm= or flask= on GRUB's Xen command line: nothing switches XSM off or makes FLASK permissive (the build's default module runs)",
            evidence)
    }
}
