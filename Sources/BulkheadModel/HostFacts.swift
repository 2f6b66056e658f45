public import Foundation

/// Everything HostInspection observed about a host, with the problems met on the way.
public struct HostFacts: Codable, Hashable, Sendable {
    public var hostname: String?
    public var collectedAt: Date
    /// Where the facts were read from (`live host`, `root DIR`, `snapshot FILE`).
    public var source: String
    public var processes: [HostProcess]
    public var packages: [InstalledPackage]
    public var kernel: KernelFacts
    public var cpu: CPUFacts
    public var kvm: KVMDeviceFacts?
    public var iommu: IOMMUFacts
    /// Whether this host is itself a virtual machine, and of what.
    public var virtualization: HostVirtualization
    /// Things that could not be read; each concerns one item, the run goes on.
    public var problems: [Problem]

    public init(
        hostname: String? = nil, collectedAt: Date, source: String, processes: [HostProcess] = [],
        packages: [InstalledPackage] = [], kernel: KernelFacts = KernelFacts(), cpu: CPUFacts = CPUFacts(),
        kvm: KVMDeviceFacts? = nil, iommu: IOMMUFacts = IOMMUFacts(),
        virtualization: HostVirtualization = HostVirtualization(), problems: [Problem] = []
    ) {
        self.hostname = hostname
        self.collectedAt = collectedAt
        self.source = source
        self.processes = processes
        self.packages = packages
        self.kernel = kernel
        self.cpu = cpu
        self.kvm = kvm
        self.iommu = iommu
        self.virtualization = virtualization
        self.problems = problems
    }

    /// The installed package of that name, if any.
    public func package(_ name: String) -> InstalledPackage? { packages.first { $0.name == name } }
}

/// A process from /proc/PID.
public struct HostProcess: Codable, Hashable, Sendable {
    public var pid: Int32
    public var ppid: Int32?
    /// `comm` (the kernel's 15-character name).
    public var name: String
    /// /proc/PID/exe target, when readable (with " (deleted)" when the binary was replaced).
    public var executable: String?
    /// /proc/PID/cmdline split on NUL.
    public var arguments: [String]
    public var confinement: ProcessConfinement

    public init(
        pid: Int32, ppid: Int32? = nil, name: String, executable: String? = nil, arguments: [String],
        confinement: ProcessConfinement = ProcessConfinement()
    ) {
        self.pid = pid
        self.ppid = ppid
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.confinement = confinement
    }

    /// The program's base name: from the executable link, else argv[0], else comm.
    public var programName: String {
        if let executable, let last = Self.lastComponent(executable) {
            return String(last.hasSuffix(" (deleted)") ? last.dropLast(10) : last)
        }
        if let first = arguments.first, let last = Self.lastComponent(first) { return String(last) }
        return name
    }

    /// `path.split(separator: "/").last` without building the array of every component: every detector asks
    /// every process for its program name. The same `Character` comparison, so the same answer.
    static func lastComponent(_ path: String) -> Substring? {
        var end = path.endIndex
        while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        guard end > path.startIndex else { return nil }
        let start = path[..<end].lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        return path[start..<end]
    }
}

/// An installed package from dpkg's status file or RPM's database.
public struct InstalledPackage: Codable, Hashable, Sendable {
    public var name: String
    public var version: String
    public var architecture: String?
    /// `dpkg` or `rpm`.
    public var manager: String
    /// Source package name when it differs (dpkg `Source:`), for changelogs and census.
    public var sourcePackage: String?

    public init(name: String, version: String, architecture: String? = nil, manager: String, sourcePackage: String? = nil) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.manager = manager
        self.sourcePackage = sourcePackage
    }

    public var evidenceSource: Evidence.Source { .package(name: name, version: version, manager: manager) }
}

public struct KernelFacts: Codable, Hashable, Sendable {
    /// /proc/sys/kernel/osrelease.
    public var release: String?
    /// /proc/cmdline, split on spaces.
    public var commandLine: [String]
    /// /sys/kernel/security/lockdown: the selected mode (`none`, `integrity`, `confidentiality`).
    public var lockdown: String?
    /// Loaded modules from /proc/modules.
    public var modules: [String]
    /// /sys/module/NAME/parameters/* for the modules that matter (kvm, kvm_intel, kvm_amd, vfio …).
    public var moduleParameters: [String: [String: String]]

    public init(
        release: String? = nil, commandLine: [String] = [], lockdown: String? = nil, modules: [String] = [],
        moduleParameters: [String: [String: String]] = [:]
    ) {
        self.release = release
        self.commandLine = commandLine
        self.lockdown = lockdown
        self.modules = modules
        self.moduleParameters = moduleParameters
    }
}

public struct CPUFacts: Codable, Hashable, Sendable {
    /// `GenuineIntel`, `AuthenticAMD` …
    public var vendor: String?
    public var modelName: String?
    /// Flags of the first processor in /proc/cpuinfo.
    public var flags: Set<String>
    /// /sys/devices/system/cpu/vulnerabilities/NAME → text.
    public var vulnerabilities: [String: String]
    /// /sys/devices/system/cpu/smt/control (`on`, `off`, `forceoff`, `notsupported`, `notimplemented`).
    public var smtControl: String?
    public var logicalCPUs: Int?

    public init(
        vendor: String? = nil, modelName: String? = nil, flags: Set<String> = [], vulnerabilities: [String: String] = [:],
        smtControl: String? = nil, logicalCPUs: Int? = nil
    ) {
        self.vendor = vendor
        self.modelName = modelName
        self.flags = flags
        self.vulnerabilities = vulnerabilities
        self.smtControl = smtControl
        self.logicalCPUs = logicalCPUs
    }

    public var hasHardwareVirtualization: Bool { flags.contains("vmx") || flags.contains("svm") }
}

/// File permission bits as Bulkhead writes them.
public enum PermissionBits {
    /// The permission, set-id and sticky bits of `mode` in octal, at least four digits: `0660`, `4755`.
    public static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// /dev/kvm as the host shows it.
public struct KVMDeviceFacts: Codable, Hashable, Sendable {
    /// Octal permission bits, e.g. `0660`.
    public var mode: String
    public var ownerUID: UInt32
    public var groupGID: UInt32

    public init(mode: String, ownerUID: UInt32, groupGID: UInt32) {
        self.mode = mode
        self.ownerUID = ownerUID
        self.groupGID = groupGID
    }
}

public struct IOMMUFacts: Codable, Hashable, Sendable {
    /// Number of /sys/kernel/iommu_groups entries (0: no IOMMU in use).
    public var groupCount: Int
    /// Devices per group (group → PCI addresses).
    public var groups: [String: [String]]

    public init(groupCount: Int = 0, groups: [String: [String]] = [:]) {
        self.groupCount = groupCount
        self.groups = groups
    }
}

/// Whether the host is itself a guest, and of what, with the fingerprints that say so.
public struct HostVirtualization: Codable, Hashable, Sendable {
    /// True when any fingerprint says the host is virtual; nil when nothing could be read.
    public var isGuest: Bool?
    /// The hypervisor named by the fingerprints (`KVM`, `Xen`, `Microsoft Hyper-V`, `VMware` …).
    public var hypervisor: String?
    /// The more specific VMM or cloud a fingerprint names (`Firecracker`, `Cloud Hypervisor`, `QEMU`,
    /// `Amazon EC2`, `Google Compute Engine`), when one does.
    public var platform: String?
    public var evidence: [Evidence]

    public init(isGuest: Bool? = nil, hypervisor: String? = nil, platform: String? = nil, evidence: [Evidence] = []) {
        self.isGuest = isGuest
        self.hypervisor = hypervisor
        self.platform = platform
        self.evidence = evidence
    }
}
