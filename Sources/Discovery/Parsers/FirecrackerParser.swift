public import BulkheadModel
public import Formats
public import Foundation

/// Parses Firecracker's argv, its `--config-file` JSON and the jailer's argv.
public enum FirecrackerParser {
    static let valueOptions: Set<String> = [
        "api-sock", "config-file", "seccomp-filter", "id", "level", "log-path", "metrics-path", "mmds-size-limit",
        "http-api-max-payload-size", "start-time-us", "start-time-cpu-us", "parent-cpu-time-us", "module",
        "metadata",
    ]
    static let flagOptions: Set<String> = [
        "no-seccomp", "no-api", "boot-timer", "show-level", "show-log-origin", "version", "help", "describe-snapshot", "enable-pci",
    ]

    /// Splits `--name=value` / `--name value`. Returns nil for non-options.
    static func split(_ a: String) -> (name: String, inlineValue: String?)? {
        guard a.hasPrefix("-"), a.count > 1 else { return nil }
        var n = Substring(a.dropFirst())
        if n.hasPrefix("-") { n = n.dropFirst() }
        if let eq = n.firstIndex(of: "=") { return (String(n[..<eq]), String(n[n.index(after: eq)...])) }
        return (String(n), nil)
    }

    /// Parses a Firecracker argv (`firecracker --api-sock … --config-file …`).
    public static func parseArgv(_ argv: [String], source: String = "firecracker argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = FirecrackerConfiguration(raw: argv)
        var problems: [Problem] = []
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard let (name, inline) = split(a) else {
                c.unrecognised.append(a)
                continue
            }
            if flagOptions.contains(name) {
                switch name {
                case "no-seccomp": c.noSeccomp = true
                case "no-api": c.noAPI = true
                case "boot-timer": c.bootTimer = true
                default: break
                }
                continue
            }
            guard valueOptions.contains(name) else {
                c.unrecognised.append(a)
                if inline == nil, i < argv.count, !argv[i].hasPrefix("-") {
                    c.unrecognised.append(argv[i])
                    i += 1
                }
                problems.append(ParseSupport.problem(source, a, "unknown Firecracker option"))
                continue
            }
            guard let val = ParseSupport.optionValue(a, inline: inline, argv: argv, index: &i, source: source, problems: &problems)
            else { break }
            switch name {
            case "api-sock": c.apiSocket = val
            case "config-file": c.configFile = val
            case "seccomp-filter": c.seccompFilter = val
            case "id": c.id = val
            case "level": c.logLevel = val
            case "log-path": c.logPath = val
            case "metrics-path": c.metricsPath = val
            case "mmds-size-limit":
                c.mmdsSizeLimit = Int(val)
                if c.mmdsSizeLimit == nil { problems.append(ParseSupport.problem(source, a, "'\(val.prefix(30))' is not a number")) }
            case "http-api-max-payload-size":
                c.httpAPIMaxPayloadSize = Int(val)
                if c.httpAPIMaxPayloadSize == nil { problems.append(ParseSupport.problem(source, a, "'\(val.prefix(30))' is not a number")) }
            default: break
            }
        }
        return Parsed(value: c, problems: problems)
    }

    /// Parses a jailer argv (`jailer --id … --exec-file … --uid … --gid … [-- firecracker args]`). The
    /// Firecracker arguments after `--` are parsed too, with the exec file as their argv[0].
    public static func parseJailer(_ argv: [String], source: String = "jailer argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var j = FirecrackerJailerConfiguration(raw: argv)
        var problems: [Problem] = []
        let values: Set<String> = [
            "id", "exec-file", "uid", "gid", "chroot-base-dir", "netns", "cgroup", "cgroup-version", "parent-cgroup",
            "resource-limit",
        ]
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            if a == "--" {
                j.firecrackerArgs = Array(argv[i...])
                break
            }
            guard let (name, inline) = split(a) else {
                j.unrecognised.append(a)
                continue
            }
            switch name {
            case "daemonize": j.daemonize = true; continue
            case "new-pid-ns": j.newPIDNamespace = true; continue
            case "version", "help": continue
            default: break
            }
            guard values.contains(name) else {
                j.unrecognised.append(a)
                problems.append(ParseSupport.problem(source, a, "unknown jailer option"))
                continue
            }
            guard let val = ParseSupport.optionValue(a, inline: inline, argv: argv, index: &i, source: source, problems: &problems)
            else { break }
            switch name {
            case "id": j.id = val
            case "exec-file": j.execFile = val
            case "uid":
                j.uid = Int(val)
                if j.uid == nil { problems.append(ParseSupport.problem(source, a, "'\(val.prefix(30))' is not a numeric uid")) }
            case "gid":
                j.gid = Int(val)
                if j.gid == nil { problems.append(ParseSupport.problem(source, a, "'\(val.prefix(30))' is not a numeric gid")) }
            case "chroot-base-dir": j.chrootBaseDir = val
            case "netns": j.netns = val
            case "cgroup": j.cgroups.append(val)
            case "cgroup-version": j.cgroupVersion = val
            case "parent-cgroup": j.parentCgroup = val
            case "resource-limit": j.resourceLimits.append(val)
            default: break
            }
        }
        var fc = FirecrackerConfiguration()
        if !j.firecrackerArgs.isEmpty || j.execFile != nil {
            let fcArgv = [j.execFile ?? "firecracker"] + j.firecrackerArgs
            let r = try parseArgv(fcArgv, source: source + " (firecracker args)", limits: limits)
            fc = r.value
            problems += r.problems
        }
        // The jailer passes --id to Firecracker too.
        if fc.id == nil { fc.id = j.id }
        fc.jailer = j
        return Parsed(value: fc, problems: problems)
    }

    /// Parses a `--config-file` JSON document.
    public static func parseConfigFile(_ data: Data, source: String, limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerVMConfig>
    {
        let text = try ParseSupport.text(data, source: source, limits: limits)
        let json = try JSONValue.parse(text, source: source, limits: limits)
        guard case .object(let top) = json else {
            throw ConfigParseError(.wrongType, source: source, field: "$", message: "the config file must be a JSON object, found \(json.typeName)")
        }
        var r = JSONReader(source: source)
        var vm = FirecrackerVMConfig()
        let known: Set<String> = [
            "boot-source", "drives", "network-interfaces", "machine-config", "mmds-config", "vsock", "logger",
            "metrics", "balloon", "entropy", "cpu-config", "pmem", "memory-hotplug", "serial", "snapshot",
        ]
        for k in top.keys.sorted() where !known.contains(k) { vm.unknownKeys.append(k) }
        if let b = r.object(top, "boot-source") {
            let args = r.string(b, "boot_args", path: "boot-source")
            var serial = false
            if let args {
                let words = args.split(separator: " ")
                serial = words.contains { $0.hasPrefix("console=ttyS") } && !words.contains("8250.nr_uarts=0")
            }
            vm.bootSource = FirecrackerBootSource(
                kernelImagePath: r.string(b, "kernel_image_path", path: "boot-source"), bootArgs: args,
                initrdPath: r.string(b, "initrd_path", path: "boot-source"), serialConsoleEnabled: serial)
            r.unknown(b, ["kernel_image_path", "boot_args", "initrd_path"], path: "boot-source", into: &vm.unknownKeys)
        }
        for (i, d) in r.objects(top, "drives").enumerated() {
            let p = "drives[\(i)]"
            vm.drives.append(
                FirecrackerDrive(
                    driveID: r.string(d, "drive_id", path: p), pathOnHost: r.string(d, "path_on_host", path: p),
                    isRootDevice: r.bool(d, "is_root_device", path: p), isReadOnly: r.bool(d, "is_read_only", path: p),
                    cacheType: r.string(d, "cache_type", path: p), ioEngine: r.string(d, "io_engine", path: p),
                    socket: r.string(d, "socket", path: p), hasRateLimiter: r.present(d, "rate_limiter")))
            r.unknown(
                d, ["drive_id", "path_on_host", "is_root_device", "is_read_only", "cache_type", "io_engine", "socket", "rate_limiter", "partuuid"],
                path: p, into: &vm.unknownKeys)
        }
        for (i, n) in r.objects(top, "network-interfaces").enumerated() {
            let p = "network-interfaces[\(i)]"
            vm.networkInterfaces.append(
                FirecrackerNetworkInterface(
                    ifaceID: r.string(n, "iface_id", path: p), hostDevName: r.string(n, "host_dev_name", path: p),
                    guestMAC: r.string(n, "guest_mac", path: p), hasRxRateLimiter: r.present(n, "rx_rate_limiter"),
                    hasTxRateLimiter: r.present(n, "tx_rate_limiter")))
            r.unknown(n, ["iface_id", "host_dev_name", "guest_mac", "rx_rate_limiter", "tx_rate_limiter"], path: p, into: &vm.unknownKeys)
        }
        if let m = r.object(top, "machine-config") {
            let p = "machine-config"
            vm.machine = FirecrackerMachineConfig(
                vcpuCount: r.int(m, "vcpu_count", path: p), memSizeMiB: r.int(m, "mem_size_mib", path: p),
                smt: r.bool(m, "smt", path: p), trackDirtyPages: r.bool(m, "track_dirty_pages", path: p),
                cpuTemplate: r.string(m, "cpu_template", path: p), hugePages: r.string(m, "huge_pages", path: p))
            r.unknown(m, ["vcpu_count", "mem_size_mib", "smt", "track_dirty_pages", "cpu_template", "huge_pages"], path: p, into: &vm.unknownKeys)
        }
        if let m = r.object(top, "mmds-config") {
            let p = "mmds-config"
            let version = r.string(m, "version", path: p)
            var ifaces: [String] = []
            if case .array(let a)? = m["network_interfaces"] {
                for (i, x) in a.enumerated() {
                    if case .string(let s) = x {
                        ifaces.append(s)
                    } else {
                        r.problems.append(
                            Problem(subject: "\(source) \(p).network_interfaces[\(i)]", message: "expected a string, found \(x.typeName)"))
                    }
                }
            } else if let x = m["network_interfaces"], x != .null {
                r.problems.append(Problem(subject: "\(source) \(p).network_interfaces", message: "expected an array, found \(x.typeName)"))
            }
            vm.mmds = FirecrackerMMDSConfig(
                version: version ?? "V1", versionExplicit: version != nil, networkInterfaces: ifaces,
                ipv4Address: r.string(m, "ipv4_address", path: p), imdsCompat: r.bool(m, "imds_compat", path: p))
            r.unknown(m, ["version", "network_interfaces", "ipv4_address", "imds_compat"], path: p, into: &vm.unknownKeys)
        }
        if let v = r.object(top, "vsock") {
            vm.vsock = FirecrackerVsock(guestCID: r.int(v, "guest_cid", path: "vsock"), udsPath: r.string(v, "uds_path", path: "vsock"))
        }
        if let l = r.object(top, "logger") {
            vm.logger = FirecrackerLogger(logPath: r.string(l, "log_path", path: "logger"), level: r.string(l, "level", path: "logger"))
        }
        if let m = r.object(top, "metrics") { vm.metricsPath = r.string(m, "metrics_path", path: "metrics") }
        if let b = r.object(top, "balloon") {
            vm.balloon = FirecrackerBalloon(
                amountMiB: r.int(b, "amount_mib", path: "balloon"), deflateOnOOM: r.bool(b, "deflate_on_oom", path: "balloon"))
        }
        if let e = r.object(top, "entropy") {
            vm.entropyDevice = true
            vm.entropyHasRateLimiter = r.present(e, "rate_limiter")
        }
        vm.cpuConfigPresent = r.present(top, "cpu-config")
        return Parsed(value: vm, problems: r.problems)
    }

    /// Typed access to JSON fields that reports wrong types by path.
    struct JSONReader {
        let source: String
        var problems: [Problem] = []

        mutating func wrong(_ path: String, _ expected: String, _ v: JSONValue) {
            problems.append(
                Problem(subject: "\(source) \(path)", message: "\(path) should be \(expected), found \(v.typeName); ignored"))
        }
        func present(_ o: [String: JSONValue], _ k: String) -> Bool {
            if let v = o[k], v != .null { return true }
            return false
        }
        mutating func object(_ o: [String: JSONValue], _ k: String) -> [String: JSONValue]? {
            guard let v = o[k], v != .null else { return nil }
            if case .object(let x) = v { return x }
            wrong(k, "an object", v)
            return nil
        }
        mutating func objects(_ o: [String: JSONValue], _ k: String) -> [[String: JSONValue]] {
            guard let v = o[k], v != .null else { return [] }
            guard case .array(let a) = v else {
                wrong(k, "an array", v)
                return []
            }
            var out: [[String: JSONValue]] = []
            for (i, x) in a.enumerated() {
                if case .object(let ob) = x { out.append(ob) } else { wrong("\(k)[\(i)]", "an object", x) }
            }
            return out
        }
        mutating func string(_ o: [String: JSONValue], _ k: String, path: String) -> String? {
            guard let v = o[k], v != .null else { return nil }
            if case .string(let s) = v { return s }
            wrong("\(path).\(k)", "a string", v)
            return nil
        }
        mutating func int(_ o: [String: JSONValue], _ k: String, path: String) -> Int? {
            guard let v = o[k], v != .null else { return nil }
            if case .int(let i) = v, let x = Int(exactly: i) { return x }
            wrong("\(path).\(k)", "an integer", v)
            return nil
        }
        mutating func bool(_ o: [String: JSONValue], _ k: String, path: String) -> Bool? {
            guard let v = o[k], v != .null else { return nil }
            if case .bool(let b) = v { return b }
            wrong("\(path).\(k)", "true or false", v)
            return nil
        }
        func unknown(_ o: [String: JSONValue], _ known: Set<String>, path: String, into: inout [String]) {
            for k in o.keys.sorted() where !known.contains(k) { into.append("\(path).\(k)") }
        }
    }
}
