import BulkheadModel
import Foundation

// host.nested-virt: its words are in host.nested-virt.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let nestedVirtualisation = Check.host("host.nested-virt") { ctx in
        let facts = ctx.facts
        var evidence: [Evidence] = []
        var enabled: [String] = []
        var seen = false
        for module in ["kvm_intel", "kvm_amd"] {
            let path = "/sys/module/\(module)/parameters/nested"
            guard let value = facts.kernel.moduleParameters[module]?["nested"] else { continue }
            seen = true
            evidence.append(ctx.file(path, "\(module) nested = \(value)"))
            if flag(value) == true { enabled.append("\(module) nested=\(value)") }
        }
        if !seen {
            switch (loaded("kvm_intel", facts), loaded("kvm_amd", facts)) {
            case (false, false): return .notApplicable("neither kvm_intel nor kvm_amd is loaded")
            default:
                return ctx.unobserved("the kvm_intel/kvm_amd nested parameter", at: "/sys/module/kvm_intel/parameters/nested")
            }
        }
        if enabled.isEmpty { return .pass("nested virtualisation off", evidence) }
        if ctx.bool("allowed") {
            return .pass(enabled.joined(separator: ", ") + " (allowed by tailoring)", evidence + ctx.tailoring("allowed"))
        }
        return .fail(enabled.joined(separator: ", "), evidence)
    }
}
