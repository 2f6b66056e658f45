import BulkheadModel
import Foundation

/// Host posture checks (ISM-1605, and ISM-1461 for cross-guest side channels). Each is one pure function
/// over `HostFacts`; its words are in `Definitions/host/<id>.json`.
enum HostChecks {
    static let all: [Check] = [
        nestedVirtualisation, cpuVulnerabilities, smt, mitigationsOff, iommu, ksm, vfioUnsafeInterrupts, lockdown,
        kvmDevice,
    ]

    /// `Y`/`1` → true, `N`/`0` → false, anything else nil.
    static func flag(_ text: String?) -> Bool? {
        switch text?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "y", "1", "yes", "on", "true": true
        case "n", "0", "no", "off", "false": false
        default: nil
        }
    }

    /// Whether the module is loaded; nil when the module list was not observed.
    /// Host inspection reads /sys/module/NAME/parameters for the KVM and VFIO modules, loaded or built
    /// in; once it has read any, a module without an entry is neither.
    static func loaded(_ module: String, _ facts: HostFacts) -> Bool? {
        if facts.kernel.moduleParameters[module] != nil { return true }
        if !facts.kernel.modules.isEmpty { return facts.kernel.modules.contains(module) }
        if !facts.kernel.moduleParameters.isEmpty { return false }
        return nil
    }

    /// `name=value` arguments of the kernel command line (last one wins, as in the kernel).
    static func cmdline(_ facts: HostFacts, _ name: String) -> String? {
        var found: String?
        for arg in facts.kernel.commandLine {
            if arg == name { found = "" }
            if arg.hasPrefix(name + "=") { found = String(arg.dropFirst(name.count + 1)) }
        }
        return found
    }

    // MARK: host.nested-virt

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

    // MARK: host.cpu-vulnerabilities

    static let cpuVulnerabilities = Check.host("host.cpu-vulnerabilities") { ctx in
        let vulns = ctx.facts.cpu.vulnerabilities
        let dir = "/sys/devices/system/cpu/vulnerabilities"
        guard !vulns.isEmpty else { return ctx.unobserved("CPU vulnerability status", at: dir) }
        var bad: [String] = []
        var unknown: [String] = []
        var evidence: [Evidence] = []
        for (name, text) in vulns.sorted(by: { $0.key < $1.key }) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.localizedCaseInsensitiveContains("vulnerable") && !t.hasPrefix("Not affected") {
                // "Vulnerable", "Vulnerable: …", and "Mitigation: …; SMT vulnerable" all count: only the
                // SMT clause is judged separately by host.smt, so skip a mitigated line whose only
                // "vulnerable" word is the SMT note.
                let smtOnly =
                    t.hasPrefix("Mitigation")
                    && !t.replacingOccurrences(of: "SMT vulnerable", with: "")
                        .localizedCaseInsensitiveContains("vulnerable")
                if !smtOnly {
                    bad.append("\(name): \(t)")
                    evidence.append(ctx.file("\(dir)/\(name)", "\(name): \(t)"))
                }
            } else if !(t.hasPrefix("Not affected") || t.hasPrefix("Mitigation") || t.hasPrefix("KVM: Mitigation")) {
                unknown.append("\(name): \(t)")
            }
        }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        if !unknown.isEmpty {
            return .inconclusive(
                "unrecognised vulnerability status: " + unknown.joined(separator: "; "),
                [ctx.file(dir, unknown.joined(separator: "; "))])
        }
        return .pass(
            "all \(vulns.count) reported CPU vulnerabilities are Not affected or mitigated",
            [
                ctx.file(dir, vulns.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: "; "))
            ])
    }

    // MARK: host.smt

    static let smtSensitive = ["l1tf", "mds", "mmio_stale_data", "tsx_async_abort"]

    static let smt = Check.host("host.smt") { ctx in
        let facts = ctx.facts
        let controlPath = "/sys/devices/system/cpu/smt/control"
        guard let control = facts.cpu.smtControl?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return ctx.unobserved("SMT control", at: controlPath)
        }
        let controlEvidence = ctx.file(controlPath, "smt/control = \(control)")
        if ["off", "forceoff", "notsupported", "notimplemented"].contains(control) {
            return .pass("SMT \(control)", [controlEvidence])
        }
        // SMT is on: a fail only when a CPU bug that leaks between sibling threads says so.
        guard !facts.cpu.vulnerabilities.isEmpty else {
            return ctx.unobserved("CPU vulnerability status (needed to judge SMT on)", at: "/sys/devices/system/cpu/vulnerabilities")
        }
        let exposed = smtSensitive.compactMap { name -> (String, String)? in
            guard let text = facts.cpu.vulnerabilities[name], text.contains("SMT vulnerable") else { return nil }
            return (name, text)
        }
        let evidence = [controlEvidence] + exposed.map { ctx.file("/sys/devices/system/cpu/vulnerabilities/\($0.0)", "\($0.0): \($0.1)") }
        if exposed.isEmpty {
            return .pass("SMT \(control); no L1TF/MDS/MMIO/TAA exposure reported across threads", evidence)
        }
        let observed = "SMT \(control) with " + exposed.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        if ctx.bool("allowed") {
            return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed"))
        }
        return .fail(observed, evidence)
    }

    // MARK: host.mitigations-off

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

    // MARK: host.iommu

    static let iommu = Check.host("host.iommu") { ctx in
        let facts = ctx.facts
        let args = facts.kernel.commandLine
        guard !args.isEmpty else { return ctx.unobserved("the kernel command line", at: "/proc/cmdline") }
        var evidence = [ctx.file("/proc/cmdline", args.joined(separator: " "))]
        let intel = cmdline(facts, "intel_iommu")
        let amd = cmdline(facts, "amd_iommu")
        let generic = cmdline(facts, "iommu")
        if let off = [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)].first(where: {
            $0.1.map { $0.split(separator: ",").contains("off") } ?? false
        }) {
            return .fail("IOMMU disabled on the kernel command line (\(off.0)=\(off.1 ?? ""))", evidence)
        }
        let problems = ctx.problems(about: "/sys/kernel/iommu_groups")
        if !problems.isEmpty {
            return .inconclusive("IOMMU groups could not be read: " + problems.map(\.description).joined(separator: "; "))
        }
        evidence.append(ctx.file("/sys/kernel/iommu_groups", "\(facts.iommu.groupCount) IOMMU groups"))
        let enabledBy = [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }
            .filter { $0.contains("=on") || $0.contains("force") || $0.hasPrefix("amd_iommu=") || $0 == "iommu=pt" }
        if facts.iommu.groupCount == 0 {
            return .fail(
                "no IOMMU groups"
                    + (enabledBy.isEmpty
                        ? " and no intel_iommu=on/amd_iommu/iommu=force on the command line"
                        : " although \(enabledBy.joined(separator: " ")) is set"),
                evidence)
        }
        let how = enabledBy.isEmpty ? "enabled by the kernel's default" : enabledBy.joined(separator: " ")
        return .pass("\(facts.iommu.groupCount) IOMMU groups (\(how))", evidence)
    }

    // MARK: host.ksm

    static let ksm = Check.host("host.ksm") { ctx in
        let path = "/sys/kernel/mm/ksm/run"
        guard let obs = ctx.input.observations, let state = obs.state(path) else {
            return ctx.unobserved("KSM state", at: path)
        }
        switch state {
        case .absent: return .pass("KSM not built into this kernel (\(path) absent)", [ctx.file(path, "absent")])
        case .present: return .inconclusive("\(path) exists but was not read")
        case .unreadable(let why): return .inconclusive("\(path) could not be read: \(why)")
        case .content(let text):
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let evidence = [ctx.file(path, "ksm/run = \(value)")]
            switch value {
            case "0": return .pass("KSM stopped (run = 0)", evidence)
            case "2": return .pass("KSM stopped and pages unmerged (run = 2)", evidence)
            case "1":
                if ctx.bool("allowed") { return .pass("KSM running (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
                return .fail("KSM running (run = 1)", evidence)
            default: return .inconclusive("unrecognised \(path) value \"\(value)\"", evidence)
            }
        }
    }

    // MARK: host.vfio-unsafe-interrupts

    static let vfioUnsafeInterrupts = Check.host("host.vfio-unsafe-interrupts") { ctx in
        let facts = ctx.facts
        let path = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
        if let arg = cmdline(facts, "vfio_iommu_type1.allow_unsafe_interrupts"), flag(arg) == true {
            return .fail(
                "vfio_iommu_type1.allow_unsafe_interrupts=\(arg) on the kernel command line",
                [
                    ctx.file("/proc/cmdline", facts.kernel.commandLine.joined(separator: " "))
                ])
        }
        if let value = facts.kernel.moduleParameters["vfio_iommu_type1"]?["allow_unsafe_interrupts"] {
            let evidence = [ctx.file(path, "allow_unsafe_interrupts = \(value)")]
            switch flag(value) {
            case true?: return .fail("allow_unsafe_interrupts = \(value)", evidence)
            case false?: return .pass("allow_unsafe_interrupts = \(value)", evidence)
            case nil: return .inconclusive("unrecognised value \"\(value)\" in \(path)", evidence)
            }
        }
        if loaded("vfio_iommu_type1", facts) == false {
            return .notApplicable("vfio_iommu_type1 is not loaded (no VFIO passthrough)")
        }
        return ctx.unobserved("the VFIO unsafe-interrupts parameter", at: path)
    }

    // MARK: host.lockdown

    static let lockdown = Check.host("host.lockdown") { ctx in
        let path = "/sys/kernel/security/lockdown"
        guard let raw = ctx.facts.kernel.lockdown?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
            return ctx.unobserved("kernel lockdown mode", at: path)
        }
        // The file lists every mode with the selected one in brackets: "[none] integrity confidentiality".
        var mode = raw
        if let open = raw.firstIndex(of: "["), let close = raw[open...].firstIndex(of: "]") {
            mode = String(raw[raw.index(after: open)..<close])
        }
        let evidence = [ctx.file(path, raw)]
        switch mode {
        case "integrity", "confidentiality": return .pass("lockdown \(mode)", evidence)
        case "none": return .fail("lockdown none", evidence)
        default: return .inconclusive("unrecognised lockdown mode \"\(raw)\"", evidence)
        }
    }

    // MARK: host.kvm-device

    static let kvmDevice = Check.host("host.kvm-device") { ctx in
        let facts = ctx.facts
        guard let kvm = facts.kvm else {
            if loaded("kvm", facts) == false { return .notApplicable("the kvm module is not loaded (no /dev/kvm)") }
            return ctx.unobserved("/dev/kvm ownership and mode", at: "/dev/kvm")
        }
        guard let bits = Int(kvm.mode, radix: 8) else {
            return .inconclusive("unrecognised /dev/kvm mode \"\(kvm.mode)\"")
        }
        let evidence = [ctx.file("/dev/kvm", "mode \(kvm.mode) uid \(kvm.ownerUID) gid \(kvm.groupGID)")]
        let observed = "/dev/kvm mode \(kvm.mode) owner \(kvm.ownerUID):\(kvm.groupGID)"
        if bits & 0o006 != 0 { return .fail(observed + " (any local user can open it)", evidence) }
        if kvm.groupGID == 0 && bits & 0o060 != 0 && kvm.ownerUID == 0 {
            return .pass(observed + " (root group only)", evidence)
        }
        return .pass(observed, evidence)
    }
}
