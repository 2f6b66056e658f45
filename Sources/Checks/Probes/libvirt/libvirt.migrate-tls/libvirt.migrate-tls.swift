import BulkheadModel
import Foundation

// libvirt.migrate-tls: its words are in libvirt.migrate-tls.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let migrateTLS = confBool("libvirt.migrate-tls", "migrate_tls_force") { ctx, d, key, value, setting in
        switch value {
        case true?: .pass("\(key) = 1: libvirt refuses any migration that does not use TLS", [setting])
        case false?: migrationInClear(ctx, d, "\(key) = 0")
        case nil: migrationInClear(ctx, d, "\(key) not set (libvirt's default 0)")
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
