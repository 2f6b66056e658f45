public import BulkheadModel
public import Formats
import Foundation

/// Parses a QEMU command line (`/proc/PID/cmdline`, a libvirt `.args` or a Proxmox generated argv)
/// into `QEMUConfiguration`. Pure: reads nothing, follows no `-readconfig`.
///
/// Option syntax follows QEMU: `-opt` and `--opt` are the same option; values use QemuOpts
/// (`key=value,…`, `,,` for a literal comma, an implied first key, bare booleans); `-device`,
/// `-object`, `-blockdev`, `-netdev`, `-audiodev` and `-chardev`-like options also accept JSON.
public enum QEMUArgvParser {
    /// Options that take no argument.
    static let flags: Set<String> = [
        "enable-kvm", "nographic", "daemonize", "S", "s", "nodefaults", "no-user-config", "no-shutdown",
        "no-reboot", "usb", "snapshot", "no-hpet", "no-acpi", "full-screen", "no-fd-bootchk", "sdl", "curses",
        "win2k-hack", "no-quit", "alt-grab", "ctrl-grab", "preconfig", "only-migratable", "enable-sync-profile",
        "version", "help", "h", "mem-prealloc", "xen-attach", "no-frame", "semihosting", "old-param",
        "rtc-td-hack", "no-kvm", "no-kvm-irqchip", "no-kvm-pit", "no-kvm-pit-reinjection", "enable-fips",
        "singlestep", "one-cpu", "nouserconfig", "no-graphic", "portrait", "show-cursor", "localtime",
        "tdf", "enable-nesting", "no-start", "xen-create",
    ]
    /// Options that take one argument.
    static let withArgument: Set<String> = [
        "machine", "M", "accel", "cpu", "smp", "m", "name", "uuid", "device", "drive", "blockdev", "fda", "fdb",
        "hda", "hdb", "hdc", "hdd", "cdrom", "mtdblock", "sd", "pflash", "usbdevice", "soundhw", "audiodev",
        "audio", "vga", "net", "netdev", "nic", "serial", "parallel", "monitor", "qmp", "qmp-pretty", "mon",
        "chardev", "gdb", "sandbox", "runas", "run-with", "chroot", "display", "vnc", "spice", "object", "fsdev",
        "virtfs", "virtfs_synth", "readconfig", "writeconfig", "incoming", "kernel", "initrd", "append", "bios",
        "L", "boot", "pidfile", "global", "smbios", "rtc", "overcommit", "msg", "iscsi", "id", "k", "numa", "set",
        "add-fd", "trace", "D", "d", "icount", "watchdog", "watchdog-action", "action", "tpmdev", "fw_cfg",
        "option-rom", "dtb", "loadvm", "g", "mem-path", "compat", "debugcon", "semihosting-config", "plugin",
        "xen-domid", "acpitable", "smp-opts", "device-json", "seed", "rotate", "echr", "prom-env", "incoming-defer",
        "virtioconsole", "mem-max", "kvm-shadow-memory", "balloon", "tb-size", "qtest", "qtest-log", "dfilter",
        "async-teardown", "xen-domid-restrict",
    ]

    /// The options of `withArgument` that `State.option` reads (the others are skipped with their argument).
    static let readOptions: Set<String> = [
        "machine", "M", "accel", "cpu", "m", "mem-path", "name", "uuid", "device", "drive", "blockdev", "fda", "fdb",
        "hda", "hdb", "hdc", "hdd", "cdrom", "mtdblock", "sd", "pflash", "bios", "kernel", "usbdevice", "soundhw",
        "audiodev", "audio", "vga", "net", "netdev", "nic", "serial", "parallel", "monitor", "qmp", "qmp-pretty",
        "mon", "gdb", "chardev", "sandbox", "runas", "chroot", "run-with", "display", "vnc", "spice", "object",
        "fsdev", "virtfs", "readconfig", "incoming", "global",
    ]

    /// What an option name is, in one lookup (this runs for every option of every guest): a flag, an option
    /// whose argument is read, or one whose argument is skipped.
    enum OptionKind {
        case flag, read, skipped
    }

    static let optionKinds: [String: OptionKind] = {
        var kinds: [String: OptionKind] = [:]
        for name in withArgument { kinds[name] = readOptions.contains(name) ? .read : .skipped }
        // A name in both sets is a flag, as it was when `flags` was asked first.
        for name in flags { kinds[name] = .flag }
        return kinds
    }()

    public static func parse(_ argv: [String], source: String = "qemu argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<QEMUConfiguration>
    {
        try parse(argv, source: source, limits: limits, redacted: false)
    }

    /// - Parameter redacted: the argv already went through `Redaction.arguments` — a process's arguments,
    ///   which `ProcessScanner` (the one producer of `HostProcess`) redacts as it reads them — so it is not
    ///   redacted a second time (redaction is idempotent: a second pass changed nothing and cost a tenth of
    ///   the parse). Any other argv (libvirt `.args`, a Proxmox command, a caller's) is redacted here.
    static func parse(_ argv: [String], source: String, limits: ParseLimits = .standard, redacted: Bool)
        throws(ConfigParseError) -> Parsed<QEMUConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        // Credentials are redacted before anything is parsed, so no field (drives' file=, objects, raw) holds one.
        let argv = redacted ? argv : Redaction.arguments(argv)
        var st = State(source: source, limits: limits)
        st.c = QEMUConfiguration(argv: argv)
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard a.hasPrefix("-"), a.count > 1 else {
                if a.isEmpty { continue }
                st.c.drives.append(QEMUDrive(file: a, interface: "ide", origin: "positional"))
                continue
            }
            if a == "--" {
                // QEMU treats what follows as image files.
                while i < argv.count {
                    st.c.drives.append(QEMUDrive(file: argv[i], interface: "ide", origin: "positional"))
                    i += 1
                }
                break
            }
            var name = String(a.dropFirst())
            if name.hasPrefix("-") { name = String(name.dropFirst()) }
            let kind = optionKinds[name]
            if kind == .flag {
                st.flag(name)
                continue
            }
            if let kind {
                guard i < argv.count else {
                    st.problems.append(
                        ParseSupport.problem(source, a, "option \(a) is the last argument but needs a value; it was ignored"))
                    break
                }
                let value = argv[i]
                i += 1
                if kind == .read { st.option(name, value) }
                continue
            }
            // Unknown: assume it takes an argument if the next word is not an option.
            if i < argv.count, !argv[i].hasPrefix("-") {
                st.c.unrecognised.append("\(a) \(redactOptionString(argv[i]))")
                st.problems.append(
                    ParseSupport.problem(source, a, "unknown option; assumed it takes the argument that follows"))
                i += 1
            } else {
                st.c.unrecognised.append(a)
            }
        }
        st.finish()
        return Parsed(value: st.c, problems: st.problems)
    }

    // MARK: - Flat JSON

    /// The pairs of a JSON option argument that is one flat object of strings (without escapes), integers
    /// and booleans — what libvirt writes for `-device`, `-netdev` and `-object` — read in one pass, without
    /// building a `JSONValue`. Nil for anything else (nesting, escapes, fractions, `null`, a control
    /// character, a non-ASCII or repeated key, more than 16 KiB), which `JSONValue.parse` then reads and judges
    /// in full, so its refusals and messages are unchanged. The pairs are those that reader gives (the scalar
    /// members as `scalarText`, sorted by key).
    static func flatJSONPairs(_ text: String) -> [QEMUOptionString.Pair]? {
        let u = text.utf8
        guard u.count <= 16 << 10 else { return nil }
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        let end = u.endIndex
        var i = u.startIndex
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func skipSpace() { while i < end, isSpace(u[i]) { u.formIndex(after: &i) } }
        /// A string at `i` (its opening quote) with no escape or control character; `i` moves past it.
        func string(asciiOnly: Bool) -> String? {
            guard i < end, u[i] == quote else { return nil }
            let start = u.index(after: i)
            var j = start
            while j < end {
                let b = u[j]
                if b == quote {
                    i = u.index(after: j)
                    return String(text[start..<j])
                }
                if b == backslash || b < 0x20 || (asciiOnly && b >= 0x80) { return nil }
                u.formIndex(after: &j)
            }
            return nil
        }
        skipSpace()
        guard i < end, u[i] == UInt8(ascii: "{") else { return nil }
        u.formIndex(after: &i)
        var pairs: [QEMUOptionString.Pair] = []
        skipSpace()
        if i < end, u[i] == UInt8(ascii: "}") {
            u.formIndex(after: &i)
        } else {
            while true {
                skipSpace()
                guard let key = string(asciiOnly: true) else { return nil }
                skipSpace()
                guard i < end, u[i] == UInt8(ascii: ":") else { return nil }
                u.formIndex(after: &i)
                skipSpace()
                guard i < end else { return nil }
                let b = u[i]
                let value: String
                if b == quote {
                    guard let s = string(asciiOnly: false) else { return nil }
                    value = s
                } else if b == UInt8(ascii: "t") || b == UInt8(ascii: "f") {
                    let literal = b == UInt8(ascii: "t") ? "true" : "false"
                    var j = i
                    for expected in literal.utf8 {
                        guard j < end, u[j] == expected else { return nil }
                        u.formIndex(after: &j)
                    }
                    i = j
                    value = literal
                } else if b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) {
                    // -?(0|[1-9][0-9]*), no fraction or exponent: an integer, as the full reader takes it.
                    let start = i
                    if b == UInt8(ascii: "-") { u.formIndex(after: &i) }
                    guard i < end, u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                    let leadingZero = u[i] == 0x30
                    var digits = 0
                    while i < end, u[i] >= 0x30, u[i] <= 0x39 {
                        digits += 1
                        u.formIndex(after: &i)
                    }
                    if leadingZero && digits > 1 { return nil }
                    if i < end, u[i] == UInt8(ascii: ".") || u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") { return nil }
                    guard let number = Int64(text[start..<i]) else { return nil }
                    value = String(number)
                } else {
                    return nil
                }
                pairs.append(QEMUOptionString.Pair(key: key, value: value))
                skipSpace()
                guard i < end else { return nil }
                if u[i] == UInt8(ascii: ",") {
                    u.formIndex(after: &i)
                    continue
                }
                guard u[i] == UInt8(ascii: "}") else { return nil }
                u.formIndex(after: &i)
                break
            }
        }
        skipSpace()
        guard i == end else { return nil }
        pairs.sort { $0.key < $1.key }
        for index in pairs.indices.dropFirst() where pairs[index].key == pairs[index - 1].key { return nil }
        return pairs
    }

    // MARK: - Redaction

    /// `Redaction.argument`, the one credential redaction (BulkheadModel).
    static func redactOptionString(_ s: String) -> String { Redaction.argument(s) }

    static func splitKeepingEscapes(_ s: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        let cs = Array(s)
        var i = 0
        while i < cs.count {
            if cs[i] == "," {
                if i + 1 < cs.count, cs[i + 1] == "," { cur += ",,"; i += 2; continue }
                parts.append(cur); cur = ""; i += 1; continue
            }
            cur.append(cs[i]); i += 1
        }
        parts.append(cur)
        return parts
    }

    static func redactArgv(_ argv: [String]) -> [String] {
        argv.map { redactOptionString($0) }
    }

    // MARK: - Classification

    /// Device drivers `category(of:)` names one by one (built once: this runs for every device of every guest).
    enum DeviceNames {
        static let floppy: Set<String> = ["isa-fdc", "floppy", "sysbus-fdc", "sunw,fdtwo", "fdc", "floppy-bus"]
        static let sound: Set<String> = [
            "sb16", "es1370", "ac97", "intel-hda", "ich9-intel-hda", "hda-duplex", "hda-micro", "hda-output",
            "cs4231a", "gus", "adlib", "pcspk", "usb-audio", "virtio-sound", "virtio-sound-pci", "hda-codec",
        ]
        static let display: Set<String> = [
            "vga", "cirrus-vga", "isa-cirrus-vga", "qxl", "qxl-vga", "bochs-display", "ramfb", "vmware-svga",
            "secondary-vga", "ati-vga", "isa-vga", "virtio-vga", "virtio-vga-gl", "vhost-user-vga", "vhost-user-gpu",
        ]
        static let usbStorage: Set<String> = ["usb-storage", "usb-bot", "usb-uas"]
        static let legacyISA: Set<String> = ["i8042", "pc-testdev", "applesmc", "ib700", "ne2k_isa", "port92", "isa-debugcon"]
    }

    /// The attack-surface category of a QEMU device driver.
    public static func category(of driver: String) -> QEMUDeviceCategory {
        let d = driver.lowercased()
        if DeviceNames.floppy.contains(d) { return .floppy }
        if d.hasPrefix("vfio-") || d == "pci-assign" || d == "kvm-pci-assign" || d == "usb-host"
            || d.hasPrefix("vhost-vdpa") || d == "xen-pci-passthrough" || d == "ivshmem-plain" || d == "ivshmem-doorbell"
        {
            return .passthrough
        }
        if d.hasPrefix("virtio-9p") || d.hasPrefix("vhost-user-fs") || d.hasPrefix("virtio-fs") { return .sharedFilesystem }
        if DeviceNames.sound.contains(d) || d.hasPrefix("virtio-sound") { return .sound }
        if d == "tpm-tis" || d == "tpm-crb" || d == "tpm-spapr" || d == "tpm-tis-device" || d == "vmgenid" {
            return .security
        }
        if DeviceNames.display.contains(d) || d.hasPrefix("virtio-gpu") || d.hasPrefix("vhost-user-gpu") { return .display }
        if d.hasPrefix("usb-") || containsUSBInfix(d) || d.hasSuffix("-xhci") || d == "qemu-xhci" || d == "pci-ohci"
            || d == "sysbus-ohci" || d.hasPrefix("ich9-usb") || d == "usb-ehci" || d == "exynos4210-ehci-usb"
        {
            if DeviceNames.usbStorage.contains(d) { return .storage }
            if d == "usb-net" { return .network }
            return .usb
        }
        if d.hasPrefix("isa-") || DeviceNames.legacyISA.contains(d) {
            return .legacyISA
        }
        if d.hasPrefix("virtio-net") || d.hasPrefix("e1000") || d == "rtl8139" || d == "ne2k_pci" || d == "pcnet"
            || d == "vmxnet3" || d.hasPrefix("i825") || d == "igb" || d == "tulip" || d.hasPrefix("vhost-user-net")
        {
            return .network
        }
        if d.hasPrefix("ide-") || d.hasPrefix("scsi-") || d.hasPrefix("virtio-blk") || d.hasPrefix("virtio-scsi")
            || d == "nvme" || d == "nvme-ns" || d == "ahci" || d == "ich9-ahci" || d.hasPrefix("megasas")
            || d.hasPrefix("lsi") || d == "pvscsi" || d == "am53c974" || d == "dc390" || d == "mptsas1068"
            || d.hasPrefix("vhost-scsi") || d.hasPrefix("vhost-user-blk") || d.hasPrefix("vhost-user-scsi")
            || d == "sdhci-pci" || d == "piix3-ide" || d == "piix4-ide" || d == "sd-card"
        {
            return .storage
        }
        if d.hasPrefix("virtio-input") || d.hasPrefix("virtio-keyboard") || d.hasPrefix("virtio-mouse")
            || d.hasPrefix("virtio-tablet")
        {
            return .input
        }
        if d.hasPrefix("virtio") || d.hasPrefix("vhost") || d == "virtserialport" || d == "virtconsole" {
            return .virtio
        }
        return .other
    }

    /// `driver.contains("-usb-")`: over the bytes for an ASCII name (every driver QEMU has), through
    /// Foundation's search otherwise, so a name with other characters is judged as before.
    static func containsUSBInfix(_ driver: String) -> Bool {
        let u = driver.utf8
        guard u.allSatisfy({ $0 < 0x80 }) else { return driver.contains("-usb-") }
        let infix = Array("-usb-".utf8)
        guard u.count >= infix.count else { return false }
        var start = u.startIndex
        while let at = u[start...].firstIndex(of: UInt8(ascii: "-")) {
            if u[at...].starts(with: infix) { return true }
            start = u.index(after: at)
        }
        return false
    }

    /// The machine family of a machine type, for matching QEMU's list of security-supported machines:
    /// versions (`pc-q35-8.2`, `virt-9.0`, `pseries-8.0`) and vendor suffixes (`+pve0`) are removed and
    /// versioned i440fx types map to `pc`.
    public static func machineFamily(_ type: String) -> String {
        var t = type.lowercased()
        if let plus = t.firstIndex(of: "+") { t = String(t[..<plus]) }
        if t == "q35" || t.hasPrefix("pc-q35") { return "q35" }
        if t == "pc" || t.hasPrefix("pc-i440fx") || t.hasPrefix("pc-") { return "pc" }
        for family in ["s390-ccw-virtio", "pseries", "virt", "xenfv", "xenpvh", "xenpv", "microvm", "isapc"]
        where t == family || t.hasPrefix(family + "-") {
            return family
        }
        // Strip a trailing -N.N version.
        if let dash = t.lastIndex(of: "-"), t[t.index(after: dash)...].allSatisfy({ $0.isNumber || $0 == "." }),
            t.index(after: dash) < t.endIndex
        {
            return String(t[..<dash])
        }
        return t
    }

    /// True for x86 system emulators (and the `kvm`/`qemu-kvm` wrappers) or an unknown binary.
    static func isX86(_ binary: String?) -> Bool {
        let base = (binary ?? "").split(separator: "/").last.map(String.init) ?? ""
        if base.hasPrefix("qemu-system-") { return base == "qemu-system-x86_64" || base == "qemu-system-i386" }
        return true
    }

    static func isVirtio(_ driver: String) -> Bool {
        let d = driver.lowercased()
        return d.hasPrefix("virtio") || d.hasPrefix("vhost") || d == "virtserialport" || d == "virtconsole"
    }

    /// Parses a legacy character-device spec (`-monitor`, `-qmp`, `-serial`, `-gdb`): `stdio`,
    /// `tcp:host:port,server,nowait`, `unix:/path,server`, `telnet:…`, `pty`, `file:…`, `mon:stdio`.
    public static func legacyChardev(_ spec: String) -> (endpoint: NetworkEndpoint, chardevRef: String?) {
        var s = spec
        if s.hasPrefix("mon:") { s = String(s.dropFirst(4)) }
        var ep = NetworkEndpoint()
        if s.hasPrefix("chardev:") { return (ep, String(s.dropFirst(8))) }
        // Split the address part from options at the first unescaped comma.
        let parts = splitKeepingEscapes(s)
        let head = parts.first ?? ""
        let opts = QEMUOptionString.Lookup(QEMUOptionString.parse(parts.dropFirst().joined(separator: ",")))
        func hostPort(_ rest: String) {
            // host:port, [v6]:port, :port
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                ep.host = String(rest[rest.index(after: rest.startIndex)..<close])
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") { ep.port = Int(after.dropFirst()) }
            } else if let colon = rest.lastIndex(of: ":") {
                ep.host = String(rest[..<colon])
                ep.port = Int(rest[rest.index(after: colon)...])
            } else {
                ep.port = Int(rest)
            }
        }
        switch head {
        case "stdio": ep.transport = .stdio
        case "pty": ep.transport = .pty
        case "none": ep.transport = .none
        case "null": ep.transport = .null
        default:
            if head.hasPrefix("vc") {
                ep.transport = .vc
            } else if head.hasPrefix("tcp:") {
                ep.transport = .tcp; hostPort(String(head.dropFirst(4)))
            } else if head.hasPrefix("telnet:") || head.hasPrefix("tn3270:") {
                ep.transport = .tcp; ep.telnet = true
                hostPort(String(head.drop(while: { $0 != ":" }).dropFirst()))
            } else if head.hasPrefix("websocket:") {
                ep.transport = .websocket; hostPort(String(head.dropFirst(10)))
            } else if head.hasPrefix("unix:") {
                ep.transport = .unix; ep.path = String(head.dropFirst(5))
            } else if head.hasPrefix("udp:") {
                ep.transport = .udp; hostPort(String(head.dropFirst(4)).split(separator: "@").first.map(String.init) ?? "")
            } else if head.hasPrefix("file:") {
                ep.transport = .file; ep.path = String(head.dropFirst(5))
            } else if head.hasPrefix("pipe:") {
                ep.transport = .pipe; ep.path = String(head.dropFirst(5))
            } else if head.hasPrefix("/dev/") {
                ep.transport = .file; ep.path = head
            } else if head.hasPrefix("spicevmc") || head.hasPrefix("spiceport") {
                ep.transport = .spice
            } else {
                ep.transport = .other
            }
        }
        ep.server = ParseSupport.bool(opts["server"])
        ep.wait = ParseSupport.bool(opts["wait"])
        if let t = ParseSupport.bool(opts["telnet"]) { ep.telnet = t }
        ep.tlsCredentials = opts["tls-creds"]
        ep.tlsAuthz = opts["tls-authz"]
        return (ep, nil)
    }

    /// The endpoint of a `-chardev` definition.
    static func chardevEndpoint(backend: String, _ o: [String: String]) -> NetworkEndpoint {
        var ep = NetworkEndpoint()
        switch backend {
        case "socket":
            if let fd = o["fd"] {
                ep.transport = .fd; ep.fd = fd
            } else if let p = o["path"] {
                ep.transport = .unix; ep.path = p
            } else if o["host"] != nil || o["port"] != nil {
                ep.transport = .tcp; ep.host = o["host"]; ep.port = Int(o["port"] ?? "")
            } else {
                ep.transport = .other
            }
            if ParseSupport.bool(o["websocket"]) == true { ep.transport = .websocket }
        case "stdio": ep.transport = .stdio
        case "pty": ep.transport = .pty
        case "file": ep.transport = .file; ep.path = o["path"]
        case "pipe": ep.transport = .pipe; ep.path = o["path"]
        case "udp": ep.transport = .udp; ep.host = o["host"]; ep.port = Int(o["port"] ?? "")
        case "null": ep.transport = .null
        case "vc": ep.transport = .vc
        case "spicevmc", "spiceport": ep.transport = .spice
        case "serial", "tty", "parallel", "parport": ep.transport = .file; ep.path = o["path"]
        default: ep.transport = .other
        }
        ep.server = ParseSupport.bool(o["server"])
        ep.wait = ParseSupport.bool(o["wait"])
        ep.telnet = ParseSupport.bool(o["telnet"])
        ep.tlsCredentials = o["tls-creds"]
        ep.tlsAuthz = o["tls-authz"]
        return ep
    }

    static func finishEndpoint(_ ep: inout NetworkEndpoint, impliedServer: Bool = false) {
        if impliedServer, ep.server == nil { ep.server = true }
        ep.listensBeyondLoopback =
            (ep.transport == .tcp || ep.transport == .websocket || ep.transport == .udp)
            && (ep.server ?? false) && ParseSupport.beyondLoopback(ep.host)
    }

    // MARK: - State

    struct State {
        let source: String
        let limits: ParseLimits
        var c = QEMUConfiguration()
        var problems: [Problem] = []
        var explicitAccel = false
        /// `-monitor`, `-qmp` or `-mon` was given (QEMU then creates no default monitor).
        var monitorOption = false

        init(source: String, limits: ParseLimits) {
            self.source = source
            self.limits = limits
        }

        mutating func problem(_ field: String, _ msg: String) {
            problems.append(ParseSupport.problem(source, field, msg))
        }

        /// Options from `value`: JSON when it starts with `{`, else QemuOpts with `impliedKey`.
        mutating func opts(_ option: String, _ value: String, impliedKey: String?) -> [QEMUOptionString.Pair] {
            if value.hasPrefix("{") {
                // libvirt's flat `{"driver":…}` objects in one pass; anything else through the full JSON reader.
                if let pairs = QEMUArgvParser.flatJSONPairs(value) { return pairs }
                do {
                    let j = try JSONValue.parse(value, source: source, limits: limits)
                    guard case .object(let o) = j else {
                        problem("-\(option)", "JSON argument is not an object; ignored")
                        return []
                    }
                    var pairs: [QEMUOptionString.Pair] = []
                    for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                        if let t = v.scalarText { pairs.append(.init(key: k, value: t)) }
                    }
                    return pairs
                } catch {
                    problem("-\(option)", "JSON argument could not be parsed (\(error.message)); ignored")
                    return []
                }
            }
            return QEMUOptionString.parse(value, impliedKey: impliedKey)
        }

        mutating func flag(_ name: String) {
            switch name {
            case "enable-kvm": addAccel("kvm")
            case "nographic", "no-graphic": c.displays.append(QEMUDisplay(kind: .nographic))
            case "daemonize": c.daemonize = true
            case "S": c.startPaused = true
            case "s":
                var ep = NetworkEndpoint(transport: .tcp)
                (ep.host, ep.port) = ("", 1234)
                finishEndpoint(&ep, impliedServer: true)
                c.monitors.append(QEMUControlEndpoint(kind: .gdb, option: "-s", endpoint: ep))
            case "nodefaults": c.noDefaults = true
            case "no-user-config", "nouserconfig": c.noUserConfig = true
            case "usb": addDevice("usb", origin: "-usb", category: .usb)
            case "sdl": c.displays.append(QEMUDisplay(kind: .sdl))
            case "curses": c.displays.append(QEMUDisplay(kind: .curses))
            default: break
            }
        }

        mutating func addAccel(_ a: String) {
            let a = ParseSupport.trimmingWhitespace(a)
            guard !a.isEmpty else { return }
            c.accelerators.append(a)
            explicitAccel = true
        }

        mutating func addDevice(
            _ driver: String, origin: String, category: QEMUDeviceCategory? = nil, props: [String: String] = [:]
        ) {
            var p = props
            for k in p.keys where ParseSupport.isSecretKey(k) { p[k] = ParseSupport.redacted }
            let id = p.removeValue(forKey: "id")
            let cat = category ?? QEMUArgvParser.category(of: driver)
            var host: String? = nil
            if cat == .passthrough {
                if let h = p["host"] ?? p["sysfsdev"] {
                    host = h
                } else if let b = p["hostbus"], let a = p["hostaddr"] {
                    host = "\(b).\(a)"
                } else if let v = p["vendorid"], let pr = p["productid"] {
                    host = "\(v):\(pr)"
                } else if let h = p["hostdevice"] {
                    host = h
                }
            }
            var device = QEMUDevice()
            (device.driver, device.id, device.category, device.isVirtio) = (driver, id, cat, QEMUArgvParser.isVirtio(driver))
            (device.hostAddress, device.properties, device.origin) = (host, p, origin)
            c.devices.append(device)
        }

        mutating func option(_ name: String, _ value: String) {
            switch name {
            case "device":
                let pairs = opts(name, value, impliedKey: "driver")
                if pairs.isEmpty, value.hasPrefix("{") { return }
                var o = QEMUOptionString.dictionary(pairs)
                guard let driver = o.removeValue(forKey: "driver") else {
                    problem("-device", "device without a driver name; ignored")
                    return
                }
                addDevice(driver, origin: "-device", props: o)
            case "object": object(value)
            case "blockdev":
                blockdev(value)
            case "netdev", "nic": netdev(name, value)
            case "chardev":
                var o = QEMUOptionString.dictionary(opts(name, value, impliedKey: "backend"))
                let backend = o.removeValue(forKey: "backend") ?? o.removeValue(forKey: "type") ?? ""
                var ep = QEMUArgvParser.chardevEndpoint(backend: backend, o)
                finishEndpoint(&ep)
                c.chardevs.append(QEMUChardev(id: o["id"], backend: backend, endpoint: ep, options: o))
            case "mon":
                monitorOption = true
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: nil))
                let kind: QEMUMonitorKind = o["mode"] == "control" ? .qmp : .hmp
                var m = QEMUControlEndpoint(kind: kind, option: "-mon")
                (m.pretty, m.chardevID) = (ParseSupport.bool(o["pretty"]) ?? false, o["chardev"])
                c.monitors.append(m)
            case "machine", "M":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "type"))
                if let t = o["type"] { c.machineType = t }
                if let acc = o["accel"] { for a in acc.split(separator: ":") { addAccel(String(a)) } }
                for pair in o.pairs where pair.key != "type" && pair.key != "accel" { c.machineOptions[pair.key] = pair.value }
            case "accel":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "accel"))
                if let a = o["accel"] { for x in a.split(separator: ":") { addAccel(String(x)) } }
            case "cpu":
                let parts = QEMUArgvParser.splitKeepingEscapes(value)
                c.cpuModel = parts.first
                c.cpuFlags = Array(parts.dropFirst())
            case "m":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "size"))
                c.memory = o["size"]
            case "mem-path": c.memPath = value
            case "name":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "guest"))
                c.name = o["guest"]
                c.debugThreads = ParseSupport.bool(o["debug-threads"])
                c.processName = o["process"]
            case "uuid": c.uuid = value
            case "drive":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: nil))
                let iface = o["if"]
                var drive = QEMUDrive(file: o["file"], interface: iface, origin: "-drive")
                (drive.id, drive.format, drive.media) = (o["id"], o["format"], o["media"])
                drive.readOnly = ParseSupport.bool(o["readonly"]) ?? false
                c.drives.append(drive)
                if iface == "floppy" { addDevice("floppy", origin: "-drive if=floppy", category: .floppy) }
                if iface == "pflash", c.firmware == nil { c.firmware = o["file"] }
            case "fda", "fdb":
                c.drives.append(QEMUDrive(file: value, interface: "floppy", origin: "-\(name)"))
                addDevice("floppy", origin: "-\(name)", category: .floppy)
            case "hda", "hdb", "hdc", "hdd":
                c.drives.append(QEMUDrive(file: value, interface: "ide", origin: "-\(name)"))
            case "cdrom":
                var drive = QEMUDrive(file: value, interface: "ide", origin: "-cdrom")
                (drive.media, drive.readOnly) = ("cdrom", true)
                c.drives.append(drive)
            case "mtdblock", "sd":
                c.drives.append(QEMUDrive(file: value, interface: name == "sd" ? "sd" : "mtd", origin: "-\(name)"))
            case "pflash":
                c.drives.append(QEMUDrive(file: value, interface: "pflash", origin: "-pflash"))
                if c.firmware == nil { c.firmware = value }
            case "bios": c.firmware = value
            case "kernel": c.kernel = value
            case "usbdevice": usbdevice(value)
            case "soundhw":
                for s in value.split(separator: ",") { addDevice(String(s), origin: "-soundhw", category: .sound) }
            case "audiodev":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "driver"))
                c.audiodevs.append(o["driver"] ?? "unknown")
            case "audio":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "driver"))
                c.audiodevs.append(o["driver"] ?? "unknown")
                if let m = o["model"] { addDevice(m, origin: "-audio", category: .sound) }
            case "vga":
                let map = [
                    "std": "VGA", "cirrus": "cirrus-vga", "vmware": "vmware-svga", "qxl": "qxl-vga",
                    "virtio": "virtio-vga", "xenfb": "xenfb", "tcx": "tcx", "cg3": "cg3",
                ]
                if value != "none" { addDevice(map[value] ?? value, origin: "-vga", category: .display) }
            case "net": legacyNet(value)
            case "serial":
                if value != "none" {
                    var ep = QEMUArgvParser.legacyChardev(value).endpoint
                    finishEndpoint(&ep)
                    c.serials.append(ep)
                    if value.hasPrefix("mon:") { addMonitor(.hmp, "-serial mon:", ep) }
                }
            case "parallel":
                if value != "none" {
                    var ep = QEMUArgvParser.legacyChardev(value).endpoint
                    finishEndpoint(&ep)
                    c.parallels.append(ep)
                    addDevice("isa-parallel", origin: "-parallel", category: .legacyISA)
                }
            case "monitor", "qmp", "qmp-pretty":
                monitorOption = true
                if value == "none" { return }
                let (ep, ref) = QEMUArgvParser.legacyChardev(value)
                let kind: QEMUMonitorKind = name == "monitor" ? (value.contains("mode=control") ? .qmp : .hmp) : .qmp
                var m = QEMUControlEndpoint(kind: kind, option: "-\(name)", endpoint: ep)
                (m.pretty, m.chardevID) = (name == "qmp-pretty", ref)
                if ref == nil { finishEndpoint(&m.endpoint) }
                c.monitors.append(m)
            case "gdb":
                if value == "none" { return }
                let (ep, ref) = QEMUArgvParser.legacyChardev(value)
                var m = QEMUControlEndpoint(kind: .gdb, option: "-gdb", endpoint: ep)
                m.chardevID = ref
                if ref == nil { finishEndpoint(&m.endpoint, impliedServer: true) }
                c.monitors.append(m)
            case "sandbox":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "enable"))
                var sandbox = QEMUSandbox()
                (sandbox.enabled, sandbox.obsolete) = (ParseSupport.bool(o["enable"]) ?? false, o["obsolete"])
                (sandbox.elevatePrivileges, sandbox.spawn, sandbox.resourceControl) = (o["elevateprivileges"], o["spawn"], o["resourcecontrol"])
                c.sandbox = sandbox
            case "runas": c.runAsUser = value
            case "chroot": c.chroot = value
            case "run-with":
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: nil))
                if let u = o["user"] { c.runAsUser = u }
                if let r = o["chroot"] { c.chroot = r }
            case "display": display(value)
            case "vnc": vnc(value)
            case "spice": spice(value)
            case "fsdev", "virtfs":
                // -virtfs is -fsdev and its virtio-9p device in one option.
                let o = QEMUOptionString.Lookup(opts(name, value, impliedKey: "fsdriver"))
                var filesystem = QEMUSharedFilesystem()
                (filesystem.kind, filesystem.id, filesystem.path) = (.ninePFS, o["id"], o["path"])
                (filesystem.securityModel, filesystem.readOnly) = (o["security_model"], ParseSupport.bool(o["readonly"]) ?? false)
                if name == "virtfs" { filesystem.mountTag = o["mount_tag"] }
                c.sharedFilesystems.append(filesystem)
                if name == "virtfs" {
                    addDevice("virtio-9p-pci", origin: "-virtfs", category: .sharedFilesystem, props: ["mount_tag": o["mount_tag"] ?? ""])
                }
            case "readconfig":
                c.readConfigFiles.append(value)
                problem("-readconfig", "configuration file \(value) is not followed; options it sets are not in these facts")
            case "incoming": c.incoming = value
            case "global": c.globals.append(value)
            default: break
            }
        }

        mutating func addMonitor(_ kind: QEMUMonitorKind, _ option: String, _ ep: NetworkEndpoint) {
            c.monitors.append(QEMUControlEndpoint(kind: kind, option: option, endpoint: ep))
        }

        mutating func usbdevice(_ value: String) {
            let (head, arg): (String, String?) = {
                if let colon = value.firstIndex(of: ":") {
                    return (String(value[..<colon]), String(value[value.index(after: colon)...]))
                }
                return (value, nil)
            }()
            switch head {
            case "tablet": addDevice("usb-tablet", origin: "-usbdevice")
            case "mouse": addDevice("usb-mouse", origin: "-usbdevice")
            case "keyboard": addDevice("usb-kbd", origin: "-usbdevice")
            case "braille": addDevice("usb-braille", origin: "-usbdevice")
            case "wacom-tablet": addDevice("usb-wacom-tablet", origin: "-usbdevice")
            case "disk":
                addDevice("usb-storage", origin: "-usbdevice")
                c.drives.append(QEMUDrive(file: arg, interface: "usb", origin: "-usbdevice"))
            case "host": addDevice("usb-host", origin: "-usbdevice", props: ["hostdevice": arg ?? ""])
            case "serial": addDevice("usb-serial", origin: "-usbdevice")
            case "net": addDevice("usb-net", origin: "-usbdevice")
            default: addDevice("usb-" + head, origin: "-usbdevice", category: .usb)
            }
        }

        mutating func blockdev(_ value: String) {
            if value.hasPrefix("{"), let pairs = QEMUArgvParser.flatJSONPairs(value), !pairs.contains(where: { $0.key == "read-only" }) {
                // libvirt's flat `{"driver":"file","filename":…,"node-name":…}`: what the loop below finds in it (no
                // nested `file` object, so the format is the driver; `read-only`, whose `true` the pairs cannot tell
                // from `"true"`, goes the full way).
                let o = QEMUOptionString.Lookup(pairs)
                var drive = QEMUDrive(file: o["filename"] ?? o["file"], origin: "-blockdev")
                (drive.id, drive.format) = (o["node-name"], o["driver"])
                c.drives.append(drive)
                return
            }
            if value.hasPrefix("{") {
                guard let j = try? JSONValue.parse(value, source: source, limits: limits) else {
                    problem("-blockdev", "JSON argument could not be parsed; ignored")
                    return
                }
                var file: String? = nil
                var fmt: String? = nil
                var ro = false
                var node: JSONValue? = j
                var depth = 0
                while let n = node, depth < 16 {
                    depth += 1
                    if let f = n["filename"]?.scalarText { file = f }
                    if let d = n["driver"]?.scalarText, !["throttle", "file", "host_device", "host_cdrom", "raw-format"].contains(d), fmt == nil {
                        fmt = d
                    }
                    if n["read-only"] == .bool(true) { ro = true }
                    if case .object = n["file"] ?? .null {
                        node = n["file"]
                    } else {
                        if file == nil, let f = n["file"]?.scalarText { file = f }
                        node = nil
                    }
                }
                if fmt == nil, let d = j["driver"]?.scalarText { fmt = d }
                var drive = QEMUDrive(file: file, origin: "-blockdev")
                (drive.id, drive.format, drive.readOnly) = (j["node-name"]?.scalarText, fmt, ro)
                c.drives.append(drive)
            } else {
                let o = QEMUOptionString.dictionary(QEMUOptionString.parse(value))
                let file = o["filename"] ?? o["file.filename"] ?? o.first(where: { $0.key.hasSuffix(".filename") })?.value
                var drive = QEMUDrive(file: file, origin: "-blockdev")
                (drive.id, drive.format) = (o["node-name"], o["driver"])
                drive.readOnly = ParseSupport.bool(o["read-only"]) ?? false
                c.drives.append(drive)
            }
        }

        mutating func legacyNet(_ value: String) {
            let pairs = QEMUOptionString.parse(value, impliedKey: "type")
            let o = QEMUOptionString.Lookup(pairs)
            if o["type"] == "nic" {
                addDevice(o["model"] ?? "e1000", origin: "-net nic", category: .network)
            } else if o["type"] != "none" {
                netdev("net", value)
            }
        }

        mutating func netdev(_ option: String, _ value: String) {
            let pairs = opts(option, value, impliedKey: "type")
            var o = QEMUOptionString.dictionary(pairs)
            let type = o.removeValue(forKey: "type") ?? ""
            let fwd = pairs.filter { $0.key == "hostfwd" }.map(\.value)
            var nd = QEMUNetdev()
            (nd.id, nd.type, nd.ifname, nd.script, nd.downscript) = (o["id"], type, o["ifname"], o["script"], o["downscript"])
            (nd.fd, nd.bridge, nd.vhost) = (o["fd"] ?? o["fds"], o["br"], ParseSupport.bool(o["vhost"]))
            (nd.hostForwards, nd.chardevID, nd.options) = (fwd, o["chardev"], o)
            if type == "bridge", nd.bridge == nil { nd.bridge = "br0" }
            c.netdevs.append(nd)
            if option == "nic" { addDevice(o["model"] ?? "e1000", origin: "-nic", category: .network) }
        }

        mutating func object(_ value: String) {
            var o = QEMUOptionString.dictionary(opts("object", value, impliedKey: "qom-type"))
            let type = o.removeValue(forKey: "qom-type") ?? ""
            if type.hasPrefix("memory-backend") {
                var backend = QEMUMemoryBackend()
                (backend.id, backend.type, backend.shared) = (o["id"], type, ParseSupport.bool(o["share"]) ?? false)
                (backend.memPath, backend.size) = (o["mem-path"], o["size"])
                c.memoryBackends.append(backend)
                return
            }
            for k in o.keys where ParseSupport.isSecretKey(k) || (type == "secret" && k == "data") {
                o[k] = ParseSupport.redacted
            }
            let id = o.removeValue(forKey: "id")
            c.objects.append(QEMUObject(qomType: type, id: id, properties: o))
        }

        mutating func display(_ value: String) {
            let o = QEMUOptionString.dictionary(opts("display", value, impliedKey: "type"))
            let t = o["type"] ?? ""
            if t.hasPrefix("vnc") {
                // Old form: -display vnc=:1
                if let r = value.range(of: "vnc=") { vnc(String(value[r.upperBound...])) }
                return
            }
            let kind: QEMUDisplayKind =
                switch t {
                case "none": .none
                case "sdl": .sdl
                case "gtk": .gtk
                case "curses": .curses
                case "cocoa": .cocoa
                case "dbus": .dbus
                case "egl-headless": .eglHeadless
                default: .other
                }
            var d = QEMUDisplay(kind: kind)
            d.options = o
            c.displays.append(d)
        }

        mutating func vnc(_ value: String) {
            let pairs = QEMUOptionString.parse(value, impliedKey: "vnc")
            var o = QEMUOptionString.dictionary(pairs)
            for k in o.keys where ParseSupport.isSecretKey(k) && k != "password" { o[k] = ParseSupport.redacted }
            let addr = o["vnc"] ?? ""
            if addr == "none" {
                var d = QEMUDisplay(kind: .vnc)
                (d.endpoint, d.options) = (NetworkEndpoint(transport: .none), o)
                c.displays.append(d)
                return
            }
            var ep = NetworkEndpoint()
            if addr.hasPrefix("unix:") {
                ep.transport = .unix
                ep.path = String(addr.dropFirst(5))
            } else {
                ep.transport = .tcp
                var host = addr
                var disp: Int? = nil
                if addr.hasPrefix("["), let close = addr.firstIndex(of: "]") {
                    host = String(addr[addr.index(after: addr.startIndex)..<close])
                    disp = Int(addr[addr.index(after: close)...].dropFirst())
                } else if let colon = addr.lastIndex(of: ":") {
                    host = String(addr[..<colon])
                    disp = Int(addr[addr.index(after: colon)...])
                }
                ep.host = host
                if let disp { ep.port = 5900 + disp }
                // `reverse=on` connects out to a listening viewer instead of listening.
                ep.server = !(ParseSupport.bool(o["reverse"]) ?? false)
            }
            ep.tlsCredentials = o["tls-creds"]
            ep.tlsAuthz = o["tls-authz"]
            finishEndpoint(&ep)
            let password = (ParseSupport.bool(o["password"]) ?? false) || o["password-secret"] != nil
            let sasl = ParseSupport.bool(o["sasl"]) ?? false
            var d = QEMUDisplay(kind: .vnc)
            (d.endpoint, d.websocket, d.passwordSet, d.saslEnabled) = (ep, o["websocket"], password, sasl)
            d.tlsConfigured = o["tls-creds"] != nil || ParseSupport.bool(o["tls"]) == true
            (d.authenticationSet, d.options) = (password || sasl, o)
            d.listensBeyondLoopback = ep.listensBeyondLoopback
            if let ws = o["websocket"], ws != "off", ep.transport == .tcp, ep.server == true {
                // The websocket listens on the VNC host (or a host given as host:port).
                var wsHost = ep.host
                if let colon = ws.lastIndex(of: ":") { wsHost = String(ws[..<colon]) }
                if ParseSupport.beyondLoopback(wsHost) { d.listensBeyondLoopback = true }
            }
            c.displays.append(d)
        }

        mutating func spice(_ value: String) {
            var o = QEMUOptionString.dictionary(QEMUOptionString.parse(value))
            let passwordSet = o["password"] != nil || o["password-secret"] != nil
            if o["password"] != nil { o["password"] = ParseSupport.redacted }
            var ep = NetworkEndpoint()
            if ParseSupport.bool(o["unix"]) == true {
                ep.transport = .unix
                ep.path = o["addr"]
            } else {
                ep.transport = .tcp
                ep.host = o["addr"]
                ep.port = Int(o["port"] ?? "")
                ep.server = o["port"] != nil || o["tls-port"] != nil
            }
            finishEndpoint(&ep)
            let disable = ParseSupport.bool(o["disable-ticketing"]) ?? false
            let sasl = ParseSupport.bool(o["sasl"]) ?? false
            var d = QEMUDisplay(kind: .spice)
            (d.endpoint, d.tlsPort, d.passwordSet, d.saslEnabled) = (ep, Int(o["tls-port"] ?? ""), passwordSet, sasl)
            (d.disableTicketing, d.tlsConfigured) = (disable, o["tls-port"] != nil)
            (d.authenticationSet, d.options) = (passwordSet || sasl || !disable, o)
            d.listensBeyondLoopback = ep.listensBeyondLoopback
            c.displays.append(d)
        }

        mutating func finish() {
            // Accelerator.
            if let first = c.accelerators.first {
                c.accelerator = first
                c.acceleratorSource = .explicit
            } else {
                let base = (c.binary ?? "").split(separator: "/").last.map(String.init) ?? ""
                if base == "kvm" || base == "qemu-kvm" {
                    c.accelerator = "kvm"
                    c.acceleratorSource = .impliedByBinary
                } else {
                    c.accelerator = "tcg"
                    c.acceleratorSource = .defaultTCG
                }
            }
            // Machine family and the floppy controller i440fx machines always have.
            let family = c.machineType.map(QEMUArgvParser.machineFamily)
            c.machineFamily = family
            c.floppyControllerPresent =
                c.devices.contains { $0.category == .floppy } || c.drives.contains { $0.interface == "floppy" }
                || ((family == "pc" || family == "isapc") && QEMUArgvParser.isX86(c.binary))
            // Nested virtualisation.
            var nested: NestedVirtualisationExposure = .notRequested
            if let m = c.cpuModel?.lowercased(), m == "host" || m == "max" { nested = .inheritedFromHost }
            for f in c.cpuFlags {
                let l = f.lowercased()
                var name = l
                var on = true
                if l.hasPrefix("+") {
                    name = String(l.dropFirst())
                } else if l.hasPrefix("-") {
                    name = String(l.dropFirst()); on = false
                } else if let eq = l.firstIndex(of: "=") {
                    name = String(l[..<eq])
                    on = ParseSupport.bool(String(l[l.index(after: eq)...])) ?? true
                }
                if name == "vmx" || name == "svm" { nested = on ? .explicitlyEnabled : .explicitlyDisabled }
            }
            c.nestedVirtualisation = nested
            // Without -nodefaults and any monitor option, QEMU creates an HMP monitor: multiplexed on stdio
            // with -nographic, else on a virtual console of the display (reachable through VNC/SPICE).
            if !c.noDefaults, !monitorOption {
                let nographic = c.displays.contains { $0.kind == .nographic }
                c.monitors.append(
                    QEMUControlEndpoint(
                        kind: .hmp, option: "(default)", endpoint: NetworkEndpoint(transport: nographic ? .stdio : .vc)))
            }
            // Resolve chardev references.
            var byID: [String: QEMUChardev] = [:]
            for ch in c.chardevs { if let id = ch.id { byID[id] = ch } }
            for i in c.monitors.indices {
                guard let ref = c.monitors[i].chardevID else { continue }
                if let ch = byID[ref] {
                    c.monitors[i].endpoint = ch.endpoint
                } else {
                    problem(c.monitors[i].option, "refers to chardev \(ref), which is not defined on this command line")
                }
            }
            // virtio-fs devices and 9p device tags.
            for d in c.devices {
                let dr = d.driver.lowercased()
                if dr.hasPrefix("vhost-user-fs") {
                    let chID = d.properties["chardev"]
                    var filesystem = QEMUSharedFilesystem()
                    (filesystem.kind, filesystem.id, filesystem.mountTag) = (.virtiofs, d.id, d.properties["tag"])
                    (filesystem.chardevID, filesystem.socketPath) = (chID, chID.flatMap { byID[$0]?.endpoint.path })
                    c.sharedFilesystems.append(filesystem)
                } else if dr.hasPrefix("virtio-9p"), let fs = d.properties["fsdev"] {
                    for j in c.sharedFilesystems.indices where c.sharedFilesystems[j].id == fs {
                        c.sharedFilesystems[j].mountTag = d.properties["mount_tag"]
                    }
                }
            }
            // vhost-user netdevs need shared memory backends; nothing to derive here.
        }
    }
}
