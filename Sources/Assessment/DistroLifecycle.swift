public import BulkheadModel
public import Checks
public import Foundation
public import HostInspection

/// Support windows from the host's own distribution data (ISM-1848): the release dates shipped by the
/// `distro-info-data` package (`/usr/share/distro-info/debian.csv`, `ubuntu.csv`) for the host OS, and, for
/// an isolation mechanism installed from that distribution's packages, the same window (the distribution
/// supplies and patches it for the life of the release).
public enum DistroLifecycle {
    public static func windows(
        observations: HostObservations, mechanisms: [IsolationMechanism], now: Date
    ) -> [SupportWindow] {
        guard let release = osRelease(observations), let table = table(for: release.id, observations) else { return [] }
        guard let row = table.rows.first(where: { $0.version == release.version || $0.series == release.codename }) else {
            return []
        }
        let source = Evidence.Source.file(path: table.path, sha256: nil)
        var out = [SupportWindow(product: ProductID(release.id), cycle: release.version, supportEnds: row.end, source: source)]
        // Mechanisms whose version came from this distribution's package manager.
        let manager = release.id == "debian" || release.id == "ubuntu" ? "dpkg" : "rpm"
        for m in mechanisms {
            guard let version = m.version,
                m.evidence.contains(where: {
                    if case .package(_, let v, let mgr) = $0.source { return v == version && mgr == manager }
                    return false
                })
            else { continue }
            out.append(
                SupportWindow(
                    product: m.product, cycle: version, supportEnds: row.end, distribution: "\(release.id) \(release.version)",
                    source: source))
        }
        return out
    }

    struct Release { var id: String; var version: String; var codename: String? }

    static func osRelease(_ obs: HostObservations) -> Release? {
        guard case .content(let text)? = obs.state("/etc/os-release") else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<eq])] = value
        }
        guard let id = fields["ID"], let version = fields["VERSION_ID"] else { return nil }
        return Release(id: id, version: version, codename: fields["VERSION_CODENAME"])
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
