import BulkheadModel
import Foundation

// kata.debug: its words are in kata.debug.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    static let debug = kata("kata.debug") { ctx, d, c in
        let on = c.enabled("enable_debug") + c.enabled("debug_console_enabled") + c.enabled("enable_pprof")
        if on.isEmpty { return .pass("no enable_debug, debug_console_enabled or enable_pprof set", [setting(ctx, d, "no debug switch is true")]) }
        return .fail(on.map { "\($0) = true" }.joined(separator: ", "), on.map { setting(ctx, d, "\($0) = true") })
    }
}
