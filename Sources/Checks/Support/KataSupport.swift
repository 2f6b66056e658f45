import BulkheadModel
import Foundation

extension KataChecks {
    /// Runs `body` on a parsed Kata configuration; an unreadable one is inconclusive.
    static func kata(
        _ id: String, _ body: @escaping @Sendable (CheckContext, DaemonConfiguration, KataRuntimeConfiguration) -> CheckResult
    ) -> Check {
        Check.daemon(id) { ctx, daemon in
            guard daemon.product == "kata-containers" else { return nil }
            guard case .kata(let c)? = daemon.settings else {
                return .inconclusive(
                    "\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
            }
            return body(ctx, daemon, c)
        }
    }

    static func setting(_ ctx: CheckContext, _ d: DaemonConfiguration, _ text: String) -> Evidence { ctx.file(d.path, text) }
}
