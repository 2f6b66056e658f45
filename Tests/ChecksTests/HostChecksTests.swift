import BulkheadModel
import Checks
import Foundation
import HostInspection
import Testing

/// Host posture checks on the captured host (Fixtures/hosts/fc-guest) and on variations of it. Each
/// variation changes one fact and says which; strings that the captured host does not show are quoted
/// from the kernel's own hw-vuln documentation.
@Suite struct HostChecksTests {
    let catalog = Fixture.catalog

    func captured() throws -> HostFacts { try Fixture.host("fc-guest") }
    let empty = HostFacts(collectedAt: Fixture.collectedAt, source: "nothing collected")

    // MARK: cpu vulnerabilities

    @Test func capturedHostHasUnmitigatedVulnerabilities() throws {
        let f = try #require(catalog.host("host.cpu-vulnerabilities", try captured()))
        #expect(f.outcome == .fail)
        #expect(f.observed?.contains("spec_store_bypass: Vulnerable") == true)
        #expect(f.observed?.contains("spec_rstack_overflow: Vulnerable: Safe RET, no microcode") == true)
        #expect(f.evidence.contains { $0.source == .file(path: "/sys/devices/system/cpu/vulnerabilities/spec_store_bypass", sha256: nil) })
        #expect(f.controls == ["ISM-1605", "ISM-1461"] && f.severity == .high)
    }

    @Test func mitigatedVulnerabilitiesPass() throws {
        var facts = try captured()
        // The two Vulnerable lines replaced by mitigated texts the kernel prints for them.
        facts.cpu.vulnerabilities["spec_store_bypass"] = "Mitigation: Speculative Store Bypass disabled via prctl"
        facts.cpu.vulnerabilities["spec_rstack_overflow"] = "Mitigation: Safe RET"
        let f = try #require(catalog.host("host.cpu-vulnerabilities", facts))
        #expect(f.outcome == .pass)
    }

    @Test func smtVulnerableAndStibpDisabledWithSMTOnFail() throws {
        var facts = try captured()
        facts.cpu.vulnerabilities["spec_store_bypass"] = "Mitigation: Speculative Store Bypass disabled via prctl"
        facts.cpu.vulnerabilities["spec_rstack_overflow"] = "Mitigation: Safe RET"
        // The captured spectre_v2 line says `STIBP: disabled`: harmless while SMT is not supported ...
        #expect(catalog.host("host.cpu-vulnerabilities", facts)?.outcome == .pass)
        // ... an open cross-thread channel once smt/control is on ...
        facts.cpu.smtControl = "on"
        let stibp = try #require(catalog.host("host.cpu-vulnerabilities", facts))
        #expect(stibp.outcome == .fail && stibp.observed?.contains("spectre_v2") == true)
        // ... and not judgeable when smt/control was not observed.
        facts.cpu.smtControl = nil
        #expect(catalog.host("host.cpu-vulnerabilities", facts)?.outcome.label == "inconclusive")
        // AMD retbleed mitigated but open across threads (arch/x86/kernel/cpu/bugs.c retbleed_show_state):
        // the kernel's own "SMT vulnerable" fails here too, whatever smt/control says.
        facts.cpu.smtControl = "notsupported"
        facts.cpu.vulnerabilities["retbleed"] = "Mitigation: untrained return thunk; SMT vulnerable"
        let retbleed = try #require(catalog.host("host.cpu-vulnerabilities", facts))
        #expect(retbleed.outcome == .fail && retbleed.observed == "retbleed: Mitigation: untrained return thunk; SMT vulnerable")
    }

    @Test func unknownVulnerabilityTextIsInconclusive() throws {
        var facts = try captured()
        facts.cpu.vulnerabilities = ["mmio_stale_data": "Unknown: No mitigations"]
        #expect(catalog.host("host.cpu-vulnerabilities", facts)?.reason?.contains("Unknown: No mitigations") == true)
        let none = try #require(catalog.host("host.cpu-vulnerabilities", empty))
        #expect(none.reason?.contains("/sys/devices/system/cpu/vulnerabilities") == true)
    }

    // MARK: SMT

    @Test func smtNotSupportedPasses() throws {
        let f = try #require(catalog.host("host.smt", try captured()))
        #expect(f.outcome == .pass && f.observed == "SMT notsupported")
    }

    @Test func smtOnWithL1TFExposureFailsUnlessTailored() throws {
        var facts = try captured()
        facts.cpu.smtControl = "on"
        // Documentation/admin-guide/hw-vuln/l1tf.rst, "sysfs interface" table.
        facts.cpu.vulnerabilities["l1tf"] = "Mitigation: PTE Inversion; VMX: conditional cache flushes, SMT vulnerable"
        let f = try #require(catalog.host("host.smt", facts))
        #expect(f.outcome == .fail)
        #expect(f.observed?.contains("l1tf") == true)

        let tailoring = try Tailoring.parse(
            Array(#"{"values": {"host.smt": {"allowed": true, "reason": "single tenant: no untrusted guests"}}}"#.utf8),
            source: "/etc/bulkhead/tailoring.json", catalog: catalog)
        let t = try #require(catalog.host("host.smt", facts, tailoring: tailoring))
        #expect(t.outcome == .pass)
        #expect(t.evidence.contains { $0.claim.contains("single tenant") && $0.source == .file(path: "/etc/bulkhead/tailoring.json", sha256: nil) })
    }

    @Test func smtOnWithRetbleedOrStibpExposureFails() throws {
        var facts = try captured()
        facts.cpu.smtControl = "on"
        // The captured spectre_v2 line ("Mitigation: Retpolines; STIBP: disabled; …") with SMT on.
        let stibp = try #require(catalog.host("host.smt", facts))
        #expect(stibp.outcome == .fail && stibp.observed?.contains("spectre_v2: Mitigation: Retpolines; STIBP: disabled") == true)
        // AMD retbleed: a file outside l1tf/mds/mmio_stale_data/tsx_async_abort, read like every other one.
        facts.cpu.vulnerabilities["spectre_v2"] =
            "Mitigation: Retpolines; STIBP: always-on; RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected"
        facts.cpu.vulnerabilities["retbleed"] = "Mitigation: untrained return thunk; SMT vulnerable"
        let retbleed = try #require(catalog.host("host.smt", facts))
        #expect(retbleed.outcome == .fail && retbleed.observed == "SMT on with retbleed: Mitigation: untrained return thunk; SMT vulnerable")
        #expect(retbleed.evidence.contains { $0.source == .file(path: "/sys/devices/system/cpu/vulnerabilities/retbleed", sha256: nil) })
    }

    @Test func smtOnWithoutExposurePassesAndUnknownIsInconclusive() throws {
        var facts = try captured()
        facts.cpu.smtControl = "on"
        // STIBP always on and retbleed protected by it: the texts bugs.c prints when SMT is isolated.
        facts.cpu.vulnerabilities["spectre_v2"] =
            "Mitigation: Retpolines; STIBP: always-on; RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected"
        facts.cpu.vulnerabilities["retbleed"] = "Mitigation: untrained return thunk; SMT enabled with STIBP protection"
        #expect(catalog.host("host.smt", facts)?.outcome == .pass)
        facts.cpu.vulnerabilities = [:]
        #expect(catalog.host("host.smt", facts)?.reason != nil)
        #expect(catalog.host("host.smt", empty)?.reason?.contains("smt/control") == true)
    }

    // MARK: mitigations on the command line

    @Test func attackVectorControlsThatDropGuestMitigationsFail() throws {
        // The captured command line has mitigations=auto,no_guest_host,no_guest_guest (Linux attack vector
        // controls): a hypervisor host must keep the guest→host and guest→guest mitigations.
        let f = try #require(catalog.host("host.mitigations-off", try captured()))
        #expect(f.outcome == .fail)
        #expect(f.observed == "mitigations=auto,no_guest_host,no_guest_guest")
    }

    @Test func mitigationsOffFailsAndCleanPasses() throws {
        var facts = try captured()
        facts.kernel.commandLine = ["BOOT_IMAGE=/vmlinuz", "root=/dev/sda1", "ro", "quiet"]
        #expect(catalog.host("host.mitigations-off", facts)?.outcome == .pass)
        facts.kernel.commandLine += ["nospectre_v2", "kvm.nx_huge_pages=off"]
        let f = try #require(catalog.host("host.mitigations-off", facts))
        #expect(f.outcome == .fail && f.observed == "nospectre_v2 kvm.nx_huge_pages=off")
        #expect(catalog.host("host.mitigations-off", empty)?.reason?.contains("/proc/cmdline") == true)
    }

    /// The KVM workarounds as the kernel parses them (Documentation/admin-guide/kernel-parameters.txt and
    /// arch/x86/kvm/mmu/mmu.c set_nx_huge_pages: "off", "never" and any kstrtobool false — 0, n, N, no — leave
    /// ITLB multihit open; kvm-intel.vmentry_l1d_flush=never leaves L1TF open), with `-` and `_` alike in a
    /// parameter's name as parse_args treats them.
    @Test func kvmWorkaroundsOffInEverySpelling() throws {
        var facts = try captured()
        for arg in [
            "kvm.nx_huge_pages=never", "kvm.nx_huge_pages=0", "kvm.nx_huge_pages=N", "kvm.nx-huge-pages=off", "kvm_intel.vmentry_l1d_flush=never",
            "kvm-intel.vmentry-l1d-flush=never", "spectre-v2=off", "nospectre-v2",
        ] {
            facts.kernel.commandLine = ["BOOT_IMAGE=/vmlinuz", "ro", arg]
            let f = catalog.host("host.mitigations-off", facts)
            #expect(f?.outcome == .fail && f?.observed == arg, "\(arg): \(f?.outcome.label ?? "-")")
        }
        for arg in ["kvm.nx_huge_pages=force", "kvm.nx_huge_pages=auto", "kvm.nx_huge_pages=Y", "kvm-intel.vmentry_l1d_flush=cond"] {
            facts.kernel.commandLine = ["BOOT_IMAGE=/vmlinuz", "ro", arg]
            #expect(catalog.host("host.mitigations-off", facts)?.outcome == .pass, "\(arg)")
        }
    }

    // MARK: nested

    @Test func nestedVirtualisation() throws {
        var facts = try captured()
        // The captured guest has no /proc/modules and /sys/module has kvm but no kvm_intel/kvm_amd — yet its
        // /dev/kvm exists (it was notApplicable before: unseen must not pass as "does not apply").
        let captured = try #require(catalog.host("host.nested-virt", facts))
        #expect(captured.reason?.contains("/dev/kvm exists") == true, "\(captured.outcome)")
        // The same CI machine on 2026-12-02: /dev/kvm comes from kvm_pvm, whose parameters have no `nested`
        // (values read from /sys/module/kvm_pvm/parameters).
        facts.kernel.moduleParameters["kvm_pvm"] = [
            "force": "N", "hb_mask": "8388607", "no_x2apic": "N", "pvf_deny": "0", "pvm_debug": "0", "pvm_emul_batch": "1024",
            "pvm_native": "Y", "pvm_wrap_single": "N", "refault_assert": "N", "stats": "N",
        ]
        let pvm = try #require(catalog.host("host.nested-virt", facts))
        #expect(pvm.reason?.hasPrefix("kvm_pvm provides /dev/kvm") == true, "\(pvm.outcome)")
        facts.kernel.moduleParameters = [:]
        #expect(catalog.host("host.nested-virt", facts)?.reason != nil)
        facts.kernel.modules = ["kvm", "kvm_intel"]
        facts.kernel.moduleParameters["kvm_intel"] = ["nested": "Y"]
        let f = try #require(catalog.host("host.nested-virt", facts))
        #expect(f.outcome == .fail && f.observed == "kvm_intel nested=Y")
        facts.kernel.moduleParameters["kvm_intel"] = ["nested": "N"]
        #expect(catalog.host("host.nested-virt", facts)?.outcome == .pass)
        facts.kernel.moduleParameters = [:]
        facts.kernel.modules = ["ext4"]
        #expect(catalog.host("host.nested-virt", facts)?.reason?.contains("/dev/kvm exists") == true)
        facts.kvm = nil
        #expect(catalog.host("host.nested-virt", facts)?.outcome == .notApplicable)
    }

    // MARK: kvm ignore_msrs

    @Test func kvmIgnoreMSRs() throws {
        var facts = try captured()
        facts.kernel.moduleParameters["kvm"] = ["ignore_msrs": "N", "report_ignored_msrs": "Y"]
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome == .pass)
        // After init's `--` the argument is init's, not the kernel's.
        facts.kernel.commandLine += ["--", "kvm.ignore_msrs=1"]
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome == .pass)
        // On the kernel's side (dash spelling, bare = on) it fails even with sysfs switched back to N.
        facts.kernel.commandLine.insert("kvm.ignore-msrs", at: 0)
        let cmdline = try #require(catalog.host("host.kvm-ignore-msrs", facts))
        #expect(cmdline.outcome == .fail && cmdline.observed == "kvm.ignore_msrs on the kernel command line", "\(cmdline.outcome)")
        facts.kernel.commandLine.removeFirst()
        facts.kernel.moduleParameters["kvm"] = ["ignore_msrs": "Y"]
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome == .fail)
        facts.kernel.moduleParameters["kvm"] = ["ignore_msrs": "maybe"]
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome.label == "inconclusive")
        // KVM's parameters unseen: inconclusive while /dev/kvm exists, notApplicable only without KVM.
        facts.kernel.moduleParameters = [:]
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome.label == "inconclusive")
        facts.kernel.modules = ["ext4"]
        facts.kvm = nil
        #expect(catalog.host("host.kvm-ignore-msrs", facts)?.outcome == .notApplicable)
        #expect(catalog.host("host.kvm-ignore-msrs", empty)?.outcome.label == "inconclusive")
    }

    // MARK: swap

    @Test func swapOnFirecrackerHosts() throws {
        let facts = try captured()
        let firecracker = IsolationMechanism(product: "firecracker", name: "firecracker", version: nil, role: .vmm, state: .installed, guests: [])
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        let judge = { (mechanisms: [IsolationMechanism]) -> Finding? in
            self.catalog.run("host.swap", CheckInput(facts: facts, mechanisms: mechanisms, observations: obs)).first
        }
        // The captured CI machine's /proc/swaps: only the header.
        obs.files["/proc/swaps"] = .content("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
        #expect(judge([])?.outcome == .notApplicable)
        #expect(judge([firecracker])?.outcome == .pass)
        // A zram device is a swap area too (the recommendation is no swap, or secure swap recorded by tailoring).
        obs.files["/proc/swaps"] = .content(
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t2097136\t\t0\t\t100\n")
        let zram = try #require(judge([firecracker]))
        #expect(zram.outcome == .fail && zram.observed == "swap active on a Firecracker host: /dev/zram0 (partition)")
        obs.files["/proc/swaps"] = .content("garbage")
        #expect(judge([firecracker])?.reason?.contains("not the kernel's table") == true)
        obs.files["/proc/swaps"] = .unreadable("permission denied")
        #expect(judge([firecracker])?.reason?.contains("permission denied") == true)
        // Absent: a kernel without swap when /proc was read, unknown when it was not.
        obs.files["/proc/swaps"] = .absent
        #expect(judge([firecracker])?.outcome == .pass)
        #expect(
            catalog.run("host.swap", CheckInput(facts: empty, mechanisms: [firecracker], observations: obs)).first?.outcome.label == "inconclusive")
        obs.files = [:]
        #expect(judge([firecracker])?.reason?.contains("not collected") == true)
    }

    // MARK: Xen spec-ctrl

    @Test func xenSpecCtrlFromGRUBDefaults() throws {
        let xen = IsolationMechanism(product: "xen", name: "xen", version: nil, role: .type1Hypervisor, state: .running, guests: [])
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        let judge = { (mechanisms: [IsolationMechanism]) -> Finding? in
            self.catalog.run("xen.spec-ctrl", CheckInput(facts: self.empty, mechanisms: mechanisms, observations: obs)).first
        }
        #expect(judge([])?.outcome == .notApplicable)
        #expect(judge([xen])?.reason?.contains("not collected") == true)
        obs.files["/etc/default/grub"] = .absent
        obs.listed["/etc/default/grub.d"] = .absent
        #expect(judge([xen])?.reason?.contains("xen.efi") == true)
        // Xen's documented forms, in /etc/default/grub, then overridden or extended by a drop-in.
        obs.files["/etc/default/grub"] = .content("GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=4G,max:4G spec-ctrl=no-xen\"\n")
        #expect(judge([xen])?.observed?.hasPrefix("spec-ctrl=no-xen (/etc/default/grub GRUB_CMDLINE_XEN_DEFAULT)") == true)
        obs.listed["/etc/default/grub.d"] = .present
        obs.files["/etc/default/grub.d/xen.cfg"] = .content(
            "# GRUB_CMDLINE_XEN_DEFAULT=\"spec-ctrl=0\"\nGRUB_CMDLINE_XEN_DEFAULT='dom0_mem=4G,max:4G'\n")
        #expect(judge([xen])?.outcome == .pass)
        obs.files["/etc/default/grub.d/xen.cfg"] = .content("export GRUB_CMDLINE_XEN=\"$GRUB_CMDLINE_XEN spec-ctrl=ibpb-entry,xen=0\"\n")
        #expect(judge([xen])?.outcome == .fail)
        obs.files["/etc/default/grub.d/xen.cfg"] = .content("GRUB_CMDLINE_XEN_DEFAULT=\"${GRUB_CMDLINE_XEN_DEFAULT} spec-ctrl=ibpb-entry\"\n")
        let kept = try #require(judge([xen]))
        #expect(kept.outcome == .fail && kept.observed?.contains("/etc/default/grub.d/xen.cfg GRUB_CMDLINE_XEN_DEFAULT") == true)
        obs.files["/etc/default/grub"] = .content("GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=4G,max:4G\"\n")
        let fine = try #require(judge([xen]))
        #expect(fine.outcome == .pass && fine.observed == "spec-ctrl=ibpb-entry does not turn the mitigations off as a whole")
        obs.files["/etc/default/grub.d/xen.cfg"] = .unreadable("permission denied")
        #expect(judge([xen])?.reason?.contains("permission denied") == true)
    }

    @Test func xenXSMAndDom0MemFromGRUBDefaults() throws {
        let xen = IsolationMechanism(product: "xen", name: "xen", version: nil, role: .type1Hypervisor, state: .running, guests: [])
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "t")
        obs.listed["/etc/default/grub.d"] = .absent
        var daemons: [DaemonConfiguration] = []
        let judge = { (id: String, line: String) -> Finding? in
            obs.files["/etc/default/grub"] = .content("GRUB_CMDLINE_XEN_DEFAULT=\"\(line)\"\n")
            return self.catalog.run(id, CheckInput(facts: self.empty, mechanisms: [xen], observations: obs, daemons: daemons)).first
        }
        #expect(self.catalog.run("xen.xsm", CheckInput(facts: empty, mechanisms: [], observations: obs)).first?.outcome == .notApplicable)
        // Xen's documented values (xen-command-line.pandoc `flask`, `xsm`); the last of each option wins.
        #expect(judge("xen.xsm", "")?.outcome == .pass)
        #expect(judge("xen.xsm", "xsm=silo")?.outcome == .pass)
        #expect(judge("xen.xsm", "flask=enforcing")?.outcome == .pass)
        #expect(judge("xen.xsm", "xsm=flask")?.observed?.contains("its default mode") == true)
        #expect(judge("xen.xsm", "flask=permissive")?.outcome == .fail)
        #expect(judge("xen.xsm", "flask=permissive flask=enforcing")?.outcome == .pass)
        #expect(judge("xen.xsm", "flask=disabled")?.outcome == .fail)
        #expect(judge("xen.xsm", "xsm=dummy")?.outcome == .fail)
        // flask= decides nothing once SILO is chosen.
        #expect(judge("xen.xsm", "xsm=silo flask=permissive")?.outcome == .pass)
        #expect(judge("xen.xsm", "xsm=flask flask=late")?.reason?.contains("xl loadpolicy") == true)
        #expect(judge("xen.xsm", "flask=on")?.outcome.label == "inconclusive")
        #expect(judge("xen.xsm", "xsm")?.outcome.label == "inconclusive")
        // dom0_mem and xl.conf's autoballoon (xl.conf(5); tools/xl/xl.c reads "on"/"1" as on).
        #expect(judge("xen.dom0-mem", "flask=enforcing")?.outcome == .fail)
        #expect(judge("xen.dom0-mem", "dom0_mem=4G,max:4G")?.outcome == .pass)
        #expect(judge("xen.dom0-mem", "dom0_mem=4G")?.observed?.contains("no max:") == true)
        #expect(judge("xen.dom0-mem", "dom0_mem")?.outcome.label == "inconclusive")
        for (value, outcome) in [("on", Outcome.fail), ("1", .fail), ("off", .pass), ("auto", .pass), ("maybe", .pass)] {
            var toolstack = XenToolstackConfiguration()
            toolstack.autoballoon = value
            daemons = [DaemonConfiguration(product: "xen", path: "/etc/xen/xl.conf", settings: .xenToolstack(toolstack))]
            #expect(judge("xen.dom0-mem", "dom0_mem=4G,max:4G")?.outcome == outcome, "autoballoon \(value)")
        }
        daemons = [
            DaemonConfiguration(
                product: "xen", path: "/etc/xen/xl.conf", settings: nil,
                problems: [Problem(subject: "/etc/xen/xl.conf", message: "permission denied")])
        ]
        #expect(judge("xen.dom0-mem", "dom0_mem=4G,max:4G")?.reason?.contains("permission denied") == true)
    }

    // MARK: IOMMU

    @Test func iommu() throws {
        var facts = try captured()
        // The captured guest has no IOMMU groups and no IOMMU argument.
        #expect(catalog.host("host.iommu", facts)?.outcome == .fail)
        facts.kernel.commandLine.append("intel_iommu=on")
        facts.iommu = IOMMUFacts(groupCount: 18)
        let f = try #require(catalog.host("host.iommu", facts))
        #expect(f.outcome == .pass && f.observed == "18 IOMMU groups (intel_iommu=on)")
        facts.kernel.commandLine.append("intel_iommu=off")
        #expect(catalog.host("host.iommu", facts)?.outcome == .fail)
        facts.problems = [Problem(subject: "/sys/kernel/iommu_groups", message: "permission denied")]
        facts.kernel.commandLine.removeLast()
        #expect(catalog.host("host.iommu", facts)?.reason?.contains("permission denied") == true)
        #expect(catalog.host("host.iommu", empty)?.reason != nil)
    }

    // MARK: KSM

    @Test func ksm() throws {
        let facts = try captured()
        var obs = try Fixture.observations("fc-guest")
        #expect(catalog.host("host.ksm", facts, observations: obs)?.outcome == .pass)  // captured run = 0
        obs.files["/sys/kernel/mm/ksm/run"] = .content("1\n")
        #expect(catalog.host("host.ksm", facts, observations: obs)?.outcome == .fail)
        obs.files["/sys/kernel/mm/ksm/run"] = .unreadable("permission denied")
        #expect(catalog.host("host.ksm", facts, observations: obs)?.reason?.contains("permission denied") == true)
        #expect(catalog.host("host.ksm", facts)?.reason?.contains("/sys/kernel/mm/ksm/run") == true)
        obs.files["/sys/kernel/mm/ksm/run"] = .absent
        // Absent ksm/ beside a present /sys/kernel/mm: a kernel without KSM, the safe state, and the check says why.
        let notBuilt = catalog.host("host.ksm", facts, observations: obs)
        #expect(notBuilt?.outcome == .pass)
        #expect(notBuilt?.observed?.contains("absence is the safe state") == true)
        // No sysfs at all (an empty or offline root): unseen never passes.
        obs.files["/sys/kernel/mm"] = .absent
        let unseen = catalog.host("host.ksm", facts, observations: obs)
        #expect(unseen?.reason != nil)
        #expect(unseen?.reason?.contains("sysfs was not seen") == true)
    }

    @Test func anEmptyRootDoesNotPassKSM() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let obs = Fixture.observations(root: DirectoryHostRoot(directory: dir.path), label: "empty")
        let f = catalog.host("host.ksm", HostFacts(collectedAt: Fixture.collectedAt, source: "empty"), observations: obs)
        #expect(f?.reason != nil, "\(String(describing: f?.outcome))")
    }

    @Test func aHostThatIsItselfAVMSaysSoBesideCPUFindings() throws {
        // The captured Firecracker guest tree with the captured /proc/cpuinfo of a KVM guest (hypervisor flag).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-vm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: try Fixture.url("hosts/fc-guest"), to: dir)
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let cpuinfo = tests.appendingPathComponent("HostInspectionTests/Fixtures/cpuinfo.txt")
        try FileManager.default.copyItem(at: cpuinfo, to: dir.appendingPathComponent("proc/cpuinfo"))
        var facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect(now: Fixture.collectedAt)
        #expect(facts.virtualization.isGuest == true)
        for id in ["host.smt", "host.cpu-vulnerabilities", "host.mitigations-off"] {
            let f = try #require(catalog.host(id, facts))
            #expect(f.observed?.contains("this host is itself a virtual machine") == true, "\(id): \(f.observed ?? "")")
            #expect(f.observed?.contains("virtual CPUs") == true)
        }
        // Other host checks are not annotated, and a bare-metal host gets no note.
        #expect(catalog.host("host.ksm", facts)?.observed?.contains("virtual machine") != true)
        facts.virtualization = HostVirtualization(isGuest: false)
        #expect(catalog.host("host.smt", facts)?.observed?.contains("virtual machine") == false)
    }

    // MARK: VFIO

    @Test func vfioUnsafeInterrupts() throws {
        var facts = try captured()
        // kvm's parameters were read but vfio_iommu_type1 has none: the module is not there.
        #expect(catalog.host("host.vfio-unsafe-interrupts", facts)?.outcome == .notApplicable)
        #expect(catalog.host("host.vfio-unsafe-interrupts", empty)?.reason != nil)
        facts.kernel.moduleParameters["vfio_iommu_type1"] = ["allow_unsafe_interrupts": "Y"]
        #expect(catalog.host("host.vfio-unsafe-interrupts", facts)?.outcome == .fail)
        facts.kernel.moduleParameters["vfio_iommu_type1"] = ["allow_unsafe_interrupts": "N"]
        #expect(catalog.host("host.vfio-unsafe-interrupts", facts)?.outcome == .pass)
        facts.kernel.commandLine.append("vfio_iommu_type1.allow_unsafe_interrupts=1")
        #expect(catalog.host("host.vfio-unsafe-interrupts", facts)?.outcome == .fail)
        facts.kernel.commandLine.removeLast()
        facts.kernel.moduleParameters = [:]
        facts.kernel.modules = ["kvm"]
        #expect(catalog.host("host.vfio-unsafe-interrupts", facts)?.outcome == .notApplicable)
    }

    // MARK: lockdown

    @Test func lockdown() throws {
        var facts = try captured()
        // The captured host has no /sys/kernel/security/lockdown.
        #expect(catalog.host("host.lockdown", facts)?.reason?.contains("/sys/kernel/security/lockdown") == true)
        facts.kernel.lockdown = "[none] integrity confidentiality"
        #expect(catalog.host("host.lockdown", facts)?.outcome == .fail)
        facts.kernel.lockdown = "none [integrity] confidentiality"
        #expect(catalog.host("host.lockdown", facts)?.outcome == .pass)
        facts.kernel.lockdown = "confidentiality"
        #expect(catalog.host("host.lockdown", facts)?.outcome == .pass)
    }

    // MARK: SELinux / AppArmor

    @Test func lsmEnforcing() throws {
        let id = "host.lsm-enforcing"
        let facts = try captured()
        var obs = try Fixture.observations("fc-guest")
        // The captured CI guest's kernel has neither SELinux nor AppArmor, and its sysfs was seen.
        let captured = try #require(catalog.host(id, facts, observations: obs))
        #expect(captured.outcome == .fail, "\(captured.outcome)")
        #expect(captured.observed?.contains("neither SELinux") == true)
        #expect(captured.controls == ["ISM-1605"] && captured.severity == .medium)
        // No observations at all: inconclusive, naming the file.
        #expect(catalog.host(id, facts)?.reason?.contains("/sys/fs/selinux/enforce") == true)

        let enforce = "/sys/fs/selinux/enforce"
        let enabled = "/sys/module/apparmor/parameters/enabled"
        let profiles = "/sys/kernel/security/apparmor/profiles"
        obs.files[enforce] = .unreadable("permission denied")
        #expect(catalog.host(id, facts, observations: obs)?.reason?.contains("permission denied") == true)
        obs.files[enforce] = .content("1\n")
        #expect(catalog.host(id, facts, observations: obs)?.outcome == .pass)
        obs.files[enforce] = .content("0")
        #expect(catalog.host(id, facts, observations: obs)?.observed?.contains("permissive") == true)
        obs.files[enforce] = .content("2")
        #expect(catalog.host(id, facts, observations: obs)?.reason?.contains("unrecognised") == true)

        // AppArmor enabled: the profiles' modes decide.
        obs.files[enforce] = .absent
        obs.files[enabled] = .content("Y\n")
        obs.files[profiles] = .content("libvirtd (complain)\nvirt-aa-helper (complain)\n")
        let complain = try #require(catalog.host(id, facts, observations: obs))
        #expect(complain.outcome == .fail && complain.observed?.contains("2 complain") == true, "\(complain)")
        obs.files[profiles] = .content("")
        #expect(catalog.host(id, facts, observations: obs)?.outcome == .fail)
        obs.files[profiles] = .content("libvirt-5a2d4c3e-9b4f-4b7e-8f1c-2d6a0e4b1c77 (enforce)\nlibvirtd (complain)\n")
        #expect(catalog.host(id, facts, observations: obs)?.outcome == .pass)
        // sVirt: a running libvirt guest needs its own libvirt-UUID profile in enforce mode.
        let uuid = "5a2d4c3e-9b4f-4b7e-8f1c-2d6a0e4b1c77"
        func libvirt(_ uuid: String) -> IsolationMechanism {
            var domain = LibvirtDomain()
            (domain.name, domain.uuid) = ("web", uuid)
            return IsolationMechanism(
                product: "libvirt", name: "libvirt", role: .management, state: .running,
                guests: [Guest(name: "web", pid: 4242, running: true, configuration: .libvirt(domain))])
        }
        func judge(_ mechanism: IsolationMechanism) -> Finding? {
            let f = catalog.run(id, CheckInput(facts: facts, mechanisms: [mechanism], observations: obs))
            return f.count == 1 ? f[0] : nil
        }
        #expect(judge(libvirt(uuid.uppercased()))?.observed?.contains("1 running libvirt guest") == true)
        let other = try #require(judge(libvirt("0b3c9e1a-7d6f-4c2e-9a8b-1f2e3d4c5b6a")))
        #expect(other.outcome == .fail && other.observed?.contains("web: no libvirt-0b3c9e1a") == true, "\(other)")
        obs.files[profiles] = .content("libvirt-\(uuid) (complain)\nlibvirtd (enforce)\n")
        #expect(judge(libvirt(uuid))?.observed?.contains("is in complain mode") == true)
        // A profile whose name mimics a mode does not count: only the trailing "(MODE)" is read.
        obs.files[profiles] = .content("evil (enforce) (complain)\n")
        #expect(catalog.host(id, facts, observations: obs)?.outcome == .fail)
        obs.files[profiles] = .unreadable("permission denied")
        #expect(catalog.host(id, facts, observations: obs)?.reason?.contains(profiles) == true)
        obs.files[profiles] = .absent
        #expect(catalog.host(id, facts, observations: obs)?.reason?.contains("securityfs") == true)
        obs.files[enabled] = .content("N")
        #expect(catalog.host(id, facts, observations: obs)?.observed?.contains("disabled") == true)
        obs.files[enabled] = .unreadable("permission denied")
        #expect(catalog.host(id, facts, observations: obs)?.reason?.contains(enabled) == true)
    }

    @Test func anEmptyRootDoesNotPassLSMEnforcing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let obs = Fixture.observations(root: DirectoryHostRoot(directory: dir.path), label: "empty")
        let f = catalog.host("host.lsm-enforcing", HostFacts(collectedAt: Fixture.collectedAt, source: "empty"), observations: obs)
        #expect(f?.reason?.contains("sysfs was not seen") == true, "\(String(describing: f?.outcome))")
    }

    // MARK: /dev/kvm

    @Test func kvmDevice() throws {
        var facts = try captured()
        let f = try #require(catalog.host("host.kvm-device", facts))
        #expect(f.outcome == .pass && f.observed == "/dev/kvm mode 0660 owner 0:107")
        facts.kvm = KVMDeviceFacts(mode: "0666", ownerUID: 0, groupGID: 107)
        #expect(catalog.host("host.kvm-device", facts)?.outcome == .fail)
        facts.kvm = KVMDeviceFacts(mode: "rw-rw-rw-", ownerUID: 0, groupGID: 107)
        #expect(catalog.host("host.kvm-device", facts)?.reason != nil)
        #expect(catalog.host("host.kvm-device", empty)?.reason?.contains("/dev/kvm") == true)
    }
}
