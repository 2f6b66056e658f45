// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// `--seccomp` value (default true).
public enum CloudHypervisorSeccomp: String, Codable, Hashable, Sendable, CaseIterable {
    case enabled = "true"
    case disabled = "false"
    case log
}

/// One `--disk`, `--net`, `--fs`, `--device`, `--user-device`, `--vsock`, `--landlock-rules` … value: CH's `key=value,…` list.
public struct CloudHypervisorDevice: Codable, Hashable, Sendable {
    /// The option it came from (`--disk`).
    public var option: String
    /// Parsed properties.
    public var properties: [String: String]
    /// `path=` (disk image, VFIO sysfs path, landlock path).
    public var path: String?
    /// `socket=` (vhost-user, virtiofsd, vsock, user-device).
    public var socket: String?

    public init(
        option: String = "",
        properties: [String: String] = [:],
        path: String? = nil,
        socket: String? = nil
    ) {
        self.option = option
        self.properties = properties
        self.path = path
        self.socket = socket
    }
}

/// Parsed facts of a Cloud Hypervisor command line.
public struct CloudHypervisorConfiguration: CommandLineConfiguration, Codable, Hashable, Sendable {
    /// The argv.
    public var raw: [String] = []
    /// argv[0].
    public var binary: String?
    /// `--api-socket` path (or `path=`/`fd=` form as written).
    public var apiSocket: String?
    /// `--kernel`.
    public var kernel: String?
    /// `--firmware`.
    public var firmware: String?
    /// `--cmdline`.
    public var cmdline: String?
    /// `--disk`.
    public var disks: [CloudHypervisorDevice] = []
    /// `--net`.
    public var nets: [CloudHypervisorDevice] = []
    /// `--fs` (virtio-fs via virtiofsd socket).
    public var filesystems: [CloudHypervisorDevice] = []
    /// `--device` (VFIO passthrough, `path=/sys/bus/pci/devices/…`).
    public var devices: [CloudHypervisorDevice] = []
    /// `--user-device` (vfio-user).
    public var userDevices: [CloudHypervisorDevice] = []
    /// `--vsock`.
    public var vsock: CloudHypervisorDevice?
    /// `--seccomp` (default true; false/log are debug-only, CH1).
    public var seccomp: CloudHypervisorSeccomp = .enabled
    /// `--seccomp` was given.
    public var seccompExplicit: Bool = false
    /// `--landlock` (CH2).
    public var landlock: Bool = false
    /// `--landlock-rules path=…,access=…`.
    public var landlockRules: [CloudHypervisorDevice] = []
    /// `--serial` mode.
    public var serial: String?
    /// `--console` mode.
    public var console: String?
    /// `--cpus`.
    public var cpus: [String: String] = [:]
    /// `--memory`.
    public var memory: [String: String] = [:]
    /// `--memory shared=on`.
    public var memorySharedWithHost: Bool = false
    /// `--memory hugepages=on`.
    public var hugepages: Bool = false
    /// `--platform`.
    public var platform: [String: String] = [:]
    /// `--tpm socket=`.
    public var tpmSocket: String?
    /// `--pvpanic`.
    public var pvpanic: Bool = false
    /// `--event-monitor`.
    public var eventMonitor: String?
    /// Number of `-v`.
    public var verbosity: Int = 0
    /// Options this parser does not know.
    public var unrecognised: [String] = []

    public init() {}
}
