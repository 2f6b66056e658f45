import BulkheadModel
import Foundation

// kata.guest-seccomp: its words are in kata.guest-seccomp.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    static let guestSeccomp = kata("kata.guest-seccomp") { ctx, d, c in
        let key = "runtime.disable_guest_seccomp"
        switch c.bool(key) {
        case false?: return .pass("\(key) = false: container seccomp profiles apply inside the guest", [setting(ctx, d, "\(key) = false")])
        case true?: return .fail("\(key) = true: seccomp is not applied within the guest", [setting(ctx, d, "\(key) = true")])
        case nil: return .fail("\(key) not set: Kata's default (true) does not apply seccomp within the guest", [setting(ctx, d, "\(key) not set")])
        }
    }
}
