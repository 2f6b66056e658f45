import BulkheadModel
import Foundation

// libvirt.security-driver: its words are in libvirt.security-driver.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let securityDriver = conf("libvirt.security-driver") { ctx, d, c, _ in
        var evidence = [setting(ctx, d, "security_driver", c.securityDriver.map { $0.joined(separator: ",") })]
        let confined = confBool(c, "security_default_confined")
        switch confined {
        case .value(let on): evidence.append(setting(ctx, d, "security_default_confined", on ? "1" : "0"))
        case .refused(let shown): evidence.append(ctx.file(d.path, "security_default_confined = \(shown)"))
        case .absent: break
        }
        if let drivers = c.securityDriver, drivers.contains("none") {
            return .fail("security_driver = \"none\": guests run without SELinux/AppArmor confinement", evidence)
        }
        if confined == .value(false) { return .fail("security_default_confined = 0: guests are unconfined unless they ask", evidence) }
        if case .refused(let shown) = confined {
            // libvirt's virConfGetValueBool takes only 0 or 1: such a file is refused, never read as the default.
            return .inconclusive("security_default_confined = \(shown) is not 0 or 1, which libvirt refuses", evidence)
        }
        if let drivers = c.securityDriver, !drivers.isEmpty {
            return .pass("security_driver = \(drivers.joined(separator: ", "))", evidence)
        }
        // Unset: libvirt probes for SELinux, then AppArmor, and a driver whose module is not active "will
        // automatically disable itself" (qemu.conf.in): only the host's active security modules tell.
        return defaultDriver(ctx, &evidence)
    }

    /// libvirt's default security driver on this host, from the active Linux security modules.
    static func defaultDriver(_ ctx: CheckContext, _ evidence: inout [Evidence]) -> CheckResult {
        let lsm = "/sys/kernel/security/lsm"
        let enforce = "/sys/fs/selinux/enforce"
        let unset = "security_driver not set"
        guard let obs = ctx.input.observations else {
            return .inconclusive(
                "\(unset): libvirt confines guests only if SELinux or AppArmor is active on the host, and the host's security modules (\(lsm)) were not observed",
                evidence)
        }
        switch obs.state(lsm) {
        case .content(let text)?:
            let active = text.trimmingCharacters(in: .whitespacesAndNewlines)
            evidence.append(ctx.file(lsm, "lsm = \(active)"))
            let modules = Set(active.split(separator: ",").map(String.init))
            let mac = ["selinux", "apparmor"].filter { modules.contains($0) }
            if mac.isEmpty {
                return .fail(
                    "\(unset) and neither SELinux nor AppArmor is active (lsm = \(active)): libvirt's default security driver disables itself and guests run unconfined (only DAC)",
                    evidence)
            }
            if mac == ["selinux"] {
                // SELinux alone: its labels confine only in enforcing mode.
                switch obs.state(enforce) {
                case .content(let text)?:
                    let mode = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    evidence.append(ctx.file(enforce, "enforce = \(mode)"))
                    if mode == "0" {
                        return .fail(
                            "\(unset): libvirt's SELinux driver labels guests, but SELinux is permissive (\(enforce) = 0) and enforces nothing",
                            evidence)
                    }
                    if mode != "1" { return .inconclusive("\(unset): unrecognised \(enforce) value \"\(mode)\"", evidence) }
                case .unreadable(let why)?: return .inconclusive("\(unset), and \(enforce) could not be read: \(why)", evidence)
                default:
                    return .inconclusive("\(unset): SELinux is active but whether it enforces (\(enforce)) was not observed", evidence)
                }
            }
            return .pass("\(unset): libvirt uses the host's \(mac.joined(separator: " and ")) (lsm = \(active))", evidence)
        case .unreadable(let why)?:
            return .inconclusive("\(unset), and \(lsm) could not be read: \(why)", evidence)
        case .absent?:
            // No LSM list (securityfs not mounted, or a kernel before 4.15): selinuxfs still shows SELinux.
            if case .content(let text)? = obs.state(enforce) {
                let mode = text.trimmingCharacters(in: .whitespacesAndNewlines)
                evidence.append(ctx.file(enforce, "enforce = \(mode)"))
                if mode == "1" { return .pass("\(unset): SELinux is active and enforcing, so libvirt's default SELinux driver applies", evidence) }
                if mode == "0" {
                    return .fail(
                        "\(unset): libvirt's SELinux driver labels guests, but SELinux is permissive (\(enforce) = 0) and enforces nothing",
                        evidence)
                }
            }
            return .inconclusive(
                "\(unset), and \(lsm) does not exist (securityfs not mounted?): whether SELinux or AppArmor is active is not observed", evidence)
        case .present?, nil:
            return .inconclusive("\(unset): the host's active security modules (\(lsm)) were not read", evidence)
        }
    }
}
