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
    public var serialConsoleEnabled: Bool = false

    public init() {}
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
    public var hasRateLimiter: Bool = false

    public init() {}
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
    public var hasRxRateLimiter: Bool = false
    /// `tx_rate_limiter` non-null.
    public var hasTxRateLimiter: Bool = false

    public init() {}
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

    public init() {}
}

/// `mmds-config`.
public struct FirecrackerMMDSConfig: Codable, Hashable, Sendable {
    /// `version`; absent means V1 (deprecated; FC11).
    public var version: String = "V1"
    /// `version` was given.
    public var versionExplicit: Bool = false
    /// `network_interfaces`.
    public var networkInterfaces: [String] = []
    /// `ipv4_address`.
    public var ipv4Address: String?
    /// `imds_compat`.
    public var imdsCompat: Bool?

    public init() {}
}

/// `vsock`.
public struct FirecrackerVsock: Codable, Hashable, Sendable {
    /// `guest_cid`.
    public var guestCID: Int?
    /// `uds_path`.
    public var udsPath: String?

    public init() {}
}

/// `logger`.
public struct FirecrackerLogger: Codable, Hashable, Sendable {
    /// `log_path`.
    public var logPath: String?
    /// `level`.
    public var level: String?

    public init() {}
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
    public var drives: [FirecrackerDrive] = []
    /// `network-interfaces`.
    public var networkInterfaces: [FirecrackerNetworkInterface] = []
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
    public var entropyDevice: Bool = false
    /// `entropy.rate_limiter` non-null.
    public var entropyHasRateLimiter: Bool = false
    /// `cpu-config` non-null (custom CPU template).
    public var cpuConfigPresent: Bool = false
    /// Keys this parser does not know (JSON paths).
    public var unknownKeys: [String] = []

    public init() {}
}

/// The jailer's argv (`jailer --id … --exec-file … -- <firecracker args>`).
public struct FirecrackerJailerConfiguration: Codable, Hashable, Sendable {
    /// The jailer argv.
    public var raw: [String] = []
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
    public var daemonize: Bool = false
    /// `--new-pid-ns`.
    public var newPIDNamespace: Bool = false
    /// `--cgroup file=value` (repeatable).
    public var cgroups: [String] = []
    /// `--cgroup-version`.
    public var cgroupVersion: String?
    /// `--parent-cgroup`.
    public var parentCgroup: String?
    /// `--resource-limit resource=value` (repeatable).
    public var resourceLimits: [String] = []
    /// Arguments after `--`, passed to Firecracker.
    public var firecrackerArgs: [String] = []
    /// Options this parser does not know.
    public var unrecognised: [String] = []

    public init() {}
}

/// Parsed facts of a Firecracker microVM: its argv, its `--config-file` and, if started by the jailer, the jailer's argv.
public struct FirecrackerConfiguration: Codable, Hashable, Sendable {
    /// Firecracker argv.
    public var raw: [String] = []
    /// `--api-sock`.
    public var apiSocket: String?
    /// `--config-file` path.
    public var configFile: String?
    /// `--no-api`.
    public var noAPI: Bool = false
    /// `--no-seccomp` (FC1 finding).
    public var noSeccomp: Bool = false
    /// `--seccomp-filter` custom filter file (FC1: not recommended).
    public var seccompFilter: String?
    /// `--id`.
    public var id: String?
    /// `--level`.
    public var logLevel: String?
    /// `--boot-timer`.
    public var bootTimer: Bool = false
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
    public var unrecognised: [String] = []

    public init() {}
}
