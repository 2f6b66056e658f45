import BulkheadModel
import Foundation

// libvirt.seccomp-sandbox: its words are in libvirt.seccomp-sandbox.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let seccompSandbox = conf("libvirt.seccomp-sandbox") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "seccomp_sandbox", c.seccompSandbox.map(String.init))]
        switch c.seccompSandbox {
        case 0?: return .fail("seccomp_sandbox = 0: QEMU runs without -sandbox", evidence)
        case nil: return .pass("seccomp_sandbox not set (default 1: -sandbox on with every deny option)", evidence)
        case let v?: return .pass("seccomp_sandbox = \(v)", evidence)
        }
    }
}
