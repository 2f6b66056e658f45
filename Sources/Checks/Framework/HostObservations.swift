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
        "/etc/os-release",
        // Release and end-of-support dates of Debian and Ubuntu (package distro-info-data), for ISM-1848.
        "/usr/share/distro-info/debian.csv",
        "/usr/share/distro-info/ubuntu.csv",
        "/etc/systemd/journald.conf",
        "/etc/systemd/journal-upload.conf",
        "/etc/rsyslog.conf",
        "/etc/syslog-ng/syslog-ng.conf",
        "/etc/audit/audit.rules",
        "/etc/aide/aide.conf",
        "/etc/aide.conf",
        "/sys/kernel/security/ima/policy",
        "/sys/kernel/security/ima/runtime_measurements_count",
        "/sys/kernel/security/lsm",
    ]
    /// Paths whose existence (not content) matters: AIDE databases can be hundreds of MiB.
    public static let wantedExistence: [String] = [
        "/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz", "/var/lib/aide/aide.db.new",
    ]
    /// Directories to list, reading every regular file in them whose name ends in the suffix.
    public static let wantedDirectories: [(directory: String, suffix: String)] = [
        ("/etc/systemd/journald.conf.d", ".conf"),
        ("/etc/rsyslog.d", ".conf"),
        ("/etc/syslog-ng/conf.d", ".conf"),
        ("/etc/audit/rules.d", ".rules"),
    ]

    public func state(_ path: String) -> State? { files[path] }

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
    /// Vendors that support only the newest lines (Firecracker: the two latest minors) set this instead of
    /// a date: false when the line is out of support.
    public var supported: Bool?
    /// Where the window is published.
    public var source: Evidence.Source

    public init(product: ProductID, cycle: String, supportEnds: Date? = nil, supported: Bool? = nil, source: Evidence.Source) {
        self.product = product
        self.cycle = cycle
        self.supportEnds = supportEnds
        self.supported = supported
        self.source = source
    }

    /// Whether `version` belongs to this line (numeric prefix match on dotted components, epoch dropped).
    public func matches(version: String) -> Bool {
        let want = Self.components(cycle)
        let have = Self.components(version)
        return !want.isEmpty && have.count >= want.count && Array(have.prefix(want.count)) == want
    }

    static func components(_ version: String) -> [String] {
        var v = Substring(version)
        if let colon = v.firstIndex(of: ":") { v = v[v.index(after: colon)...] }  // dpkg epoch
        var out: [String] = []
        for part in v.split(separator: ".", omittingEmptySubsequences: false) {
            let digits = part.prefix { $0.isNumber }
            if digits.isEmpty { break }
            out.append(String(Int(digits).map(String.init) ?? String(digits)))
            if digits.count != part.count { break }
        }
        return out
    }
}

/// A management daemon's configuration, for `daemon`-scope checks (libvirt's qemu.conf, Xen's xl.conf).
public struct DaemonConfiguration: Codable, Hashable, Sendable {
    public enum Settings: Codable, Hashable, Sendable {
        /// libvirt's QEMU driver configuration (`/etc/libvirt/qemu.conf`).
        case libvirtQEMU(LibvirtQEMUDriverConfig)
        /// Xen's toolstack configuration (`/etc/xen/xl.conf`).
        case xenToolstack(XenToolstackConfiguration)
        /// Kata Containers' runtime configuration (`configuration.toml`).
        case kata(KataRuntimeConfiguration)
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
