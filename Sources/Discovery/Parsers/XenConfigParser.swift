public import BulkheadModel
public import Formats
public import Foundation

/// Parses xl domain configurations (`/etc/xen/*.cfg`, xl.cfg(5)) into `XenGuestConfiguration` and
/// the global `/etc/xen/xl.conf` (xl.conf(5)) into `XenToolstackConfiguration`. Password values
/// (`vncpasswd`, `spicepasswd`) are noted as present and never stored.
public enum XenConfigParser {
    /// The keys of a `disk` spec's `key=value` parts and the fields they set.
    static let diskKeys: [String: any WritableKeyPath<XenDisk, String?> & Sendable] = [
        "target": \.target, "format": \.format, "vdev": \.vdev, "access": \.access, "backendtype": \.backendType,
        "devtype": \.devtype,
    ]
    /// The fields a `disk` spec's parts without a key set, in their order (`target,format,vdev,access`).
    static let diskPositions: [any WritableKeyPath<XenDisk, String?> & Sendable] = [\.target, \.format, \.vdev, \.access]

    public static func parse(_ data: Data, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<XenGuestConfiguration>
    {
        try parse(text: try ParseSupport.text(data, source: source, limits: limits), source: source, limits: limits)
    }

    static func merged(_ entries: [ConfSyntax.Entry]) -> [String: ConfSyntax.Value] {
        var v: [String: ConfSyntax.Value] = [:]
        for e in entries {
            if e.append, let old = v[e.key] {
                switch (old, e.value) {
                case (.list(let a), .list(let b)): v[e.key] = .list(a + b)
                case (.string(let a), .string(let b)): v[e.key] = .string(a + b)
                default: v[e.key] = e.value
                }
            } else {
                v[e.key] = e.value
            }
        }
        return v
    }

    static func settings(_ v: [String: ConfSyntax.Value]) -> [String: XenValue] {
        var out: [String: XenValue] = [:]
        for (k, x) in v {
            if ParseSupport.isSecretKey(k) { out[k] = XenValue(kind: .redacted); continue }
            switch x {
            case .string(let s): out[k] = XenValue(kind: .string, string: s)
            case .number(let s): out[k] = XenValue(kind: .number, string: s)
            case .list: out[k] = XenValue(kind: .list, list: x.listItems)
            }
        }
        return out
    }

    /// Splits `a=b,c=d` into a dictionary; bare words map to "".
    static func keyValues(_ spec: String) -> [String: String] {
        var d: [String: String] = [:]
        for part in spec.split(separator: ",", omittingEmptySubsequences: true) {
            let p = part.trimmingCharacters(in: .whitespaces)
            if let eq = p.firstIndex(of: "=") {
                d[String(p[..<eq])] = String(p[p.index(after: eq)...])
            } else {
                d[p] = ""
            }
        }
        return d
    }

    public static func parse(text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<XenGuestConfiguration>
    {
        let (entries, syntaxProblems) = try ConfSyntax.parse(text, source: source, limits: limits)
        var problems = syntaxProblems
        let v = merged(entries)
        var c = XenGuestConfiguration()
        c.settings = settings(v)
        func bool(_ k: String) -> Bool? {
            guard let x = v[k] else { return nil }
            if let b = x.bool { return b }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be 0 or 1, found '\(x.text.prefix(40))'; ignored"))
            return nil
        }
        func str(_ k: String) -> String? { v[k]?.string }
        func int(_ k: String) -> Int? {
            guard let x = v[k] else { return nil }
            if let i = x.int { return i }
            problems.append(Problem(subject: "\(source) \(k)", message: "\(k) should be a number, found '\(x.text.prefix(40))'; ignored"))
            return nil
        }
        c.name = str("name")
        c.uuid = str("uuid")
        if let t = str("type") {
            c.type = t
            c.typeExplicit = true
        } else if let b = str("builder") {
            c.type = b == "hvm" ? "hvm" : "pv"
            c.typeExplicit = true
        } else {
            c.type = "pv"
        }
        if let t = c.type, !["pv", "pvh", "hvm"].contains(t) {
            problems.append(Problem(subject: "\(source) type", message: "unknown guest type '\(t.prefix(20))' (expected pv, pvh or hvm)"))
        }
        c.kernel = str("kernel")
        c.memoryMiB = int("memory")
        c.maxMemoryMiB = int("maxmem")
        c.vcpus = int("vcpus")
        c.deviceModelVersion = str("device_model_version")
        c.deviceModelOverride = str("device_model_override") ?? str("device_model")
        c.deviceModelStubdomain = bool("device_model_stubdomain_override")
        c.deviceModelUser = str("device_model_user")
        c.dmRestrict = bool("dm_restrict")
        c.pciPermissive = bool("pci_permissive")
        for spec in v["pci"]?.listItems ?? [] {
            var d = XenPCIDevice()
            d.spec = spec
            let parts = spec.split(separator: ",", maxSplits: 1).map(String.init)
            var kv: [String: String] = [:]
            if let first = parts.first, !first.contains("=") {
                d.bdf = first
                if parts.count > 1 { kv = keyValues(parts[1]) }
            } else {
                kv = keyValues(spec)
                d.bdf = kv["bdf"]
            }
            d.permissive = kv["permissive"].flatMap { ParseSupport.bool($0) }
            d.seize = kv["seize"].flatMap { ParseSupport.bool($0) }
            d.rdmPolicy = kv["rdm_policy"]
            d.msiTranslate = kv["msitranslate"].flatMap { ParseSupport.bool($0) }
            d.powerManagement = kv["power_mgmt"].flatMap { ParseSupport.bool($0) }
            c.pci.append(d)
        }
        c.vnc = bool("vnc")
        c.vncListen = str("vnclisten")
        c.vncPasswordSet = !(str("vncpasswd") ?? "").isEmpty
        c.vncUnused = bool("vncunused")
        c.vncDisplay = int("vncdisplay")
        c.sdl = bool("sdl")
        c.spice = bool("spice")
        c.spiceHost = str("spicehost")
        c.spicePort = int("spiceport")
        c.spiceTLSPort = int("spicetls_port")
        c.spiceDisableTicketing = bool("spicedisable_ticketing")
        c.spicePasswordSet = !(str("spicepasswd") ?? "").isEmpty
        c.spiceClipboardSharing = bool("spice_clipboard_sharing")
        c.spiceVDAgent = bool("spicevdagent")
        // xl defaults: VNC is on for HVM guests and listens on 127.0.0.1; SPICE listens on every
        // interface unless spicehost is given.
        let vncOn = c.vnc ?? (c.type == "hvm" && c.sdl != true && bool("nographic") != true)
        var beyond = false
        if vncOn, let l = c.vncListen {
            let host = l.contains(":") && !l.hasPrefix("[") && l.filter({ $0 == ":" }).count == 1 ? String(l.split(separator: ":").first ?? "") : l
            beyond = beyond || ParseSupport.beyondLoopback(host)
        }
        if c.spice == true { beyond = beyond || ParseSupport.beyondLoopback(c.spiceHost) }
        c.displayListensBeyondLoopback = beyond
        c.usb = bool("usb")
        c.usbDevices = (v["usbdevice"]?.listItems ?? []) + (v["usbdev"]?.listItems ?? [])
        c.usbControllers = v["usbctrl"]?.listItems ?? []
        c.soundHardware = str("soundhw")
        c.nestedHVM = bool("nestedhvm")
        c.vpmu = bool("vpmu")
        c.altp2m = str("altp2m") ?? v["altp2mhvm"]?.text
        c.seclabel = str("seclabel")
        c.initSeclabel = str("init_seclabel")
        c.deviceModelStubdomainSeclabel = str("device_model_stubdomain_seclabel")
        c.vifs = (v["vif"]?.listItems ?? []).map { keyValues($0) }
        for spec in v["disk"]?.listItems ?? [] {
            var d = XenDisk()
            d.spec = spec
            var positional = 0
            var rest = Substring(spec)
            while !rest.isEmpty {
                let part: Substring
                if rest.hasPrefix("target=") {
                    part = rest
                    rest = ""
                } else if let comma = rest.firstIndex(of: ",") {
                    part = rest[..<comma]
                    rest = rest[rest.index(after: comma)...]
                } else {
                    part = rest
                    rest = ""
                }
                let p = part.trimmingCharacters(in: .whitespaces)
                if let eq = p.firstIndex(of: "=") {
                    if let field = diskKeys[String(p[..<eq])] { d[keyPath: field] = String(p[p.index(after: eq)...]) }
                } else if p == "cdrom" {
                    d.devtype = "cdrom"
                } else {
                    if positional < diskPositions.count { d[keyPath: diskPositions[positional]] = p.isEmpty ? nil : p }
                    positional += 1
                }
            }
            c.disks.append(d)
        }
        return Parsed(value: c, problems: problems)
    }

    /// Parses `/etc/xen/xl.conf`.
    public static func parseToolstack(_ data: Data, source: String, limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<XenToolstackConfiguration>
    {
        let text = try ParseSupport.text(data, source: source, limits: limits)
        let (entries, problems) = try ConfSyntax.parse(text, source: source, limits: limits)
        let v = merged(entries)
        var c = XenToolstackConfiguration()
        c.settings = settings(v)
        c.autoballoon = v["autoballoon"]?.string
        c.runHotplugScripts = v["run_hotplug_scripts"]?.bool
        c.lockfile = v["lockfile"]?.string
        c.claimMode = v["claim_mode"]?.bool
        c.vifDefaultScript = v["vif.default.script"]?.string
        c.vifDefaultBridge = v["vif.default.bridge"]?.string
        c.domidPolicy = v["domid_policy"]?.string
        return Parsed(value: c, problems: problems)
    }
}
