public import BulkheadModel
public import Formats
import Foundation

/// Parses a runsc command line (`runsc [global flags] <subcommand> [flags] [args]`, including the
/// `runsc-sandbox … boot …` and `runsc-gofer … gofer …` children). Follows Go's flag package: `-f`
/// and `--f` are the same; `-f=value` and `-f value` for non-boolean flags; a boolean flag takes a
/// value only as `-f=false`; parsing stops at the first non-flag argument or `--`.
public enum GVisorArgvParser {
    /// Global flags whose value is kept as given, and the fields they set.
    static let globalStringFields: [(flag: String, field: any WritableKeyPath<GVisorConfiguration, String?> & Sendable)] = [
        ("platform", \.platform), ("network", \.network), ("debug-log", \.debugLog), ("overlay2", \.overlay2),
        ("host-fifo", \.hostFIFO), ("file-access", \.fileAccess), ("host-settings", \.hostSettings),
    ]
    /// Boolean global flags kept (as Go reads true and false), and the fields they set.
    static let globalBoolFields: [(flag: String, field: any WritableKeyPath<GVisorConfiguration, Bool?> & Sendable)] = [
        ("rootless", \.rootless), ("debug", \.debug), ("strace", \.strace), ("log-packets", \.logPackets),
        ("overlay", \.overlay), ("directfs", \.directfs), ("nvproxy", \.nvproxy), ("tpuproxy", \.tpuproxy),
        ("net-raw", \.netRaw), ("allow-flag-override", \.allowFlagOverride), ("oci-seccomp", \.ociSeccomp),
        ("profile", \.profile), ("ignore-cgroups", \.ignoreCgroups), ("enable-core-tags", \.enableCoreTags),
    ]
    /// Boolean global flags (from `runsc flags`, plus flags of newer releases).
    static let globalBools: Set<String> = [
        "EXPERIMENTAL-afxdp", "TESTONLY-allow-packet-endpoint-write", "TESTONLY-unsafe-nonroot", "allow-flag-override",
        "alsologtostderr", "buffer-pooling", "cgroupfs", "cpu-num-from-quota", "debug", "enable-core-tags",
        "fsgofer-host-uds", "fuse", "gso", "ignore-cgroups", "lisafs", "log-packets", "oci-seccomp", "overlay",
        "profile", "rootless", "rx-checksum-offload", "software-gso", "strace", "strace-event", "systemd-cgroup",
        "tx-checksum-offload", "version", "vfs2", "directfs", "nvproxy", "nvproxy-docker", "tpuproxy", "net-raw",
        "allow-packet-socket-write", "host-gro", "EXPERIMENTAL-xdp-need-wakeup", "TESTONLY-nftables", "reproduce-nat",
        "reproduce-nftables", "net-disconnect-ok", "TESTONLY-afs-syscall-panic", "gvisor-marshal", "save-restore-netstack",
        "TESTONLY-save-restore-netstack", "nvproxy-allow-unsupported-capabilities", "ignore-cgroups", "cgroup-parent-annotation",
        "enable-tpu-proxy", "EXPERIMENTAL-profile-gvisor-pprof",
    ]
    /// Global flags that take a value.
    static let globalValues: Set<String> = [
        "TESTONLY-test-name-env", "coverage-fd", "coverage-report", "dcache", "debug-command", "debug-log", "debug-log-fd",
        "debug-log-format", "fdlimit", "file-access", "file-access-mounts", "gvisor-gro", "host-fifo", "host-uds", "log",
        "log-fd", "log-format", "network", "num-network-channels", "overlay2", "panic-log", "panic-log-fd",
        "panic-signal", "pcap-log", "platform", "platform_device_path", "pod-init-config", "profile-block",
        "profile-cpu", "profile-heap", "profile-mutex", "qdisc", "ref-leak-mode", "root", "strace-log-size",
        "strace-syscalls", "trace", "traceback", "watchdog-action", "host-settings", "nvproxy-driver-version",
        "nvproxy-allowed-driver-capabilities", "root-dir", "metric-server", "final-metrics-log", "profiling-metrics",
        "profiling-metrics-log", "profiling-metrics-rate-us", "veth-mtu", "host-uds-create", "dcache-size",
        "systrap-sysemu", "gro", "allow-flag-override-annotations", "overlay2-medium", "tpuproxy-devices",
    ]
    /// Boolean flags of subcommands (boot, gofer, run, create, do, exec …).
    static let subcommandBools: Set<String> = [
        "apply-caps", "setup-root", "attached", "pidns", "detach", "force-overlay", "quiet", "d", "no-pivot",
        "pause", "leave-running", "internal", "profile", "sync-userns", "user-log", "direct", "stop", "all",
        "no-new-privs", "privileged", "transcript", "json",
    ]
    static let subcommands: Set<String> = [
        "boot", "gofer", "sandbox", "run", "do", "create", "start", "exec", "kill", "delete", "state", "list", "ps",
        "pause", "resume", "events", "wait", "checkpoint", "restore", "spec", "debug", "install", "uninstall",
        "mitigate", "flags", "help", "symbolize", "usage", "metric-server", "metric-export", "metric-metadata",
        "trace", "nvproxy", "tpuproxy", "read-control", "write-control", "platforms", "statefile", "umount",
        "checkpoint-and-exit", "portforward", "tar", "export-metrics",
    ]

    static func goBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }

    struct FlagRun {
        var flags: [String: String] = [:]
        var next: Int
        var unknown: [String] = []
        var problems: [Problem] = []
    }

    /// Go flag parsing from `start`.
    static func flags(
        _ argv: [String], from start: Int, bools: Set<String>, values: Set<String>, source: String,
        stopWords: Set<String>
    ) -> FlagRun {
        var r = FlagRun(next: start)
        var i = start
        while i < argv.count {
            let a = argv[i]
            guard a.hasPrefix("-"), a.count > 1 else { break }
            i += 1
            if a == "--" { break }
            var n = Substring(a.dropFirst())
            if n.hasPrefix("-") { n = n.dropFirst() }
            if n.isEmpty || n.hasPrefix("-") || n.hasPrefix("=") {
                r.problems.append(ParseSupport.problem(source, a, "bad flag syntax"))
                continue
            }
            var name = String(n)
            var value: String? = nil
            if let eq = n.firstIndex(of: "=") {
                name = String(n[..<eq])
                value = String(n[n.index(after: eq)...])
            }
            if bools.contains(name) {
                if let v = value {
                    if goBool(v) == nil { r.problems.append(ParseSupport.problem(source, a, "invalid boolean value '\(v.prefix(20))'")) }
                    r.flags[name] = v
                } else {
                    r.flags[name] = "true"
                }
                continue
            }
            if value == nil {
                let known = values.contains(name)
                if !known {
                    // Unknown flag: boolean unless a value follows that is not a subcommand.
                    if i < argv.count, !argv[i].hasPrefix("-"), !stopWords.contains(argv[i]) {
                        value = argv[i]
                        i += 1
                        r.problems.append(ParseSupport.problem(source, a, "unknown flag; assumed it takes the value '\(value?.prefix(40) ?? "")'"))
                    } else {
                        r.problems.append(ParseSupport.problem(source, a, "unknown flag; assumed boolean"))
                    }
                    r.unknown.append(a)
                    r.flags[name] = value ?? "true"
                    continue
                }
                guard i < argv.count else {
                    r.problems.append(ParseSupport.problem(source, a, "flag \(a) is the last argument but needs a value; it was ignored"))
                    break
                }
                value = argv[i]
                i += 1
            } else if !values.contains(name) {
                r.unknown.append(a)
                r.problems.append(ParseSupport.problem(source, a, "unknown flag"))
            }
            // Repeated list flags (--io-fds=3 --io-fds=4) accumulate.
            if let old = r.flags[name], !bools.contains(name) { r.flags[name] = old + "," + (value ?? "") } else { r.flags[name] = value ?? "" }
        }
        r.next = i
        return r
    }

    public static func parse(_ argv: [String], source: String = "runsc argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<GVisorConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = GVisorConfiguration(argv: argv)
        let g = flags(argv, from: 1, bools: globalBools, values: globalValues, source: source, stopWords: subcommands)
        var problems = g.problems
        c.globalFlags = g.flags
        c.unrecognised = g.unknown
        var i = g.next
        if i < argv.count {
            c.subcommand = argv[i]
            if !subcommands.contains(argv[i]) {
                problems.append(ParseSupport.problem(source, argv[i], "not a known runsc subcommand"))
            }
            i += 1
            let s = flags(argv, from: i, bools: subcommandBools, values: [], source: source, stopWords: [])
            // Subcommand flags are many and change per release: unknown ones are not reported.
            c.subcommandFlags = s.flags
            problems += s.problems.filter { !$0.message.hasPrefix("unknown flag") }
            c.arguments = Array(argv[min(s.next, argv.count)...])
        }
        let f = c.globalFlags
        func b(_ k: String) -> Bool? { f[k].flatMap(goBool) }
        for (flag, field) in globalStringFields { c[keyPath: field] = f[flag] }
        for (flag, field) in globalBoolFields { c[keyPath: field] = b(flag) }
        c.testOnlyFlags = f.keys.filter { $0.hasPrefix("TESTONLY-") }.sorted()
        c.hostUDS = f["host-uds"] ?? (b("fsgofer-host-uds") == true ? "all" : nil)
        c.allowPacketSocketWrite = b("allow-packet-socket-write") ?? b("TESTONLY-allow-packet-endpoint-write")
        return Parsed(value: c, problems: problems)
    }
}
