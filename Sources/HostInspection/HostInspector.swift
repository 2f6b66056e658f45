public import BulkheadModel
import Formats
public import Foundation

/// Options for reading a host. Every bound here is a guard against a huge or hostile host tree.
public struct InspectionOptions: Sendable, Hashable {
    /// Upper bound on processes read from /proc (a guard against hostile snapshots).
    public var maxProcesses: Int = 100_000
    /// Upper bound on threads read per isolation process (task/*/status).
    public var maxThreadsPerProcess: Int = 4096
    /// Upper bound on argv entries kept per process.
    public var maxArguments: Int = 4096
    /// Bound on /proc/PID/cmdline of an isolation program (ARG_MAX with an 8 MiB stack is 2 MiB).
    public var cmdlineLimit: Int = 2 << 20
    /// Bound on /proc/PID/cmdline of any other process: its program name is all discovery needs of it.
    public var otherCmdlineLimit: Int = 16 << 10
    /// Bound on the command-line bytes kept for all processes together. Any local user can start processes
    /// with 2 MiB command lines; past this budget a command line is read with the small bound (and a
    /// problem says so), so a flood of them cannot push a root-run collection to gigabytes.
    public var cmdlineBudget: Int = 128 << 20
    /// Bound on small /proc and /sys files (status, stat, cgroup, parameters).
    public var smallFileLimit: Int = 256 << 10
    /// Bound on /var/lib/dpkg/status.
    public var dpkgStatusLimit: Int = 64 << 20
    /// Bound on rpmdb.sqlite.
    public var rpmDatabaseLimit: Int = 256 << 20
    /// Bound on /proc/cpuinfo (about 2 KiB per logical CPU).
    public var cpuinfoLimit: Int = 16 << 20
    /// Upper bound on IOMMU groups read.
    public var maxIOMMUGroups: Int = 16_384
    /// Programs whose every thread's `Seccomp:` is read (Firecracker and others filter per thread).
    /// A trailing `*` matches any suffix. Matched against the program name and `comm`.
    public var isolationPrograms: [String] = InspectionOptions.defaultIsolationPrograms

    public static let defaultIsolationPrograms: [String] = [
        "qemu-system-*", "qemu-kvm", "kvm", "firecracker", "jailer", "cloud-hypervisor", "crosvm", "runsc*",
        "bwrap", "containerd-shim*", "virtiofsd", "libvirtd", "virtqemud", "xenstored", "qemu-dm", "lxc-start",
        "conmon", "dockerd", "containerd", "podman",
    ]

    public init() {}

    /// True when `name` matches one of `isolationPrograms`.
    public func isIsolationProgram(_ name: String) -> Bool {
        isolationPrograms.contains { pattern in
            if pattern.hasSuffix("*") { return name.hasPrefix(pattern.dropLast()) }
            return name == pattern
        }
    }
}

/// Gathers `HostFacts` from a host root. Never throws: what cannot be read becomes a `Problem`.
public struct HostInspector: Sendable {
    public let root: any HostRoot
    public let options: InspectionOptions

    public init(root: any HostRoot, options: InspectionOptions = InspectionOptions()) {
        self.root = root
        self.options = options
    }

    /// Reads every fact (processes, packages, kernel, CPU, /dev/kvm, IOMMU, virtualization).
    public func collect(now: Date = Date()) -> HostFacts {
        var problems = ProblemLog()
        let hostname = readHostname(&problems)
        let processes = ProcessScanner(root: root, options: options).scan(&problems)
        var packages = DpkgStatus.collect(root: root, limit: options.dpkgStatusLimit, problems: &problems)
        packages += RPMDatabase.collect(root: root, limit: options.rpmDatabaseLimit, problems: &problems)
        let kernel = readKernel(&problems)
        let cpu = readCPU(&problems)
        let kvm = readKVMDevice(&problems)
        let iommu = readIOMMU(&problems)
        let virtualization = VirtualizationDetector(root: root, options: options)
            .detect(cpu: cpu, kernel: kernel, now: now, problems: &problems)
        return HostFacts(
            hostname: hostname, collectedAt: now, source: root.label, processes: processes, packages: packages,
            kernel: kernel, cpu: cpu, kvm: kvm, iommu: iommu, virtualization: virtualization,
            problems: problems.items)
    }

    // MARK: - Small readers

    /// Reads a text file; a missing file is nil without a problem, any other failure is a problem.
    func optionalText(_ path: String, limit: Int? = nil, _ problems: inout ProblemLog) -> String? {
        do {
            return try root.readText(path, limit: limit ?? options.smallFileLimit)
        } catch {
            if error.code != .notFound { problems.add(error) }
            return nil
        }
    }

    /// Lists a directory; missing is nil without a problem.
    func optionalList(_ path: String, _ problems: inout ProblemLog) -> [String]? {
        do {
            return try root.list(path).sorted()
        } catch {
            if error.code != .notFound { problems.add(error) }
            return nil
        }
    }

    func readHostname(_ problems: inout ProblemLog) -> String? {
        for path in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
            if let text = optionalText(path, limit: 4096, &problems) {
                let name = text.trimmed
                if !name.isEmpty { return name }
            }
        }
        return nil
    }

    static let kvmModules = ["kvm", "kvm_intel", "kvm_amd", "kvm_pvm", "vfio", "vfio_iommu_type1", "vfio_pci"]

    func readKernel(_ problems: inout ProblemLog) -> KernelFacts {
        var kernel = KernelFacts()
        kernel.release = optionalText("/proc/sys/kernel/osrelease", &problems)?.trimmed
        if let cmdline = optionalText("/proc/cmdline", &problems) {
            kernel.commandLine = cmdline.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        }
        if let lockdown = optionalText("/sys/kernel/security/lockdown", &problems) {
            kernel.lockdown = Self.selectedMode(lockdown)
            if kernel.lockdown == nil {
                problems.add(Problem(subject: "/sys/kernel/security/lockdown", message: "no selected [mode] in \"\(lockdown.trimmed)\""))
            }
        }
        if let modules = optionalText("/proc/modules", limit: 4 << 20, &problems) {
            kernel.modules = modules.split(separator: "\n").compactMap { line in
                line.split(separator: " ", maxSplits: 1).first.map(String.init)
            }
        }
        for module in Self.kvmModules {
            let dir = "/sys/module/\(module)/parameters"
            guard let names = optionalList(dir, &problems) else { continue }
            var parameters: [String: String] = [:]
            for name in names.prefix(1024) where Self.isPlainName(name) {
                if let value = optionalText("\(dir)/\(name)", limit: 64 << 10, &problems) {
                    parameters[name] = value.trimmed
                }
            }
            kernel.moduleParameters[module] = parameters
        }
        return kernel
    }

    /// The `[selected]` word of a sysfs choice file such as `none [integrity] confidentiality`.
    static func selectedMode(_ text: String) -> String? {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("[") && word.hasSuffix("]") && word.count > 2 {
            return String(word.dropFirst().dropLast())
        }
        return nil
    }

    func readCPU(_ problems: inout ProblemLog) -> CPUFacts {
        var cpu = CPUFacts()
        if let text = optionalText("/proc/cpuinfo", limit: options.cpuinfoLimit, &problems) {
            cpu = Self.parseCPUInfo(text)
            if cpu.logicalCPUs == nil {
                problems.add(Problem(subject: "/proc/cpuinfo", message: "no `processor` entries found; CPU facts are inconclusive"))
            }
        }
        let vulnerabilities = "/sys/devices/system/cpu/vulnerabilities"
        for name in optionalList(vulnerabilities, &problems) ?? [] where Self.isPlainName(name) {
            if let text = optionalText("\(vulnerabilities)/\(name)", limit: 64 << 10, &problems) {
                cpu.vulnerabilities[name] = text.trimmed
            }
        }
        cpu.smtControl = optionalText("/sys/devices/system/cpu/smt/control", limit: 4096, &problems)?.trimmed
        return cpu
    }

    /// Parses /proc/cpuinfo: vendor, model and flags of the first processor, and the processor count.
    static func parseCPUInfo(_ text: String) -> CPUFacts {
        var cpu = CPUFacts()
        var count = 0
        var inFirst = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "processor" {
                count += 1
                inFirst = count <= 1
                continue
            }
            guard inFirst else { continue }
            switch key {
            case "vendor_id": cpu.vendor = value
            case "CPU implementer": if cpu.vendor == nil { cpu.vendor = value }
            case "model name": cpu.modelName = value
            case "flags", "Features": cpu.flags.formUnion(value.split(separator: " ").map(String.init))
            default: break
            }
        }
        cpu.logicalCPUs = count > 0 ? count : nil
        return cpu
    }

    func readKVMDevice(_ problems: inout ProblemLog) -> KVMDeviceFacts? {
        do {
            let meta = try root.metadata(of: "/dev/kvm")
            guard meta.kind == .other else {
                problems.add(Problem(subject: "/dev/kvm", message: "is a \(meta.kind.rawValue), not a device node"))
                return nil
            }
            return KVMDeviceFacts(mode: meta.octalMode, ownerUID: meta.uid, groupGID: meta.gid)
        } catch {
            if error.code != .notFound { problems.add(error) }
            return nil
        }
    }

    func readIOMMU(_ problems: inout ProblemLog) -> IOMMUFacts {
        var iommu = IOMMUFacts()
        guard let groups = optionalList("/sys/kernel/iommu_groups", &problems) else { return iommu }
        let numbered = groups.filter { Int($0) != nil }
        if numbered.count > options.maxIOMMUGroups {
            problems.add(
                Problem(
                    subject: "/sys/kernel/iommu_groups",
                    message: "\(numbered.count) groups, over the bound of \(options.maxIOMMUGroups); the rest were not read"))
        }
        iommu.groupCount = numbered.count
        for group in numbered.prefix(options.maxIOMMUGroups) {
            iommu.groups[group] = optionalList("/sys/kernel/iommu_groups/\(group)/devices", &problems) ?? []
        }
        return iommu
    }

    /// A directory entry name safe to append to a path.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
    }
}

/// Problems gathered during a collection, in order, without duplicates.
struct ProblemLog {
    private(set) var items: [Problem] = []
    private var seen: Set<Problem> = []

    mutating func add(_ problem: Problem) {
        if seen.insert(problem).inserted { items.append(problem) }
    }

    mutating func add(_ error: HostReadError) { add(error.problem) }
}

extension StringProtocol {
    /// Without surrounding white space, newlines and NULs.
    var trimmed: String {
        trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{0}")))
    }
}
