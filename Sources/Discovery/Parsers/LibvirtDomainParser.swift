public import BulkheadModel
public import Formats
import Foundation

/// Parses a libvirt domain XML document (`/etc/libvirt/qemu/*.xml`, `/run/libvirt/qemu/*.xml`,
/// `virsh dumpxml`) into `LibvirtDomain`. Graphics passwords are noted as present, never stored.
public enum LibvirtDomainParser: TextConfigurationParser {
    static let qemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0"

    /// The guest's `<bulkhead:guest>` metadata. The values are the tenant's: each must be at most
    /// `LibvirtGuestMarking.maximumLength` characters of letters, digits, space and `:_-./`, else it is dropped.
    static func marking(_ e: XMLElement) -> LibvirtGuestMarking {
        var out = LibvirtGuestMarking()
        var rejected: [String] = []
        func value(_ field: String) -> String? {
            guard let raw = e.child(field)?.trimmedText, !raw.isEmpty else { return nil }
            let allowed = raw.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || " :_-./".unicodeScalars.contains($0))
            }
            guard allowed, raw.unicodeScalars.count <= LibvirtGuestMarking.maximumLength else {
                rejected.append(
                    "<\(field)> '\(TerminalText.field(raw, max: 40))' is longer than \(LibvirtGuestMarking.maximumLength) characters or holds characters other than letters, digits, space and :_-./"
                )
                return nil
            }
            return raw
        }
        out.classification = value("classification")
        out.domain = value("domain")
        out.rejected = rejected.isEmpty ? nil : rejected.joined(separator: "; ")
        return out
    }

    public static func parse(text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<LibvirtDomain>
    {
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw ConfigParseError(.empty, source: source, message: "the domain XML is empty")
        }
        let tree = try XMLTree.parse(text, source: source, limits: limits)
        var problems: [Problem] = []
        if let p = tree.problem { problems.append(Problem(subject: source, message: p)) }
        var root = tree.root
        // libvirt keeps a running domain's live XML under /run/libvirt/qemu wrapped in <domstatus>.
        if root.name == "domstatus" {
            guard let inner = root.child("domain") else {
                throw ConfigParseError(
                    .notThisFormat, source: source, field: "domstatus", line: root.line,
                    message: "<domstatus> holds no <domain> element")
            }
            root = inner
        }
        guard root.name == "domain" else {
            throw ConfigParseError(
                .notThisFormat, source: source, field: root.name, line: root.line,
                message: "root element is <\(root.name)>, not <domain>; this is not a libvirt domain definition")
        }
        var d = LibvirtDomain()
        d.domainType = root["type"]
        d.name = root.child("name")?.trimmedText
        d.uuid = root.child("uuid")?.trimmedText
        if let m = root.child("memory") {
            if let kib = kibibytes(m.trimmedText, unit: m["unit"]) {
                d.memoryKiB = kib
            } else {
                problems.append(
                    ParseSupport.problem(source, "memory", "value '\(m.trimmedText.prefix(40))' with unit '\(m["unit"] ?? "KiB")' is not a size"))
            }
        }
        if let v = root.child("vcpu") { d.vcpus = Int(v.trimmedText) }
        if let os = root.child("os") {
            let t = os.child("type")
            var o = LibvirtOS()
            (o.type, o.arch, o.machine, o.firmware) = (t?.trimmedText, t?["arch"], t?["machine"], os["firmware"])
            o.machineFamily = o.machine.map(QEMUArgvParser.machineFamily)
            (o.loader, o.loaderSecure) = (os.child("loader")?.trimmedText, ParseSupport.bool(os.child("loader")?["secure"]))
            (o.kernel, o.initrd, o.cmdline) = (os.child("kernel")?.trimmedText, os.child("initrd")?.trimmedText, os.child("cmdline")?.trimmedText)
            d.os = o
        }
        if let f = root.child("features") {
            for e in f.children {
                if e.children.isEmpty {
                    d.features[e.name] = e["state"] ?? e.trimmedText
                } else {
                    if let s = e["state"] { d.features[e.name] = s } else { d.features[e.name] = "" }
                    for sub in e.children { d.features["\(e.name).\(sub.name)"] = sub["state"] ?? sub["value"] ?? sub.trimmedText }
                }
            }
        }
        if let cpu = root.child("cpu") {
            var c = LibvirtCPU()
            (c.mode, c.match, c.model) = (cpu["mode"], cpu["match"], cpu.child("model")?.trimmedText)
            c.features = cpu.all("feature").map { LibvirtCPUFeature(name: $0["name"] ?? "", policy: $0["policy"]) }
            var nested: NestedVirtualisationExposure = .notRequested
            if let mode = c.mode, ["host-passthrough", "host-model", "maximum"].contains(mode) { nested = .inheritedFromHost }
            for f in c.features where f.name == "vmx" || f.name == "svm" {
                switch f.policy ?? "require" {
                case "force", "require", "optional": nested = .explicitlyEnabled
                case "disable", "forbid": nested = .explicitlyDisabled
                default: break
                }
            }
            c.nestedVirtualisation = nested
            d.cpu = c
        }
        if let mb = root.child("memoryBacking") {
            var backing = LibvirtMemoryBacking()
            (backing.accessMode, backing.sourceType) = (mb.child("access")?["mode"], mb.child("source")?["type"])
            (backing.hugepages, backing.locked) = (mb.child("hugepages") != nil, mb.child("locked") != nil)
            backing.shared = backing.accessMode == "shared"
            d.memoryBacking = backing
        }
        d.resourceTuning = ["memtune", "cputune", "blkiotune", "numatune"].filter { root.child($0) != nil }
        for s in root.all("seclabel") {
            var label = LibvirtSeclabel()
            (label.type, label.model, label.relabel) = (s["type"], s["model"], ParseSupport.bool(s["relabel"]))
            label.label = s.child("label")?.trimmedText
            (label.imageLabel, label.baseLabel) = (s.child("imagelabel")?.trimmedText, s.child("baselabel")?.trimmedText)
            d.seclabels.append(label)
        }
        if let ls = root.child("launchSecurity") {
            d.launchSecurity = LibvirtLaunchSecurity(type: ls["type"] ?? "", policy: ls.child("policy")?.trimmedText)
        }
        for e in root.children where e.namespace == qemuNamespace {
            switch e.name {
            case "commandline":
                for a in e.children where a.name == "arg" { d.qemuCommandline.append(a["value"] ?? "") }
                for a in e.children where a.name == "env" { d.qemuEnvironment.append(a["name"] ?? "") }
            case "capabilities": d.qemuCapabilitiesOverridden = true
            default: break
            }
        }
        d.qemuCommandline = QEMUArgvParser.redactArgv(d.qemuCommandline)
        if let m = root.child("metadata")?.children.first(where: { $0.name == "guest" && $0.namespace == LibvirtGuestMarking.namespace }) {
            d.marking = marking(m)
        }
        if let devices = root.child("devices") {
            devicesSection(devices, into: &d, problems: &problems, source: source)
        } else {
            problems.append(Problem(subject: source, message: "the domain has no <devices> element"))
        }
        return Parsed(value: d, problems: problems)
    }

    static func kibibytes(_ text: String, unit: String?) -> UInt64? {
        guard let n = UInt64(text) else { return nil }
        let mult: UInt64? =
            switch (unit ?? "KiB").lowercased() {
            case "b", "bytes": nil
            case "kb": 1000
            case "k", "kib": 1024
            case "mb": 1_000_000
            case "m", "mib": 1 << 20
            case "gb": 1_000_000_000
            case "g", "gib": 1 << 30
            case "tb": 1_000_000_000_000
            case "t", "tib": 1 << 40
            default: 0
            }
        guard let mult else { return n / 1024 }
        if mult == 0 { return nil }
        let (r, overflow) = n.multipliedReportingOverflow(by: mult)
        return overflow ? nil : r / 1024
    }

    static func pciAddress(_ a: XMLElement?) -> String? {
        guard let a, let bus = ParseSupport.int(a["bus"]), let slot = ParseSupport.int(a["slot"]),
            let fn = ParseSupport.int(a["function"])
        else { return nil }
        let dom = ParseSupport.int(a["domain"]) ?? 0
        func hex(_ v: Int, _ w: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(hex(dom, 4)):\(hex(bus, 2)):\(hex(slot, 2)).\(String(fn, radix: 16))"
    }

    static func devicesSection(_ devices: XMLElement, into d: inout LibvirtDomain, problems: inout [Problem], source: String) {
        for e in devices.children {
            // Device-level seclabels live under <source> (disks, chardevs) or directly in the device.
            let labels = e.all("seclabel") + (e.child("source")?.all("seclabel") ?? [])
            for l in labels {
                let tgt = e.child("target")?["dev"] ?? e.child("target")?["name"] ?? e.child("target")?["dir"] ?? ""
                d.deviceSeclabels.append(
                    LibvirtDeviceSeclabel(
                        device: tgt.isEmpty ? e.name : "\(e.name) \(tgt)", model: l["model"],
                        relabel: ParseSupport.bool(l["relabel"])))
            }
            switch e.name {
            case "emulator": d.emulator = e.trimmedText
            case "disk":
                let s = e.child("source")
                var disk = LibvirtDisk()
                (disk.type, disk.device) = (e["type"], e["device"])
                (disk.driverName, disk.driverType) = (e.child("driver")?["name"], e.child("driver")?["type"])
                disk.source = s?["file"] ?? s?["dev"] ?? s?["dir"] ?? s?["name"] ?? s?["volume"]
                disk.sourceProtocol = s?["protocol"]
                (disk.targetDev, disk.targetBus) = (e.child("target")?["dev"], e.child("target")?["bus"])
                disk.readOnly = e.child("readonly") != nil
                (disk.shareable, disk.hasIOTune) = (e.child("shareable") != nil, e.child("iotune") != nil)
                d.disks.append(disk)
            case "interface":
                let s = e.child("source")
                var interface = LibvirtInterface()
                (interface.type, interface.source) = (e["type"], s?["bridge"] ?? s?["network"] ?? s?["dev"] ?? s?["path"])
                (interface.model, interface.mac) = (e.child("model")?["type"], e.child("mac")?["address"])
                interface.filterRef = e.child("filterref")?["filter"]
                interface.hasBandwidth = e.child("bandwidth") != nil
                d.interfaces.append(interface)
            case "graphics": d.graphics.append(graphics(e))
            case "video":
                d.videos.append(e.child("model")?["type"] ?? "default")
            case "hostdev":
                let s = e.child("source")
                var h = LibvirtHostdev()
                (h.mode, h.type, h.managed) = (e["mode"], e["type"], ParseSupport.bool(e["managed"]))
                (h.model, h.driverName) = (e["model"], e.child("driver")?["name"])
                switch e["type"] {
                case "pci": h.pciAddress = pciAddress(s?.child("address"))
                case "usb":
                    h.usbVendor = s?.child("vendor")?["id"]
                    h.usbProduct = s?.child("product")?["id"]
                    if let a = s?.child("address"), let b = a["bus"], let dv = a["device"] { h.usbAddress = "\(b).\(dv)" }
                case "mdev": h.mdevUUID = s?.child("address")?["uuid"]
                default: break
                }
                d.hostdevs.append(h)
            case "filesystem":
                let s = e.child("source")
                var filesystem = LibvirtFilesystem()
                (filesystem.type, filesystem.accessMode) = (e["type"], e["accessmode"])
                filesystem.driverType = e.child("driver")?["type"]
                filesystem.sourceDir = s?["dir"] ?? s?["file"] ?? s?["name"] ?? s?["socket"]
                (filesystem.target, filesystem.readOnly) = (e.child("target")?["dir"], e.child("readonly") != nil)
                filesystem.sandboxMode = e.child("binary")?.child("sandbox")?["mode"]
                d.filesystems.append(filesystem)
            case "controller":
                d.controllers.append(LibvirtController(type: e["type"] ?? "", model: e["model"], index: Int(e["index"] ?? "")))
            case "sound": d.sounds.append(e["model"] ?? "")
            case "input": d.inputs.append(LibvirtInput(type: e["type"] ?? "", bus: e["bus"]))
            case "serial", "console", "channel", "parallel":
                let s = e.child("source")
                var device = LibvirtCharDevice()
                (device.element, device.type) = (e.name, e["type"])
                (device.sourcePath, device.sourceHost, device.sourceService, device.sourceMode) = (s?["path"], s?["host"], s?["service"], s?["mode"])
                device.protocolType = e.child("protocol")?["type"]
                (device.targetType, device.targetName) = (e.child("target")?["type"], e.child("target")?["name"])
                device.listensBeyondLoopback =
                    (device.type == "tcp" || device.type == "udp") && device.sourceMode == "bind"
                    && ParseSupport.beyondLoopback(device.sourceHost)
                d.charDevices.append(device)
            case "redirdev": d.redirdevs.append(LibvirtRedirDev(bus: e["bus"], type: e["type"]))
            case "memballoon": d.memballoon = e["model"]
            case "tpm":
                let b = e.child("backend")
                d.tpms.append(LibvirtTPM(model: e["model"], backendType: b?["type"], backendVersion: b?["version"]))
            case "watchdog": d.watchdogs.append(e["model"] ?? "")
            case "rng": d.rngBackends.append(e.child("backend")?["model"] ?? "")
            default: d.otherDevices.append(e.name)
            }
        }
    }

    static func graphics(_ e: XMLElement) -> LibvirtGraphics {
        let type = e["type"] ?? ""
        var g = LibvirtGraphics()
        (g.type, g.port, g.tlsPort) = (type, Int(e["port"] ?? ""), Int(e["tlsPort"] ?? ""))
        (g.autoport, g.passwordSet, g.defaultMode) = (ParseSupport.bool(e["autoport"]), e["passwd"] != nil, e["defaultMode"])
        if let l = e["listen"] { g.listenAddresses.append(l) }
        if let s = e["socket"] { g.socketPaths.append(s) }
        var networkListen = false
        for l in e.all("listen") {
            let t = l["type"] ?? "address"
            g.listenTypes.append(t)
            switch t {
            case "address": if let a = l["address"], !g.listenAddresses.contains(a) { g.listenAddresses.append(a) }
            case "socket": if let s = l["socket"] { g.socketPaths.append(s) }
            case "network": networkListen = true
            default: break
            }
        }
        for c in e.all("channel") { if let n = c["name"] { g.channelModes[n] = c["mode"] ?? "any" } }
        if let cp = e.child("clipboard")?["copypaste"] { g.clipboardCopyPaste = ParseSupport.bool(cp) }
        if let ft = e.child("filetransfer")?["enable"] { g.fileTransfer = ParseSupport.bool(ft) }
        g.tlsEnabled =
            (g.tlsPort ?? 0) > 0 || ParseSupport.bool(e["tls"]) == true
            || (type == "spice" && g.defaultMode == "secure")
        if type == "vnc" || type == "spice" || type == "rdp" {
            g.listensBeyondLoopback = networkListen || g.listenAddresses.contains { ParseSupport.beyondLoopback($0) }
        }
        return g
    }
}
