import BulkheadModel
import Foundation

// libvirt.security-driver: its words are in libvirt.security-driver.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
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
}
