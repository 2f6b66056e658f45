import BulkheadModel
import Foundation

// host.mitigations-off: its words are in host.mitigations-off.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let disablingArguments: [String: Set<String>] = [
        "mitigations": ["off", "no_guest_host", "no_guest_guest", "no_cross_thread"], "spectre_v2": ["off"], "spectre_v1": ["off"], "pti": ["off"],
        "l1tf": ["off"],
        "mds": ["off"], "tsx_async_abort": ["off"], "mmio_stale_data": ["off"], "retbleed": ["off"],
        "spec_store_bypass_disable": ["off"], "spectre_bhi": ["off"], "gather_data_sampling": ["off"],
        "reg_file_data_sampling": ["off"], "srbds": ["off"], "kvm.nx_huge_pages": ["off", "never"],
        "kvm_intel.vmentry_l1d_flush": ["never"], "spec_rstack_overflow": ["off"],
    ]

    /// A parameter name as the kernel's parse_args compares it (parameq: `-` and `_` alike).
    static func canonicalParameter(_ name: Substring) -> String { name.replacingOccurrences(of: "-", with: "_") }

    /// Whether `key=value` turns a mitigation off. kvm.nx_huge_pages also takes a kstrtobool value
    /// (arch/x86/kvm/mmu/mmu.c set_nx_huge_pages): one starting with n, N or 0 is off.
    static func disables(_ key: String, _ value: String) -> Bool {
        if key == "kvm.nx_huge_pages", let first = value.first, "nN0".contains(first) { return true }
        guard let off = disablingArguments[key] else { return false }
        return value.split(separator: ",").contains { off.contains(String($0)) }
    }

    static let disablingFlags: Set<String> = [
        "nospectre_v1", "nospectre_v2", "nopti", "nospec_store_bypass_disable", "nosmap", "nosmep", "noibrs", "noibpb",
    ]

    static let mitigationsOff = Check.host("host.mitigations-off") { ctx in
        let args = ctx.facts.kernel.commandLine
        guard !args.isEmpty else { return ctx.unobserved("the kernel command line", at: "/proc/cmdline") }
        var found: [String] = []
        for arg in args {
            guard let eq = arg.firstIndex(of: "=") else {
                if disablingFlags.contains(canonicalParameter(Substring(arg))) { found.append(arg) }
                continue
            }
            if disables(canonicalParameter(arg[..<eq]), String(arg[arg.index(after: eq)...])) { found.append(arg) }
        }
        let evidence = [ctx.file("/proc/cmdline", args.joined(separator: " "))]
        if found.isEmpty { return .pass("no mitigation disabled on the kernel command line", evidence) }
        return .fail(found.joined(separator: " "), evidence)
    }
}
