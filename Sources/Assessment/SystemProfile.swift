public import BulkheadModel
import Discovery
public import Foundation
public import VendorEvidence

/// The system an assessment is for (`bulkhead.toml` or `--profile FILE`, TOML read with Formats'
/// `TOMLReader` through Discovery's Kata parser): its name and boundary, the security plan, the assessor, and the classification
/// and security domain of the host and of each guest (by name, or by a glob over names; failing both, by the guest's own
/// libvirt `<metadata><bulkhead:guest>` marking). Without one, the report says what it assumed.
public struct SystemProfile: Codable, Hashable, Sendable {
    public struct Marking: Codable, Hashable, Sendable {
        public var classification: String?
        public var domain: String?
        /// A glob over guest names this entry covers (`match = "web*"`), besides the guest its table names.
        public var match: String?
        /// `[host] internet_facing = true|false` (the host only): ISM-1606's timeline for a pending update that is
        /// neither critical nor exploited — 2 weeks when true, 1 month when false; nil (not declared) takes 2 weeks
        /// and the report says it assumed so.
        public var internetFacing: Bool? = nil
    }
    public var path: String
    public var systemName: String?
    public var boundary: String?
    public var securityPlan: String?
    public var assessorName: String?
    public var irapRegistration: String?
    public var host: Marking
    /// Guests by the name of their table (`[guests.web01]`); an entry with `match = "web*"` also covers every guest
    /// whose name the glob matches (`*` any run of characters, `?` any one).
    public var guests: [String: Marking]

    /// The marking declared for the guest `name`: its own entry, else the first entry (in table-name order) whose
    /// `match` glob matches it.
    public func guest(_ name: String) -> Marking? {
        if let exact = guests[name] { return exact }
        return guests.sorted { $0.key < $1.key }.first { $0.value.match.map { Self.glob($0, matches: name) } ?? false }?.value
    }

    /// `*` matches any run of characters (none included), `?` any one character, anything else itself.
    static func glob(_ pattern: String, matches name: String) -> Bool { Wildcard.matches(pattern, name) }

    /// A profile that is not TOML (`invalid`); reading the file is the caller's (the CLI reads it through
    /// SafeFiles: a regular file, at most `maximumSize` bytes).
    public typealias LoadError = BulkheadError<ProfileErrorCode>
    /// The largest profile read (1 MiB).
    public static let maximumSize = 1 << 20

    public static func parse(_ data: Data, path: String) throws(LoadError) -> SystemProfile {
        let values: [String: String]
        do {
            values = try KataConfigParser.parse(data, source: path).value.values
        } catch {
            throw LoadError(.invalid, "the profile \(path) is not valid TOML", cause: error)
        }
        var internetFacing: Bool?
        if let written = values["host.internet_facing"] {
            switch written {
            case "true": internetFacing = true
            case "false": internetFacing = false
            default:
                throw LoadError(
                    .invalid,
                    "the profile \(path): [host] internet_facing must be true or false, not \(TerminalText.field(written, max: 40))")
            }
        }
        var guests: [String: Marking] = [:]
        for (key, value) in values where key.hasPrefix("guests.") {
            let parts = key.split(separator: ".")
            guard parts.count == 3 else { continue }
            let name = String(parts[1])
            if parts[2] == "classification" { guests[name, default: Marking()].classification = value }
            if parts[2] == "domain" { guests[name, default: Marking()].domain = value }
            if parts[2] == "match" { guests[name, default: Marking()].match = value }
        }
        return SystemProfile(
            path: path, systemName: values["system.name"], boundary: values["system.boundary"],
            securityPlan: values["system.security_plan"], assessorName: values["assessor.name"],
            irapRegistration: values["assessor.irap"],
            host: Marking(classification: values["host.classification"], domain: values["host.domain"], internetFacing: internetFacing),
            guests: guests)
    }

    /// The catalog's applicability code of a classification: NC (OFFICIAL, UNOFFICIAL), OS (OFFICIAL: Sensitive),
    /// P (PROTECTED), S (SECRET), TS (TOP SECRET); nil for a word that is none of them.
    public static func applicabilityCode(_ classification: String) -> String? {
        let c = classification.uppercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: " ", with: "")
        switch c {
        case "UNOFFICIAL", "OFFICIAL", "NC": return "NC"
        case "OFFICIAL:SENSITIVE", "OFFICIALSENSITIVE", "OS": return "OS"
        case "PROTECTED", "P": return "P"
        case "SECRET", "S": return "S"
        case "TOPSECRET", "TS": return "TS"
        default: return nil
        }
    }
}

/// ISM-1461 by classification: it applies only where the catalog says (SECRET, TOP SECRET); without a declared
/// classification it is never satisfied or failed from the SMT/KSM checks alone.
public enum ClassificationScope {
    public static func apply(to report: inout AssessmentReport, profile: SystemProfile?, ism: ISMCatalog?) {
        let applicability = ism?.control(.ism1461)?.applicability ?? ["S", "TS"]
        let guests = report.mechanisms.flatMap(\.mechanism.guests)
        let guestNames = guests.map(\.name)
        /// Any other control the catalog does not apply to the declared classification is not applicable there.
        func applicable(_ c: ControlAssessment) -> ControlAssessment {
            guard let declared = profile?.host.classification, let code = SystemProfile.applicabilityCode(declared),
                let applies = ism?.control(c.verdict.control)?.applicability, !applies.isEmpty, !applies.contains(code)
            else { return c }
            var out = c
            out.verdict.status = .notApplicable
            out.verdict.rationale.insert(
                "\(c.verdict.control.rawValue) notApplicable: the host is declared \(declared) (\(code)) in \(profile?.path ?? "the profile"); the ISM (\(ism?.release ?? "catalog")) applies it to \(applies.joined(separator: ", ")) only.",
                at: 0)
            return out
        }
        func decide(_ c: ControlAssessment) -> ControlAssessment {
            guard c.verdict.control == .ism1461 else { return applicable(c) }
            var out = c
            guard let declared = profile?.host.classification else {
                out.verdict.status = .notAssessed
                out.verdict.confidence = .low
                out.verdict.rationale.insert(
                    "ISM-1461 notAssessed: no classification is declared (bulkhead.toml or --profile FILE); ISM-1461 applies to \(applicability.joined(separator: ", ")) environments only, so the SMT/KSM checks below are shown for information and decide nothing.",
                    at: 0)
                return out
            }
            guard let code = SystemProfile.applicabilityCode(declared) else {
                out.verdict.status = .notAssessed
                out.verdict.rationale.insert(
                    "ISM-1461 notAssessed: the declared classification \"\(declared)\" is not one of OFFICIAL, OFFICIAL: Sensitive, PROTECTED, SECRET, TOP SECRET.",
                    at: 0)
                return out
            }
            guard applicability.contains(code) else {
                out.verdict.status = .notApplicable
                out.verdict.rationale.insert(
                    "ISM-1461 notApplicable: the host is declared \(declared) (\(code)) in \(profile?.path ?? "the profile"); the ISM applies it to \(applicability.joined(separator: ", ")) only.",
                    at: 0)
                return out
            }
            // SECRET / TOP SECRET: every guest must carry the same classification and security domain.
            var problems: [String] = []
            var undeclared: [String] = []
            var unknown: [String] = []
            for guest in guests {
                let name = guest.name
                // The profile's entry (by name, then glob) wins; else the guest's own libvirt <metadata> marking.
                if let g = profile?.guest(name), let gc = g.classification {
                    if SystemProfile.applicabilityCode(gc) != code || g.domain != profile?.host.domain {
                        problems.append("\(name) is \(gc)/\(g.domain ?? "no domain")")
                    }
                    continue
                }
                guard case .libvirt(let domain)? = guest.configuration, let m = domain.marking else {
                    undeclared.append(name)
                    continue
                }
                if let why = m.rejected {
                    unknown.append("\(name): libvirt metadata \(why)")
                } else if let gc = m.classification {
                    if SystemProfile.applicabilityCode(gc) == nil {
                        unknown.append(
                            "\(name): libvirt metadata classification \"\(gc)\" is not one of OFFICIAL, OFFICIAL: Sensitive, PROTECTED, SECRET, TOP SECRET"
                        )
                    } else if SystemProfile.applicabilityCode(gc) != code || m.domain != profile?.host.domain {
                        problems.append("\(name) is \(gc)/\(m.domain ?? "no domain") (libvirt metadata)")
                    }
                } else {
                    undeclared.append(name)
                }
            }
            let subject = "host"
            let finding: Finding
            if !problems.isEmpty {
                finding = Finding(
                    checkID: "profile.guest-classification", subject: subject, outcome: .fail,
                    observed: "guests with another classification or domain than the host (\(declared)/\(profile?.host.domain ?? "-")): "
                        + problems.joined(separator: "; "),
                    severity: .critical, controls: [.ism1461])
            } else if !unknown.isEmpty || !undeclared.isEmpty {
                let reasons =
                    unknown.map { "unknown classification for guest \($0)" }
                    + (undeclared.isEmpty ? [] : ["no classification declared for guest(s) \(undeclared.joined(separator: ", "))"])
                finding = Finding(
                    checkID: "profile.guest-classification", subject: subject,
                    outcome: .inconclusive(reason: reasons.joined(separator: "; ")),
                    severity: .critical, controls: [.ism1461])
            } else {
                finding = Finding(
                    checkID: "profile.guest-classification", subject: subject, outcome: .pass,
                    observed: "every guest (\(guestNames.count)) is declared \(declared)/\(profile?.host.domain ?? "-")", severity: .critical,
                    controls: [.ism1461])
            }
            let findings = c.findings + [finding]
            if let rolled = ControlRollup.controls(for: "host", findings: findings).first(where: { $0.verdict.control == .ism1461 }) {
                out = rolled
            }
            return out
        }
        for i in report.mechanisms.indices { report.mechanisms[i].controls = report.mechanisms[i].controls.map(decide) }
        report.hostControls = report.hostControls.map { $0.map(decide) }
        report.profile = profile
        if profile == nil {
            report.assumptions = [
                "No system profile (bulkhead.toml or --profile FILE): the system, its boundary, the assessor and the classification are not declared; ISM-1461 is not assessed."
            ]
        }
    }
}

/// Why a system profile was refused.
public enum ProfileErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "profile"
    /// Not TOML, or TOML that Bulkhead's reader refuses (depth, size, duplicate keys).
    case invalid
}
