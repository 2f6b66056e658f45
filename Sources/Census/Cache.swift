public import BulkheadModel
public import Foundation

/// Census reports kept per product and version, so `assess` and `vendor show` can use a measurement
/// without re-running it.
///
/// Default directory: `$BULKHEAD_CENSUS_CACHE` if set; else `/var/cache/bulkhead/census` when running
/// as root; else `$XDG_CACHE_HOME/bulkhead/census` (or `~/.cache/bulkhead/census`).
public struct CensusCache: Sendable {
    public let directory: URL
    /// Reports larger than this are not read back.
    public static let maxReportBytes = 64 << 20

    public init(directory: URL) { self.directory = directory }

    public static func defaultDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isRoot: Bool = getuid() == 0
    ) -> URL {
        if let explicit = environment["BULKHEAD_CENSUS_CACHE"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        if isRoot { return URL(fileURLWithPath: "/var/cache/bulkhead/census", isDirectory: true) }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("bulkhead/census", isDirectory: true)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/bulkhead/census", isDirectory: true)
    }

    public static var standard: CensusCache { CensusCache(directory: defaultDirectory()) }

    /// The file name for a product and version: unsafe characters become `_`.
    public static func fileName(product: String, version: String) -> String {
        func clean(_ s: String) -> String {
            String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "+" || $0 == "-" || $0 == "~" ? $0 : "_" })
        }
        return "\(clean(product))_\(clean(version)).json"
    }

    /// Stores `report` under its subject's product and version.
    @discardableResult
    public func store(_ report: CensusReport) throws(CensusError) -> URL {
        guard let product = report.subject.product, let version = report.subject.version else {
            throw CensusError(.cache, "a report is cached only with a product and version (use --package, or --product and --product-version)")
        }
        let url = directory.appendingPathComponent(Self.fileName(product: product, version: version))
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try JSONCoding.encoder().encode(report).write(to: url, options: .atomic)
        } catch {
            throw CensusError(.cache, "could not write the census cache at \(url.path)", cause: error)
        }
        return url
    }

    /// The cached report for `product` at `version`, nil when none is cached.
    public func load(product: String, version: String) throws(CensusError) -> CensusReport? {
        let url = directory.appendingPathComponent(Self.fileName(product: product, version: version))
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Self.read(url)
    }

    /// Every cached report (unreadable entries are skipped and named in `problems`).
    public func all() -> (reports: [CensusReport], problems: [CensusError]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var reports: [CensusReport] = [], problems: [CensusError] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            do { reports.append(try Self.read(directory.appendingPathComponent(name))) } catch { problems.append(error) }
        }
        return (reports, problems)
    }

    static func read(_ url: URL) throws(CensusError) -> CensusReport {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: maxReportBytes + 1) ?? Data()
            guard data.count <= maxReportBytes else {
                throw CensusError(.cache, "cached report \(url.path) is over \(maxReportBytes) bytes; delete it")
            }
            let report = try JSONCoding.decoder().decode(CensusReport.self, from: data)
            guard report.schemaVersion <= CensusReport.currentSchemaVersion else {
                throw CensusError(
                    .cache,
                    "cached report \(url.path) has schema \(report.schemaVersion), newer than this bulkhead reads (\(CensusReport.currentSchemaVersion))"
                )
            }
            return report
        } catch let e as CensusError {
            throw e
        } catch {
            throw CensusError(.cache, "cached report \(url.path) could not be read; delete it and measure again", cause: error)
        }
    }
}
