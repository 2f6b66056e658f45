import BulkheadModel
import Foundation

extension LibvirtChecks {
    static func onDomain(_ id: String, _ body: @escaping @Sendable (CheckContext, GuestSubject, LibvirtDomain) -> CheckResult) -> Check {
        Check.on(id, .libvirt, \.libvirt, body)
    }

    static func conf(
        _ id: String, _ body: @escaping @Sendable (CheckContext, DaemonConfiguration, LibvirtQEMUDriverConfig, [Evidence]) -> CheckResult
    ) -> Check {
        Check.daemon(id) { ctx, daemon in
            switch daemon.settings {
            case .libvirtQEMU(let c)?: body(ctx, daemon, c, [])
            case .xenToolstack?, .kata?, .libvirtDaemon?: nil
            case nil:
                daemon.product == "libvirt" && daemon.path == "/etc/libvirt/qemu.conf"
                    ? .inconclusive("\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
                    : nil
            }
        }
    }

    static func setting(_ ctx: CheckContext, _ d: DaemonConfiguration, _ key: String, _ value: String?) -> Evidence {
        ctx.file(d.path, value.map { "\(key) = \($0)" } ?? "\(key) not set (libvirt default)")
    }
}
