import FoundationEssentials

/// Names the isolation mechanism from the collected tells. Order matters: a sandbox kernel (gVisor)
/// is checked before hardware tells, because CPUID inside gVisor describes the host's hypervisor.
enum Identify {
    static func identify(_ r: ProbeReport) -> Identification {
        var id = Identification()
        let version = r.kernel.version ?? ""
        let cmdline = r.kernel.commandLine ?? ""
        let dmiVendor = (r.firmware.dmi["sys_vendor"] ?? "") + " " + (r.firmware.dmi["product_name"] ?? "")
        let oems = Set(r.firmware.acpiOEMIDs.values.map { $0.uppercased() })

        // gVisor: the Sentry reports a fixed fake kernel and small namespace inode numbers.
        if version.contains("Sun Jan 10 15:06:54 PST 2016") || version.lowercased().contains("gvisor") {
            id.reasons.append("/proc/version is gVisor's synthetic kernel (\(clip(version, 80)))")
        }
        let smallInodes = r.namespaces.values.contains { v in
            guard let open = v.firstIndex(of: "["), let close = v.firstIndex(of: "]"), open < close,
                let n = UInt64(v[v.index(after: open)..<close])
            else { return false }
            return n < 4096
        }
        if smallInodes { id.reasons.append("namespace inode numbers are small (Sentry-assigned)") }
        if !id.reasons.isEmpty {
            id.mechanism = "gvisor"
            id.kind = "sandbox-kernel"
            id.confidence = id.reasons.count >= 2 ? "high" : "medium"
            return id
        }

        // Kata: a VM whose kernel command line carries the agent's parameters.
        if cmdline.contains("agent.") && (cmdline.contains("kata") || cmdline.contains("agent.log")) {
            id.mechanism = "kata"
            id.kind = "vm"
            id.confidence = "medium"
            id.reasons.append("kernel command line carries Kata agent parameters")
            return id
        }

        let hv = r.cpu.hypervisorVendor ?? ""
        var vm: String?
        if r.cpu.hypervisorBit { id.reasons.append("CPUID leaf 1 ECX[31] (hypervisor present) set") }
        if !hv.isEmpty { id.reasons.append("CPUID leaf 0x40000000 vendor \"\(hv)\"") }
        if oems.contains("FIRECK") || r.devices.platform.contains(where: { $0.hasPrefix("AMZNC10C") })
            || (r.firmware.dmi.isEmpty && r.cpu.hypervisorBit && r.devices.pci.isEmpty && !r.devices.virtio.isEmpty)
        {
            vm = "firecracker"
            id.reasons.append("Firecracker tells: ACPI OEM id FIRECK, AMZNC10C device or virtio-mmio without DMI")
        } else if oems.contains("CLOUDH") || dmiVendor.contains("Cloud Hypervisor") {
            vm = "cloud-hypervisor"
            id.reasons.append("Cloud Hypervisor tells: ACPI OEM id CLOUDH or DMI vendor")
        } else if hv.hasPrefix("TCGTCGTCG") {
            vm = "qemu-tcg"
        } else if hv.hasPrefix("KVMKVMKVM") || hv.hasPrefix("Linux KVM Hv") {
            vm = "kvm"
        } else if hv.hasPrefix("XenVMMXenVMM") || r.firmware.sysHypervisorType == "xen" {
            vm = "xen"
        } else if hv.hasPrefix("Microsoft Hv") {
            vm = "hyper-v"
        } else if hv.hasPrefix("VMwareVMware") {
            vm = "vmware"
        } else if hv.hasPrefix("VBoxVBoxVBox") {
            vm = "virtualbox"
        } else if hv.hasPrefix("bhyve bhyve") {
            vm = "bhyve"
        } else if dmiVendor.contains("QEMU") {
            vm = "qemu-tcg"
            id.reasons.append("DMI names QEMU without a KVM CPUID signature")
        } else if r.cpu.hypervisorBit {
            vm = "unknown-hypervisor"
        }
        if !dmiVendor.trimmed().isEmpty { id.reasons.append("DMI: \(clip(dmiVendor, 80))") }

        // A container or namespace sandbox inside that VM (or on bare metal) is described by its
        // namespaces: the initial user namespace maps 0 0 4294967295; a sandbox usually differs.
        let nsSandbox = (r.userNamespace.initial == false) || r.namespaces["pid"].map { !$0.contains("4026531836") } == true
        if nsSandbox {
            id.reasons.append("non-initial namespaces (pid \(r.namespaces["pid"] ?? "?"), user map \(r.userNamespace.uidMap))")
            id.mechanism = "namespaces"
            id.kind = "container"
            id.confidence = "medium"
            if let vm { id.reasons.append("running inside a \(vm) virtual machine") }
            return id
        }
        if let vm {
            id.mechanism = vm
            id.kind = "vm"
            id.confidence = hv.isEmpty ? "medium" : "high"
            return id
        }
        id.mechanism = "none"
        id.kind = "host"
        id.confidence = "low"
        id.reasons.append("no hypervisor, sandbox-kernel or namespace tells")
        return id
    }
}
