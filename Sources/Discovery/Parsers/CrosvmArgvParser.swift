public import BulkheadModel
public import Formats
import Foundation

/// Parses a crosvm command line: `crosvm [global options] run [options] KERNEL`. Options accept
/// `--opt value` and `--opt=value`; device values use crosvm's `key=value,…` form, some with a
/// leading positional path (`--block PATH,ro=true`, `--shared-dir HOST:TAG:type=fs`).
public enum CrosvmArgvParser {
    static let globalValue: Set<String> = ["log-level", "syslog-tag", "extended-status"]
    static let globalFlags: Set<String> = ["no-syslog", "help", "version"]
    static let runValue: Set<String> = [
        "block", "rwdisk", "disk", "root", "rwroot", "initrd", "i", "params", "p", "cpus", "c", "mem", "m", "net",
        "tap-name", "tap-fd", "host-ip", "netmask", "mac", "socket", "s", "shared-dir", "vfio", "vfio-platform", "gpu",
        "sound", "virtio-snd", "serial", "seccomp-policy-dir", "pivot-root", "jail", "bios", "pmem", "pmem-device",
        "swap", "vhost-user", "vhost-user-fs", "vhost-net", "balloon-control", "gdb", "android-fstab", "file-backed-mapping",
        "cpu-affinity", "cpu-cluster", "cpu-capacity", "vcpu-cgroup-path", "evdev", "single-touch", "multi-touch",
        "trackpad", "mouse", "keyboard", "switches", "rng", "vsock", "cid", "display-window-keyboard", "input",
        "android-display-service", "wayland-sock", "x-display", "pflash", "fw-cfg", "pvclock", "kernel", "dmi",
        "hugepages", "name", "smbios", "usb", "battery", "boot-cpu", "userspace-msr", "restore", "suspended", "config",
        "cfg", "async-executor", "ac97", "block-control-tube", "coiommu", "hypervisor", "oem-strings", "pcie-root-port",
        "pci", "protected-vm-with-firmware", "s2idle", "shared-dir-tags", "stub-pci-device", "tpm", "vtpm-proxy",
        "virtio-single-touch", "virtio-multi-touch", "virtio-trackpad", "virtio-mouse", "virtio-keyboard",
        "virtio-switches", "vhost-scmi", "vmwdt", "irq-chip", "irqchip",
    ]
    static let runFlags: Set<String> = [
        "disable-sandbox", "seccomp-log-failures", "unmap-guest-memory-on-fork", "no-balloon", "no-smt", "no-i8042",
        "no-rtc", "split-irqchip", "protected-vm", "protected-vm-without-firmware", "host-cpu-topology", "no-usb",
        "delay-rt", "no-legacy", "enable-pnp-data", "force-s2idle", "vhost-user-connect-timeout-ms", "no-pmu",
        "itmt", "per-vm-core-scheduling", "disable-virtio-intx", "vcpu-affinity",
    ]

    static func device(_ option: String, _ value: String) -> CrosvmDevice {
        var props: [String: String] = [:]
        var path: String? = nil
        for (i, part) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            if let eq = part.firstIndex(of: "=") {
                props[String(part[..<eq])] = String(part[part.index(after: eq)...])
            } else if i == 0 {
                path = String(part)
            } else {
                props[String(part)] = "true"
            }
        }
        if path == nil { path = props["path"] }
        return CrosvmDevice(option: option, value: value, path: path, properties: props)
    }

    public static func parse(_ argv: [String], source: String = "crosvm argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<CrosvmConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = CrosvmConfiguration(argv: argv)
        var problems: [Problem] = []
        var i = 1
        // Global options until the subcommand.
        while i < argv.count {
            let a = argv[i]
            guard a.hasPrefix("-") else { break }
            i += 1
            let (name, inline) = ParseSupport.option(a) ?? (a, nil)
            c.globalOptions.append(a)
            if globalValue.contains(name), inline == nil, i < argv.count {
                c.globalOptions.append(argv[i])
                i += 1
            } else if !globalValue.contains(name), !globalFlags.contains(name) {
                problems.append(ParseSupport.problem(source, a, "unknown crosvm global option"))
            }
        }
        guard i < argv.count else {
            problems.append(Problem(subject: source, message: "no subcommand (expected `run`)"))
            return Parsed(value: c, problems: problems)
        }
        c.subcommand = argv[i]
        i += 1
        var positionals: [String] = []
        while i < argv.count {
            let a = argv[i]
            i += 1
            if a == "--" {
                positionals += argv[i...]
                break
            }
            guard a.hasPrefix("-"), a.count > 1 else {
                positionals.append(a)
                continue
            }
            guard let (name, inline) = ParseSupport.option(a) else { continue }
            if runFlags.contains(name) {
                let on = inline.map { ParseSupport.bool($0) ?? true } ?? true
                switch name {
                case "disable-sandbox": c.disableSandbox = on
                case "seccomp-log-failures": c.seccompLogFailures = on
                case "unmap-guest-memory-on-fork": c.unmapGuestMemoryOnFork = on
                default: break
                }
                continue
            }
            guard runValue.contains(name) else {
                // Assume a value when the next word is not an option and not the final KERNEL.
                c.unrecognised += ParseSupport.skipUnknownOption(a, inline: inline, argv: argv, index: &i, valuesBefore: argv.count - 1)
                problems.append(ParseSupport.problem(source, a, "unknown crosvm option"))
                continue
            }
            guard let v = ParseSupport.optionValue(a, inline: inline, argv: argv, index: &i, source: source, problems: &problems)
            else { break }
            switch name {
            case "block", "rwdisk", "disk", "root", "rwroot":
                var d = device("--\(name)", v)
                if name == "disk" || name == "root" { d.properties["ro"] = d.properties["ro"] ?? "true" }
                c.blocks.append(d)
            case "initrd", "i": c.initrd = v
            case "params", "p": c.params.append(v)
            case "cpus", "c": c.cpus = v
            case "mem", "m": c.memory = v
            case "net": c.nets.append(device("--net", v))
            case "tap-name": c.nets.append(CrosvmDevice(option: "--tap-name", value: v, properties: ["tap-name": v]))
            case "tap-fd": c.nets.append(CrosvmDevice(option: "--tap-fd", value: v, properties: ["tap-fd": v]))
            case "host-ip": c.hostIP = v
            case "socket", "s": c.controlSocket = v
            case "shared-dir":
                // HOST_PATH:TAG[:type=TYPE:writeback=BOOL:…]
                let parts = v.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                var props: [String: String] = [:]
                if parts.count > 1 { props["tag"] = parts[1] }
                for p in parts.dropFirst(2) {
                    if let eq = p.firstIndex(of: "=") { props[String(p[..<eq])] = String(p[p.index(after: eq)...]) }
                }
                c.sharedDirs.append(CrosvmDevice(option: "--shared-dir", value: v, path: parts.first, properties: props))
            case "vfio", "vfio-platform": c.vfio.append(device("--\(name)", v))
            case "gpu": c.gpu.append(device("--gpu", v))
            case "sound", "virtio-snd", "ac97": c.sound.append(device("--\(name)", v))
            case "serial": c.serials.append(device("--serial", v))
            case "seccomp-policy-dir": c.seccompPolicyDir = v
            case "pivot-root": c.pivotRoot = v
            case "jail":
                let p = device("--jail", v).properties
                c.jailOptions.merge(p) { $1 }
                if let d = p["seccomp-policy-dir"] { c.seccompPolicyDir = d }
                if let r = p["pivot-root"] { c.pivotRoot = r }
                if let l = p["seccomp-log-failures"], ParseSupport.bool(l) ?? true { c.seccompLogFailures = true }
            case "kernel": c.kernel = v
            default: break
            }
        }
        if let k = positionals.last, c.kernel == nil { c.kernel = k }
        if positionals.count > 1 {
            problems.append(
                Problem(
                    subject: source,
                    message: "more than one positional argument; the last (\(positionals.last?.prefix(60) ?? "")) was taken as the kernel"))
        }
        return Parsed(value: c, problems: problems)
    }
}
