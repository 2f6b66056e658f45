import FoundationEssentials

/// The probe's own output model (schema in docs/probe-schema.md). The host side decodes it with its
/// own, separate model and treats it as untrusted.
struct ProbeReport: Codable, Sendable {
    static let currentSchemaVersion = 1
    var schemaVersion: Int = ProbeReport.currentSchemaVersion
    var probe: ProbeInfo = ProbeInfo()
    var identification: Identification = Identification()
    var cpu: CPUReport = CPUReport()
    var firmware: FirmwareReport = FirmwareReport()
    var kernel: KernelReport = KernelReport()
    var devices: DeviceReport = DeviceReport()
    var nestedVirtualization: NestedReport = NestedReport()
    var process: ProcessReport = ProcessReport()
    var namespaces: [String: String] = [:]
    var userNamespace: UserNamespaceReport = UserNamespaceReport()
    var mounts: MountReport = MountReport()
    var cgroup: CgroupReport = CgroupReport()
    var lsm: LSMReport = LSMReport()
    var problems: [ProbeProblem] = []
    /// Present when run with `--canary PATH`: whether a file the host planted is readable from here.
    var canary: CanaryReport?
}

struct CanaryReport: Codable, Sendable {
    var path: String
    /// The file's first line (at most 128 characters) when readable, else absent.
    var content: String?
}

struct ProbeInfo: Codable, Sendable {
    var name = "bulkhead-probe"
    var version = "0.1.0"
}

struct ProbeProblem: Codable, Sendable {
    var subject: String
    var message: String
}

/// What the probe believes isolates it, and why.
struct Identification: Codable, Sendable {
    /// `qemu-tcg`, `kvm`, `xen`, `hyper-v`, `vmware`, `virtualbox`, `firecracker`, `cloud-hypervisor`,
    /// `kata`, `gvisor`, `namespaces`, `none`, `unknown`.
    var mechanism = "unknown"
    /// `vm`, `sandbox-kernel`, `container`, `host`, `unknown`.
    var kind = "unknown"
    /// `high`, `medium`, `low`.
    var confidence = "low"
    var reasons: [String] = []
}

struct CPUReport: Codable, Sendable {
    var cpuidAvailable = false
    /// CPUID leaf 1 ECX bit 31.
    var hypervisorBit = false
    /// CPUID leaf 0x40000000 EBX/ECX/EDX as text (printable ASCII only), when the hypervisor bit is set.
    var hypervisorVendor: String?
    var maxHypervisorLeaf: UInt32?
    /// CPUID leaf 0 vendor (`GenuineIntel`, `AuthenticAMD`).
    var vendor: String?
    /// CPUID leaf 1 ECX bit 5.
    var vmx = false
    /// CPUID 0x80000001 ECX bit 2.
    var svm = false
    /// Flags from /proc/cpuinfo's first `flags` line that matter here.
    var cpuinfoFlags: [String] = []
}

struct FirmwareReport: Codable, Sendable {
    /// /sys/class/dmi/id/{sys_vendor,product_name,bios_vendor,bios_version,board_vendor,chassis_vendor}.
    var dmi: [String: String] = [:]
    /// /sys/hypervisor/type (Xen).
    var sysHypervisorType: String?
    /// OEM ids from ACPI table headers under /sys/firmware/acpi/tables (bytes 10..<16).
    var acpiOEMIDs: [String: String] = [:]
}

struct KernelReport: Codable, Sendable {
    var version: String?
    var commandLine: String?
    /// Lines of the kernel log (/dev/kmsg is not read; /proc only) that name a mechanism.
    var hints: [String] = []
}

struct PCIDevice: Codable, Sendable {
    var slot: String
    var vendor: String?
    var device: String?
    var pciClass: String?
    /// `virtio`, `usb-controller`, `sound`, `firewire`, `floppy-controller`, `isa-bridge`, `ide`,
    /// `emulated-nic`, `display`, `bridge`, `other`.
    var classification: String
    var risky: Bool
}

struct LegacyDevice: Codable, Sendable {
    /// `floppy-controller`, `usb-controller`, `sound`, `parallel-port`, `pc-speaker`, `firewire`.
    var kind: String
    /// Where it was seen: a path and what it held.
    var evidence: String
}

struct DeviceReport: Codable, Sendable {
    var pci: [PCIDevice] = []
    /// virtio devices from /sys/bus/virtio/devices: name → device id (`0x0009` is 9p, `0x001a` virtio-fs).
    var virtio: [String: String] = [:]
    var platform: [String] = []
    /// ACPI/PNP ids from /sys/bus/pnp/devices/*/id.
    var pnp: [String] = []
    var legacy: [LegacyDevice] = []
    /// /dev/kvm present in this environment.
    var devKVM = false
}

struct NestedReport: Codable, Sendable {
    var exposed = false
    var evidence: [String] = []
}

struct ProcessReport: Codable, Sendable {
    var uid: String?
    var capEff: String?
    var capBnd: String?
    var capEffNames: [String] = []
    var capBndNames: [String] = []
    /// 0 disabled, 1 strict, 2 filter.
    var seccomp: Int?
    var seccompFilters: Int?
    var noNewPrivs: Bool?
}

struct UserNamespaceReport: Codable, Sendable {
    /// Lines of /proc/self/uid_map as [inside, outside, count].
    var uidMap: [[UInt64]] = []
    var gidMap: [[UInt64]] = []
    /// True when the map is the identity map of the initial user namespace (0 0 4294967295).
    var initial: Bool?
}

struct RiskyMount: Codable, Sendable {
    var mountPoint: String
    var fsType: String
    var source: String
    var root: String
    var reason: String
}

struct MountReport: Codable, Sendable {
    var count = 0
    var risky: [RiskyMount] = []
    /// Host file system shares (9p, virtiofs, host paths bind-mounted whole).
    var hostShares: [RiskyMount] = []
    /// Container runtime sockets reachable from here.
    var runtimeSockets: [String] = []
}

struct CgroupReport: Codable, Sendable {
    /// 1, 2, or nil when no cgroup file system is mounted.
    var version: Int?
    /// cgroup v1 release_agent files this process can write.
    var writableReleaseAgents: [String] = []
}

struct LSMReport: Codable, Sendable {
    /// /proc/self/attr/current.
    var current: String?
    /// /sys/kernel/security/lsm.
    var enabled: [String] = []
}
