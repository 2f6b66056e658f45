import BulkheadModel
import Foundation

// host.lsm-enforcing: its words are in host.lsm-enforcing.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let lsmEnforcing = Check.host("host.lsm-enforcing") { ctx in
        let enforce = "/sys/fs/selinux/enforce"
        let enabled = "/sys/module/apparmor/parameters/enabled"
        let profiles = "/sys/kernel/security/apparmor/profiles"
        guard let obs = ctx.input.observations else { return ctx.unobserved("SELinux's and AppArmor's state", at: enforce) }
        var evidence: [Evidence] = []
        var unknown: [String] = []
        var failures: [String] = []
        // sysfs was seen when its memory-management directory exists or securityfs lists the active modules.
        var sawSysfs = obs.state("/sys/kernel/mm") == .present
        if case .content? = obs.state("/sys/kernel/security/lsm") { sawSysfs = true }

        // SELinux: selinuxfs's enforce is 1 when enforcing, 0 when permissive; absent when SELinux is off.
        switch obs.state(enforce) {
        case .content(let text)?:
            sawSysfs = true
            let mode = text.trimmingCharacters(in: .whitespacesAndNewlines)
            evidence.append(ctx.file(enforce, "enforce = \(mode)"))
            if mode == "1" { return .pass("SELinux enforcing (\(enforce) = 1)", evidence) }
            if mode == "0" {
                failures.append("SELinux is permissive (\(enforce) = 0): it logs denials but enforces nothing")
            } else {
                unknown.append("unrecognised \(enforce) value \"\(mode)\"")
            }
        case .unreadable(let why)?: unknown.append("\(enforce) could not be read: \(why)")
        case .absent?: evidence.append(ctx.file(enforce, "absent"))
        case .present?, nil: unknown.append("\(enforce) was not read")
        }

        // AppArmor: the module parameter says whether it is enabled; the profiles file lists "NAME (MODE)".
        switch obs.state(enabled) {
        case .content(let text)?:
            sawSysfs = true
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            evidence.append(ctx.file(enabled, "enabled = \(value)"))
            if value == "N" {
                failures.append("AppArmor is built in but disabled (\(enabled) = N)")
            } else if value != "Y" {
                unknown.append("unrecognised \(enabled) value \"\(value)\"")
            } else {
                switch obs.state(profiles) {
                case .content(let text)?:
                    let loaded = lsmProfiles(text)
                    var modes: [String: Int] = [:]
                    for mode in loaded.values { modes[mode, default: 0] += 1 }
                    let enforcing = modes["enforce", default: 0]
                    let summary = modes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    evidence.append(ctx.file(profiles, modes.isEmpty ? "no profiles loaded" : "profiles: \(summary)"))
                    guard enforcing > 0 else {
                        failures.append(
                            "AppArmor is enabled but no profile is in enforce mode (\(modes.isEmpty ? "none loaded" : summary)): it confines nothing")
                        break
                    }
                    // sVirt: libvirt's AppArmor driver confines each running guest's QEMU with its own libvirt-UUID profile.
                    var unconfined: [String] = []
                    var confined = 0
                    for m in ctx.input.mechanisms where m.product == "libvirt" {
                        for g in m.guests where g.running {
                            guard case .libvirt(let d)? = g.configuration, let uuid = d.uuid?.lowercased(), !uuid.isEmpty else { continue }
                            let name = "libvirt-\(uuid)"
                            switch loaded[name] {
                            case "enforce"?: confined += 1
                            case let mode?: unconfined.append("\(g.name): \(name) is in \(mode) mode")
                            case nil: unconfined.append("\(g.name): no \(name) profile is loaded")
                            }
                        }
                    }
                    if !unconfined.isEmpty {
                        failures.append(
                            "AppArmor is enabled (\(summary)) but running libvirt guests lack their enforcing sVirt profile: "
                                + unconfined.sorted().joined(separator: "; "))
                        break
                    }
                    let guests = confined > 0 ? "; \(confined) running libvirt guest(s) each in its libvirt-UUID profile" : ""
                    return .pass("AppArmor enabled with \(enforcing) profile(s) in enforce mode (\(summary))\(guests)", evidence)
                case .unreadable(let why)?: unknown.append("AppArmor is enabled but \(profiles) could not be read: \(why)")
                case .absent?: unknown.append("AppArmor is enabled but \(profiles) does not exist (securityfs not mounted?)")
                case .present?, nil: unknown.append("AppArmor is enabled but \(profiles) was not read")
                }
            }
        case .unreadable(let why)?: unknown.append("\(enabled) could not be read: \(why)")
        case .absent?: evidence.append(ctx.file(enabled, "absent"))
        case .present?, nil: unknown.append("\(enabled) was not read")
        }

        if !unknown.isEmpty { return .inconclusive(unknown.joined(separator: "; "), evidence) }
        if !failures.isEmpty { return .fail(failures.joined(separator: "; "), evidence) }
        // Both files absent: that means "neither module is active" only where sysfs was seen at all.
        guard sawSysfs else {
            return .inconclusive(
                "\(enforce), \(enabled), /sys/kernel/security/lsm and /sys/kernel/mm are all absent: sysfs was not seen (an offline root or an empty directory), so whether SELinux or AppArmor is active is unknown",
                evidence)
        }
        return .fail("neither SELinux (\(enforce) absent) nor AppArmor (\(enabled) absent) is active: only DAC confines guests", evidence)
    }

    /// The profiles of /sys/kernel/security/apparmor/profiles, name → mode: each line is `NAME (MODE)` (`enforce`,
    /// `complain`, `kill`, `unconfined` …); a line without a trailing `(MODE)` has mode `unknown`.
    static func lsmProfiles(_ text: String) -> [String: String] {
        var profiles: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let entry = line.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            var name = entry
            var mode = "unknown"
            if entry.hasSuffix(")"), let open = entry.range(of: " (", options: .backwards) {
                let word = entry[open.upperBound..<entry.index(before: entry.endIndex)]
                if !word.isEmpty, word.count <= 32, word.allSatisfy({ $0.isLetter }) {
                    mode = String(word)
                    name = String(entry[..<open.lowerBound])
                }
            }
            profiles[name] = mode
        }
        return profiles
    }
}
