public import BulkheadModel

/// A few lines of key facts per guest, for terminal output. The full facts are in the JSON.
public enum GuestSummary {
    public static func facts(_ guest: Guest) -> [String] {
        var lines: [String] = []
        if let c = guest.confinement {
            var parts: [String] = []
            if let uid = c.uid { parts.append("uid \(uid)") }
            if let mode = c.seccomp { parts.append("seccomp \(seccompName(mode))") }
            if !c.threadSeccomp.isEmpty {
                let unfiltered = c.threadSeccomp.values.filter { $0 != 2 }.count
                parts.append("threads \(c.threadSeccomp.count) (\(unfiltered) without filter)")
            }
            if let nnp = c.noNewPrivs { parts.append("no_new_privs \(nnp ? "on" : "off")") }
            if let label = c.lsmLabel, !label.isEmpty { parts.append("label \(label)") }
            if !parts.isEmpty { lines.append(parts.joined(separator: ", ")) }
        }
        if let configuration = guest.configuration {
            lines.append(contentsOf: configurationFacts(configuration))
        }
        return lines
    }

    static func seccompName(_ mode: Int) -> String {
        switch mode {
        case 0: "off"
        case 1: "strict"
        case 2: "filter"
        default: "mode \(mode)"
        }
    }

    static func configurationFacts(_ configuration: GuestConfiguration) -> [String] {
        []
    }
}
