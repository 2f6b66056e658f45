import BulkheadModel
import Foundation

// host.kvm-ignore-msrs: its words are in host.kvm-ignore-msrs.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    /// `kvm.ignore_msrs` on the kernel command line: its value (`""` when given bare, which sets a bool
    /// parameter), the last one before `--` winning; the kernel treats `-` and `_` in a parameter name alike.
    static func kvmIgnoreMSRsArgument(_ commandLine: [String]) -> String? {
        var found: String?
        for arg in commandLine {
            if arg == "--" { break }  // what follows is init's, not the kernel's
            let parts = arg.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0].replacingOccurrences(of: "-", with: "_") == "kvm.ignore_msrs" else { continue }
            found = parts.count == 2 ? String(parts[1]) : ""
        }
        return found
    }

    static let kvmIgnoreMSRs = Check.host("host.kvm-ignore-msrs") { ctx in
        let facts = ctx.facts
        let path = "/sys/module/kvm/parameters/ignore_msrs"
        var evidence: [Evidence] = []
        var wrong: [String] = []
        let argument = kvmIgnoreMSRsArgument(facts.kernel.commandLine)
        if let argument {
            let arg = argument.isEmpty ? "kvm.ignore_msrs" : "kvm.ignore_msrs=\(argument)"
            evidence.append(ctx.file("/proc/cmdline", arg))
            switch argument.isEmpty ? true : flag(argument) {
            case true?: wrong.append("\(arg) on the kernel command line")
            case false?: break
            case nil: return .inconclusive("unrecognised kernel argument `\(arg)` (the kernel reads a bool: Y/N/1/0)", evidence)
            }
        }
        func failed() -> CheckResult {
            let observed = wrong.joined(separator: "; ")
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail(observed, evidence)
        }
        guard let value = facts.kernel.moduleParameters["kvm"]?["ignore_msrs"] else {
            if !wrong.isEmpty { return failed() }
            if facts.kernel.moduleParameters["kvm"] != nil {
                return .inconclusive(
                    "/sys/module/kvm/parameters was read but has no ignore_msrs (not an x86 KVM, or the file was unreadable)", evidence)
            }
            if loaded("kvm", facts) == false && facts.kvm == nil {
                return .notApplicable("the kvm module is not loaded and there is no /dev/kvm", evidence)
            }
            return ctx.unobserved("KVM's ignore_msrs parameter", at: path)
        }
        evidence.insert(ctx.file(path, "kvm ignore_msrs = \(value)"), at: 0)
        switch flag(value) {
        case true?: wrong.insert("kvm ignore_msrs=\(value): guest accesses to unhandled MSRs are ignored, not refused with #GP", at: 0)
        case false?: break
        case nil: return .inconclusive("unrecognised \(path) value \"\(value)\"", evidence)
        }
        if !wrong.isEmpty { return failed() }
        return .pass("kvm ignore_msrs=\(value): unhandled MSR accesses raise #GP in the guest", evidence)
    }
}
