// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// One device option value (`--shared-dir`, `--vfio`, `--block`, `--net`, `--serial` …).
public struct CrosvmDevice: Codable, Hashable, Sendable {
    /// Option name.
    public var option: String
    /// Value as written.
    public var value: String
    /// The host path it names (first positional or `path=`).
    public var path: String?
    /// `key=value` properties.
    public var properties: [String: String]

    public init(
        option: String = "",
        value: String = "",
        path: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.option = option
        self.value = value
        self.path = path
        self.properties = properties
    }
}

/// Parsed facts of a crosvm command line (`crosvm [global] run [options] KERNEL`).
public struct CrosvmConfiguration: CommandLineConfiguration, Codable, Hashable, Sendable {
    /// The argv.
    public var raw: [String] = []
    /// argv[0].
    public var binary: String?
    /// Options before the subcommand.
    public var globalOptions: [String] = []
    /// `run` (or another subcommand).
    public var subcommand: String?
    /// `--disable-sandbox` (CV1: testing only).
    public var disableSandbox: Bool = false
    /// `--seccomp-policy-dir` or `--jail seccomp-policy-dir=`.
    public var seccompPolicyDir: String?
    /// `--seccomp-log-failures` or `--jail seccomp-log-failures` (CV3).
    public var seccompLogFailures: Bool = false
    /// `--pivot-root` or `--jail pivot-root=`.
    public var pivotRoot: String?
    /// `--jail key=value,…`.
    public var jailOptions: [String: String] = [:]
    /// `--unmap-guest-memory-on-fork` (implies no sandbox; CV6).
    public var unmapGuestMemoryOnFork: Bool = false
    /// `--shared-dir HOST:TAG[:type=fs|p9…]`.
    public var sharedDirs: [CrosvmDevice] = []
    /// `--vfio` / `--vfio-platform` passthrough.
    public var vfio: [CrosvmDevice] = []
    /// `--gpu`.
    public var gpu: [CrosvmDevice] = []
    /// `--sound` / `--virtio-snd`.
    public var sound: [CrosvmDevice] = []
    /// `--net`, and legacy `--tap-name`/`--tap-fd`/`--host-ip`.
    public var nets: [CrosvmDevice] = []
    /// Legacy `--host-ip`.
    public var hostIP: String?
    /// `--socket`/`-s`.
    public var controlSocket: String?
    /// `--cpus`/`-c`.
    public var cpus: String?
    /// `--mem`/`-m`.
    public var memory: String?
    /// `--block`, `--rwdisk`, `--disk`, `--root`, `--rwroot`.
    public var blocks: [CrosvmDevice] = []
    /// `--serial`.
    public var serials: [CrosvmDevice] = []
    /// The positional KERNEL.
    public var kernel: String?
    /// `-p`/`--params` kernel parameters.
    public var params: [String] = []
    /// `--initrd`/`-i`.
    public var initrd: String?
    /// Options this parser does not know.
    public var unrecognised: [String] = []

    public init() {}
}
