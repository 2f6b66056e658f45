import BulkheadModel
import Foundation

/// QEMU (standalone or launched by libvirt/Proxmox), from its command line and its process. Source:
/// qemu docs/system/security.rst and qemu-options.hx.
enum QEMUChecks {
    static let all: [Check] = [sandbox, nonRoot, legacyDevices, displayExposure, monitorNetwork, accelerator, machineType]

    // MARK: qemu.machine-type

    /// Machine families inside QEMU's security support (docs/system/security.rst, "Supported machine types").
    static let supportedMachines: Set<String> = ["microvm", "xenfv", "xenpv", "xenpvh", "pc", "q35", "virt", "s390-ccw-virtio", "pseries"]

    static let machineType = Check.on("qemu.machine-type", .qemu, \.qemu) { ctx, s, q in
        let evidence = ctx.guestEvidence(s, "-machine \(q.machineType ?? "(default)") family \(q.machineFamily ?? "-")")
        guard let family = q.machineFamily ?? (q.machineType == nil ? nil : q.machineType) else {
            let binary = q.binary.map { String($0.split(separator: "/").last ?? "") } ?? ""
            if ["qemu-system-x86_64", "qemu-system-i386", "kvm", "qemu-kvm"].contains(binary) {
                return .pass("no -machine: \(binary)'s default machine is pc (i440fx)", evidence)
            }
            return .inconclusive("no -machine given, and the default machine of \(binary.isEmpty ? "this binary" : binary) is not known", evidence)
        }
        if supportedMachines.contains(family) { return .pass("machine \(q.machineType ?? family) (family \(family), security-supported)", evidence) }
        return .fail("machine \(q.machineType ?? family) (family \(family)) is outside QEMU's security-supported machine types", evidence)
    }

    static let sandboxKnobs = ["obsolete", "elevateprivileges", "spawn", "resourcecontrol"]

    // MARK: qemu.sandbox

    static let sandbox = Check.on("qemu.sandbox", .qemu, \.qemu) { ctx, s, q in
        var evidence = ctx.guestEvidence(
            s,
            "-sandbox "
                + (q.sandbox.map { sb in
                    (sb.enabled ? "on" : "off")
                        + [
                            ("obsolete", sb.obsolete), ("elevateprivileges", sb.elevatePrivileges), ("spawn", sb.spawn),
                            ("resourcecontrol", sb.resourceControl),
                        ]
                        .compactMap { k, v in v.map { ",\(k)=\($0)" } }.joined()
                } ?? "absent"))
        if let mode = s.guest.confinement?.seccomp, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "status:Seccomp", "Seccomp: \(mode)"))
        }
        guard let sb = q.sandbox, sb.enabled else {
            return .fail(q.sandbox == nil ? "no -sandbox option (QEMU's default is off)" : "-sandbox off", evidence)
        }
        let values = ["obsolete": sb.obsolete, "elevateprivileges": sb.elevatePrivileges, "spawn": sb.spawn, "resourcecontrol": sb.resourceControl]
        let open = sandboxKnobs.filter { values[$0] ?? nil != "deny" }
        // QEMU's own default for obsolete is deny; the others default to allow.
        let missing = open.filter { !($0 == "obsolete" && values[$0] ?? nil == nil) }
        if let mode = s.guest.confinement?.seccomp, mode != 2 {
            return .fail("-sandbox on but the process reports Seccomp: \(mode)", evidence)
        }
        if !missing.isEmpty {
            return .fail("-sandbox on without " + missing.map { "\($0)=deny" }.joined(separator: ", "), evidence)
        }
        return .pass("-sandbox on with obsolete, elevateprivileges, spawn and resourcecontrol denied", evidence)
    }

    // MARK: qemu.non-root

    static let nonRoot = Check.on("qemu.non-root", .qemu, \.qemu) { ctx, s, q in
        var evidence = ctx.guestEvidence(s, q.runAsUser.map { "-run-with user=\($0)" } ?? "no -run-with user= / -runas")
        if let uid = s.guest.confinement?.uid, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "status:Uid", "Uid: \(uid)"))
            if uid == 0 { return .fail("the QEMU process runs as uid 0" + (q.runAsUser.map { " despite -run-with user=\($0)" } ?? ""), evidence) }
            return .pass("the QEMU process runs as uid \(uid)", evidence)
        }
        if let user = q.runAsUser {
            if user == "root" || user == "0" || user == "0:0" { return .fail("-run-with user=\(user)", evidence) }
            return .pass("-run-with user=\(user) (process uid not observed)", evidence)
        }
        return .inconclusive("the process uid was not observed and the command line names no -run-with user= / -runas", evidence)
    }

    // MARK: qemu.legacy-devices

    static let riskyCategories: [QEMUDeviceCategory: String] = [.floppy: "floppy", .legacyISA: "legacy ISA", .sound: "sound", .usb: "USB"]

    static let legacyDevices = Check.on("qemu.legacy-devices", .qemu, \.qemu) { ctx, s, q in
        let allowed = Set(ctx.strings("allowedDevices"))
        var found: [String] = []
        for d in q.devices where !allowed.contains(d.driver) {
            if let what = riskyCategories[d.category] { found.append("\(d.driver) (\(what), \(d.origin))") }
        }
        for d in q.drives where d.interface == "floppy" && !allowed.contains("floppy") {
            found.append("floppy drive \(d.file ?? d.id ?? "") (\(d.origin))")
        }
        if q.floppyControllerPresent && !q.devices.contains(where: { $0.category == .floppy }) && !allowed.contains("floppy") {
            found.append("floppy controller (machine \(q.machineType ?? "default") builds an ISA FDC)")
        }
        if !q.noDefaults { found.append("no -nodefaults (QEMU adds its default devices)") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no legacy or risky devices" : found.joined(separator: "; "))
        if found.isEmpty { return .pass("-nodefaults and no floppy, legacy ISA, sound or USB device", evidence) }
        return .fail(found.joined(separator: "; "), evidence + ctx.tailoring("allowedDevices"))
    }

    // MARK: qemu.display-exposure

    static let displayExposure = Check.on("qemu.display-exposure", .qemu, \.qemu) { ctx, s, q in
        let remote = q.displays.filter { $0.kind == .vnc || $0.kind == .spice }
        guard !remote.isEmpty else { return .notApplicable("no VNC or SPICE server", ctx.guestEvidence(s, "no -vnc/-spice")) }
        var bad: [String] = []
        var described: [String] = []
        for d in remote {
            let at = d.endpoint.map { e in e.path.map { "unix:\($0)" } ?? "\(e.host ?? "*"):\(e.port.map(String.init) ?? "?")" } ?? "?"
            let text =
                "\(d.kind.rawValue) on \(at)" + (d.tlsConfigured ? " with TLS" : "") + (d.passwordSet ? " with password" : "")
                + (d.saslEnabled ? " with SASL" : "") + (d.disableTicketing ? " with disable-ticketing" : "")
            described.append(text)
            if d.listensBeyondLoopback && (!d.authenticationSet || d.disableTicketing) { bad.append(text) }
        }
        let evidence = ctx.guestEvidence(s, described.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; ") + " (reachable from the network without authentication)", evidence) }
        return .pass(described.joined(separator: "; "), evidence)
    }

    // MARK: qemu.monitor-network

    static let monitorNetwork = Check.on("qemu.monitor-network", .qemu, \.qemu) { ctx, s, q in
        var bad: [String] = []
        var seen: [String] = []
        for m in q.monitors {
            let e = m.endpoint
            let text =
                "\(m.kind.rawValue) \(m.option) \(e.transport.rawValue)" + (e.host.map { " \($0)" } ?? "") + (e.port.map { ":\($0)" } ?? "")
                + (e.path.map { " \($0)" } ?? "")
            seen.append(text)
            let network = e.transport == .tcp || e.transport == .udp || e.transport == .websocket || e.listensBeyondLoopback
            if network && (e.tlsCredentials == nil || e.tlsAuthz == nil) {
                bad.append(text + (e.tlsCredentials == nil ? " without TLS" : " without tls-authz"))
            }
        }
        let evidence = ctx.guestEvidence(s, seen.isEmpty ? "no monitor" : seen.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        if seen.isEmpty { return .pass("no monitor, QMP or gdb endpoint", evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }

    // MARK: qemu.accelerator

    static let accelerator = Check.on("qemu.accelerator", .qemu, \.qemu) { ctx, s, q in
        let evidence = ctx.guestEvidence(s, "accelerator \(q.accelerator) (\(q.acceleratorSource.rawValue))")
        let name = q.accelerator.lowercased()
        if name == "tcg" {
            if !ctx.bool("untrustedGuests") {
                return .pass("TCG (accepted by tailoring: guests are trusted)", evidence + ctx.tailoring("untrustedGuests"))
            }
            let how = q.acceleratorSource == .defaultTCG ? "no accelerator given: QEMU falls back to TCG" : "TCG (\(q.acceleratorSource.rawValue))"
            return .fail(how, evidence)
        }
        return .pass("\(q.accelerator) (\(q.acceleratorSource.rawValue))", evidence)
    }
}
