public import BulkheadModel
public import Checks
public import Foundation
import HostInspection

/// Support windows from the host's own distribution data (ISM-1848): the release dates shipped by the
/// `distro-info-data` package (`/usr/share/distro-info/debian.csv`, `ubuntu.csv`) for the host OS, and, for
/// an isolation mechanism installed from that distribution's packages, the same window (the distribution
/// supplies and patches it for the life of the release), unless Debian's own `debian-security-support` lists
/// the package's source as ended early (`security-support-ended.debN`: the window closes on that date) or
/// limited (`security-support-limited`: the note says so).
public enum DistroLifecycle {
    public static func windows(
        observations: HostObservations, mechanisms: [IsolationMechanism], now: Date, packages: [InstalledPackage] = []
    ) -> [SupportWindow] {
        guard let release = osRelease(observations), let table = table(for: release.id, observations) else { return [] }
        guard let row = table.rows.first(where: { $0.version == release.version || $0.series == release.codename }) else {
            return []
        }
        let source = Evidence.Source.file(path: table.path, sha256: nil)
        var out = [
            SupportWindow(
                product: ProductID(release.id), cycle: release.version, supportEnds: row.end, source: source, observedAt: observations.observedAt)
        ]
        // Mechanisms whose version came from this distribution's package manager.
        let manager = release.id == "debian" || release.id == "ubuntu" ? "dpkg" : "rpm"
        for m in mechanisms {
            guard let version = m.version,
                m.evidence.contains(where: {
                    if case .package(_, let v, let mgr) = $0.source { return v == version && mgr == manager }
                    return false
                })
            else { continue }
            let binary = m.evidence.lazy.compactMap { e -> String? in
                if case .package(let name, let v, _) = e.source, v == version { return name }
                return nil
            }.first
            let sourceName = packages.first { $0.name == binary && $0.manager == manager }?.sourcePackage ?? binary
            let distribution = "\(release.id) \(release.version)"
            if release.id == "debian", let sourceName, let ended = securitySupport(.ended(release.version), observations)[sourceName] {
                let end = [row.end, ended.date].compactMap { $0 }.min()
                out.append(
                    SupportWindow(
                        product: m.product, cycle: version, supportEnds: end,
                        note: "Debian security support for source package \(sourceName) ended early: \(ended.text)",
                        distribution: distribution, source: .file(path: SecuritySupportList.ended(release.version).path, sha256: nil),
                        observedAt: observations.observedAt))
                continue
            }
            let limited = release.id == "debian" ? sourceName.flatMap { securitySupport(.limited, observations)[$0] } : nil
            out.append(
                SupportWindow(
                    product: m.product, cycle: version, supportEnds: row.end,
                    note: limited.map { "Debian security support for this package is limited: \($0.text)" },
                    distribution: distribution, source: source, observedAt: observations.observedAt))
        }
        return out
    }

    struct Release { var id: String; var version: String; var codename: String? }

    enum SecuritySupportList {
        case ended(String), limited
        var path: String {
            switch self {
            case .ended(let version): "/usr/share/debian-security-support/security-support-ended.deb\(version)"
            case .limited: "/usr/share/debian-security-support/security-support-limited"
            }
        }
    }

    struct SecuritySupportEntry { var date: Date?; var text: String }

    /// Entries of a debian-security-support list, by source package; a name ending in `.*` (`php-horde.*`)
    /// covers every source package starting with the rest. Comment and malformed lines are skipped.
    struct SecuritySupport {
        var exact: [String: SecuritySupportEntry] = [:]
        var prefixes: [(String, SecuritySupportEntry)] = []
        subscript(source: String) -> SecuritySupportEntry? {
            exact[source] ?? prefixes.first { source.hasPrefix($0.0) }?.1
        }
    }

    static func securitySupport(_ list: SecuritySupportList, _ obs: HostObservations) -> SecuritySupport {
        var out = SecuritySupport()
        guard case .content(let text)? = obs.state(list.path) else { return out }
        let format = Date.ISO8601FormatStyle().year().month().day()
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard let first = trimmed.first, first != "#" else { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let name = fields.first else { continue }
            let entry: SecuritySupportEntry
            switch list {
            case .ended:
                // source, last version, date, details
                guard fields.count >= 3, let date = try? Date(fields[2], strategy: format) else { continue }
                entry = SecuritySupportEntry(date: date, text: "\(date.formatted(format)): " + fields.dropFirst(3).joined(separator: " "))
            case .limited:
                entry = SecuritySupportEntry(date: nil, text: fields.dropFirst().joined(separator: " "))
            }
            if name.hasSuffix(".*") {
                out.prefixes.append((String(name.dropLast(2)), entry))
            } else {
                out.exact[name] = entry
            }
        }
        return out
    }

    static func osRelease(_ obs: HostObservations) -> Release? {
        guard case .content(let text)? = obs.state("/etc/os-release") else { return nil }
        let release = OSRelease(text)
        guard let id = release.fields["ID"], let version = release.versionID else { return nil }
        return Release(id: id, version: version, codename: release.versionCodename)
    }

    struct Table {
        var path: String
        var rows: [(version: String, series: String, end: Date?)]
    }

    /// Parses distro-info's CSV. The end of support is the last date the release is supported by its
    /// vendor for everyone: Debian's LTS end (`eol-lts`, else `eol`), Ubuntu's server end (`eol-server`, else `eol`).
    /// Paid extensions (Debian ELTS, Ubuntu ESM) are not counted.
    static func table(for id: String, _ obs: HostObservations) -> Table? {
        let path: String
        let columns: [String]
        switch id {
        case "debian": (path, columns) = ("/usr/share/distro-info/debian.csv", ["eol-lts", "eol"])
        case "ubuntu": (path, columns) = ("/usr/share/distro-info/ubuntu.csv", ["eol-server", "eol"])
        default: return nil
        }
        guard case .content(let text)? = obs.state(path) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, let versionAt = header.firstIndex(of: "version"), let seriesAt = header.firstIndex(of: "series")
        else { return nil }
        let endAt = columns.compactMap { header.firstIndex(of: $0) }
        let format = Date.ISO8601FormatStyle().year().month().day()
        var rows: [(String, String, Date?)] = []
        for fields in lines.dropFirst() where fields.count > max(versionAt, seriesAt) {
            let end = endAt.lazy.compactMap { i -> Date? in
                guard i < fields.count, !fields[i].isEmpty else { return nil }
                return try? Date(fields[i], strategy: format)
            }.first
            // distro-info writes "12" for Debian and "24.04 LTS" for Ubuntu: keep the number.
            let version = fields[versionAt].split(separator: " ").first.map(String.init) ?? fields[versionAt]
            rows.append((version, fields[seriesAt], end))
        }
        return Table(path: path, rows: rows)
    }
}
