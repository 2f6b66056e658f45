// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// `boot-source`.
public struct FirecrackerBootSource: Codable, Hashable, Sendable {
    /// `kernel_image_path`.
    public var kernelImagePath: String?
    /// `boot_args`.
    public var bootArgs: String?
    /// `initrd_path`.
    public var initrdPath: String?
    /// `boot_args` has `console=ttyS*` and not `8250.nr_uarts=0` (FC7).
    public var serialConsoleEnabled: Bool

    public init(
        kernelImagePath: String? = nil,
        bootArgs: String? = nil,
        initrdPath: String? = nil,
        serialConsoleEnabled: Bool = false
    ) {
        self.kernelImagePath = kernelImagePath
        self.bootArgs = bootArgs
        self.initrdPath = initrdPath
        self.serialConsoleEnabled = serialConsoleEnabled
    }
}

/// `drives[]`.
public struct FirecrackerDrive: Codable, Hashable, Sendable {
    /// `drive_id`.
    public var driveID: String?
    /// `path_on_host`.
    public var pathOnHost: String?
    /// `is_root_device`.
    public var isRootDevice: Bool?
    /// `is_read_only`.
    public var isReadOnly: Bool?
    /// `cache_type`.
    public var cacheType: String?
    /// `io_engine`.
    public var ioEngine: String?
    /// vhost-user-blk `socket`.
    public var socket: String?
    /// `rate_limiter` is a non-null object (FC9).
    public var hasRateLimiter: Bool

    public init(
        driveID: String? = nil,
        pathOnHost: String? = nil,
        isRootDevice: Bool? = nil,
        isReadOnly: Bool? = nil,
        cacheType: String? = nil,
        ioEngine: String? = nil,
        socket: String? = nil,
        hasRateLimiter: Bool = false
    ) {
        self.driveID = driveID
        self.pathOnHost = pathOnHost
        self.isRootDevice = isRootDevice
        self.isReadOnly = isReadOnly
        self.cacheType = cacheType
        self.ioEngine = ioEngine
        self.socket = socket
        self.hasRateLimiter = hasRateLimiter
    }
}

/// `network-interfaces[]`.
public struct FirecrackerNetworkInterface: Codable, Hashable, Sendable {
    /// `iface_id`.
    public var ifaceID: String?
    /// `host_dev_name` (tap).
    public var hostDevName: String?
    /// `guest_mac`.
    public var guestMAC: String?
    /// `rx_rate_limiter` non-null.
    public var hasRxRateLimiter: Bool
    /// `tx_rate_limiter` non-null.
    public var hasTxRateLimiter: Bool

    public init(
        ifaceID: String? = nil,
        hostDevName: String? = nil,
        guestMAC: String? = nil,
        hasRxRateLimiter: Bool = false,
        hasTxRateLimiter: Bool = false
    ) {
        self.ifaceID = ifaceID
        self.hostDevName = hostDevName
        self.guestMAC = guestMAC
        self.hasRxRateLimiter = hasRxRateLimiter
        self.hasTxRateLimiter = hasTxRateLimiter
    }
}

/// `machine-config`.
public struct FirecrackerMachineConfig: Codable, Hashable, Sendable {
    /// `vcpu_count`.
    public var vcpuCount: Int?
    /// `mem_size_mib`.
    public var memSizeMiB: Int?
    /// `smt` (guest SMT; FC10).
    public var smt: Bool?
    /// `track_dirty_pages`.
    public var trackDirtyPages: Bool?
    /// `cpu_template` (T2, T2S, C3 …).
    public var cpuTemplate: String?
    /// `huge_pages`.
    public var hugePages: String?

    public init(
        vcpuCount: Int? = nil,
        memSizeMiB: Int? = nil,
        smt: Bool? = nil,
        trackDirtyPages: Bool? = nil,
        cpuTemplate: String? = nil,
        hugePages: String? = nil
    ) {
        self.vcpuCount = vcpuCount
        self.memSizeMiB = memSizeMiB
        self.smt = smt
        self.trackDirtyPages = trackDirtyPages
        self.cpuTemplate = cpuTemplate
        self.hugePages = hugePages
    }
}

/// `mmds-config`.
public struct FirecrackerMMDSConfig: Codable, Hashable, Sendable {
    /// `version`; absent means V1 (deprecated; FC11).
    public var version: String
    /// `version` was given.
    public var versionExplicit: Bool
    /// `network_interfaces`.
    public var networkInterfaces: [String]
    /// `ipv4_address`.
    public var ipv4Address: String?
    /// `imds_compat`.
    public var imdsCompat: Bool?

    public init(
        version: String = "V1",
        versionExplicit: Bool = false,
        networkInterfaces: [String] = [],
        ipv4Address: String? = nil,
        imdsCompat: Bool? = nil
    ) {
        self.version = version
        self.versionExplicit = versionExplicit
        self.networkInterfaces = networkInterfaces
        self.ipv4Address = ipv4Address
        self.imdsCompat = imdsCompat
    }
}

/// `vsock`.
public struct FirecrackerVsock: Codable, Hashable, Sendable {
    /// `guest_cid`.
    public var guestCID: Int?
    /// `uds_path`.
    public var udsPath: String?

    public init(
        guestCID: Int? = nil,
        udsPath: String? = nil
    ) {
        self.guestCID = guestCID
        self.udsPath = udsPath
    }
}

/// `logger`.
public struct FirecrackerLogger: Codable, Hashable, Sendable {
    /// `log_path`.
    public var logPath: String?
    /// `level`.
    public var level: String?

    public init(
        logPath: String? = nil,
        level: String? = nil
    ) {
        self.logPath = logPath
        self.level = level
    }
}

/// `balloon`.
public struct FirecrackerBalloon: Codable, Hashable, Sendable {
    /// `amount_mib`.
    public var amountMiB: Int?
    /// `deflate_on_oom`.
    public var deflateOnOOM: Bool?

    public init(
        amountMiB: Int? = nil,
        deflateOnOOM: Bool? = nil
    ) {
        self.amountMiB = amountMiB
        self.deflateOnOOM = deflateOnOOM
    }
}

/// A Firecracker `--config-file` JSON document.
public struct FirecrackerVMConfig: Codable, Hashable, Sendable {
    /// `boot-source`.
    public var bootSource: FirecrackerBootSource?
    /// `drives`.
    public var drives: [FirecrackerDrive]
    /// `network-interfaces`.
    public var networkInterfaces: [FirecrackerNetworkInterface]
    /// `machine-config`.
    public var machine: FirecrackerMachineConfig?
    /// `mmds-config` (nil: MMDS not configured).
    public var mmds: FirecrackerMMDSConfig?
    /// `vsock`.
    public var vsock: FirecrackerVsock?
    /// `logger`.
    public var logger: FirecrackerLogger?
    /// `metrics.metrics_path`.
    public var metricsPath: String?
    /// `balloon`.
    public var balloon: FirecrackerBalloon?
    /// `entropy` configured.
    public var entropyDevice: Bool
    /// `entropy.rate_limiter` non-null.
    public var entropyHasRateLimiter: Bool
    /// `cpu-config` non-null (custom CPU template).
    public var cpuConfigPresent: Bool
    /// Keys this parser does not know (JSON paths).
    public var unknownKeys: [String]

    public init(
        bootSource: FirecrackerBootSource? = nil,
        drives: [FirecrackerDrive] = [],
        networkInterfaces: [FirecrackerNetworkInterface] = [],
        machine: FirecrackerMachineConfig? = nil,
        mmds: FirecrackerMMDSConfig? = nil,
        vsock: FirecrackerVsock? = nil,
        logger: FirecrackerLogger? = nil,
        metricsPath: String? = nil,
        balloon: FirecrackerBalloon? = nil,
        entropyDevice: Bool = false,
        entropyHasRateLimiter: Bool = false,
        cpuConfigPresent: Bool = false,
        unknownKeys: [String] = []
    ) {
        self.bootSource = bootSource
        self.drives = drives
        self.networkInterfaces = networkInterfaces
        self.machine = machine
        self.mmds = mmds
        self.vsock = vsock
        self.logger = logger
        self.metricsPath = metricsPath
        self.balloon = balloon
        self.entropyDevice = entropyDevice
        self.entropyHasRateLimiter = entropyHasRateLimiter
        self.cpuConfigPresent = cpuConfigPresent
        self.unknownKeys = unknownKeys
    }
}

/// The jailer's argv (`jailer --id … --exec-file … -- <firecracker args>`).
public struct FirecrackerJailerConfiguration: Codable, Hashable, Sendable {
    /// The jailer argv.
    public var raw: [String]
    /// `--id`.
    public var id: String?
    /// `--exec-file`.
    public var execFile: String?
    /// `--uid` (should be non-zero and unique per microVM; FC3).
    public var uid: Int?
    /// `--gid`.
    public var gid: Int?
    /// `--chroot-base-dir` (default /srv/jailer).
    public var chrootBaseDir: String?
    /// `--netns`.
    public var netns: String?
    /// `--daemonize`.
    public var daemonize: Bool
    /// `--new-pid-ns`.
    public var newPIDNamespace: Bool
    /// `--cgroup file=value` (repeatable).
    public var cgroups: [String]
    /// `--cgroup-version`.
    public var cgroupVersion: String?
    /// `--parent-cgroup`.
    public var parentCgroup: String?
    /// `--resource-limit resource=value` (repeatable).
    public var resourceLimits: [String]
    /// Arguments after `--`, passed to Firecracker.
    public var firecrackerArgs: [String]
    /// Options this parser does not know.
    public var unrecognised: [String]

    public init(
        raw: [String] = [],
        id: String? = nil,
        execFile: String? = nil,
        uid: Int? = nil,
        gid: Int? = nil,
        chrootBaseDir: String? = nil,
        netns: String? = nil,
        daemonize: Bool = false,
        newPIDNamespace: Bool = false,
        cgroups: [String] = [],
        cgroupVersion: String? = nil,
        parentCgroup: String? = nil,
        resourceLimits: [String] = [],
        firecrackerArgs: [String] = [],
        unrecognised: [String] = []
    ) {
        self.raw = raw
        self.id = id
        self.execFile = execFile
        self.uid = uid
        self.gid = gid
        self.chrootBaseDir = chrootBaseDir
        self.netns = netns
        self.daemonize = daemonize
        self.newPIDNamespace = newPIDNamespace
        self.cgroups = cgroups
        self.cgroupVersion = cgroupVersion
        self.parentCgroup = parentCgroup
        self.resourceLimits = resourceLimits
        self.firecrackerArgs = firecrackerArgs
        self.unrecognised = unrecognised
    }
}

/// Parsed facts of a Firecracker microVM: its argv, its `--config-file` and, if started by the jailer, the jailer's argv.
public struct FirecrackerConfiguration: Codable, Hashable, Sendable {
    /// Firecracker argv.
    public var raw: [String]
    /// `--api-sock`.
    public var apiSocket: String?
    /// `--config-file` path.
    public var configFile: String?
    /// `--no-api`.
    public var noAPI: Bool
    /// `--no-seccomp` (FC1 finding).
    public var noSeccomp: Bool
    /// `--seccomp-filter` custom filter file (FC1: not recommended).
    public var seccompFilter: String?
    /// `--id`.
    public var id: String?
    /// `--level`.
    public var logLevel: String?
    /// `--boot-timer`.
    public var bootTimer: Bool
    /// `--mmds-size-limit`.
    public var mmdsSizeLimit: Int?
    /// `--http-api-max-payload-size`.
    public var httpAPIMaxPayloadSize: Int?
    /// `--log-path`.
    public var logPath: String?
    /// `--metrics-path`.
    public var metricsPath: String?
    /// The parsed `--config-file`, when it was read.
    public var vm: FirecrackerVMConfig?
    /// The jailer that started this Firecracker, when known.
    public var jailer: FirecrackerJailerConfiguration?
    /// Options this parser does not know.
    public var unrecognised: [String]

    public init(
        raw: [String] = [],
        apiSocket: String? = nil,
        configFile: String? = nil,
        noAPI: Bool = false,
        noSeccomp: Bool = false,
        seccompFilter: String? = nil,
        id: String? = nil,
        logLevel: String? = nil,
        bootTimer: Bool = false,
        mmdsSizeLimit: Int? = nil,
        httpAPIMaxPayloadSize: Int? = nil,
        logPath: String? = nil,
        metricsPath: String? = nil,
        vm: FirecrackerVMConfig? = nil,
        jailer: FirecrackerJailerConfiguration? = nil,
        unrecognised: [String] = []
    ) {
        self.raw = raw
        self.apiSocket = apiSocket
        self.configFile = configFile
        self.noAPI = noAPI
        self.noSeccomp = noSeccomp
        self.seccompFilter = seccompFilter
        self.id = id
        self.logLevel = logLevel
        self.bootTimer = bootTimer
        self.mmdsSizeLimit = mmdsSizeLimit
        self.httpAPIMaxPayloadSize = httpAPIMaxPayloadSize
        self.logPath = logPath
        self.metricsPath = metricsPath
        self.vm = vm
        self.jailer = jailer
        self.unrecognised = unrecognised
    }
}
