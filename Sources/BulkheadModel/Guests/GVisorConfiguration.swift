// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Parsed facts of a runsc command line (`runsc [global flags] <subcommand> [flags] [args]`, also `runsc-sandbox`/`runsc-gofer` children).
public struct GVisorConfiguration: CommandLineConfiguration, Codable, Hashable, Sendable {
    /// The argv.
    public var raw: [String] = []
    /// argv[0].
    public var binary: String?
    /// Global flags (name without dashes → value; a bare boolean is "true").
    public var globalFlags: [String: String] = [:]
    /// boot, gofer, sandbox, run, do, create …
    public var subcommand: String?
    /// Flags after the subcommand.
    public var subcommandFlags: [String: String] = [:]
    /// Positional arguments after the subcommand's flags (container id, command).
    public var arguments: [String] = []
    /// `--platform` (default systrap; ptrace on older releases).
    public var platform: String?
    /// `--network` (sandbox, host, none; default sandbox). `host` is a finding (GV1).
    public var network: String?
    /// `--rootless`.
    public var rootless: Bool?
    /// `--debug`.
    public var debug: Bool?
    /// `--debug-log`.
    public var debugLog: String?
    /// `--strace`.
    public var strace: Bool?
    /// `--log-packets`.
    public var logPackets: Bool?
    /// Every `--TESTONLY-*` flag given (GV12).
    public var testOnlyFlags: [String] = []
    /// `--overlay2`.
    public var overlay2: String?
    /// Legacy `--overlay`.
    public var overlay: Bool?
    /// `--directfs` (default true; GV3).
    public var directfs: Bool?
    /// `--host-uds` (none, open, create, all); legacy `--fsgofer-host-uds=true` is `all`.
    public var hostUDS: String?
    /// `--host-fifo`.
    public var hostFIFO: String?
    /// `--nvproxy`.
    public var nvproxy: Bool?
    /// `--tpuproxy`.
    public var tpuproxy: Bool?
    /// `--net-raw`.
    public var netRaw: Bool?
    /// `--allow-packet-socket-write` or `--TESTONLY-allow-packet-endpoint-write`.
    public var allowPacketSocketWrite: Bool?
    /// `--allow-flag-override`.
    public var allowFlagOverride: Bool?
    /// `--oci-seccomp`.
    public var ociSeccomp: Bool?
    /// `--profile` (loosens seccomp; GV11).
    public var profile: Bool?
    /// `--ignore-cgroups`.
    public var ignoreCgroups: Bool?
    /// `--file-access` (exclusive, shared).
    public var fileAccess: String?
    /// `--host-settings`.
    public var hostSettings: String?
    /// `--enable-core-tags`.
    public var enableCoreTags: Bool?
    /// Flags this parser does not know (their value form was inferred).
    public var unrecognised: [String] = []

    public init() {}
}
