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
public struct CloudHypervisorConfiguration: Codable, Hashable, Sendable {
    /// The argv.
    public var raw: [String]
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
    public var disks: [CloudHypervisorDevice]
    /// `--net`.
    public var nets: [CloudHypervisorDevice]
    /// `--fs` (virtio-fs via virtiofsd socket).
    public var filesystems: [CloudHypervisorDevice]
    /// `--device` (VFIO passthrough, `path=/sys/bus/pci/devices/…`).
    public var devices: [CloudHypervisorDevice]
    /// `--user-device` (vfio-user).
    public var userDevices: [CloudHypervisorDevice]
    /// `--vsock`.
    public var vsock: CloudHypervisorDevice?
    /// `--seccomp` (default true; false/log are debug-only, CH1).
    public var seccomp: CloudHypervisorSeccomp
    /// `--seccomp` was given.
    public var seccompExplicit: Bool
    /// `--landlock` (CH2).
    public var landlock: Bool
    /// `--landlock-rules path=…,access=…`.
    public var landlockRules: [CloudHypervisorDevice]
    /// `--serial` mode.
    public var serial: String?
    /// `--console` mode.
    public var console: String?
    /// `--cpus`.
    public var cpus: [String: String]
    /// `--memory`.
    public var memory: [String: String]
    /// `--memory shared=on`.
    public var memorySharedWithHost: Bool
    /// `--memory hugepages=on`.
    public var hugepages: Bool
    /// `--platform`.
    public var platform: [String: String]
    /// `--tpm socket=`.
    public var tpmSocket: String?
    /// `--pvpanic`.
    public var pvpanic: Bool
    /// `--event-monitor`.
    public var eventMonitor: String?
    /// Number of `-v`.
    public var verbosity: Int
    /// Options this parser does not know.
    public var unrecognised: [String]

    public init(
        raw: [String] = [],
        binary: String? = nil,
        apiSocket: String? = nil,
        kernel: String? = nil,
        firmware: String? = nil,
        cmdline: String? = nil,
        disks: [CloudHypervisorDevice] = [],
        nets: [CloudHypervisorDevice] = [],
        filesystems: [CloudHypervisorDevice] = [],
        devices: [CloudHypervisorDevice] = [],
        userDevices: [CloudHypervisorDevice] = [],
        vsock: CloudHypervisorDevice? = nil,
        seccomp: CloudHypervisorSeccomp = .enabled,
        seccompExplicit: Bool = false,
        landlock: Bool = false,
        landlockRules: [CloudHypervisorDevice] = [],
        serial: String? = nil,
        console: String? = nil,
        cpus: [String: String] = [:],
        memory: [String: String] = [:],
        memorySharedWithHost: Bool = false,
        hugepages: Bool = false,
        platform: [String: String] = [:],
        tpmSocket: String? = nil,
        pvpanic: Bool = false,
        eventMonitor: String? = nil,
        verbosity: Int = 0,
        unrecognised: [String] = []
    ) {
        self.raw = raw
        self.binary = binary
        self.apiSocket = apiSocket
        self.kernel = kernel
        self.firmware = firmware
        self.cmdline = cmdline
        self.disks = disks
        self.nets = nets
        self.filesystems = filesystems
        self.devices = devices
        self.userDevices = userDevices
        self.vsock = vsock
        self.seccomp = seccomp
        self.seccompExplicit = seccompExplicit
        self.landlock = landlock
        self.landlockRules = landlockRules
        self.serial = serial
        self.console = console
        self.cpus = cpus
        self.memory = memory
        self.memorySharedWithHost = memorySharedWithHost
        self.hugepages = hugepages
        self.platform = platform
        self.tpmSocket = tpmSocket
        self.pvpanic = pvpanic
        self.eventMonitor = eventMonitor
        self.verbosity = verbosity
        self.unrecognised = unrecognised
    }
}
