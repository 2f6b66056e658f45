import BulkheadModel
import Foundation

// xen.driver-domains: its words are in xen.driver-domains.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// Where a device's backend runs, as libxl resolves an xl `backend=` value (libxl_domain_qualifier_to_domid).
    enum XenBackendDomain: Equatable {
        case dom0
        case domain(String)
        case invalid(String)
    }

    /// A `backend=` value as libxl reads it: all digits (an empty value too: strtoul gives 0) is a domain id,
    /// anything else a domain name; id 0 and dom0's name `Domain-0` are the control domain.
    static func xenBackendDomain(_ raw: String) -> XenBackendDomain {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let digits = value.drop { $0 == "0" }
            guard !digits.isEmpty else { return .dom0 }
            guard let id = UInt32(digits) else { return .invalid("domain id \(value.prefix(24)) does not fit in 32 bits") }
            return .domain("domain id \(id)")
        }
        return value == "Domain-0" ? .dom0 : .domain(value)
    }

    /// A disk spec's `backend=` as xl's disk lexer (tools/libs/util/libxlu_disk_l.l) reads it: parameters separated
    /// by commas, whitespace before each ignored, `target=` taking the rest of the spec. nil when absent;
    /// `.invalid` when given twice (xl: "backend respecified").
    static func xenDiskBackend(_ spec: String) -> XenBackendDomain? {
        var rest = Substring(spec)
        var found: String?
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            if rest.hasPrefix("target=") { break }
            let token: Substring
            if let comma = rest.firstIndex(of: ",") {
                token = rest[..<comma]
                rest = rest[rest.index(after: comma)...]
            } else {
                token = rest
                rest = ""
            }
            guard token.hasPrefix("backend=") else { continue }
            if let earlier = found, !earlier.isEmpty { return .invalid("backend= is given twice (xl refuses a respecified backend)") }
            found = String(token.dropFirst("backend=".count))
        }
        return found.map(xenBackendDomain)
    }

    static let xenDriverDomains = Check.on("xen.driver-domains", .xen, \.xen) { ctx, s, c in
        let judgeDisks = ctx.bool("requireDiskDriverDomain")
        var inDom0: [String] = []
        var served: [String] = []
        var unclear: [String] = []
        var notJudged: [String] = []
        var extraEvidence: [Evidence] = []

        // xl.conf's vif.default.backend, which xl gives every vif that names no backend.
        let xlConfPath = "/etc/xen/xl.conf"
        var defaultBackend: (value: String?, source: String, unclear: String?) = ("0", "xl's default: no \(xlConfPath)", nil)
        if let daemon = ctx.input.daemons.first(where: { $0.product == "xen" && $0.path == xlConfPath }) {
            if case .xenToolstack(let t)? = daemon.settings {
                switch t.settings["vif.default.backend"] {
                case nil:
                    defaultBackend = ("0", "xl.conf sets no vif.default.backend (default 0)", nil)
                case let v? where v.kind == .string || v.kind == .number:
                    defaultBackend = (v.string ?? "", "xl.conf vif.default.backend = \"\(v.string ?? "")\"", nil)
                case let v?:
                    defaultBackend = (nil, "xl.conf", "\(xlConfPath) vif.default.backend is a \(v.kind.rawValue), not a string")
                }
                if !daemon.problems.isEmpty {
                    defaultBackend.unclear =
                        "\(xlConfPath) was only partly parsed (" + daemon.problems.map(\.description).joined(separator: "; ")
                        + "), so its vif.default.backend is not known"
                }
            } else {
                defaultBackend = (
                    nil, "xl.conf",
                    "\(xlConfPath) could not be read or parsed ("
                        + daemon.problems.map(\.description).joined(separator: "; ") + "), so its vif.default.backend is not known"
                )
            }
        }

        if let vif = c.settings["vif"], vif.kind != .list {
            unclear.append("vif is a single value, not a list of vifspecs (xl reads no vif from it)")
        } else {
            var usedDefault = false
            for (index, vif) in c.vifs.enumerated() {
                let name = "vif \(index)"
                let backend: XenBackendDomain
                let how: String
                if let explicit = vif["backend"] {
                    backend = xenBackendDomain(explicit)
                    how = "backend=\(explicit)"
                } else {
                    usedDefault = true
                    if let why = defaultBackend.unclear {
                        unclear.append("\(name) names no backend and \(why)")
                        continue
                    }
                    backend = xenBackendDomain(defaultBackend.value ?? "0")
                    how = "no backend=; \(defaultBackend.source)"
                }
                switch backend {
                case .dom0: inDom0.append("\(name) (\(how)) is served by dom0")
                case .domain(let d): served.append("\(name) by \(d)")
                case .invalid(let why): unclear.append("\(name): \(why)")
                }
            }
            if usedDefault && defaultBackend.unclear == nil {
                extraEvidence.append(ctx.file(xlConfPath, defaultBackend.source))
            }
        }

        for (index, disk) in c.disks.enumerated() {
            let name = "disk \(disk.vdev ?? String(index))"
            let backend = xenDiskBackend(disk.spec)
            switch backend ?? .dom0 {
            case .dom0:
                let text = "\(name) (\(backend == nil ? "no backend=" : "backend= names dom0")) is served by dom0"
                if judgeDisks { inDom0.append(text) } else { notJudged.append(text) }
            case .domain(let d):
                if judgeDisks { served.append("\(name) by \(d)") } else { notJudged.append("\(name) is served by \(d)") }
            case .invalid(let why):
                if judgeDisks { unclear.append("\(name): \(why)") } else { notJudged.append("\(name): \(why)") }
            }
        }

        var role = ""
        if case .some(true?) = xlBoolean(c.settings["driver_domain"]) { role = " (itself a driver domain: driver_domain=1)" }
        let claim =
            "vifs \(c.vifs.count), disks \(c.disks.count)\(role): "
            + (inDom0 + served + unclear + notJudged).joined(separator: "; ")
        let evidence = ctx.guestEvidence(s, claim) + extraEvidence
        let aside = notJudged.isEmpty ? "" : " (not judged, requireDiskDriverDomain is off: \(notJudged.joined(separator: "; ")))"
        let judged = inDom0.count + served.count + unclear.count
        guard judged > 0 else {
            return .notApplicable((judgeDisks ? "no vif or disk" : "no vif") + role + aside, evidence)
        }
        if !inDom0.isEmpty {
            let observed =
                inDom0.joined(separator: "; ")
                + ": the backend (netback, bridge and hotplug script of a vif; blkback or qdisk of a disk) runs in the control domain, not in an unprivileged driver domain"
                + role + aside
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail(observed, evidence)
        }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; ") + role, evidence) }
        return .pass("served by driver domains: " + served.joined(separator: "; ") + role + aside, evidence)
    }
}
