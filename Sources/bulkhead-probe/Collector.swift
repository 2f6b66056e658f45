import FoundationEssentials

enum Collector {
    static func collect(files: inout Files) -> ProbeReport {
        var r = ProbeReport()
        r.cpu = CPUID.collect()
        r.cpu.cpuinfoFlags = cpuinfoFlags(&files)
        r.firmware = firmware(&files)
        r.kernel = kernel(&files)
        r.devices = devices(&files)
        r.nestedVirtualization = nested(r.cpu)
        r.process = process(&files)
        r.namespaces = namespaces(&files)
        r.userNamespace = userNamespace(&files)
        r.mounts = mounts(&files)
        r.cgroup = cgroup(&files, mounts: mountEntries(&files))
        r.lsm = LSMReport(
            current: files.line("/proc/self/attr/current"),
            enabled: (files.line("/sys/kernel/security/lsm") ?? "").split(separator: ",").map(String.init))
        r.identification = Identify.identify(r)
        r.problems = files.problems
        return r
    }

    // MARK: CPU

    static let interestingFlags: Set<String> = ["vmx", "svm", "hypervisor", "ept", "npt", "nested_virt"]

    static func cpuinfoFlags(_ files: inout Files) -> [String] {
        guard let text = files.text("/proc/cpuinfo", limit: 1 << 20) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            return parts[1].split(separator: " ").map(String.init).filter { interestingFlags.contains($0) }.sorted()
        }
        return []
    }

    static func nested(_ cpu: CPUReport) -> NestedReport {
        var n = NestedReport()
        if cpu.vmx { n.evidence.append("CPUID leaf 1 ECX[5] (VMX) set") }
        if cpu.svm { n.evidence.append("CPUID 0x80000001 ECX[2] (SVM) set") }
        if cpu.cpuinfoFlags.contains("vmx") { n.evidence.append("/proc/cpuinfo flags include vmx") }
        if cpu.cpuinfoFlags.contains("svm") { n.evidence.append("/proc/cpuinfo flags include svm") }
        n.exposed = !n.evidence.isEmpty
        return n
    }

    // MARK: firmware

    static func firmware(_ files: inout Files) -> FirmwareReport {
        var f = FirmwareReport()
        for key in [
            "sys_vendor", "product_name", "product_version", "bios_vendor", "bios_version", "board_vendor",
            "chassis_vendor", "chassis_asset_tag",
        ] {
            if let value = files.line("/sys/class/dmi/id/" + key) { f.dmi[key] = value }
        }
        f.sysHypervisorType = files.line("/sys/hypervisor/type")
        for table in files.list("/sys/firmware/acpi/tables", limit: 64) {
            let path = "/sys/firmware/acpi/tables/" + table
            guard files.kind(path) == .typeRegular, let data = files.read(path, limit: 1 << 20), data.count >= 16
            else { continue }
            let oem = String(decoding: data.dropFirst(10).prefix(6), as: UTF8.self)
            f.acpiOEMIDs[table] = clip(printable(oem).trimmed(), 16)
        }
        return f
    }

    static func kernel(_ files: inout Files) -> KernelReport {
        var k = KernelReport()
        k.version = files.line("/proc/version")
        k.commandLine = files.line("/proc/cmdline")
        return k
    }

    // MARK: devices

    static func hex(_ s: String?) -> UInt32? {
        guard let s else { return nil }
        let digits = s.hasPrefix("0x") ? String(s.dropFirst(2)) : s
        return UInt32(digits, radix: 16)
    }

    /// (classification, risky) for a PCI function.
    static func classify(vendor: UInt32?, device: UInt32?, pciClass: UInt32?) -> (String, Bool) {
        let cls = pciClass.map { $0 >> 8 } ?? 0  // base class + subclass
        if vendor == 0x1af4 { return ("virtio", false) }
        switch cls {
        case 0x0c03: return ("usb-controller", true)
        case 0x0401, 0x0403: return ("sound", true)
        case 0x0c00: return ("firewire", true)
        case 0x0701: return ("parallel-port", true)
        case 0x0601: return ("isa-bridge", false)
        case 0x0101: return ("ide", false)
        case 0x0200:
            // e1000/e1000e/rtl8139/pcnet: fully emulated NICs with a long CVE history.
            if vendor == 0x8086 || vendor == 0x10ec || vendor == 0x1022 { return ("emulated-nic", false) }
            return ("network", false)
        case 0x0300, 0x0380: return ("display", false)
        case 0x0600, 0x0604, 0x0680: return ("bridge", false)
        default: return ("other", false)
        }
    }

    static func devices(_ files: inout Files) -> DeviceReport {
        var d = DeviceReport()
        for slot in files.list("/sys/bus/pci/devices", limit: 512) {
            let base = "/sys/bus/pci/devices/" + slot
            let vendor = files.line(base + "/vendor")
            let device = files.line(base + "/device")
            let pciClass = files.line(base + "/class")
            let (classification, risky) = classify(vendor: hex(vendor), device: hex(device), pciClass: hex(pciClass))
            d.pci.append(
                PCIDevice(
                    slot: clip(slot, 64), vendor: vendor, device: device, pciClass: pciClass,
                    classification: classification, risky: risky))
            if risky { d.legacy.append(LegacyDevice(kind: classification, evidence: "PCI \(slot) class \(pciClass ?? "?")")) }
        }
        for name in files.list("/sys/bus/virtio/devices", limit: 256) {
            d.virtio[clip(name, 64)] = files.line("/sys/bus/virtio/devices/\(name)/device") ?? "?"
        }
        d.platform = files.list("/sys/bus/platform/devices", limit: 512).map { clip($0, 64) }
        for name in files.list("/sys/bus/pnp/devices", limit: 256) {
            if let id = files.line("/sys/bus/pnp/devices/\(name)/id") {
                for one in id.split(separator: " ") { d.pnp.append(clip(String(one), 32)) }
            }
        }
        // Floppy controller (VENOM, CVE-2015-3456): ACPI/PNP id PNP0700, the platform device the
        // floppy driver creates, /proc/ioports, or a block device fd0.
        if d.pnp.contains(where: { $0.uppercased() == "PNP0700" || $0.uppercased() == "PNP0701" }) {
            d.legacy.append(LegacyDevice(kind: "floppy-controller", evidence: "/sys/bus/pnp/devices: PNP0700"))
        }
        if d.platform.contains(where: { $0.hasPrefix("floppy") }) {
            d.legacy.append(LegacyDevice(kind: "floppy-controller", evidence: "/sys/bus/platform/devices/floppy.*"))
        }
        if let ioports = files.text("/proc/ioports", limit: 64 * 1024) {
            for line in ioports.split(separator: "\n") {
                let name = line.split(separator: ":", maxSplits: 1).last.map {
                    $0.trimmed()
                }
                if name == "floppy" || name == "fd" || name == "floppy DIR" {
                    d.legacy.append(
                        LegacyDevice(kind: "floppy-controller", evidence: "/proc/ioports: \(clip(printable(String(line)), 80))"))
                    break
                }
            }
        }
        if files.exists("/sys/block/fd0") {
            d.legacy.append(LegacyDevice(kind: "floppy-controller", evidence: "/sys/block/fd0"))
        }
        if d.pnp.contains(where: { $0.uppercased() == "PNP0400" || $0.uppercased() == "PNP0401" }) {
            d.legacy.append(LegacyDevice(kind: "parallel-port", evidence: "/sys/bus/pnp/devices: PNP0400"))
        }
        if files.exists("/proc/asound/cards"), let cards = files.text("/proc/asound/cards", limit: 16 * 1024),
            !cards.contains("no soundcards")
        {
            d.legacy.append(LegacyDevice(kind: "sound", evidence: "/proc/asound/cards lists a card"))
        }
        d.devKVM = files.exists("/dev/kvm")
        return d
    }

    // MARK: process

    static let capabilityNames = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    static func capabilities(_ hexMask: String?) -> [String] {
        guard let hexMask, hexMask.count <= 16, let mask = UInt64(hexMask, radix: 16) else { return [] }
        var names: [String] = []
        for bit in 0..<64 where mask & (UInt64(1) << UInt64(bit)) != 0 {
            names.append(bit < capabilityNames.count ? capabilityNames[bit] : "CAP_\(bit)")
        }
        return names
    }

    static func process(_ files: inout Files) -> ProcessReport {
        var p = ProcessReport()
        guard let status = files.text("/proc/self/status", limit: 64 * 1024) else {
            files.note("/proc/self/status", "cannot be read; capabilities and seccomp unknown")
            return p
        }
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmed()
            switch parts[0] {
            case "Uid": p.uid = clip(value.split(separator: "\t").first.map(String.init) ?? value, 32)
            case "CapEff": p.capEff = clip(value, 32)
            case "CapBnd": p.capBnd = clip(value, 32)
            case "Seccomp": p.seccomp = Int(value)
            case "Seccomp_filters": p.seccompFilters = Int(value)
            case "NoNewPrivs": p.noNewPrivs = Int(value).map { $0 != 0 }
            default: break
            }
        }
        p.capEffNames = capabilities(p.capEff)
        p.capBndNames = capabilities(p.capBnd)
        return p
    }

    static func namespaces(_ files: inout Files) -> [String: String] {
        var ns: [String: String] = [:]
        for name in ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"] {
            if let target = files.link("/proc/self/ns/" + name) { ns[name] = target }
        }
        return ns
    }

    static func idMap(_ text: String?) -> [[UInt64]] {
        guard let text else { return [] }
        var rows: [[UInt64]] = []
        for line in text.split(separator: "\n").prefix(340) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt64($0) }
            if fields.count == 3 { rows.append(fields) }
        }
        return rows
    }

    static func userNamespace(_ files: inout Files) -> UserNamespaceReport {
        var u = UserNamespaceReport()
        u.uidMap = idMap(files.text("/proc/self/uid_map", limit: 16 * 1024))
        u.gidMap = idMap(files.text("/proc/self/gid_map", limit: 16 * 1024))
        if !u.uidMap.isEmpty { u.initial = u.uidMap == [[0, 0, 4_294_967_295]] }
        return u
    }

    // MARK: mounts

    struct MountEntry {
        var root: String
        var mountPoint: String
        var options: String
        var fsType: String
        var source: String
    }

    /// /proc/self/mountinfo: `id parent major:minor root mountpoint options [optional…] - fstype source super`.
    static func mountEntries(_ files: inout Files) -> [MountEntry] {
        guard let text = files.text("/proc/self/mountinfo", limit: 1 << 20) else { return [] }
        var entries: [MountEntry] = []
        for line in text.split(separator: "\n").prefix(10_000) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count + 1
            else { continue }
            let fsType = dash + 1 < fields.count ? fields[dash + 1] : "?"
            let source = dash + 2 < fields.count ? fields[dash + 2] : "?"
            entries.append(
                MountEntry(
                    root: unescape(fields[3]), mountPoint: unescape(fields[4]), options: fields[5], fsType: fsType,
                    source: unescape(source)))
        }
        return entries
    }

    static func unescape(_ s: String) -> String {
        clip(printable(s.split(separator: "\\040", omittingEmptySubsequences: false).joined(separator: " ")), 512)
    }

    static let diskFileSystems: Set<String> = ["ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "overlay"]
    static let sensitiveHostPaths = ["/", "/etc", "/root", "/home", "/var/run", "/run", "/var/lib/docker", "/proc", "/sys"]
    static let socketPaths = [
        "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock", "/run/crio/crio.sock", "/var/run/crio/crio.sock",
        "/run/podman/podman.sock", "/var/run/podman/podman.sock", "/run/k3s/containerd/containerd.sock",
    ]

    static func mounts(_ files: inout Files) -> MountReport {
        var m = MountReport()
        let entries = mountEntries(&files)
        m.count = entries.count
        func risky(_ e: MountEntry, _ reason: String) -> RiskyMount {
            RiskyMount(mountPoint: e.mountPoint, fsType: e.fsType, source: e.source, root: e.root, reason: reason)
        }
        for e in entries {
            let rw = e.options.split(separator: ",").contains("rw")
            if e.fsType == "9p" || e.fsType == "virtiofs" {
                m.hostShares.append(risky(e, "\(e.fsType) share from the host"))
            } else if diskFileSystems.contains(e.fsType), e.fsType != "overlay", sensitiveHostPaths.contains(e.root) {
                m.hostShares.append(risky(e, "host directory \(e.root) bind-mounted at \(e.mountPoint)"))
            }
            if e.mountPoint.hasSuffix(".sock") {
                m.risky.append(risky(e, "a socket is bind-mounted"))
            }
            if rw && e.fsType == "sysfs" && e.mountPoint == "/sys" {
                m.risky.append(risky(e, "/sys mounted read-write"))
            }
            if rw && e.mountPoint == "/proc/sys" {
                m.risky.append(risky(e, "/proc/sys mounted read-write"))
            }
        }
        for path in [
            "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/sys/kernel/uevent_helper",
            "/proc/sys/kernel/modprobe",
        ]
        where files.writable(path) {
            m.risky.append(RiskyMount(mountPoint: path, fsType: "", source: "", root: "", reason: "\(path) is writable"))
        }
        var sockets = Set<String>()
        for path in socketPaths where files.kind(path) == .typeSocket { sockets.insert(path) }
        for e in entries where e.mountPoint.hasSuffix(".sock") && files.kind(e.mountPoint) == .typeSocket {
            sockets.insert(e.mountPoint)
        }
        m.runtimeSockets = sockets.sorted()
        return m
    }

    static func cgroup(_ files: inout Files, mounts: [MountEntry]) -> CgroupReport {
        var c = CgroupReport()
        let v1 = mounts.filter { $0.fsType == "cgroup" }
        if !v1.isEmpty { c.version = 1 } else if mounts.contains(where: { $0.fsType == "cgroup2" }) { c.version = 2 }
        for m in v1.prefix(64) {
            let path = m.mountPoint + "/release_agent"
            if files.writable(path) { c.writableReleaseAgents.append(path) }
        }
        return c
    }
}
