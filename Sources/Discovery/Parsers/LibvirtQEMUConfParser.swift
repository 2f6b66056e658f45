public import BulkheadModel
public import Formats
import Foundation

/// Parses `/etc/libvirt/qemu.conf` into `LibvirtQEMUDriverConfig`.
public enum LibvirtQEMUConfParser: TextConfigurationParser {
    public static func parse(text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<LibvirtQEMUDriverConfig>
    {
        let (entries, syntaxProblems) = try ConfSyntax.parse(text, source: source, limits: limits)
        var problems = syntaxProblems
        var c = LibvirtQEMUDriverConfig()
        var v: [String: ConfSyntax.Value] = [:]
        for e in entries {
            if v[e.key] != nil {
                problems.append(
                    Problem(
                        subject: "\(source):\(e.line) \(e.key)", message: "\(e.key) is set more than once; the last value (line \(e.line)) applies"))
            }
            v[e.key] = e.value
            let secret = ParseSupport.isSecretKey(e.key)
            c.settings[e.key] =
                secret
                ? LibvirtConfValue(kind: .redacted)
                : {
                    switch e.value {
                    case .string(let s): return LibvirtConfValue(kind: .string, string: s)
                    case .number(let s): return LibvirtConfValue(kind: .integer, string: s, integer: ParseSupport.int(s).map(Int64.init))
                    case .list: return LibvirtConfValue(kind: .list, list: e.value.listItems)
                    }
                }()
        }
        func bool(_ k: String) -> Bool? {
            guard let x = v[k] else { return nil }
            if let b = x.bool { return b }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be 0 or 1, found '\(x.text.prefix(40))'; ignored"))
            return nil
        }
        func str(_ k: String) -> String? {
            guard let x = v[k] else { return nil }
            if case .string(let s) = x { return s }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be a quoted string; taken as '\(x.text.prefix(40))'"))
            return x.string
        }
        func int(_ k: String) -> Int? {
            guard let x = v[k] else { return nil }
            if case .number = x, let i = x.int { return i }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be an integer, found '\(x.text.prefix(40))'; ignored"))
            return nil
        }
        func list(_ k: String) -> [String]? {
            guard let x = v[k] else { return nil }
            if case .list = x { return x.listItems }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be a list [ … ]; taken as a one-item list"))
            return [x.text]
        }
        if let sd = v["security_driver"] { c.securityDriver = sd.listItems }
        c.securityDefaultConfined = bool("security_default_confined")
        c.securityRequireConfined = bool("security_require_confined")
        c.seccompSandbox = int("seccomp_sandbox")
        c.user = str("user")
        c.group = str("group")
        c.dynamicOwnership = bool("dynamic_ownership")
        c.rememberOwner = bool("remember_owner")
        c.namespaces = list("namespaces")
        c.clearEmulatorCapabilities = bool("clear_emulator_capabilities")
        c.vncListen = str("vnc_listen")
        c.vncAutoUnixSocket = bool("vnc_auto_unix_socket")
        c.vncTLS = bool("vnc_tls")
        c.vncTLSX509Verify = bool("vnc_tls_x509_verify")
        c.vncSASL = bool("vnc_sasl")
        c.vncPasswordSet = v["vnc_password"].map { !$0.text.isEmpty } ?? false
        c.spiceListen = str("spice_listen")
        c.spiceAutoUnixSocket = bool("spice_auto_unix_socket")
        c.spiceTLS = bool("spice_tls")
        c.spiceSASL = bool("spice_sasl")
        c.spicePasswordSet = v["spice_password"].map { !$0.text.isEmpty } ?? false
        c.remoteDisplayPortMin = int("remote_display_port_min")
        c.remoteDisplayPortMax = int("remote_display_port_max")
        c.cgroupDeviceACL = list("cgroup_device_acl")
        c.cgroupControllers = list("cgroup_controllers")
        c.setProcessName = bool("set_process_name")
        c.stdioHandler = str("stdio_handler")
        c.maxCore = v["max_core"]?.text
        c.dumpGuestCore = bool("dump_guest_core")
        c.relaxedACSCheck = bool("relaxed_acs_check")
        c.schedCore = str("sched_core")
        c.macFilter = bool("mac_filter")
        c.bridgeHelper = str("bridge_helper")
        c.defaultTLSX509Verify = bool("default_tls_x509_verify")
        c.migrateTLSForce = bool("migrate_tls_force")
        c.chardevTLS = bool("chardev_tls")
        c.nbdTLS = bool("nbd_tls")
        c.swtpmUser = str("swtpm_user")
        c.swtpmGroup = str("swtpm_group")
        c.maxProcesses = int("max_processes")
        c.maxFiles = int("max_files")
        c.capabilityFilters = list("capability_filters")
        c.deprecationBehavior = str("deprecation_behavior")
        return Parsed(value: c, problems: problems)
    }
}
