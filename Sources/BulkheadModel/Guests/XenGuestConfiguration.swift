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
    public var spec: String

    public init(
        bdf: String? = nil,
        permissive: Bool? = nil,
        seize: Bool? = nil,
        rdmPolicy: String? = nil,
        msiTranslate: Bool? = nil,
        powerManagement: Bool? = nil,
        spec: String = ""
    ) {
        self.bdf = bdf
        self.permissive = permissive
        self.seize = seize
        self.rdmPolicy = rdmPolicy
        self.msiTranslate = msiTranslate
        self.powerManagement = powerManagement
        self.spec = spec
    }
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
    public var spec: String

    public init(
        target: String? = nil,
        format: String? = nil,
        vdev: String? = nil,
        access: String? = nil,
        backendType: String? = nil,
        devtype: String? = nil,
        spec: String = ""
    ) {
        self.target = target
        self.format = format
        self.vdev = vdev
        self.access = access
        self.backendType = backendType
        self.devtype = devtype
        self.spec = spec
    }
}

/// Parsed facts of an xl domain configuration (`/etc/xen/*.cfg`, xl.cfg(5)). Password values are never stored.
public struct XenGuestConfiguration: Codable, Hashable, Sendable {
    /// Always empty: the file can hold cleartext passwords.
    public var raw: [String]
    /// `name`.
    public var name: String?
    /// `uuid`.
    public var uuid: String?
    /// Effective guest type: pv, pvh or hvm (`type`, legacy `builder="hvm"`, default pv).
    public var type: String?
    /// `type` or `builder` was given.
    public var typeExplicit: Bool
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
    public var pci: [XenPCIDevice]
    /// Global `pci_permissive`.
    public var pciPermissive: Bool?
    /// `vnc`.
    public var vnc: Bool?
    /// `vnclisten`.
    public var vncListen: String?
    /// `vncpasswd` present and non-empty (value not kept).
    public var vncPasswordSet: Bool
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
    public var spicePasswordSet: Bool
    /// `spice_clipboard_sharing`.
    public var spiceClipboardSharing: Bool?
    /// `spicevdagent`.
    public var spiceVDAgent: Bool?
    /// VNC or SPICE is on and `vnclisten`/`spicehost` is absent, wildcard or non-loopback.
    public var displayListensBeyondLoopback: Bool
    /// `usb`.
    public var usb: Bool?
    /// `usbdevice` (string or list) and `usbdev` entries.
    public var usbDevices: [String]
    /// `usbctrl` entries.
    public var usbControllers: [String]
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
    public var vifs: [[String: String]]
    /// `disk`.
    public var disks: [XenDisk]
    /// Every key as parsed (passwords redacted).
    public var settings: [String: XenValue]

    public init(
        raw: [String] = [],
        name: String? = nil,
        uuid: String? = nil,
        type: String? = nil,
        typeExplicit: Bool = false,
        kernel: String? = nil,
        memoryMiB: Int? = nil,
        maxMemoryMiB: Int? = nil,
        vcpus: Int? = nil,
        deviceModelVersion: String? = nil,
        deviceModelOverride: String? = nil,
        deviceModelStubdomain: Bool? = nil,
        deviceModelUser: String? = nil,
        dmRestrict: Bool? = nil,
        pci: [XenPCIDevice] = [],
        pciPermissive: Bool? = nil,
        vnc: Bool? = nil,
        vncListen: String? = nil,
        vncPasswordSet: Bool = false,
        vncUnused: Bool? = nil,
        vncDisplay: Int? = nil,
        sdl: Bool? = nil,
        spice: Bool? = nil,
        spiceHost: String? = nil,
        spicePort: Int? = nil,
        spiceTLSPort: Int? = nil,
        spiceDisableTicketing: Bool? = nil,
        spicePasswordSet: Bool = false,
        spiceClipboardSharing: Bool? = nil,
        spiceVDAgent: Bool? = nil,
        displayListensBeyondLoopback: Bool = false,
        usb: Bool? = nil,
        usbDevices: [String] = [],
        usbControllers: [String] = [],
        soundHardware: String? = nil,
        nestedHVM: Bool? = nil,
        vpmu: Bool? = nil,
        altp2m: String? = nil,
        seclabel: String? = nil,
        initSeclabel: String? = nil,
        deviceModelStubdomainSeclabel: String? = nil,
        vifs: [[String: String]] = [],
        disks: [XenDisk] = [],
        settings: [String: XenValue] = [:]
    ) {
        self.raw = raw
        self.name = name
        self.uuid = uuid
        self.type = type
        self.typeExplicit = typeExplicit
        self.kernel = kernel
        self.memoryMiB = memoryMiB
        self.maxMemoryMiB = maxMemoryMiB
        self.vcpus = vcpus
        self.deviceModelVersion = deviceModelVersion
        self.deviceModelOverride = deviceModelOverride
        self.deviceModelStubdomain = deviceModelStubdomain
        self.deviceModelUser = deviceModelUser
        self.dmRestrict = dmRestrict
        self.pci = pci
        self.pciPermissive = pciPermissive
        self.vnc = vnc
        self.vncListen = vncListen
        self.vncPasswordSet = vncPasswordSet
        self.vncUnused = vncUnused
        self.vncDisplay = vncDisplay
        self.sdl = sdl
        self.spice = spice
        self.spiceHost = spiceHost
        self.spicePort = spicePort
        self.spiceTLSPort = spiceTLSPort
        self.spiceDisableTicketing = spiceDisableTicketing
        self.spicePasswordSet = spicePasswordSet
        self.spiceClipboardSharing = spiceClipboardSharing
        self.spiceVDAgent = spiceVDAgent
        self.displayListensBeyondLoopback = displayListensBeyondLoopback
        self.usb = usb
        self.usbDevices = usbDevices
        self.usbControllers = usbControllers
        self.soundHardware = soundHardware
        self.nestedHVM = nestedHVM
        self.vpmu = vpmu
        self.altp2m = altp2m
        self.seclabel = seclabel
        self.initSeclabel = initSeclabel
        self.deviceModelStubdomainSeclabel = deviceModelStubdomainSeclabel
        self.vifs = vifs
        self.disks = disks
        self.settings = settings
    }
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
    public var settings: [String: XenValue]

    public init(
        autoballoon: String? = nil,
        runHotplugScripts: Bool? = nil,
        lockfile: String? = nil,
        claimMode: Bool? = nil,
        vifDefaultScript: String? = nil,
        vifDefaultBridge: String? = nil,
        domidPolicy: String? = nil,
        settings: [String: XenValue] = [:]
    ) {
        self.autoballoon = autoballoon
        self.runHotplugScripts = runHotplugScripts
        self.lockfile = lockfile
        self.claimMode = claimMode
        self.vifDefaultScript = vifDefaultScript
        self.vifDefaultBridge = vifDefaultBridge
        self.domidPolicy = domidPolicy
        self.settings = settings
    }
}
