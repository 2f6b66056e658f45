import BulkheadModel
import Foundation

/// gVisor (runsc/config/flags.go, g3doc production guide), Xen xl.cfg (xl.cfg(5), qemu-deprivilege,
/// SUPPORT.md) and container runtimes (CIS Docker Benchmark 5.4/5.5/5.10/5.16/5.17/5.21 as observable in
/// /proc).
enum SandboxChecks {
    static let all: [Check] = [
        gvisorNetworkHost, gvisorUnsafeFlags, gvisorPlatform, xenDeviceModel, xenPCIPermissive, xenDisplay, runtimePrivileged, runtimeHostNamespaces,
    ]

    // MARK: gvisor.network-host

    static let gvisorNetworkHost = Check.on("gvisor.network-host", .gvisor, \.gvisor) { ctx, s, c in
        let evidence = ctx.guestEvidence(s, "--network=\(c.network ?? "sandbox (default)")")
        if c.network == "host" { return .fail("--network=host: the sandbox uses the host kernel's network stack", evidence) }
        return .pass("--network=\(c.network ?? "sandbox") (default: netstack inside the sandbox)", evidence)
    }

    // MARK: gvisor.unsafe-flags

    static let gvisorUnsafeFlags = Check.on("gvisor.unsafe-flags", .gvisor, \.gvisor) { ctx, s, c in
        var found = c.testOnlyFlags.map { "--\($0.hasPrefix("TESTONLY") ? $0 : "TESTONLY-\($0)")" }
        if c.profile == true { found.append("--profile (loosens seccomp)") }
        if c.allowFlagOverride == true { found.append("--allow-flag-override (pod annotations change flags)") }
        if c.hostUDS.map({ $0 != "none" && $0 != "false" }) == true { found.append("--host-uds=\(c.hostUDS ?? "")") }
        if c.netRaw == true { found.append("--net-raw") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no unsafe flag" : found.joined(separator: " "))
        if found.isEmpty { return .pass("no --TESTONLY-*, --profile, --allow-flag-override, --host-uds or --net-raw", evidence) }
        return .fail(found.joined(separator: "; "), evidence)
    }

    // MARK: gvisor.platform

    static let gvisorPlatform = Check.on("gvisor.platform", .gvisor, \.gvisor) { ctx, s, c in
        let platform = c.platform ?? "systrap"
        let evidence = ctx.guestEvidence(s, "--platform=\(c.platform ?? "systrap (default)")")
        if platform == "ptrace" { return .fail("--platform=ptrace (legacy; slower and less isolated than systrap or kvm)", evidence) }
        return .pass("--platform=\(platform)", evidence)
    }

    // MARK: xen.device-model

    static let xenDeviceModel = Check.on("xen.device-model", .xen, \.xen) { ctx, s, c in
        let type = c.type ?? "pv"
        let evidence = ctx.guestEvidence(
            s,
            "type=\(type) device_model_stubdomain_override=\(c.deviceModelStubdomain.map(String.init) ?? "-") dm_restrict=\(c.dmRestrict.map(String.init) ?? "-") device_model_user=\(c.deviceModelUser ?? "-")"
        )
        guard type == "hvm" else { return .notApplicable("\(type) guest: no emulated device model", evidence) }
        if c.deviceModelStubdomain == true { return .pass("device model in a stub domain", evidence) }
        if c.dmRestrict == true {
            return .pass(
                "dm_restrict=1" + (c.deviceModelUser.map { ", device_model_user=\($0)" } ?? " (per-domain uid from xen-qemuuser-range-base)"),
                evidence)
        }
        return .fail("HVM guest with its QEMU device model running unrestricted in dom0 (no stub domain, no dm_restrict)", evidence)
    }

    // MARK: xen.pci-permissive

    static let xenPCIPermissive = Check.on("xen.pci-permissive", .xen, \.xen) { ctx, s, c in
        let permissive = c.pci.filter { $0.permissive == true }.map(\.spec)
        let evidence = ctx.guestEvidence(
            s,
            c.pci.isEmpty
                ? "no pci" : "pci = [\(c.pci.map(\.spec).joined(separator: ", "))] pci_permissive=\(c.pciPermissive.map(String.init) ?? "-")")
        guard !c.pci.isEmpty else { return .notApplicable("no PCI passthrough", evidence) }
        if c.pciPermissive == true { return .fail("pci_permissive=1: guests may write any PCI config space of their devices", evidence) }
        if !permissive.isEmpty { return .fail("permissive=1 on " + permissive.joined(separator: ", "), evidence) }
        return .pass("\(c.pci.count) PCI devices, none permissive", evidence)
    }

    // MARK: xen.display-exposure

    static let xenDisplay = Check.on("xen.display-exposure", .xen, \.xen) { ctx, s, c in
        let vnc = c.vnc == true
        let spice = c.spice == true
        let evidence = ctx.guestEvidence(
            s,
            "vnc=\(vnc) vnclisten=\(c.vncListen ?? "-") vncpasswd=\(c.vncPasswordSet ? "set" : "-") spice=\(spice) spicehost=\(c.spiceHost ?? "-") spicedisable_ticketing=\(c.spiceDisableTicketing.map(String.init) ?? "-")"
        )
        guard vnc || spice else { return .notApplicable("no VNC or SPICE display", evidence) }
        var bad: [String] = []
        if vnc && !Addresses.isLoopback(c.vncListen) && !c.vncPasswordSet {
            bad.append("VNC on \(c.vncListen ?? "all interfaces (no vnclisten)") without vncpasswd")
        }
        if spice && !Addresses.isLoopback(c.spiceHost) && (c.spiceDisableTicketing == true || !c.spicePasswordSet) && c.spiceTLSPort == nil {
            bad.append("SPICE on \(c.spiceHost ?? "all interfaces") without ticketing or TLS")
        }
        if !bad.isEmpty { return .fail(bad.joined(separator: "; "), evidence) }
        return .pass(
            (vnc ? "VNC \(c.vncListen ?? "")" : "") + (spice ? " SPICE \(c.spiceHost ?? "")" : "") + " restricted to loopback or authenticated",
            evidence)
    }

    // MARK: runtimes

    static let containerRuntimes: Set<String> = ["docker", "containerd", "podman", "runc", "crun", "youki", "lxc", "kata-containers"]

    /// CapEff with every capability up to CAP_CHECKPOINT_RESTORE (40) set: a privileged container.
    static func isFullCapabilities(_ hex: String) -> Bool {
        guard let mask = UInt64(hex.trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        let all: UInt64 = (1 << 38) - 1  // CAP_CHOWN … CAP_PERFMON/BPF (37): every kernel since 5.8 has these
        return mask & all == all
    }

    static func problems(_ s: GuestSubject) -> String {
        s.guest.problems.isEmpty ? "" : ": " + s.guest.problems.map(\.description).joined(separator: "; ")
    }

    static func runtimeGuest(_ ctx: CheckContext, _ s: GuestSubject) -> ProcessConfinement?? {
        guard containerRuntimes.contains(s.mechanism.product.rawValue) else { return nil }
        return .some(s.guest.confinement)
    }

    static let runtimePrivileged = Check.guest("runtime.privileged") { ctx, s in
        guard let confinement = runtimeGuest(ctx, s) else { return nil }
        guard let c = confinement, let cap = c.capEff, let pid = s.guest.pid else {
            return .inconclusive("the container's process capabilities (CapEff) were not observed" + problems(s), ctx.guestEvidence(s, "no CapEff"))
        }
        let evidence =
            [ctx.process(pid, "status:CapEff", "CapEff: \(cap)")] + (c.seccomp.map { [ctx.process(pid, "status:Seccomp", "Seccomp: \($0)")] } ?? [])
        if isFullCapabilities(cap) && c.seccomp != 2 {
            return .fail("every capability (CapEff \(cap)) and no seccomp filter: a privileged container", evidence)
        }
        if isFullCapabilities(cap) { return .fail("every capability (CapEff \(cap))", evidence) }
        return .pass("CapEff \(cap)" + (c.seccomp.map { ", Seccomp: \($0)" } ?? ""), evidence)
    }

    static let sharedNamespaces = ["net", "pid", "ipc", "uts", "mnt"]

    static let runtimeHostNamespaces = Check.guest("runtime.host-namespaces") { ctx, s in
        guard let confinement = runtimeGuest(ctx, s) else { return nil }
        guard let c = confinement, !c.namespaces.isEmpty, let pid = s.guest.pid else {
            return .inconclusive("the container's namespaces (/proc/PID/ns) were not observed" + problems(s), ctx.guestEvidence(s, "no ns"))
        }
        guard let host = ctx.facts.processes.first(where: { $0.pid == 1 })?.confinement.namespaces, !host.isEmpty else {
            return .inconclusive("the host's namespaces (/proc/1/ns) were not observed, so there is nothing to compare with")
        }
        let shared = sharedNamespaces.filter { ns in c.namespaces[ns] != nil && c.namespaces[ns] == host[ns] }
        let evidence = [
            ctx.process(pid, "ns/*", sharedNamespaces.compactMap { ns in c.namespaces[ns].map { "\(ns):\($0)" } }.joined(separator: " ")),
            ctx.process(1, "ns/*", sharedNamespaces.compactMap { ns in host[ns].map { "\(ns):\($0)" } }.joined(separator: " ")),
        ]
        if shared.isEmpty { return .pass("own net, pid, ipc, uts and mount namespaces", evidence) }
        return .fail("shares the host's " + shared.joined(separator: ", ") + " namespace" + (shared.count > 1 ? "s" : ""), evidence)
    }
}
