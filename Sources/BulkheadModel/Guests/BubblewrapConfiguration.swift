// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Kind of a bind or overlay mount.
public enum BubblewrapMountKind: String, Codable, Hashable, Sendable, CaseIterable {
    case bind
    case roBind = "ro-bind"
    case devBind = "dev-bind"
    case bindTry = "bind-try"
    case roBindTry = "ro-bind-try"
    case devBindTry = "dev-bind-try"
    case bindFD = "bind-fd"
    case roBindFD = "ro-bind-fd"
    case overlay
    case roOverlay = "ro-overlay"
    case tmpOverlay = "tmp-overlay"
}

/// A host path made visible in the sandbox.
public struct BubblewrapMount: Codable, Hashable, Sendable {
    /// Kind (read-write bind, read-only bind, device bind …).
    public var kind: BubblewrapMountKind
    /// Host path (or fd for `--bind-fd`).
    public var source: String
    /// Path in the sandbox.
    public var destination: String

    public init(
        kind: BubblewrapMountKind = .bind,
        source: String = "",
        destination: String = ""
    ) {
        self.kind = kind
        self.source = source
        self.destination = destination
    }
}

/// Parsed facts of a bwrap command line.
public struct BubblewrapConfiguration: CommandLineConfiguration, Codable, Hashable, Sendable {
    /// The argv.
    public var raw: [String] = []
    /// argv[0].
    public var binary: String?
    /// `--unshare-all` (all namespaces, user and cgroup if possible).
    public var unshareAll: Bool = false
    /// Namespaces unshared: user, ipc, pid, net, uts, cgroup (including those implied by `--unshare-all`, minus `--share-net`).
    public var unshared: [String] = []
    /// `--unshare-user-try`.
    public var unshareUserTry: Bool = false
    /// `--unshare-cgroup-try`.
    public var unshareCgroupTry: Bool = false
    /// `--share-net`.
    public var shareNet: Bool = false
    /// Binds and overlays in order.
    public var mounts: [BubblewrapMount] = []
    /// `--proc DEST`.
    public var procMounts: [String] = []
    /// `--dev DEST`.
    public var devMounts: [String] = []
    /// `--tmpfs DEST`.
    public var tmpfsMounts: [String] = []
    /// `--cap-add`.
    public var capAdd: [String] = []
    /// `--cap-drop`.
    public var capDrop: [String] = []
    /// `--seccomp FD`.
    public var seccompFDs: [Int] = []
    /// `--add-seccomp-fd FD`.
    public var addSeccompFDs: [Int] = []
    /// `--new-session` (blocks TIOCSTI on the caller's terminal).
    public var newSession: Bool = false
    /// `--die-with-parent`.
    public var dieWithParent: Bool = false
    /// `--uid`.
    public var uid: Int?
    /// `--gid`.
    public var gid: Int?
    /// `--disable-userns`.
    public var disableUserns: Bool = false
    /// `--as-pid-1`.
    public var asPid1: Bool = false
    /// `--args FD`: more options were read from this fd and are NOT part of these facts.
    public var argsFDs: [Int] = []
    /// `--hostname`.
    public var hostname: String?
    /// `--chdir`.
    public var chdir: String?
    /// `--clearenv`.
    public var clearEnv: Bool = false
    /// The sandboxed command and its arguments.
    public var command: [String] = []
    /// Options this parser does not know.
    public var unrecognised: [String] = []

    public init() {}
}
