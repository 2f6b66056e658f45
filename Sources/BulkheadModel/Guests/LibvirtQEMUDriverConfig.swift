// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Kind of a qemu.conf value.
public enum LibvirtConfValueKind: String, Codable, Hashable, Sendable, CaseIterable {
    case string
    case integer
    case list
    case boolean
    case redacted
}

/// One qemu.conf value. Password-like values are stored as `redacted`.
public struct LibvirtConfValue: Codable, Hashable, Sendable {
    /// Kind.
    public var kind: LibvirtConfValueKind
    /// String value (also the decimal form of an integer).
    public var string: String?
    /// Integer value.
    public var integer: Int64?
    /// List items.
    public var list: [String]

    public init(
        kind: LibvirtConfValueKind = .string,
        string: String? = nil,
        integer: Int64? = nil,
        list: [String] = []
    ) {
        self.kind = kind
        self.string = string
        self.integer = integer
        self.list = list
    }
}

/// `/etc/libvirt/qemu.conf`: libvirt's QEMU driver settings. nil means the key is absent (libvirt's default applies).
public struct LibvirtQEMUDriverConfig: Codable, Hashable, Sendable {
    /// `security_driver` (string or list); `none` disables MAC confinement.
    public var securityDriver: [String]?
    /// `security_default_confined` (default 1).
    public var securityDefaultConfined: Bool?
    /// `security_require_confined` (default 0).
    public var securityRequireConfined: Bool?
    /// `seccomp_sandbox` (1 on, 0 off, -1 legacy auto).
    public var seccompSandbox: Int?
    /// `user` QEMU runs as (`root` or `+0` is a finding).
    public var user: String?
    /// `group`.
    public var group: String?
    /// `dynamic_ownership`.
    public var dynamicOwnership: Bool?
    /// `remember_owner`.
    public var rememberOwner: Bool?
    /// `namespaces` (default ["mount"]).
    public var namespaces: [String]?
    /// `clear_emulator_capabilities` (older templates).
    public var clearEmulatorCapabilities: Bool?
    /// `vnc_listen`.
    public var vncListen: String?
    /// `vnc_auto_unix_socket`.
    public var vncAutoUnixSocket: Bool?
    /// `vnc_tls`.
    public var vncTLS: Bool?
    /// `vnc_tls_x509_verify`.
    public var vncTLSX509Verify: Bool?
    /// `vnc_sasl`.
    public var vncSASL: Bool?
    /// `vnc_password` present (value never stored).
    public var vncPasswordSet: Bool = false
    /// `spice_listen`.
    public var spiceListen: String?
    /// `spice_auto_unix_socket`.
    public var spiceAutoUnixSocket: Bool?
    /// `spice_tls`.
    public var spiceTLS: Bool?
    /// `spice_sasl`.
    public var spiceSASL: Bool?
    /// `spice_password` present (value never stored).
    public var spicePasswordSet: Bool = false
    /// `remote_display_port_min`.
    public var remoteDisplayPortMin: Int?
    /// `remote_display_port_max`.
    public var remoteDisplayPortMax: Int?
    /// `cgroup_device_acl`.
    public var cgroupDeviceACL: [String]?
    /// `cgroup_controllers`.
    public var cgroupControllers: [String]?
    /// `set_process_name`.
    public var setProcessName: Bool?
    /// `stdio_handler` (logd or file).
    public var stdioHandler: String?
    /// `max_core` (integer or "unlimited").
    public var maxCore: String?
    /// `dump_guest_core`.
    public var dumpGuestCore: Bool?
    /// `relaxed_acs_check`.
    public var relaxedACSCheck: Bool?
    /// `sched_core`.
    public var schedCore: String?
    /// `mac_filter`.
    public var macFilter: Bool?
    /// `bridge_helper`.
    public var bridgeHelper: String?
    /// `default_tls_x509_verify`.
    public var defaultTLSX509Verify: Bool?
    /// `migrate_tls_force`.
    public var migrateTLSForce: Bool?
    /// `chardev_tls`.
    public var chardevTLS: Bool?
    /// `nbd_tls`.
    public var nbdTLS: Bool?
    /// `swtpm_user`.
    public var swtpmUser: String?
    /// `swtpm_group`.
    public var swtpmGroup: String?
    /// `max_processes`.
    public var maxProcesses: Int?
    /// `max_files`.
    public var maxFiles: Int?
    /// `capability_filters` (not for production).
    public var capabilityFilters: [String]?
    /// `deprecation_behavior`.
    public var deprecationBehavior: String?
    /// Every key as parsed (passwords redacted), including those typed above.
    public var settings: [String: LibvirtConfValue] = [:]

    public init() {}
}
