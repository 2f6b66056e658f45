import BulkheadModel
import Foundation

// What gVisor's defaults were for a runsc release, shared by the gvisor.* checks whose flag defaults changed.
extension SandboxChecks {
    /// The release date (YYYYMMDD) in a runsc version string: `release-20230313.0`, `20240212.0` or Debian's
    /// `0.0~20221219.0`; nil when the version is unknown or has no date.
    static func runscReleaseDate(_ version: String?) -> Int? {
        guard let version else { return nil }
        var digits = ""
        for c in version {
            if c.isASCII && c.isNumber {
                digits.append(c)
                if digits.count == 8, digits.hasPrefix("20") { return Int(digits) }
            } else {
                digits = ""
            }
        }
        return nil
    }

    /// A global flag's value as given, nil when absent (a value runsc would refuse leaves the parsed field nil
    /// while the flag is present).
    static func runscFlag(_ c: GVisorConfiguration, _ name: String) -> String? { c.globalFlags[name] }
}
