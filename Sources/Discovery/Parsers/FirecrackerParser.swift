public import BulkheadModel
public import Formats
public import Foundation

/// Parses Firecracker's argv, its `--config-file` JSON and the jailer's argv.
public enum FirecrackerParser {
    /// Firecracker's options and the fields they set.
    static let options = ArgvOptionTable<FirecrackerConfiguration>(
        options: [
            "no-seccomp": .flag(\.noSeccomp), "no-api": .flag(\.noAPI), "boot-timer": .flag(\.bootTimer),
            "show-level": .ignoredFlag, "show-log-origin": .ignoredFlag, "version": .ignoredFlag, "help": .ignoredFlag,
            "describe-snapshot": .ignoredFlag, "enable-pci": .ignoredFlag,
            "api-sock": .string(\.apiSocket), "config-file": .string(\.configFile), "seccomp-filter": .string(\.seccompFilter),
            "id": .string(\.id), "level": .string(\.logLevel), "log-path": .string(\.logPath), "metrics-path": .string(\.metricsPath),
            "mmds-size-limit": .integer(\.mmdsSizeLimit, expected: "a number"),
            "http-api-max-payload-size": .integer(\.httpAPIMaxPayloadSize, expected: "a number"),
            "start-time-us": .ignoredValue, "start-time-cpu-us": .ignoredValue, "parent-cpu-time-us": .ignoredValue,
            "module": .ignoredValue, "metadata": .ignoredValue,
        ],
        raw: \.raw, unrecognised: \.unrecognised, unknownMessage: "unknown Firecracker option", unknownTakesValue: true)

    /// The jailer's options; the words after `--` are Firecracker's.
    static let jailerOptions = ArgvOptionTable<FirecrackerJailerConfiguration>(
        options: [
            "daemonize": .flag(\.daemonize), "new-pid-ns": .flag(\.newPIDNamespace), "version": .ignoredFlag, "help": .ignoredFlag,
            "id": .string(\.id), "exec-file": .string(\.execFile), "uid": .integer(\.uid, expected: "a numeric uid"),
            "gid": .integer(\.gid, expected: "a numeric gid"), "chroot-base-dir": .string(\.chrootBaseDir), "netns": .string(\.netns),
            "cgroup": .strings(\.cgroups), "cgroup-version": .string(\.cgroupVersion), "parent-cgroup": .string(\.parentCgroup),
            "resource-limit": .strings(\.resourceLimits),
        ],
        raw: \.raw, unrecognised: \.unrecognised, unknownMessage: "unknown jailer option", unknownTakesValue: false,
        afterDoubleDash: \FirecrackerJailerConfiguration.firecrackerArgs)

    /// Parses a Firecracker argv (`firecracker --api-sock … --config-file …`).
    public static func parseArgv(_ argv: [String], source: String = "firecracker argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerConfiguration>
    {
        try options.parse(argv, into: FirecrackerConfiguration(), source: source, limits: limits)
    }

    /// Parses a jailer argv (`jailer --id … --exec-file … --uid … --gid … [-- firecracker args]`). The
    /// Firecracker arguments after `--` are parsed too, with the exec file as their argv[0].
    public static func parseJailer(_ argv: [String], source: String = "jailer argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<FirecrackerConfiguration>
    {
        let jailer = try jailerOptions.parse(argv, into: FirecrackerJailerConfiguration(), source: source, limits: limits)
        let j = jailer.value
        var problems = jailer.problems
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
        // Firecracker's API (swagger `Vsock`, `Logger`): `vsock_id` is deprecated and names nothing Bulkhead shows; the
        // logger's display switches and module filter are known but not kept.
        if let v = r.object(top, "vsock") {
            var vsock = FirecrackerVsock()
            r.read(
                v, path: "vsock", into: &vsock, unknown: &vm.unknownKeys,
                [.int("guest_cid", \.guestCID), .string("uds_path", \.udsPath), .ignored("vsock_id")])
            vm.vsock = vsock
        }
        if let l = r.object(top, "logger") {
            var logger = FirecrackerLogger()
            r.read(
                l, path: "logger", into: &logger, unknown: &vm.unknownKeys,
                [
                    .string("log_path", \.logPath), .string("level", \.level), .ignored("show_level"), .ignored("show_log_origin"),
                    .ignored("module"),
                ])
            vm.logger = logger
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
            member(o, k, path: path, "a string") { if case .string(let s) = $0 { s } else { nil } }
        }
        mutating func int(_ o: [String: JSONValue], _ k: String, path: String) -> Int? {
            member(o, k, path: path, "an integer") { if case .int(let i) = $0 { Int(exactly: i) } else { nil } }
        }
        mutating func bool(_ o: [String: JSONValue], _ k: String, path: String) -> Bool? {
            member(o, k, path: path, "true or false") { if case .bool(let b) = $0 { b } else { nil } }
        }
        /// Member `k` of `o` (at `path`) as `value` reads it; nil when absent or null, and nil with a problem saying it
        /// should be `expected` when it is another type.
        mutating func member<T>(
            _ o: [String: JSONValue], _ k: String, path: String, _ expected: String, _ value: (JSONValue) -> T?
        ) -> T? {
            guard let v = o[k], v != .null else { return nil }
            if let x = value(v) { return x }
            wrong("\(path).\(k)", expected, v)
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
