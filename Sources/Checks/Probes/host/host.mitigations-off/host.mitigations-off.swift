import BulkheadModel
import Foundation

// host.mitigations-off: its words are in host.mitigations-off.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let disablingArguments: [String: Set<String>] = [
        "mitigations": ["off", "no_guest_host", "no_guest_guest", "no_cross_thread"], "spectre_v2": ["off"], "spectre_v1": ["off"], "pti": ["off"],
        "l1tf": ["off"],
        "mds": ["off"], "tsx_async_abort": ["off"], "mmio_stale_data": ["off"], "retbleed": ["off"],
        "spec_store_bypass_disable": ["off"], "spectre_bhi": ["off"], "gather_data_sampling": ["off"],
        "reg_file_data_sampling": ["off"], "srbds": ["off"], "kvm.nx_huge_pages": ["off"],
        "kvm-intel.vmentry_l1d_flush": ["never"], "spec_rstack_overflow": ["off"],
    ]

    static let disablingFlags: Set<String> = [
        "nospectre_v1", "nospectre_v2", "nopti", "nospec_store_bypass_disable", "nosmap", "nosmep", "noibrs", "noibpb",
    ]

    static let mitigationsOff = Check.host("host.mitigations-off") { ctx in
        let args = ctx.facts.kernel.commandLine
        guard !args.isEmpty else { return ctx.unobserved("the kernel command line", at: "/proc/cmdline") }
        var found: [String] = []
        for arg in args {
            if disablingFlags.contains(arg) { found.append(arg); continue }
            guard let eq = arg.firstIndex(of: "=") else { continue }
            let key = String(arg[..<eq]).replacingOccurrences(of: "kvm_intel.", with: "kvm-intel.")
            let value = String(arg[arg.index(after: eq)...])
            if let off = disablingArguments[key], value.split(separator: ",").contains(where: { off.contains(String($0)) }) {
                found.append(arg)
            }
        }
        let evidence = [ctx.file("/proc/cmdline", args.joined(separator: " "))]
        if found.isEmpty { return .pass("no mitigation disabled on the kernel command line", evidence) }
        return .fail(found.joined(separator: " "), evidence)
    }
}
