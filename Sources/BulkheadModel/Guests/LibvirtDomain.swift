// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// `<os>`.
public struct LibvirtOS: Codable, Hashable, Sendable {
    /// `hvm`, `xen`, `linux`, `exe`.
    public var type: String?
    /// `arch=`.
    public var arch: String?
    /// `machine=`.
    public var machine: String?
    /// Machine family (`pc`, `q35`, `virt` …) without version, as for QEMU.
    public var machineFamily: String?
    /// `<os firmware=>` (`efi`, `bios`).
    public var firmware: String?
    /// `<loader>` path.
    public var loader: String?
    /// `<loader secure=>`.
    public var loaderSecure: Bool?
    /// Direct kernel boot.
    public var kernel: String?
    /// Initrd for direct kernel boot.
    public var initrd: String?
    /// Kernel command line.
    public var cmdline: String?

    public init() {}
}

/// `<cpu><feature policy= name=/>`.
public struct LibvirtCPUFeature: Codable, Hashable, Sendable {
    /// Feature name.
    public var name: String
    /// force, require, optional, disable, forbid.
    public var policy: String?

    public init(
        name: String = "",
        policy: String? = nil
    ) {
        self.name = name
        self.policy = policy
    }
}

/// `<cpu>`.
public struct LibvirtCPU: Codable, Hashable, Sendable {
    /// custom, host-model, host-passthrough, maximum.
    public var mode: String?
    /// `match=`.
    public var match: String?
    /// `<model>`.
    public var model: String?
    /// Explicit features.
    public var features: [LibvirtCPUFeature] = []
    /// vmx/svm feature policy, or host-passthrough/host-model/maximum inheritance.
    public var nestedVirtualisation: NestedVirtualisationExposure = .notRequested

    public init() {}
}

/// `<memoryBacking>`.
public struct LibvirtMemoryBacking: Codable, Hashable, Sendable {
    /// `<access mode='shared|private'/>`.
    public var accessMode: String?
    /// `<source type='file|anonymous|memfd'/>`.
    public var sourceType: String?
    /// `<hugepages>`.
    public var hugepages: Bool = false
    /// `<locked/>`.
    public var locked: Bool = false
    /// Guest RAM is shared with other processes (`access mode='shared'`).
    public var shared: Bool = false

    public init() {}
}

/// A `<seclabel>` inside a device's `<source>`.
public struct LibvirtDeviceSeclabel: Codable, Hashable, Sendable {
    /// Element and target the label belongs to (`disk vda`).
    public var device: String
    /// Security model.
    public var model: String?
    /// `relabel=`.
    public var relabel: Bool?

    public init(
        device: String = "",
        model: String? = nil,
        relabel: Bool? = nil
    ) {
        self.device = device
        self.model = model
        self.relabel = relabel
    }
}

/// `<disk>`.
public struct LibvirtDisk: Codable, Hashable, Sendable {
    /// file, block, network, dir, volume.
    public var type: String?
    /// disk, cdrom, floppy, lun.
    public var device: String?
    /// `<driver name=>`.
    public var driverName: String?
    /// Image format.
    public var driverType: String?
    /// `file=`, `dev=`, `dir=` or network `name=`.
    public var source: String?
    /// Network disk protocol.
    public var sourceProtocol: String?
    /// `<target dev=>`.
    public var targetDev: String?
    /// `<target bus=>`.
    public var targetBus: String?
    /// `<readonly/>`.
    public var readOnly: Bool = false
    /// `<shareable/>`.
    public var shareable: Bool = false
    /// `<iotune>` present.
    public var hasIOTune: Bool = false

    public init() {}
}

/// `<interface>`.
public struct LibvirtInterface: Codable, Hashable, Sendable {
    /// bridge, network, direct, user, ethernet, vhostuser, hostdev.
    public var type: String?
    /// Bridge, network or device name.
    public var source: String?
    /// `<model type=>`.
    public var model: String?
    /// `<mac address=>`.
    public var mac: String?
    /// `<filterref filter=>` (nwfilter).
    public var filterRef: String?
    /// `<bandwidth>` present.
    public var hasBandwidth: Bool = false

    public init() {}
}

/// `<graphics>`. The `passwd` value is never stored.
public struct LibvirtGraphics: Codable, Hashable, Sendable {
    /// vnc, spice, sdl, rdp, dbus, egl-headless.
    public var type: String = ""
    /// `port=` (-1 with autoport).
    public var port: Int?
    /// SPICE `tlsPort=`.
    public var tlsPort: Int?
    /// `autoport=`.
    public var autoport: Bool?
    /// `listen=` and every `<listen type='address' address=>`.
    public var listenAddresses: [String] = []
    /// `<listen type=>` values (address, network, socket, none).
    public var listenTypes: [String] = []
    /// `socket=` / `<listen type='socket' socket=>`.
    public var socketPaths: [String] = []
    /// A `passwd=` attribute is present (its value is not kept).
    public var passwordSet: Bool = false
    /// SPICE `defaultMode=` (secure, insecure, any).
    public var defaultMode: String?
    /// SPICE `<channel name= mode=>`.
    public var channelModes: [String: String] = [:]
    /// SPICE with a TLS port, or `tls='yes'` (VNC).
    public var tlsEnabled: Bool = false
    /// SPICE `<clipboard copypaste=>`.
    public var clipboardCopyPaste: Bool?
    /// SPICE `<filetransfer enable=>`.
    public var fileTransfer: Bool?
    /// A listen address is wildcard or non-loopback (a VNC/SPICE server without any listen address listens on the qemu.conf default, recorded as false here).
    public var listensBeyondLoopback: Bool = false

    public init() {}
}

/// `<hostdev>`: a host device passed to the guest.
public struct LibvirtHostdev: Codable, Hashable, Sendable {
    /// subsystem or capabilities.
    public var mode: String?
    /// pci, usb, scsi, scsi_host, mdev.
    public var type: String?
    /// `managed=`.
    public var managed: Bool?
    /// mdev model (vfio-pci, vfio-ccw, vfio-ap).
    public var model: String?
    /// `<driver name=>`.
    public var driverName: String?
    /// Source PCI address as `dddd:bb:ss.f`.
    public var pciAddress: String?
    /// USB vendor id.
    public var usbVendor: String?
    /// USB product id.
    public var usbProduct: String?
    /// USB `bus.device`.
    public var usbAddress: String?
    /// mdev uuid.
    public var mdevUUID: String?

    public init() {}
}

/// `<filesystem>`: a host directory exported to the guest.
public struct LibvirtFilesystem: Codable, Hashable, Sendable {
    /// mount, file, block, ram, bind.
    public var type: String?
    /// passthrough, mapped, squash.
    public var accessMode: String?
    /// path, handle, loop, virtiofs.
    public var driverType: String?
    /// Host directory.
    public var sourceDir: String?
    /// Guest mount tag.
    public var target: String?
    /// `<readonly/>`.
    public var readOnly: Bool = false
    /// virtiofs `<binary><sandbox mode=>`.
    public var sandboxMode: String?

    public init() {}
}

/// `<controller>`.
public struct LibvirtController: Codable, Hashable, Sendable {
    /// usb, pci, ide, scsi, fdc, virtio-serial, sata, xenbus.
    public var type: String
    /// `model=`.
    public var model: String?
    /// `index=`.
    public var index: Int?

    public init(
        type: String = "",
        model: String? = nil,
        index: Int? = nil
    ) {
        self.type = type
        self.model = model
        self.index = index
    }
}

/// `<input>`.
public struct LibvirtInput: Codable, Hashable, Sendable {
    /// mouse, tablet, keyboard, passthrough, evdev.
    public var type: String
    /// ps2, usb, virtio, xen.
    public var bus: String?

    public init(
        type: String = "",
        bus: String? = nil
    ) {
        self.type = type
        self.bus = bus
    }
}

/// `<serial>`, `<console>`, `<channel>`, `<parallel>`.
public struct LibvirtCharDevice: Codable, Hashable, Sendable {
    /// Element name.
    public var element: String = ""
    /// pty, unix, tcp, udp, file, spicevmc, …
    public var type: String?
    /// UNIX socket or file.
    public var sourcePath: String?
    /// TCP/UDP host.
    public var sourceHost: String?
    /// TCP/UDP port.
    public var sourceService: String?
    /// bind or connect.
    public var sourceMode: String?
    /// `<protocol type=>` (raw, telnet, tls).
    public var protocolType: String?
    /// `<target type=>`.
    public var targetType: String?
    /// `<target name=>` (channels).
    public var targetName: String?
    /// A TCP/UDP bind on a non-loopback address.
    public var listensBeyondLoopback: Bool = false

    public init() {}
}

/// `<redirdev>` (USB redirection).
public struct LibvirtRedirDev: Codable, Hashable, Sendable {
    /// usb.
    public var bus: String?
    /// spicevmc, tcp.
    public var type: String?

    public init(
        bus: String? = nil,
        type: String? = nil
    ) {
        self.bus = bus
        self.type = type
    }
}

/// `<tpm>`.
public struct LibvirtTPM: Codable, Hashable, Sendable {
    /// tpm-tis, tpm-crb, spapr-tpm-proxy.
    public var model: String?
    /// passthrough, emulator, external.
    public var backendType: String?
    /// `version=`.
    public var backendVersion: String?

    public init(
        model: String? = nil,
        backendType: String? = nil,
        backendVersion: String? = nil
    ) {
        self.model = model
        self.backendType = backendType
        self.backendVersion = backendVersion
    }
}

/// Domain-level `<seclabel>` (there may be one per security model).
public struct LibvirtSeclabel: Codable, Hashable, Sendable {
    /// none, dynamic, static.
    public var type: String?
    /// selinux, apparmor, dac, none.
    public var model: String?
    /// `relabel=`.
    public var relabel: Bool?
    /// `<label>`.
    public var label: String?
    /// `<imagelabel>`.
    public var imageLabel: String?
    /// `<baselabel>`.
    public var baseLabel: String?

    public init() {}
}

/// `<launchSecurity>` (confidential VM).
public struct LibvirtLaunchSecurity: Codable, Hashable, Sendable {
    /// sev, sev-snp, tdx, s390-pv.
    public var type: String
    /// `<policy>`.
    public var policy: String?

    public init(
        type: String = "",
        policy: String? = nil
    ) {
        self.type = type
        self.policy = policy
    }
}

/// Parsed facts of a libvirt domain XML. No password value is kept.
public struct LibvirtDomain: Codable, Hashable, Sendable {
    /// Always empty for XML: the document can hold cleartext passwords, so it is not copied (cite the file instead).
    public var raw: [String] = []
    /// `<name>`.
    public var name: String?
    /// `<uuid>`.
    public var uuid: String?
    /// `<domain type=>`: kvm, qemu (TCG), xen, lxc, hvf …
    public var domainType: String?
    /// `<devices><emulator>`.
    public var emulator: String?
    /// `<os>`.
    public var os: LibvirtOS = LibvirtOS()
    /// `<features>` children, flattened (`acpi`, `hyperv.relaxed` → `on`, `kvm.hidden` → `on`).
    public var features: [String: String] = [:]
    /// `<cpu>`.
    public var cpu: LibvirtCPU?
    /// `<memory>` in KiB.
    public var memoryKiB: UInt64?
    /// `<vcpu>`.
    public var vcpus: Int?
    /// `<memoryBacking>`.
    public var memoryBacking: LibvirtMemoryBacking?
    /// Which of memtune, cputune, blkiotune, numatune are present.
    public var resourceTuning: [String] = []
    /// Disks.
    public var disks: [LibvirtDisk] = []
    /// Network interfaces.
    public var interfaces: [LibvirtInterface] = []
    /// Graphics (remote display) servers.
    public var graphics: [LibvirtGraphics] = []
    /// Video model types.
    public var videos: [String] = []
    /// Host devices.
    public var hostdevs: [LibvirtHostdev] = []
    /// Shared filesystems.
    public var filesystems: [LibvirtFilesystem] = []
    /// Controllers.
    public var controllers: [LibvirtController] = []
    /// Sound models (ich6, ich9, ac97, es1370, sb16 …).
    public var sounds: [String] = []
    /// Input devices.
    public var inputs: [LibvirtInput] = []
    /// Serial, console, channel, parallel.
    public var charDevices: [LibvirtCharDevice] = []
    /// USB redirection devices.
    public var redirdevs: [LibvirtRedirDev] = []
    /// `<memballoon model=>`.
    public var memballoon: String?
    /// TPMs.
    public var tpms: [LibvirtTPM] = []
    /// Watchdog models.
    public var watchdogs: [String] = []
    /// RNG backend models.
    public var rngBackends: [String] = []
    /// Other device element names (panic, vsock, shmem, smartcard, iommu …).
    public var otherDevices: [String] = []
    /// Domain-level security labels.
    public var seclabels: [LibvirtSeclabel] = []
    /// Device-level security labels (relabel='no' disables relabelling for that device).
    public var deviceSeclabels: [LibvirtDeviceSeclabel] = []
    /// `<qemu:commandline><qemu:arg value=>` passthrough arguments (libvirt taints the domain `custom-argv`).
    public var qemuCommandline: [String] = []
    /// `<qemu:env name=>` names (values not kept).
    public var qemuEnvironment: [String] = []
    /// `<qemu:capabilities>` present.
    public var qemuCapabilitiesOverridden: Bool = false
    /// Confidential-computing launch security.
    public var launchSecurity: LibvirtLaunchSecurity?
    /// `<metadata><bulkhead:guest xmlns:bulkhead="https://bulkhead.dev/xmlns/guest/1">`: the classification and
    /// security domain the guest's definition declares (tenant-controlled; bounded and sanitised by the parser).
    public var marking: LibvirtGuestMarking?

    public init() {}
}

/// A guest's own classification marking from its libvirt `<metadata>` (namespace `LibvirtGuestMarking.namespace`).
/// Values are kept only when at most `maximumLength` characters of letters, digits, space and `:_-./`; otherwise
/// the value is dropped and `rejected` says why, so the guest's classification is unknown.
public struct LibvirtGuestMarking: Codable, Hashable, Sendable {
    public static let namespace = "https://bulkhead.dev/xmlns/guest/1"
    public static let maximumLength = 64
    /// `<classification>`.
    public var classification: String?
    /// `<domain>`.
    public var domain: String?
    /// Why a value was dropped (too long, characters outside the allowed set); nil when every value was kept.
    public var rejected: String?

    public init(classification: String? = nil, domain: String? = nil, rejected: String? = nil) {
        self.classification = classification
        self.domain = domain
        self.rejected = rejected
    }
}
