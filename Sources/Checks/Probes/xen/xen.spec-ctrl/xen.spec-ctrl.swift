import BulkheadModel
import Foundation

// xen.spec-ctrl: its words are in xen.spec-ctrl.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// Whether a `spec-ctrl=` value turns mitigations off as a whole: an overall false boolean (`no`, `0`,
    /// `false`, `off`, `disable`) or `no-xen` / `xen=<false>` (Xen's parse_bool words).
    static func specCtrlDisables(_ value: Substring) -> Bool {
        let falseWords: Set<Substring> = ["no", "0", "false", "off", "disable"]
        return value.split(separator: ",").contains { item in
            falseWords.contains(item) || item == "no-xen" || (item.hasPrefix("xen=") && falseWords.contains(item.dropFirst(4)))
        }
    }

    static let xenSpecCtrl = xenCommandLineCheck("xen.spec-ctrl") { ctx, line in
        let words = line.words
        let evidence = line.evidence
        let specCtrl = words.filter { $0.word.hasPrefix("spec-ctrl=") }
        let off = specCtrl.filter { specCtrlDisables($0.word.dropFirst("spec-ctrl=".count)) }
        if !off.isEmpty {
            return .fail(
                off.map { "\($0.word) (\($0.source)): Xen's speculative-execution mitigations are off" }.joined(separator: "; "), evidence)
        }
        if specCtrl.isEmpty {
            return .pass("no spec-ctrl= in GRUB's Xen command line: Xen picks its mitigations itself", evidence)
        }
        return .pass(specCtrl.map(\.word).joined(separator: " ") + " does not turn the mitigations off as a whole", evidence)
    }
}
