import BulkheadModel
import Foundation

// libvirt.migrate-tls: its words are in libvirt.migrate-tls.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let migrateTLS = conf("libvirt.migrate-tls") { ctx, d, c, _ in
        let key = "migrate_tls_force"
        switch confBool(c, key) {
        case .value(true):
            return .pass("\(key) = 1: libvirt refuses any migration that does not use TLS", [setting(ctx, d, key, "1")])
        case .value(false): return migrationInClear(ctx, d, "\(key) = 0")
        case .absent: return migrationInClear(ctx, d, "\(key) not set (libvirt's default 0)")
        case .refused(let shown): return refusedBool(ctx, d, key, shown)
        }
    }

    private static func migrationInClear(_ ctx: CheckContext, _ d: DaemonConfiguration, _ observed: String) -> CheckResult {
        let evidence = [ctx.file(d.path, observed)]
        if ctx.bool("noMigration") {
            return .notApplicable(
                observed + ", but guests on this host are never live-migrated (tailoring)", evidence + ctx.tailoring("noMigration"))
        }
        return .fail(observed + ": a migration started without --tls sends guest memory and device state unencrypted", evidence)
    }
}
