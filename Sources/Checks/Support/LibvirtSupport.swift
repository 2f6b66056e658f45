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

    /// A check of one qemu.conf boolean `key`: `body` judges its value (nil when not set: libvirt's default applies),
    /// given the setting as evidence; a value libvirt would refuse is inconclusive (`refusedBool`).
    static func confBool(
        _ id: String, _ key: String,
        _ body: @escaping @Sendable (CheckContext, DaemonConfiguration, _ key: String, Bool?, Evidence) -> CheckResult
    ) -> Check {
        conf(id) { ctx, d, c, _ in
            switch confBool(c, key) {
            case .absent: body(ctx, d, key, nil, setting(ctx, d, key, nil))
            case .value(let value): body(ctx, d, key, value, setting(ctx, d, key, value ? "1" : "0"))
            case .refused(let shown): refusedBool(ctx, d, key, shown)
            }
        }
    }

    static func setting(_ ctx: CheckContext, _ d: DaemonConfiguration, _ key: String, _ value: String?) -> Evidence {
        ctx.file(d.path, value.map { "\(key) = \($0)" } ?? "\(key) not set (libvirt default)")
    }

    /// A qemu.conf boolean as libvirt's virConfGetValueBool reads it: only the integers 0 and 1. `.absent` when the
    /// key is not set (libvirt's default applies); `.refused` with the value shown when libvirt would refuse it.
    enum ConfBool: Equatable { case absent, value(Bool), refused(String) }

    /// The inconclusive result of a boolean setting libvirt would refuse: `virConfGetValueBool` takes only 0 or 1, so
    /// such a file is refused, never read as the default.
    static func refusedBool(_ ctx: CheckContext, _ d: DaemonConfiguration, _ key: String, _ shown: String) -> CheckResult {
        .inconclusive("\(key) = \(shown) is not 0 or 1, which libvirt refuses", [ctx.file(d.path, "\(key) = \(shown)")])
    }

    static func confBool(_ c: LibvirtQEMUDriverConfig, _ key: String) -> ConfBool {
        guard let raw = c.settings[key] else { return .absent }
        switch (raw.kind, raw.integer) {
        case (.integer, 0?): return .value(false)
        case (.integer, 1?): return .value(true)
        case (.string, _): return .refused("\"\(raw.string.map { String($0.prefix(40)) } ?? "")\"")
        default: return .refused(raw.string.map { String($0.prefix(40)) } ?? raw.kind.rawValue)
        }
    }
}
