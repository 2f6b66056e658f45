import BulkheadModel
import Foundation

extension HostChecks {
    /// `Y`/`1` → true, `N`/`0` → false, anything else nil.
    static func flag(_ text: String?) -> Bool? {
        switch text?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "y", "1", "yes", "on", "true": true
        case "n", "0", "no", "off", "false": false
        default: nil
        }
    }

    /// Whether the module is loaded; nil when the module list was not observed.
    /// Host inspection reads /sys/module/NAME/parameters for the KVM and VFIO modules, loaded or built
    /// in; once it has read any, a module without an entry is neither.
    static func loaded(_ module: String, _ facts: HostFacts) -> Bool? {
        if facts.kernel.moduleParameters[module] != nil { return true }
        if !facts.kernel.modules.isEmpty { return facts.kernel.modules.contains(module) }
        if !facts.kernel.moduleParameters.isEmpty { return false }
        return nil
    }

    /// `name=value` arguments of the kernel command line (last one wins, as in the kernel).
    static func cmdline(_ facts: HostFacts, _ name: String) -> String? {
        var found: String?
        for arg in facts.kernel.commandLine {
            if arg == name { found = "" }
            if arg.hasPrefix(name + "=") { found = String(arg.dropFirst(name.count + 1)) }
        }
        return found
    }
}
