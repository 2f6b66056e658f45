public import BulkheadModel
public import Formats
import Foundation

/// Parses a Cloud Hypervisor command line. Options follow clap: `--opt value`, `--opt=value`, and for
/// device options several values after one option (`--disk path=a path=b`). Values use CH's own
/// `key=value,…` syntax where a double-quoted value may contain commas.
public enum CloudHypervisorArgvParser {
    static let multi: Set<String> = [
        "disk", "net", "fs", "device", "user-device", "landlock-rules", "pmem", "vdpa", "numa", "memory-zone", "fw-cfg-config",
    ]
    static let single: Set<String> = [
        "api-socket", "kernel", "firmware", "cmdline", "initramfs", "vsock", "seccomp", "serial", "console", "cpus",
        "memory", "platform", "tpm", "event-monitor", "rng", "balloon", "watchdog-timeout", "log-file", "restore",
        "sgx-epc", "debug-console", "rate-limit-group", "host-data", "net-fds", "igvm",
    ]
    static let flags: Set<String> = ["landlock", "pvpanic", "watchdog", "version", "help", "iommu", "V", "h"]

    /// CH `key=value,key="a,b"` properties.
    public static func properties(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        var parts: [String] = []
        var cur = ""
        var quoted = false
        for ch in s {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == ",", !quoted { parts.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        parts.append(cur)
        for p in parts where !p.isEmpty {
            if let eq = p.firstIndex(of: "=") { out[String(p[..<eq])] = String(p[p.index(after: eq)...]) } else { out[p] = "" }
        }
        return out
    }

    public static func parse(_ argv: [String], source: String = "cloud-hypervisor argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<CloudHypervisorConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = CloudHypervisorConfiguration(argv: argv)
        var problems: [Problem] = []
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard a.hasPrefix("-"), a.count > 1 else {
                c.unrecognised.append(a)
                problems.append(ParseSupport.problem(source, a, "unexpected positional argument"))
                continue
            }
            if a.hasPrefix("-v"), a.dropFirst().allSatisfy({ $0 == "v" }) {
                c.verbosity += a.count - 1
                continue
            }
            var name = String(a.drop(while: { $0 == "-" }))
            var values: [String] = []
            if let eq = name.firstIndex(of: "=") {
                values.append(String(name[name.index(after: eq)...]))
                name = String(name[..<eq])
            }
            if flags.contains(name) {
                switch name {
                case "landlock": c.landlock = true
                case "pvpanic": c.pvpanic = true
                default: break
                }
                continue
            }
            let isMulti = multi.contains(name)
            guard isMulti || single.contains(name) else {
                c.unrecognised += ParseSupport.skipUnknownOption(a, inline: values.first, argv: argv, index: &i, valuesBefore: argv.count)
                problems.append(ParseSupport.problem(source, a, "unknown Cloud Hypervisor option"))
                continue
            }
            if values.isEmpty {
                while i < argv.count, !argv[i].hasPrefix("-") || argv[i] == "-" {
                    values.append(argv[i])
                    i += 1
                    if !isMulti { break }
                }
            }
            guard let first = values.first else {
                problems.append(ParseSupport.problem(source, a, "option \(a) needs a value; it was ignored"))
                continue
            }
            func device(_ v: String) -> CloudHypervisorDevice {
                let p = properties(v)
                return CloudHypervisorDevice(option: "--\(name)", properties: p, path: p["path"], socket: p["socket"])
            }
            switch name {
            case "api-socket":
                let p = properties(first)
                c.apiSocket = p["path"] ?? p["fd"].map { "fd=\($0)" } ?? first
            case "kernel": c.kernel = first
            case "firmware": c.firmware = first
            case "cmdline": c.cmdline = first
            case "disk": c.disks += values.map(device)
            case "net": c.nets += values.map(device)
            case "fs": c.filesystems += values.map(device)
            case "device": c.devices += values.map(device)
            case "user-device": c.userDevices += values.map(device)
            case "landlock-rules": c.landlockRules += values.map(device)
            case "vsock": c.vsock = device(first)
            case "seccomp":
                c.seccompExplicit = true
                if let s = CloudHypervisorSeccomp(rawValue: first) {
                    c.seccomp = s
                } else {
                    problems.append(
                        ParseSupport.problem(
                            source, a, "--seccomp takes true, false or log; '\(first.prefix(20))' is not one (CH would refuse to start)"))
                }
            case "serial": c.serial = first
            case "console": c.console = first
            case "cpus": c.cpus = properties(first)
            case "memory":
                c.memory = properties(first)
                c.memorySharedWithHost = ParseSupport.bool(c.memory["shared"]) ?? false
                c.hugepages = ParseSupport.bool(c.memory["hugepages"]) ?? false
            case "platform": c.platform = properties(first)
            case "tpm": c.tpmSocket = properties(first)["socket"] ?? first
            case "event-monitor": c.eventMonitor = first
            default: break
            }
        }
        return Parsed(value: c, problems: problems)
    }
}
