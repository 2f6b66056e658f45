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

    /// Parses a Firecracker argv (`firecracker --api-sock … --config-file …`).
    public static func parseArgv(_ argv: [String], source: String = "firecracker argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = FirecrackerConfiguration()
        c.raw = argv
        var problems: [Problem] = []
        var i = 1
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard let (name, inline) = ParseSupport.option(a) else {
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
                c.unrecognised += ParseSupport.skipUnknownOption(a, inline: inline, argv: argv, index: &i, valuesBefore: argv.count)
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
                c.mmdsSizeLimit = ParseSupport.integer(val, option: a, expected: "a number", source: source, problems: &problems)
            case "http-api-max-payload-size":
                c.httpAPIMaxPayloadSize = ParseSupport.integer(val, option: a, expected: "a number", source: source, problems: &problems)
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
        var j = FirecrackerJailerConfiguration()
        j.raw = argv
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
            guard let (name, inline) = ParseSupport.option(a) else {
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
            case "uid": j.uid = ParseSupport.integer(val, option: a, expected: "a numeric uid", source: source, problems: &problems)
            case "gid": j.gid = ParseSupport.integer(val, option: a, expected: "a numeric gid", source: source, problems: &problems)
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
            var boot = FirecrackerBootSource()
            r.read(
                b, path: "boot-source", into: &boot, unknown: &vm.unknownKeys,
                [.string("boot_args", \.bootArgs), .string("kernel_image_path", \.kernelImagePath), .string("initrd_path", \.initrdPath)])
            if let words = boot.bootArgs?.split(separator: " ") {
                boot.serialConsoleEnabled = words.contains { $0.hasPrefix("console=ttyS") } && !words.contains("8250.nr_uarts=0")
            }
            vm.bootSource = boot
        }
        for (i, d) in r.objects(top, "drives").enumerated() {
            var drive = FirecrackerDrive()
            r.read(
                d, path: "drives[\(i)]", into: &drive, unknown: &vm.unknownKeys,
                [
                    .string("drive_id", \.driveID), .string("path_on_host", \.pathOnHost), .bool("is_root_device", \.isRootDevice),
                    .bool("is_read_only", \.isReadOnly), .string("cache_type", \.cacheType), .string("io_engine", \.ioEngine),
                    .string("socket", \.socket), .present("rate_limiter", \.hasRateLimiter), .ignored("partuuid"),
                ])
            vm.drives.append(drive)
        }
        for (i, n) in r.objects(top, "network-interfaces").enumerated() {
            var interface = FirecrackerNetworkInterface()
            r.read(
                n, path: "network-interfaces[\(i)]", into: &interface, unknown: &vm.unknownKeys,
                [
                    .string("iface_id", \.ifaceID), .string("host_dev_name", \.hostDevName), .string("guest_mac", \.guestMAC),
                    .present("rx_rate_limiter", \.hasRxRateLimiter), .present("tx_rate_limiter", \.hasTxRateLimiter),
                ])
            vm.networkInterfaces.append(interface)
        }
        if let m = r.object(top, "machine-config") {
            var machine = FirecrackerMachineConfig()
            r.read(
                m, path: "machine-config", into: &machine, unknown: &vm.unknownKeys,
                [
                    .int("vcpu_count", \.vcpuCount), .int("mem_size_mib", \.memSizeMiB), .bool("smt", \.smt),
                    .bool("track_dirty_pages", \.trackDirtyPages), .string("cpu_template", \.cpuTemplate), .string("huge_pages", \.hugePages),
                ])
            vm.machine = machine
        }
        if let m = r.object(top, "mmds-config") {
            let p = "mmds-config"
            var mmds = FirecrackerMMDSConfig()
            if let version = r.string(m, "version", path: p) {
                mmds.version = version
                mmds.versionExplicit = true
            }
            if case .array(let a)? = m["network_interfaces"] {
                for (i, x) in a.enumerated() {
                    if case .string(let s) = x {
                        mmds.networkInterfaces.append(s)
                    } else {
                        r.problems.append(
                            Problem(subject: "\(source) \(p).network_interfaces[\(i)]", message: "expected a string, found \(x.typeName)"))
                    }
                }
            } else if let x = m["network_interfaces"], x != .null {
                r.problems.append(Problem(subject: "\(source) \(p).network_interfaces", message: "expected an array, found \(x.typeName)"))
            }
            r.read(
                m, path: p, into: &mmds, unknown: &vm.unknownKeys,
                [.ignored("version"), .ignored("network_interfaces"), .string("ipv4_address", \.ipv4Address), .bool("imds_compat", \.imdsCompat)])
            vm.mmds = mmds
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

        /// One known member of a JSON object and the field its value goes to.
        enum Member<Value> {
            case string(String, WritableKeyPath<Value, String?>)
            case int(String, WritableKeyPath<Value, Int?>)
            case bool(String, WritableKeyPath<Value, Bool?>)
            /// The member is there and not null.
            case present(String, WritableKeyPath<Value, Bool>)
            /// Known, but read elsewhere or not kept.
            case ignored(String)

            var key: String {
                switch self {
                case .string(let k, _), .int(let k, _), .bool(let k, _), .present(let k, _), .ignored(let k): k
                }
            }
        }

        /// Reads the `members` of `o` (at `path`) into `value`, in their order, and lists the object's other keys
        /// in `unknown`: one table says both what is read and what is known.
        mutating func read<Value>(
            _ o: [String: JSONValue], path: String, into value: inout Value, unknown: inout [String], _ members: [Member<Value>]
        ) {
            for member in members {
                switch member {
                case .string(let k, let field): value[keyPath: field] = string(o, k, path: path)
                case .int(let k, let field): value[keyPath: field] = int(o, k, path: path)
                case .bool(let k, let field): value[keyPath: field] = bool(o, k, path: path)
                case .present(let k, let field): value[keyPath: field] = present(o, k)
                case .ignored: break
                }
            }
            self.unknown(o, Set(members.map(\.key)), path: path, into: &unknown)
        }
    }
}
