public import BulkheadModel

/// A few lines of key facts per guest, for terminal output. The full facts are in the JSON.
public enum GuestSummary {
    public static func facts(_ guest: Guest) -> [String] {
        var lines: [String] = []
        if let c = guest.confinement {
            var parts: [String] = []
            if let uid = c.uid { parts.append("uid \(uid)") }
            if let mode = c.seccomp { parts.append("seccomp \(seccompName(mode))") }
            if !c.threadSeccomp.isEmpty {
                let unfiltered = c.threadSeccomp.values.filter { $0 != 2 }.count
                parts.append("threads \(c.threadSeccomp.count) (\(unfiltered) without filter)")
            }
            if let nnp = c.noNewPrivs { parts.append("no_new_privs \(nnp ? "on" : "off")") }
            if let label = c.lsmLabel, !label.isEmpty { parts.append("label \(label)") }
            if !parts.isEmpty { lines.append(parts.joined(separator: ", ")) }
        }
        if let configuration = guest.configuration {
            lines.append(contentsOf: configurationFacts(configuration))
        }
        return lines
    }

    static func seccompName(_ mode: Int) -> String {
        switch mode {
        case 0: "off"
        case 1: "strict"
        case 2: "filter"
        default: "mode \(mode)"
        }
    }

    static func configurationFacts(_ configuration: GuestConfiguration) -> [String] {
        switch configuration {
        case .qemu(let q):
            var lines = [
                "machine \(q.machineType ?? "default"), accel \(q.accelerator)"
                    + (q.sandbox.map { $0.enabled ? ", -sandbox on" : ", -sandbox off" } ?? ", no -sandbox")
                    + (q.runAsUser.map { ", runs as \($0)" } ?? "")
            ]
            let risky = q.devices.filter { [.floppy, .legacyISA, .usb, .sound, .passthrough].contains($0.category) }
            if !risky.isEmpty {
                lines.append("devices to review: " + risky.prefix(8).map { "\($0.driver) (\($0.category.rawValue))" }.joined(separator: ", "))
            }
            for d in q.displays where d.listensBeyondLoopback {
                lines.append("display \(d.kind.rawValue) listens beyond loopback" + (d.authenticationSet ? "" : " without authentication"))
            }
            let tcpMonitors = q.monitors.filter { $0.endpoint.transport == .tcp }
            if !tcpMonitors.isEmpty { lines.append("\(tcpMonitors.count) monitor/QMP endpoint(s) on TCP") }
            return lines
        case .libvirt(let d):
            var lines = ["domain type \(d.domainType ?? "unknown"), \(d.vcpus.map { "\($0) vCPU" } ?? "vCPU unknown")"]
            let labels = d.seclabels.map { "\($0.type ?? "?")\($0.model.map { "/\($0)" } ?? "")" }
            lines.append("seclabel " + (labels.isEmpty ? "default" : labels.joined(separator: ", ")))
            if !d.hostdevs.isEmpty { lines.append("\(d.hostdevs.count) host device(s) passed through") }
            for g in d.graphics {
                lines.append("graphics \(g.type) listen \(g.listenAddresses.isEmpty ? "default" : g.listenAddresses.joined(separator: ","))")
            }
            return lines
        case .firecracker(let f):
            var parts = [f.noSeccomp ? "--no-seccomp" : "seccomp on"]
            parts.append(f.jailer != nil ? "jailer" : "no jailer seen")
            if let id = f.id { parts.append("id \(id)") }
            return [parts.joined(separator: ", ")]
        case .gvisor(let g):
            return [
                "platform \(g.platform ?? "default"), network \(g.network ?? "sandbox")"
                    + (g.testOnlyFlags.isEmpty ? "" : ", test-only flags: \(g.testOnlyFlags.joined(separator: " "))")
            ]
        case .bubblewrap(let b):
            return [
                "unshare \(b.unshareAll ? "all" : b.unshared.joined(separator: ","))\(b.shareNet ? " (network shared)" : ""), \(b.mounts.count) bind mount(s)"
                    + (b.capAdd.isEmpty ? "" : ", adds \(b.capAdd.joined(separator: ","))")
            ]
        case .cloudHypervisor, .crosvm, .xen:
            return []
        }
    }
}
