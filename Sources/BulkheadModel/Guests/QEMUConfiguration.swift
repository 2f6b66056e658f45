// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Where the effective accelerator came from.
public enum QEMUAcceleratorSource: String, Codable, Hashable, Sendable, CaseIterable {
    case explicit
    case impliedByBinary
    case defaultTCG
}

/// What a device is, for attack-surface checks. `floppy` covers the VENOM-class floppy controller; `passthrough` covers host devices (vfio-pci, usb-host).
public enum QEMUDeviceCategory: String, Codable, Hashable, Sendable, CaseIterable {
    case legacyISA
    case floppy
    case usb
    case sound
    case display
    case network
    case storage
    case passthrough
    case virtio
    case sharedFilesystem
    case input
    case security
    case other
}

/// Kind of display or remote-display server.
public enum QEMUDisplayKind: String, Codable, Hashable, Sendable, CaseIterable {
    case vnc
    case spice
    case sdl
    case gtk
    case curses
    case cocoa
    case dbus
    case eglHeadless = "egl-headless"
    case none
    case nographic
    case other
}

/// A control endpoint: the human monitor, QMP, or the gdb stub.
public enum QEMUMonitorKind: String, Codable, Hashable, Sendable, CaseIterable {
    case hmp
    case qmp
    case gdb
}

/// 9p (`-fsdev`/`-virtfs`) or virtio-fs (`vhost-user-fs-*` with a virtiofsd chardev).
public enum QEMUSharedFilesystemKind: String, Codable, Hashable, Sendable, CaseIterable {
    case ninePFS = "9p"
    case virtiofs
}

/// One emulated or passed-through device, from `-device` or a legacy shorthand.
public struct QEMUDevice: Codable, Hashable, Sendable {
    /// QEMU device driver (`isa-fdc`, `virtio-net-pci`, `vfio-pci` …).
    public var driver: String = ""
    /// `id=` property.
    public var id: String?
    /// Attack-surface category.
    public var category: QEMUDeviceCategory = .other
    /// virtio or vhost device.
    public var isVirtio: Bool = false
    /// For passthrough: `host=` (PCI address) or `hostbus/hostaddr`/`vendorid:productid` for usb-host.
    public var hostAddress: String?
    /// Remaining properties as written (passwords redacted).
    public var properties: [String: String] = [:]
    /// The option that created the device (`-device`, `-fda`, `-usbdevice`, `-soundhw` …).
    public var origin: String = "-device"

    public init() {}
}

/// A `-object memory-backend-*`.
public struct QEMUMemoryBackend: Codable, Hashable, Sendable {
    /// Object id.
    public var id: String?
    /// `memory-backend-ram`, `memory-backend-file`, `memory-backend-memfd`, `memory-backend-epc`.
    public var type: String = ""
    /// `share=on`: guest RAM is shared with other processes (vhost-user, virtiofsd).
    public var shared: Bool = false
    /// `mem-path=` for file backends.
    public var memPath: String?
    /// `size=` as written.
    public var size: String?

    public init() {}
}

/// One display frontend or remote-display server.
public struct QEMUDisplay: Codable, Hashable, Sendable {
    /// Kind.
    public var kind: QEMUDisplayKind = .other
    /// Where a remote display (VNC/SPICE) listens; nil for local displays.
    public var endpoint: NetworkEndpoint?
    /// SPICE `tls-port=`.
    public var tlsPort: Int?
    /// VNC `websocket=` value (port or `on`); a websocket listener shares the VNC host.
    public var websocket: String?
    /// A password is required (`password=on`, `password-secret=`, SPICE `password=`). The password itself is never stored.
    public var passwordSet: Bool = false
    /// `sasl=on`.
    public var saslEnabled: Bool = false
    /// SPICE `disable-ticketing=on`: no authentication at all.
    public var disableTicketing: Bool = false
    /// VNC `tls-creds=` or a SPICE TLS port.
    public var tlsConfigured: Bool = false
    /// Some client authentication is configured (password, SASL, TLS credentials with verification or SPICE ticketing).
    public var authenticationSet: Bool = false
    /// The server accepts connections from other hosts.
    public var listensBeyondLoopback: Bool = false
    /// Options as written (passwords redacted).
    public var options: [String: String] = [:]

    /// A display of `kind`, nothing else stated.
    public init(kind: QEMUDisplayKind = .other) { self.kind = kind }
}

/// A monitor (HMP), QMP socket or gdb stub.
public struct QEMUControlEndpoint: Codable, Hashable, Sendable {
    /// HMP, QMP or gdb.
    public var kind: QEMUMonitorKind = .hmp
    /// The option it came from (`-qmp`, `-mon`, `-monitor`, `-gdb`, `-s`).
    public var option: String = ""
    /// `-qmp-pretty`.
    public var pretty: Bool = false
    /// The `-chardev` id behind `-mon chardev=`.
    public var chardevID: String?
    /// Transport and address.
    public var endpoint: NetworkEndpoint = NetworkEndpoint()

    /// A `kind` endpoint from `option` at `endpoint`, nothing else stated.
    public init(kind: QEMUMonitorKind = .hmp, option: String = "", endpoint: NetworkEndpoint = NetworkEndpoint()) {
        self.kind = kind
        self.option = option
        self.endpoint = endpoint
    }
}

/// A `-chardev` definition.
public struct QEMUChardev: Codable, Hashable, Sendable {
    /// Chardev id.
    public var id: String?
    /// socket, stdio, pty, file, spicevmc, …
    public var backend: String
    /// Transport and address.
    public var endpoint: NetworkEndpoint
    /// Options as written.
    public var options: [String: String]

    public init(
        id: String? = nil,
        backend: String = "",
        endpoint: NetworkEndpoint = NetworkEndpoint(),
        options: [String: String] = [:]
    ) {
        self.id = id
        self.backend = backend
        self.endpoint = endpoint
        self.options = options
    }
}

/// `-sandbox` (seccomp mode 2). QEMU's default is off.
public struct QEMUSandbox: Codable, Hashable, Sendable {
    /// `on`.
    public var enabled: Bool = false
    /// `obsolete=deny|allow`.
    public var obsolete: String?
    /// `elevateprivileges=allow|deny|children`.
    public var elevatePrivileges: String?
    /// `spawn=allow|deny`.
    public var spawn: String?
    /// `resourcecontrol=allow|deny`.
    public var resourceControl: String?

    public init() {}
}

/// A host directory exported to the guest.
public struct QEMUSharedFilesystem: Codable, Hashable, Sendable {
    /// 9p or virtio-fs.
    public var kind: QEMUSharedFilesystemKind = .ninePFS
    /// fsdev id or device id.
    public var id: String?
    /// Host directory (9p `path=`); for virtio-fs the directory is virtiofsd's and not on this command line.
    public var path: String?
    /// 9p `security_model=` (passthrough|mapped-xattr|mapped-file|none).
    public var securityModel: String?
    /// `readonly=on`.
    public var readOnly: Bool = false
    /// Guest mount tag.
    public var mountTag: String?
    /// virtio-fs: chardev to virtiofsd.
    public var chardevID: String?
    /// virtio-fs: virtiofsd socket path, when the chardev names one.
    public var socketPath: String?

    public init() {}
}

/// A host network backend (`-netdev`, `-nic`, legacy `-net`).
public struct QEMUNetdev: Codable, Hashable, Sendable {
    /// Backend id.
    public var id: String?
    /// user, tap, bridge, vhost-user, socket, l2tpv3, vde, …
    public var type: String = ""
    /// tap `ifname=`.
    public var ifname: String?
    /// tap `script=` (a host helper QEMU runs).
    public var script: String?
    /// tap `downscript=`.
    public var downscript: String?
    /// Inherited fd(s) (`fd=`/`fds=`); preferred over QEMU opening devices itself.
    public var fd: String?
    /// `br=` for bridge backends.
    public var bridge: String?
    /// `vhost=on/off`.
    public var vhost: Bool?
    /// user-mode `hostfwd=` rules (each exposes a guest port on the host).
    public var hostForwards: [String] = []
    /// vhost-user chardev.
    public var chardevID: String?
    /// Options as written.
    public var options: [String: String] = [:]

    public init() {}
}

/// A disk image or block node.
public struct QEMUDrive: Codable, Hashable, Sendable {
    /// Drive id or block node name.
    public var id: String?
    /// Host path (`file=`/`filename=`), the innermost file for JSON `-blockdev`.
    public var file: String?
    /// Format driver (`qcow2`, `raw` …).
    public var format: String?
    /// `if=` for `-drive` (ide, scsi, virtio, floppy, none, pflash …).
    public var interface: String?
    /// `media=cdrom|disk`.
    public var media: String?
    /// Read-only.
    public var readOnly: Bool = false
    /// The option (`-drive`, `-blockdev`, `-hda`, `-cdrom`, `-fda`, positional image …).
    public var origin: String = "-drive"

    /// A drive of `file` on `interface` from `origin`, nothing else stated.
    public init(file: String? = nil, interface: String? = nil, origin: String = "-drive") {
        self.file = file
        self.interface = interface
        self.origin = origin
    }
}

/// A `-object` that is not a memory backend (secrets, TLS credentials, SEV guests …).
public struct QEMUObject: Codable, Hashable, Sendable {
    /// QOM type.
    public var qomType: String
    /// Object id.
    public var id: String?
    /// Properties as written (secret `data=` and passwords redacted).
    public var properties: [String: String]

    public init(
        qomType: String = "",
        id: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.qomType = qomType
        self.id = id
        self.properties = properties
    }
}

/// Parsed facts of a QEMU command line (`/proc/PID/cmdline` or a launcher's generated argv).
public struct QEMUConfiguration: CommandLineConfiguration, Codable, Hashable, Sendable {
    /// The argv the facts were parsed from, with passwords and secret data redacted.
    public var raw: [String] = []
    /// argv[0].
    public var binary: String?
    /// `-machine` type (`pc-q35-8.2`, `pc+pve0`, `virt` …).
    public var machineType: String?
    /// Machine family for the security-support list (hardening Q2): `pc` (i440fx), `q35`, `microvm`, `virt`, `xenfv` …, with versions and vendor suffixes (`pc-q35-8.2`, `pc+pve0`) removed.
    public var machineFamily: String?
    /// A floppy controller exists: a floppy device or drive is configured, or the machine is an i440fx `pc`/`isapc`, which QEMU always builds with an ISA FDC (VENOM class, CVE-2015-3456).
    public var floppyControllerPresent: Bool = false
    /// Other `-machine` properties (`dump-guest-core`, `confidential-guest-support`, `usb` …).
    public var machineOptions: [String: String] = [:]
    /// Accelerators in order of preference as given (`-accel`, `-machine accel=a:b`, `-enable-kvm`).
    public var accelerators: [String] = []
    /// The accelerator QEMU uses first: the first of `accelerators`, else implied by the binary (`kvm`, `qemu-kvm`), else `tcg`.
    public var accelerator: String = "tcg"
    /// Where `accelerator` came from.
    public var acceleratorSource: QEMUAcceleratorSource = .defaultTCG
    /// `-name guest=` (or the implied first value).
    public var name: String?
    /// `-name …,debug-threads=on`.
    public var debugThreads: Bool?
    /// `-name …,process=`.
    public var processName: String?
    /// `-uuid`.
    public var uuid: String?
    /// `-cpu` model (`host`, `max`, `qemu64`, `Skylake-Client` …).
    public var cpuModel: String?
    /// `-cpu` feature flags as written (`+vmx`, `-svm`, `vmx=on` …).
    public var cpuFlags: [String] = []
    /// VMX/SVM exposure: explicit `+vmx`/`svm=on`, or inherited with `host`/`max` models.
    public var nestedVirtualisation: NestedVirtualisationExposure = .notRequested
    /// `-m` size as written.
    public var memory: String?
    /// Memory backends; `shared` marks RAM shared with other processes.
    public var memoryBackends: [QEMUMemoryBackend] = []
    /// Legacy `-mem-path`.
    public var memPath: String?
    /// Every device, from `-device` (key=value and JSON forms) and legacy shorthands.
    public var devices: [QEMUDevice] = []
    /// Displays and remote-display servers.
    public var displays: [QEMUDisplay] = []
    /// Monitor, QMP and gdb endpoints.
    public var monitors: [QEMUControlEndpoint] = []
    /// `-chardev` definitions.
    public var chardevs: [QEMUChardev] = []
    /// `-serial` backends.
    public var serials: [NetworkEndpoint] = []
    /// `-parallel` backends.
    public var parallels: [NetworkEndpoint] = []
    /// `-sandbox`; nil when absent (QEMU default: off).
    public var sandbox: QEMUSandbox?
    /// `-runas` or `-run-with user=`.
    public var runAsUser: String?
    /// `-chroot` or `-run-with chroot=`.
    public var chroot: String?
    /// `-daemonize`.
    public var daemonize: Bool = false
    /// `-S`.
    public var startPaused: Bool = false
    /// `-nodefaults`.
    public var noDefaults: Bool = false
    /// `-no-user-config`.
    public var noUserConfig: Bool = false
    /// 9p and virtio-fs exports.
    public var sharedFilesystems: [QEMUSharedFilesystem] = []
    /// Network backends.
    public var netdevs: [QEMUNetdev] = []
    /// Drives and block nodes with their host paths.
    public var drives: [QEMUDrive] = []
    /// Other `-object`s.
    public var objects: [QEMUObject] = []
    /// `-readconfig` files; NOT followed: their contents are not part of these facts.
    public var readConfigFiles: [String] = []
    /// `-incoming` (migration source URI).
    public var incoming: String?
    /// `-audiodev`/`-audio` drivers.
    public var audiodevs: [String] = []
    /// `-kernel`.
    public var kernel: String?
    /// `-bios` or the first `-pflash`/`if=pflash` file.
    public var firmware: String?
    /// `-global` settings as written.
    public var globals: [String] = []
    /// Options this parser does not know, with the argument it assumed they take.
    public var unrecognised: [String] = []

    public init() {}
}
