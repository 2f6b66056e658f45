import BulkheadModel
import Foundation

/// Decides whether the host is itself a virtual machine, from file fingerprints only (no CPUID, no
/// programs run), naming the hypervisor the way `systemd-detect-virt` would. Each fingerprint found
/// becomes one `Evidence` item.
///
/// - `hypervisor`: the hypervisor that runs this machine (`KVM`, `Xen`, `Microsoft Hyper-V`, `VMware`,
///   `VirtualBox`, `QEMU` when no KVM fingerprint accompanies it).
/// - `platform`: the more specific VMM or cloud when a fingerprint names it (`Firecracker`,
///   `Cloud Hypervisor`, `QEMU`, `Amazon EC2`, `Google Compute Engine`).
struct VirtualizationDetector {
    let root: any HostRoot
    let options: InspectionOptions

    private struct Found {
        var guest: Bool?
        var hypervisors: [String] = []  // strong first
        var platforms: [String] = []
        var evidence: [Evidence] = []
        var readSomething = false
    }

    /// DMI vendor strings (prefix match, like systemd's `dmi_vendor_table`) → (hypervisor, platform).
    static let dmiVendors: [(prefix: String, hypervisor: String?, platform: String?)] = [
        ("KVM", "KVM", nil), ("OpenStack", "KVM", "OpenStack"), ("KubeVirt", "KVM", "KubeVirt"),
        ("Amazon EC2", nil, "Amazon EC2"), ("QEMU", "QEMU", "QEMU"), ("VMware", "VMware", nil), ("VMW", "VMware", nil),
        ("innotek GmbH", "VirtualBox", nil), ("VirtualBox", "VirtualBox", nil), ("Oracle Corporation", "VirtualBox", nil),
        ("Xen", "Xen", nil), ("Bochs", "QEMU", "Bochs"), ("Parallels", "Parallels", nil), ("BHYVE", "bhyve", nil),
        ("Hyper-V", "Microsoft Hyper-V", nil), ("Apple Virtualization", "Apple Virtualization", nil),
        ("Google Compute Engine", "KVM", "Google Compute Engine"), ("Google", "KVM", "Google Compute Engine"),
        ("Firecracker", "KVM", "Firecracker"), ("Cloud Hypervisor", "KVM", "Cloud Hypervisor"),
    ]

    /// ACPI table OEM IDs written by VMMs.
    static let acpiOEMs: [(prefix: String, hypervisor: String?, platform: String)] = [
        ("FIRECK", "KVM", "Firecracker"), ("CLOUDH", "KVM", "Cloud Hypervisor"), ("BOCHS", nil, "QEMU"), ("BXPC", nil, "QEMU"),
        ("VBOX", "VirtualBox", "VirtualBox"), ("VMWARE", "VMware", "VMware"), ("AMAZON", nil, "Amazon EC2"),
        ("Google", "KVM", "Google Compute Engine"), ("VRTUAL", "Microsoft Hyper-V", "Microsoft Hyper-V"),
        ("Xen", "Xen", "Xen"),
    ]

    func detect(cpu: CPUFacts, kernel: KernelFacts, now: Date, problems: inout ProblemLog) -> HostVirtualization {
        var found = Found()
        func evidence(_ claim: String, _ path: String) {
            found.evidence.append(Evidence(claim: claim, source: .file(path: path, sha256: nil), observedAt: now, confidence: .high))
        }

        // 1. CPUID's hypervisor-present bit, as the kernel shows it.
        if cpu.logicalCPUs != nil || !cpu.flags.isEmpty {
            found.readSomething = true
            if cpu.flags.contains("hypervisor") {
                found.guest = true
                evidence("CPU flags include `hypervisor` (CPUID hypervisor-present bit): running under a hypervisor", "/proc/cpuinfo")
            } else if found.guest == nil {
                found.guest = false
            }
        }

        // 2. Paravirtual clock sources registered only in guests.
        let clocks = "/sys/devices/system/clocksource/clocksource0/available_clocksource"
        if let text = read(clocks, &problems) {
            found.readSomething = true
            let names = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            for (clock, hypervisor) in [
                ("kvm-clock", "KVM"), ("xen", "Xen"), ("hyperv_clocksource_tsc_page", "Microsoft Hyper-V"),
                ("hyperv_clocksource_msr", "Microsoft Hyper-V"),
            ]
            where names.contains(clock) {
                found.guest = true
                found.hypervisors.append(hypervisor)
                evidence("clock source `\(clock)` is available: the kernel found the \(hypervisor) paravirtual interface", clocks)
            }
        }

        // 3. Xen interfaces.
        if let type = read("/sys/hypervisor/type", &problems)?.trimmed, !type.isEmpty {
            found.readSomething = true
            let name = type.lowercased() == "xen" ? "Xen" : type
            found.hypervisors.append(name)
            if let caps = read("/proc/xen/capabilities", &problems), caps.contains("control_d") {
                evidence(
                    "/sys/hypervisor/type is `\(type)` and /proc/xen/capabilities has `control_d`: this is the Xen control domain (dom0), not a guest",
                    "/proc/xen/capabilities")
                found.guest = false
            } else {
                found.guest = true
                evidence("/sys/hypervisor/type is `\(type)`", "/sys/hypervisor/type")
            }
        } else if root.kind(of: "/proc/xen") == .directory {
            found.readSomething = true
            found.hypervisors.append("Xen")
            if let caps = read("/proc/xen/capabilities", &problems), caps.contains("control_d") {
                found.guest = false
                evidence("/proc/xen/capabilities has `control_d`: Xen control domain (dom0)", "/proc/xen/capabilities")
            } else {
                found.guest = true
                evidence("/proc/xen exists: running on Xen", "/proc/xen")
            }
        }

        // 4. DMI (SMBIOS) strings.
        for field in ["sys_vendor", "product_name", "bios_vendor", "board_vendor"] {
            let path = "/sys/class/dmi/id/\(field)"
            guard let value = read(path, &problems)?.trimmed, !value.isEmpty else { continue }
            found.readSomething = true
            if field == "product_name" && value.hasPrefix("Virtual Machine") {
                // Microsoft's Hyper-V product name (sys_vendor `Microsoft Corporation`).
                if let vendor = read("/sys/class/dmi/id/sys_vendor", &problems), vendor.hasPrefix("Microsoft Corporation") {
                    found.guest = true
                    found.hypervisors.append("Microsoft Hyper-V")
                    evidence("DMI \(field) is `\(value)` from Microsoft Corporation: Hyper-V", path)
                }
                continue
            }
            if let match = Self.dmiVendors.first(where: { value.hasPrefix($0.prefix) }) {
                found.guest = true
                if let h = match.hypervisor { found.hypervisors.append(h) }
                if let p = match.platform { found.platforms.append(p) }
                evidence("DMI \(field) is `\(value)`", path)
            }
        }

        // 5. Device tree (ARM and others).
        if let compatible = read("/proc/device-tree/hypervisor/compatible", &problems) {
            found.readSomething = true
            let values = compatible.split(separator: "\u{0}").map(String.init)
            found.guest = true
            if values.contains(where: { $0.hasPrefix("linux,kvm") }) { found.hypervisors.append("KVM") }
            if values.contains(where: { $0.hasPrefix("xen,xen") }) { found.hypervisors.append("Xen") }
            evidence("device tree names a hypervisor: \(values.joined(separator: ", "))", "/proc/device-tree/hypervisor/compatible")
        }

        // 6. ACPI table OEM IDs (bytes 10..<16 of any table header; FACP is small). Needs root.
        for table in ["FACP", "DSDT"] {
            let path = "/sys/firmware/acpi/tables/\(table)"
            do {
                let bytes = try root.read(path, limit: 4 << 20)
                guard bytes.count >= 16 else { continue }
                found.readSomething = true
                let oem = String(decoding: bytes[10..<16], as: UTF8.self).trimmed
                if let match = Self.acpiOEMs.first(where: { oem.hasPrefix($0.prefix) }) {
                    found.guest = true
                    if let h = match.hypervisor { found.hypervisors.append(h) }
                    found.platforms.append(match.platform)
                    evidence("ACPI \(table) table OEM ID is `\(oem)`: written by \(match.platform)", path)
                }
                break
            } catch {
                if error.code != .notFound && error.code != .permissionDenied { problems.add(error) }
            }
        }

        // 7. virtio devices (supporting evidence of a paravirtual machine; not a verdict on their own).
        if let devices = list("/sys/bus/virtio/devices", &problems), !devices.isEmpty {
            evidence("\(devices.count) virtio device(s) on the virtio bus (paravirtual devices)", "/sys/bus/virtio/devices")
        }
        if let platform = list("/sys/bus/platform/devices", &problems) {
            let mmio = platform.filter { $0.contains("virtio_mmio") || $0.hasPrefix("LNRO0005") || $0.contains("virtio-mmio") }
            if !mmio.isEmpty {
                found.guest = found.guest ?? true
                evidence(
                    "virtio-mmio platform device(s) \(mmio.prefix(4).joined(separator: ", ")): a microVM-style machine", "/sys/bus/platform/devices")
            }
        }
        if kernel.commandLine.contains(where: { $0.hasPrefix("virtio_mmio.device=") }) {
            found.guest = found.guest ?? true
            evidence("kernel command line declares virtio_mmio.device= (as Firecracker passes to its guests)", "/proc/cmdline")
        }

        guard found.readSomething || !found.evidence.isEmpty else { return HostVirtualization() }
        var hypervisor = found.hypervisors.first
        // QEMU from DMI with a KVM clock is QEMU/KVM: the hypervisor is KVM.
        if found.hypervisors.contains("KVM") { hypervisor = "KVM" }
        let platform = found.platforms.first
        if found.guest == true && hypervisor == nil, let platform, ["Firecracker", "Cloud Hypervisor", "Google Compute Engine"].contains(platform) {
            hypervisor = "KVM"
        }
        if found.guest == true && hypervisor == nil {
            hypervisor = platform
        }
        var result = HostVirtualization(isGuest: found.guest, hypervisor: hypervisor, evidence: found.evidence)
        result.platform = platform
        return result
    }

    private func read(_ path: String, _ problems: inout ProblemLog) -> String? {
        do {
            return try root.readText(path, limit: 64 << 10)
        } catch {
            if error.code != .notFound { problems.add(error) }
            return nil
        }
    }

    private func list(_ path: String, _ problems: inout ProblemLog) -> [String]? {
        do {
            return try root.list(path).sorted()
        } catch {
            if error.code != .notFound { problems.add(error) }
            return nil
        }
    }
}
