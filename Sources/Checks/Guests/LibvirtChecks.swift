import BulkheadModel
import Foundation

/// libvirt: domain XML (per guest) and the QEMU driver's qemu.conf (per daemon). Sources: libvirt
/// src/qemu/qemu.conf.in and docs/formatdomain.rst.
enum LibvirtChecks {
    static let all: [Check] = [
        seclabelNone, hostdev, graphicsExposure, graphicsPassword, qemuCommandline, legacyDevices, domainType,
        securityDriver, seccompSandbox, qemuUser, namespaces, clearCapabilities,
    ]

    static func onDomain(_ id: String, _ body: @escaping @Sendable (CheckContext, GuestSubject, LibvirtDomain) -> CheckResult) -> Check {
        Check.on(id, .libvirt, \.libvirt, body)
    }

    // MARK: libvirt.seclabel-none

    static let seclabelNone = onDomain("libvirt.seclabel-none") { ctx, s, d in
        var evidence = ctx.guestEvidence(
            s,
            d.seclabels.isEmpty
                ? "no <seclabel> (driver default)"
                : d.seclabels.map {
                    "<seclabel type='\($0.type ?? "")' model='\($0.model ?? "")' relabel='\($0.relabel.map { $0 ? "yes" : "no" } ?? "")'>"
                }.joined(separator: " "))
        if let label = s.guest.confinement?.lsmLabel, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "attr/current", label))
            if label.contains("unconfined") { return .fail("the running QEMU is unconfined (\(label))", evidence) }
        }
        var bad: [String] = []
        for l in d.seclabels {
            if l.type == "none" || l.model == "none" {
                bad.append("<seclabel type='\(l.type ?? "")'\(l.model.map { " model='\($0)'" } ?? "")>: guest runs unconfined")
            }
            if l.type == "static" && l.relabel == false { bad.append("static label \(l.label ?? "") with relabel='no'") }
        }
        let unrelabelled = d.deviceSeclabels.filter { $0.relabel == false }.map(\.device)
        if !unrelabelled.isEmpty { bad.append("relabel='no' on " + unrelabelled.joined(separator: ", ")) }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        let how =
            d.seclabels.isEmpty
            ? "no <seclabel>: the security driver's dynamic default applies"
            : d.seclabels.map { "\($0.model ?? "") \($0.type ?? "")" }.joined(separator: ", ")
        return .pass(how, evidence)
    }

    // MARK: libvirt.hostdev

    static let hostdev = onDomain("libvirt.hostdev") { ctx, s, d in
        let devices =
            d.hostdevs.map { h in
                "\(h.type ?? "?") \(h.pciAddress ?? h.usbAddress ?? h.mdevUUID ?? [h.usbVendor, h.usbProduct].compactMap { $0 }.joined(separator: ":"))"
            }
            + d.redirdevs.map { "redirdev \($0.bus ?? "") \($0.type ?? "")" }
        let evidence = ctx.guestEvidence(s, devices.isEmpty ? "no <hostdev>/<redirdev>" : devices.joined(separator: ", "))
        if devices.isEmpty { return .pass("no host device passthrough", evidence) }
        if ctx.bool("allowed") { return .pass(devices.joined(separator: ", ") + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
        return .fail("host devices passed through: " + devices.joined(separator: ", "), evidence)
    }

    // MARK: libvirt.graphics-exposure

    static let graphicsExposure = onDomain("libvirt.graphics-exposure") { ctx, s, d in
        let remote = d.graphics.filter { $0.type == "vnc" || $0.type == "spice" || $0.type == "rdp" }
        guard !remote.isEmpty else { return .notApplicable("no VNC, SPICE or RDP server", ctx.guestEvidence(s, "no remote <graphics>")) }
        var bad: [String] = []
        var seen: [String] = []
        for g in remote {
            let at = (g.listenAddresses + g.socketPaths).joined(separator: ",")
            let text = "\(g.type) listen=\(at.isEmpty ? "(qemu.conf default)" : at)" + (g.tlsEnabled ? " tls" : "") + (g.passwordSet ? " passwd" : "")
            seen.append(text)
            let insecureSpice = g.type == "spice" && (g.defaultMode == "insecure" || g.channelModes.values.contains("insecure"))
            if g.listensBeyondLoopback && (!(g.tlsEnabled || g.passwordSet) || insecureSpice) {
                bad.append(text + (insecureSpice ? " (insecure channels)" : " (no TLS, no password)"))
            }
        }
        let evidence = ctx.guestEvidence(s, seen.joined(separator: "; "))
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }

    // MARK: libvirt.graphics-password

    static let graphicsPassword = onDomain("libvirt.graphics-password") { ctx, s, d in
        let withPassword = d.graphics.filter(\.passwordSet).map(\.type)
        let evidence = ctx.guestEvidence(s, withPassword.isEmpty ? "no passwd= attribute" : "passwd= on " + withPassword.joined(separator: ", "))
        if d.graphics.isEmpty { return .notApplicable("no <graphics>", evidence) }
        if withPassword.isEmpty { return .pass("no cleartext passwd= in the domain XML", evidence) }
        return .fail("cleartext passwd= attribute on <graphics type='\(withPassword.joined(separator: "', '"))'> (value not recorded)", evidence)
    }

    // MARK: libvirt.qemu-commandline

    static let qemuCommandline = onDomain("libvirt.qemu-commandline") { ctx, s, d in
        var found: [String] = []
        if !d.qemuCommandline.isEmpty { found.append("<qemu:commandline> passes " + d.qemuCommandline.prefix(8).joined(separator: " ")) }
        if d.qemuCapabilitiesOverridden { found.append("<qemu:capabilities> overrides QEMU capabilities") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no qemu: namespace passthrough" : found.joined(separator: "; "))
        if found.isEmpty { return .pass("no <qemu:commandline> or <qemu:capabilities>", evidence) }
        return .fail(found.joined(separator: "; "), evidence)
    }

    // MARK: libvirt.legacy-devices

    static let legacySound: Set<String> = ["ich6", "ich7", "ich9", "ac97", "es1370", "sb16", "pcspk", "usb", "ich"]

    static let legacyDevices = onDomain("libvirt.legacy-devices") { ctx, s, d in
        let allowed = Set(ctx.strings("allowedDevices"))
        var found: [String] = []
        found += d.disks.filter { $0.device == "floppy" }.map { "floppy disk \($0.targetDev ?? "")" }
        found += d.controllers.filter { $0.type == "fdc" }.map { _ in "fdc controller" }
        found += d.sounds.map { "sound \($0)" }
        found += d.videos.filter { $0 == "cirrus" }.map { "video \($0)" }
        found += d.controllers.filter { $0.type == "usb" && $0.model != "none" }.map { "usb controller \($0.model ?? "default")" }
        found = found.filter { item in !allowed.contains { item.contains($0) } }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no legacy devices" : found.joined(separator: ", "))
        if found.isEmpty { return .pass("no floppy, fdc, sound, cirrus video or USB controller", evidence) }
        return .fail(found.joined(separator: ", "), evidence + ctx.tailoring("allowedDevices"))
    }

    // MARK: libvirt.domain-type

    static let domainType = onDomain("libvirt.domain-type") { ctx, s, d in
        let evidence = ctx.guestEvidence(s, "<domain type='\(d.domainType ?? "")'>")
        guard let type = d.domainType else { return .inconclusive("the domain XML has no type attribute", evidence) }
        if type == "qemu" {
            if !ctx.bool("untrustedGuests") {
                return .pass("type='qemu' (TCG; accepted by tailoring: guests are trusted)", evidence + ctx.tailoring("untrustedGuests"))
            }
            return .fail("<domain type='qemu'>: TCG emulation, outside QEMU's security boundary", evidence)
        }
        return .pass("<domain type='\(type)'>", evidence)
    }

    // MARK: qemu.conf (daemon scope)

    static func conf(
        _ id: String, _ body: @escaping @Sendable (CheckContext, DaemonConfiguration, LibvirtQEMUDriverConfig, [Evidence]) -> CheckResult
    ) -> Check {
        Check.daemon(id) { ctx, daemon in
            switch daemon.settings {
            case .libvirtQEMU(let c)?: body(ctx, daemon, c, [])
            case .xenToolstack?, .kata?: nil
            case nil:
                daemon.product == "libvirt"
                    ? .inconclusive("\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
                    : nil
            }
        }
    }

    static func setting(_ ctx: CheckContext, _ d: DaemonConfiguration, _ key: String, _ value: String?) -> Evidence {
        ctx.file(d.path, value.map { "\(key) = \($0)" } ?? "\(key) not set (libvirt default)")
    }

    static let securityDriver = conf("libvirt.security-driver") { ctx, d, c, _ in
        var evidence = [setting(ctx, d, "security_driver", c.securityDriver.map { $0.joined(separator: ",") })]
        if let confined = c.securityDefaultConfined { evidence.append(setting(ctx, d, "security_default_confined", confined ? "1" : "0")) }
        if let drivers = c.securityDriver, drivers.contains("none") {
            return .fail("security_driver = \"none\": guests run without SELinux/AppArmor confinement", evidence)
        }
        if c.securityDefaultConfined == false { return .fail("security_default_confined = 0: guests are unconfined unless they ask", evidence) }
        return .pass(
            c.securityDriver.map { "security_driver = \($0.joined(separator: ", "))" }
                ?? "security_driver not set: libvirt uses the host's SELinux or AppArmor", evidence)
    }

    static let seccompSandbox = conf("libvirt.seccomp-sandbox") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "seccomp_sandbox", c.seccompSandbox.map(String.init))]
        switch c.seccompSandbox {
        case 0?: return .fail("seccomp_sandbox = 0: QEMU runs without -sandbox", evidence)
        case nil: return .pass("seccomp_sandbox not set (default 1: -sandbox on with every deny option)", evidence)
        case let v?: return .pass("seccomp_sandbox = \(v)", evidence)
        }
    }

    static let qemuUser = conf("libvirt.qemu-user") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "user", c.user), setting(ctx, d, "group", c.group)]
        let rootNames: Set<String> = ["root", "+0", "0"]
        if let u = c.user, rootNames.contains(u) { return .fail("user = \"\(u)\": QEMU runs as root", evidence) }
        if let g = c.group, rootNames.contains(g) { return .fail("group = \"\(g)\": QEMU runs in the root group", evidence) }
        return .pass(c.user.map { "user = \"\($0)\"" } ?? "user not set (the build's unprivileged QEMU user)", evidence)
    }

    static let namespaces = conf("libvirt.namespaces") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "namespaces", c.namespaces.map { "[\($0.joined(separator: ","))]" })]
        if let ns = c.namespaces, !ns.contains("mount") {
            return .fail("namespaces = [\(ns.joined(separator: ", "))]: no private mount namespace (/dev) per guest", evidence)
        }
        return .pass(c.namespaces.map { "namespaces = [\($0.joined(separator: ", "))]" } ?? "namespaces not set (default [\"mount\"])", evidence)
    }

    static let clearCapabilities = conf("libvirt.clear-capabilities") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "clear_emulator_capabilities", c.clearEmulatorCapabilities.map { $0 ? "1" : "0" })]
        if c.clearEmulatorCapabilities == false { return .fail("clear_emulator_capabilities = 0: QEMU keeps its capabilities", evidence) }
        return .pass(
            c.clearEmulatorCapabilities == true
                ? "clear_emulator_capabilities = 1" : "clear_emulator_capabilities not set (default 1, or absent from newer libvirt)", evidence)
    }
}
