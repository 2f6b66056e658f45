// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Kind of an xl.cfg value.
public enum XenValueKind: String, Codable, Hashable, Sendable, CaseIterable {
    case string
    case number
    case list
    case redacted
}

/// One xl.cfg or xl.conf value. Password-like values are stored as `redacted`.
public struct XenValue: Codable, Hashable, Sendable {
    /// Kind.
    public var kind: XenValueKind
    /// String (or the number as written).
    public var string: String?
    /// List items (nested lists flattened to their text).
    public var list: [String]

    public init(
        kind: XenValueKind = .string,
        string: String? = nil,
        list: [String] = []
    ) {
        self.kind = kind
        self.string = string
        self.list = list
    }
}

/// One `pci = [ … ]` entry.
public struct XenPCIDevice: Codable, Hashable, Sendable {
    /// Host PCI address.
    public var bdf: String?
    /// `permissive=1` (XE9 finding).
    public var permissive: Bool?
    /// `seize=1`.
    public var seize: Bool?
    /// `rdm_policy=`.
    public var rdmPolicy: String?
    /// `msitranslate=`.
    public var msiTranslate: Bool?
    /// `power_mgmt=`.
    public var powerManagement: Bool?
    /// The entry as written.
    public var spec: String = ""

    public init() {}
}

/// One `disk = [ … ]` entry.
public struct XenDisk: Codable, Hashable, Sendable {
    /// Host path.
    public var target: String?
    /// raw, qcow2 …
    public var format: String?
    /// Guest device.
    public var vdev: String?
    /// rw, ro.
    public var access: String?
    /// phy, qdisk, tap.
    public var backendType: String?
    /// cdrom.
    public var devtype: String?
    /// The entry as written.
    public var spec: String = ""

    public init() {}
}

/// Parsed facts of an xl domain configuration (`/etc/xen/*.cfg`, xl.cfg(5)). Password values are never stored.
public struct XenGuestConfiguration: Codable, Hashable, Sendable {
    /// Always empty: the file can hold cleartext passwords.
    public var raw: [String] = []
    /// `name`.
    public var name: String?
    /// `uuid`.
    public var uuid: String?
    /// Effective guest type: pv, pvh or hvm (`type`, legacy `builder="hvm"`, default pv).
    public var type: String?
    /// `type` or `builder` was given.
    public var typeExplicit: Bool = false
    /// `kernel`.
    public var kernel: String?
    /// `memory`.
    public var memoryMiB: Int?
    /// `maxmem`.
    public var maxMemoryMiB: Int?
    /// `vcpus`.
    public var vcpus: Int?
    /// `device_model_version` (qemu-xen, qemu-xen-traditional).
    public var deviceModelVersion: String?
    /// `device_model_override` or legacy `device_model` path.
    public var deviceModelOverride: String?
    /// `device_model_stubdomain_override` (XE8).
    public var deviceModelStubdomain: Bool?
    /// `device_model_user` (XE7).
    public var deviceModelUser: String?
    /// `dm_restrict` (XE7).
    public var dmRestrict: Bool?
    /// `pci`.
    public var pci: [XenPCIDevice] = []
    /// Global `pci_permissive`.
    public var pciPermissive: Bool?
    /// `vnc`.
    public var vnc: Bool?
    /// `vnclisten`.
    public var vncListen: String?
    /// `vncpasswd` present and non-empty (value not kept).
    public var vncPasswordSet: Bool = false
    /// `vncunused`.
    public var vncUnused: Bool?
    /// `vncdisplay`.
    public var vncDisplay: Int?
    /// `sdl`.
    public var sdl: Bool?
    /// `spice`.
    public var spice: Bool?
    /// `spicehost`.
    public var spiceHost: String?
    /// `spiceport`.
    public var spicePort: Int?
    /// `spicetls_port`.
    public var spiceTLSPort: Int?
    /// `spicedisable_ticketing`.
    public var spiceDisableTicketing: Bool?
    /// `spicepasswd` present and non-empty (value not kept).
    public var spicePasswordSet: Bool = false
    /// `spice_clipboard_sharing`.
    public var spiceClipboardSharing: Bool?
    /// `spicevdagent`.
    public var spiceVDAgent: Bool?
    /// VNC or SPICE is on and `vnclisten`/`spicehost` is absent, wildcard or non-loopback.
    public var displayListensBeyondLoopback: Bool = false
    /// `usb`.
    public var usb: Bool?
    /// `usbdevice` (string or list) and `usbdev` entries.
    public var usbDevices: [String] = []
    /// `usbctrl` entries.
    public var usbControllers: [String] = []
    /// `soundhw`.
    public var soundHardware: String?
    /// `nestedhvm` (XE6).
    public var nestedHVM: Bool?
    /// `vpmu` (XE5).
    public var vpmu: Bool?
    /// `altp2m` (or `altp2mhvm`).
    public var altp2m: String?
    /// `seclabel` (XE11).
    public var seclabel: String?
    /// `init_seclabel`.
    public var initSeclabel: String?
    /// `device_model_stubdomain_seclabel`.
    public var deviceModelStubdomainSeclabel: String?
    /// `vif` entries as key=value maps (an empty entry is an empty map).
    public var vifs: [[String: String]] = []
    /// `disk`.
    public var disks: [XenDisk] = []
    /// Every key as parsed (passwords redacted).
    public var settings: [String: XenValue] = [:]

    public init() {}
}

/// `/etc/xen/xl.conf`: global xl toolstack settings (xl.conf(5)).
public struct XenToolstackConfiguration: Codable, Hashable, Sendable {
    /// `autoballoon`.
    public var autoballoon: String?
    /// `run_hotplug_scripts`.
    public var runHotplugScripts: Bool?
    /// `lockfile`.
    public var lockfile: String?
    /// `claim_mode`.
    public var claimMode: Bool?
    /// `vif.default.script`.
    public var vifDefaultScript: String?
    /// `vif.default.bridge`.
    public var vifDefaultBridge: String?
    /// `domid_policy`.
    public var domidPolicy: String?
    /// Every key as parsed.
    public var settings: [String: XenValue] = [:]

    public init() {}
}
