import BulkheadModel
import Foundation

// libvirt.qemu-user: its words are in libvirt.qemu-user.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let rootNames: Set<String> = ["root", "+0", "0"]

    /// The QEMU user a distribution's libvirt package is built with, when `user` is absent from qemu.conf.
    /// Upstream's default build runs QEMU as root; Debian/Ubuntu build with `libvirt-qemu` (the string is
    /// compiled into libvirt_driver_qemu.so of libvirt-daemon-driver-qemu 9.0.0-4+deb12u2), Fedora/RHEL's
    /// libvirt.spec with `qemu`.
    static func packagedQEMUUser(_ packages: [InstalledPackage]) -> (user: String, package: InstalledPackage)? {
        let names = ["libvirt-daemon-driver-qemu", "libvirt-daemon-system", "libvirt-daemon-kvm", "libvirt-daemon-qemu", "libvirt-daemon"]
        for name in names {
            guard let p = packages.first(where: { $0.name == name }) else { continue }
            switch p.manager {
            case "dpkg": return ("libvirt-qemu", p)
            case "rpm": return ("qemu", p)
            default: continue
            }
        }
        return nil
    }

    static let qemuUser = conf("libvirt.qemu-user") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "user", c.user), setting(ctx, d, "group", c.group)]
        if let u = c.user, rootNames.contains(u) { return .fail("user = \"\(u)\": QEMU runs as root", evidence) }
        if let g = c.group, rootNames.contains(g) { return .fail("group = \"\(g)\": QEMU runs in the root group", evidence) }
        if let u = c.user { return .pass("user = \"\(u)\"", evidence) }
        // `user` absent: the build's default decides, and upstream's default is root. The running QEMU
        // processes show it; failing that, the distribution's package.
        let qemus = ctx.facts.processes.filter { $0.name.hasPrefix("qemu-system") || $0.name == "qemu-kvm" }
        let seen = qemus.compactMap { p in p.confinement.uid.map { (p.pid, $0) } }
        if let root = seen.first(where: { $0.1 == 0 }) {
            return .fail(
                "user not set and QEMU (pid \(root.0)) runs as uid 0",
                evidence + [ctx.process(root.0, "status:Uid", "Uid: 0")])
        }
        if !seen.isEmpty {
            return .pass(
                "user not set; the running QEMU processes run as uid " + Set(seen.map { String($0.1) }).sorted().joined(separator: ", "),
                evidence + seen.map { ctx.process($0.0, "status:Uid", "Uid: \($0.1)") })
        }
        if let (user, p) = packagedQEMUUser(ctx.facts.packages) {
            let pkg = Evidence(
                claim: "\(p.name) \(p.version) is built to run QEMU as \(user)",
                source: .package(name: p.name, version: p.version, manager: p.manager), observedAt: ctx.observedAt, confidence: .medium)
            return .pass("user not set: the \(p.manager) package \(p.name) runs QEMU as \(user)", evidence + [pkg])
        }
        return .inconclusive(
            "user not set, and neither a running QEMU process nor a Debian/RPM libvirt package shows the build's default (upstream's is root)",
            evidence)
    }
}
