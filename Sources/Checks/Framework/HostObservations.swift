public import BulkheadModel
public import Foundation

/// File-level host facts that `HostFacts` does not carry, collected by reading the paths in
/// `HostObservations.wanted` through a `HostRoot` (bounded, read-only). Checks parse the text.
///
/// A path that was looked for and does not exist is `.absent` — itself an observation (no KSM in this
/// kernel, no audit rules). A path that was not collected at all is simply not in `files`, and checks
/// that need it are `inconclusive`.
public struct HostObservations: Codable, Hashable, Sendable {
    public enum State: Codable, Hashable, Sendable {
        /// The file's text (read with a bound).
        case content(String)
        /// The path exists but its content was not read (too large, or only existence was wanted).
        case present
        /// The path does not exist.
        case absent
        /// The path could not be read; the message says why (permission denied, too large …).
        case unreadable(String)
    }

    /// Host path → what was found there. Includes every file of each listed directory.
    public var files: [String: State]
    /// Directories that were listed (so an empty listing is told apart from "not collected").
    public var listed: [String: State]
    /// What `stat` said about paths that are never read (sockets, their directories).
    public var stats: [String: StatState] = [:]
    /// Symbolic link targets (`/proc/PID/fd/N` → `socket:[INODE]`), by link path.
    public var links: [String: LinkState] = [:]
    public var observedAt: Date
    /// Where the facts came from (`live host`, `root DIR`).
    public var source: String

    public init(files: [String: State] = [:], listed: [String: State] = [:], observedAt: Date, source: String) {
        self.files = files
        self.listed = listed
        self.observedAt = observedAt
        self.source = source
    }

    /// What a collector should read: single files (text, 1 MiB bound).
    public static let wantedFiles: [String] = [
        "/sys/kernel/mm/ksm/run",
        "/sys/kernel/mm/ksm/pages_shared",
        "/sys/devices/system/cpu/smt/active",
        // Active swap areas (Firecracker's production host setup: no swap).
        "/proc/swaps",
        // GRUB's defaults: the Xen hypervisor's command line (GRUB_CMDLINE_XEN, GRUB_CMDLINE_XEN_DEFAULT).
        "/etc/default/grub",
        "/etc/os-release",
        // Release and end-of-support dates of Debian and Ubuntu (package distro-info-data), for ISM-1848.
        "/usr/share/distro-info/debian.csv",
        "/usr/share/distro-info/ubuntu.csv",
        // Debian packages whose security support ended early or is limited (package debian-security-support).
        "/usr/share/debian-security-support/security-support-limited",
        "/usr/share/debian-security-support/security-support-ended.deb11",
        "/usr/share/debian-security-support/security-support-ended.deb12",
        "/usr/share/debian-security-support/security-support-ended.deb13",
        "/etc/systemd/journald.conf",
        "/etc/systemd/journal-upload.conf",
        "/etc/rsyslog.conf",
        "/etc/syslog-ng/syslog-ng.conf",
        // Log forwarders that ship the journal or files (logging.central): fluent-bit's YAML form, Vector, Filebeat.
        "/etc/fluent-bit/fluent-bit.yaml",
        "/etc/td-agent-bit/td-agent-bit.yaml",
        "/etc/vector/vector.yaml",
        "/etc/vector/vector.toml",
        "/etc/filebeat/filebeat.yml",
        "/etc/audit/audit.rules",
        "/etc/aide/aide.conf",
        "/etc/aide.conf",
        // Tripwire's plain-text policy (twpol.txt; the signed tw.pol is compiled from it).
        "/etc/tripwire/twpol.txt",
        "/sys/kernel/security/ima/policy",
        "/sys/kernel/security/ima/runtime_measurements_count",
        "/sys/kernel/security/lsm",
        // SELinux's mode: 1 enforcing, 0 permissive (a container's SELinux label confines only when enforcing).
        "/sys/fs/selinux/enforce",
        // AppArmor: Y when enabled, and the loaded profiles as `NAME (MODE)` lines (host.lsm-enforcing).
        "/sys/module/apparmor/parameters/enabled",
        "/sys/kernel/security/apparmor/profiles",
    ]
    /// Paths whose existence (not content) matters: AIDE databases can be hundreds of MiB.
    public static let wantedExistence: [String] =
        [
            "/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz", "/var/lib/aide/aide.db.new",
            // sysfs's memory-management directory: present, it makes an absent ksm/ mean "not built in".
            "/sys/kernel/mm",
        ] + IntegrityCoverage.configurationDirectories
    /// Directories to list, reading every regular file in them whose name ends in the suffix.
    public static let wantedDirectories: [(directory: String, suffix: String)] =
        [
            ("/etc/systemd/journald.conf.d", ".conf"),
            ("/etc/rsyslog.d", ".conf"),
            ("/etc/syslog-ng/conf.d", ".conf"),
            // fluent-bit's classic configuration with the files it @INCLUDEs beside it; Filebeat's external inputs.
            ("/etc/fluent-bit", ".conf"),
            ("/etc/td-agent-bit", ".conf"),
            ("/etc/filebeat/inputs.d", ".yml"),
            ("/etc/audit/rules.d", ".rules"),
            // AIDE's included rules (Debian: `@@x_include /etc/aide/aide.conf.d ^[a-zA-Z0-9_-]+$`, names without suffix).
            ("/etc/aide/aide.conf.d", ""),
            ("/etc/default/grub.d", ".cfg"),
            // polkit's JavaScript rules (libvirt's org.libvirt.unix.manage grants).
            ("/etc/polkit-1/rules.d", ".rules"),
            ("/usr/share/polkit-1/rules.d", ".rules"),
        ] + polkitLocalAuthorityDirectories.map { (directory: $0, suffix: ".pkla") }
        + SystemdSockets.dropInDirectories.map { (directory: $0, suffix: ".conf") }

    /// polkit's legacy local authority (polkitd-pkla, pkla-check-authorization(8)): the `.pkla` files of the
    /// five sub-directories it installs under /etc/polkit-1/localauthority (local configuration) and
    /// /var/lib/polkit-1/localauthority (third-party packages).
    public static let polkitLocalAuthorityDirectories: [String] = ["/etc/polkit-1/localauthority", "/var/lib/polkit-1/localauthority"]
        .flatMap { base in ["10-vendor.d", "20-org.d", "30-site.d", "50-local.d", "90-mandatory.d"].map { "\(base)/\($0)" } }

    /// A path's kind, permissions and owner, as `stat` reported them.
    public struct FileStat: Codable, Hashable, Sendable {
        /// `regular`, `directory`, `symlink`, `socket` or `other` (a device or FIFO).
        public var kind: String
        /// Permission bits with set-id and sticky bits.
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32

        public init(kind: String, mode: UInt32, uid: UInt32, gid: UInt32) {
            self.kind = kind
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }

        /// `0660`.
        public var octalMode: String { PermissionBits.octal(mode) }
    }

    public enum StatState: Codable, Hashable, Sendable {
        case stat(FileStat)
        case absent
        case unreadable(String)
    }

    public enum LinkState: Codable, Hashable, Sendable {
        case target(String)
        case unreadable(String)
    }

    public func state(_ path: String) -> State? { files[path] }

    /// The link targets read in `directory` (`/proc/PID/fd`), by entry name; nil when the directory was not
    /// listed, and the listing's error when it could not be.
    public func linkTargets(in directory: String) -> Result<[String: String], Problem>? {
        guard let listing = listed[directory] else { return nil }
        switch listing {
        case .unreadable(let why): return .failure(Problem(subject: directory, message: why))
        case .absent: return .failure(Problem(subject: directory, message: "does not exist (the process exited)"))
        case .content, .present: break
        }
        let prefix = directory + "/"
        var out: [String: String] = [:]
        for (path, state) in links where path.hasPrefix(prefix) {
            if case .target(let t) = state { out[String(path.dropFirst(prefix.count))] = t }
        }
        return .success(out)
    }

    public func text(_ path: String) -> String? {
        if case .content(let t)? = files[path] { return t }
        return nil
    }

    /// Every file read from `directory` (sorted by path), or nil when the directory was not collected.
    public func directoryTexts(_ directory: String) -> [(path: String, text: String)]? {
        guard let listing = listed[directory] else { return nil }
        if case .absent = listing { return [] }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return files.keys.filter { $0.hasPrefix(prefix) }.sorted().compactMap { path in
            if case .content(let t)? = files[path] { (path, t) } else { nil }
        }
    }
}

/// A vendor support window for one release line of a product (from the catalog's lifecycle data).
public struct SupportWindow: Codable, Hashable, Sendable {
    public var product: ProductID
    /// The release line (`8.2`, `1.10`, `12` for Debian 12). An installed version belongs to the line when
    /// its dotted components start with the cycle's components (`8.2.1+ds-1` is in `8.2`).
    public var cycle: String
    /// Last day of vendor security support; nil when the vendor has announced none yet.
    public var supportEnds: Date?
    /// The vendor's published state of the line when the catalog was observed: false when the line is out of
    /// support, true when it was supported but no end date is published (then the check cannot pass it).
    public var supported: Bool?
    /// The vendor guarantees support at least until this day (Firecracker's "Min. end of support"); after it
    /// the line's state depends on later releases.
    public var supportedAtLeastUntil: Date?
    /// The vendor's words about this line ("until after docker-30.x").
    public var note: String?
    /// Set when the window is a distribution's (the package comes from `debian` 12 and is patched for its life).
    public var distribution: String?
    /// Where the window is published.
    public var source: Evidence.Source
    /// When the source was read: the catalog's `observed` date, or the collection time for a file read on
    /// the host (distro-info). Nil: the check dates its evidence at the assessment time.
    public var observedAt: Date?

    public init(
        product: ProductID, cycle: String, supportEnds: Date? = nil, supported: Bool? = nil,
        supportedAtLeastUntil: Date? = nil, note: String? = nil, distribution: String? = nil, source: Evidence.Source,
        observedAt: Date? = nil
    ) {
        self.observedAt = observedAt
        self.product = product
        self.cycle = cycle
        self.supportEnds = supportEnds
        self.supported = supported
        self.supportedAtLeastUntil = supportedAtLeastUntil
        self.note = note
        self.distribution = distribution
        self.source = source
    }

    /// Whether `version` belongs to this line (numeric prefix match on dotted components, epoch dropped).
    public func matches(version: String) -> Bool {
        let want = Self.numbers(cycle)
        let have = Self.numbers(version)
        return !want.isEmpty && have.count >= want.count && Array(have.prefix(want.count)) == want
    }

    static func components(_ version: String) -> [String] { numbers(version).map(String.init) }

    /// Dotted numeric components of a version (`dottedVersionNumbers`: `1:7.2+dfsg-7+deb12u18` → [7, 2]).
    public static func numbers(_ version: String) -> [Int] { dottedVersionNumbers(version) }
}

/// A product's support policy as a whole (from the catalog's `lifecycle`), for what per-line windows cannot say:
/// that no policy is published, or that only the newest N lines are supported.
public struct SupportPolicy: Codable, Hashable, Sendable {
    public var product: ProductID
    /// The policy in the vendor's words, or (when `published` is false) where we looked.
    public var policy: String
    /// False when the vendor publishes no support policy.
    public var published: Bool
    /// Only the newest N release lines are supported.
    public var latestLines: Int?
    /// The release lines known on `observed` (for `latestLines`).
    public var knownLines: [String]
    public var observed: Date
    public var source: Evidence.Source

    public init(
        product: ProductID, policy: String, published: Bool = true, latestLines: Int? = nil, knownLines: [String] = [],
        observed: Date, source: Evidence.Source
    ) {
        self.product = product
        self.policy = policy
        self.published = published
        self.latestLines = latestLines
        self.knownLines = knownLines
        self.observed = observed
        self.source = source
    }
}

/// A management daemon's configuration, for `daemon`-scope checks (libvirt's qemu.conf, libvirtd.conf and
/// virtproxyd.conf, Xen's xl.conf, Kata's configuration.toml).
public struct DaemonConfiguration: Codable, Hashable, Sendable {
    public enum Settings: Codable, Hashable, Sendable {
        /// libvirt's QEMU driver configuration (`/etc/libvirt/qemu.conf`).
        case libvirtQEMU(LibvirtQEMUDriverConfig)
        /// Xen's toolstack configuration (`/etc/xen/xl.conf`).
        case xenToolstack(XenToolstackConfiguration)
        /// Kata Containers' runtime configuration (`configuration.toml`).
        case kata(KataRuntimeConfiguration)
        /// libvirt's daemon configuration (`/etc/libvirt/libvirtd.conf`, the modular `virtproxyd.conf`): its
        /// keys as written (absent keys take libvirt's defaults).
        case libvirtDaemon([String: LibvirtConfValue])
    }
    public var product: ProductID
    /// Host path of the file.
    public var path: String
    /// Parsed settings; nil when the file could not be read or parsed (see `problems`).
    public var settings: Settings?
    /// Problems met reading or parsing the file; checks are then inconclusive.
    public var problems: [Problem]

    public init(product: ProductID, path: String, settings: Settings?, problems: [Problem] = []) {
        self.product = product
        self.path = path
        self.settings = settings
        self.problems = problems
    }
}
