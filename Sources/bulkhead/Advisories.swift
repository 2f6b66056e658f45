import Advisories
import ArgumentParser
import Assessment
import BulkheadModel
import Formats
import Foundation
import HostInspection
import Reporting
import VendorEvidence

struct AdvisoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advisories",
        abstract: "Import vulnerability advisories and match them against the installed isolation software.",
        discussion: """
            Advisories live in a local SQLite database (default: /var/lib/bulkhead/advisories.sqlite as root, \
            otherwise $XDG_DATA_HOME/bulkhead/advisories.sqlite). Nothing is downloaded implicitly.
            """,
        subcommands: [
            AdvisoriesImport.self, AdvisoriesFetch.self, AdvisoriesStatsCommand.self, AdvisoriesCheckCommand.self, AdvisoriesCompareVersions.self,
        ]
    )
}

struct AdvisoryDatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "Path of the advisory database (default: /var/lib/bulkhead/advisories.sqlite as root, else $XDG_DATA_HOME/bulkhead/advisories.sqlite).")
    var db: String?

    func open() throws -> AdvisoryDatabase {
        let path = db ?? AdvisoryDatabase.defaultPath()
        do { return try AdvisoryDatabase(path: path) } catch { throw CLIError(.input, "cannot open the advisory database \(path)", cause: error) }
    }
}

/// Product aliases from the catalog (the bundled one plus `--catalog DIR`), the single source of how each
/// product is named in advisories.
struct AdvisoryCatalogOption: ParsableArguments {
    @Option(
        name: .customLong("catalog"),
        help: ArgumentHelp(
            "Also load catalog files (<id>.json, docs/catalog-format.md) from DIR; their aliases map advisories to products.", valueName: "DIR"))
    var catalogDirectories: [String] = []

    func catalog() -> Catalog { loadCatalog(directories: catalogDirectories) }

    /// Every catalog product an advisory can name.
    func all() -> [Advisories.ProductAliases] { AdvisoryAliases.all(catalog()) }

    /// A product by catalog id, name, alias, binary or package name.
    func product(_ name: String) throws -> Advisories.ProductAliases {
        let c = catalog()
        guard let p = AdvisoryAliases.lookup(name, in: c) else {
            throw CLIError(
                .notFound,
                "unknown product \(name); known: \(AdvisoryAliases.all(c).map(\.product.rawValue).joined(separator: ", ")) (or a name, binary or package name from the catalog)"
            )
        }
        return p
    }
}

struct AdvisoriesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import CVE 5, OSV, NVD 2.0, CISA KEV and CSAF 2.0 (VEX) files, directories or .zip archives into the database.",
        discussion: "Re-import is idempotent: unchanged files are skipped. Malformed records are reported by file and reason; the import goes on.")

    @OptionGroup var database: AdvisoryDatabaseOption
    @Argument(help: "Files, directories (searched recursively for *.json) or .zip archives (e.g. the cvelistV5 release zip).")
    var paths: [String]
    @Option(help: "Largest input file accepted, in MiB; larger files (and zip members) are reported and skipped.")
    var maxFileMib: Int = 256
    @Option(
        help:
            "Decompressed MiB allowed for all the .zip archives of this import together, nested zips included (real bytes, counted as written); past it the archive is refused."
    )
    var maxTotalMib: Int = Int(ImportOptions.defaultMaxTotalBytes >> 20)
    @OptionGroup var format: FormatOption<DataFormats>

    func run() async throws {
        let db = try database.open()
        let tty = isatty(STDERR_FILENO) == 1
        var options = ImportOptions(maxFileSize: max(1, maxFileMib) << 20, maxTotalBytes: Int64(max(1, maxTotalMib)) << 20)
        if tty {
            options.progress = { @Sendable (p: ImportProgress) in
                let line = "\r\u{1B}[K  \(p.filesDone)/\(p.filesTotal) files, \(p.advisories) records, \(p.problems) problems"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        let report = try await AdvisoryImporter.run(paths, into: db, options: options)
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try format.output(report, text: AdvisoryText.importReport(report, database: db.path))
        if !report.failedInputs.isEmpty {
            throw CLIError(.input, "could not read: \(report.failedInputs.joined(separator: ", "))")
        }
    }
}

struct AdvisoriesStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per-product statistics: count per year and severity, memory-safety share, KEV count, publication→fix delay.")

    @OptionGroup var database: AdvisoryDatabaseOption
    @OptionGroup var catalog: AdvisoryCatalogOption
    @Argument(help: "Product: catalog id (qemu, xen, runc, firecracker, …), name, binary or package name.")
    var product: String
    @OptionGroup var format: FormatOption<DataFormats>

    func run() async throws {
        let db = try database.open()
        let aliases = try catalog.product(product)
        // Fix dates come from this machine's installed Debian package, when there is one.
        let status = (try? DirectoryHostRoot.live.readText(DpkgStatus.path, limit: 64 << 20)) ?? ""
        let stats = try AdvisoryStats.compute(aliases, database: db, dpkgStatus: status)
        try format.output(stats, text: AdvisoryText.stats(stats))
    }
}

struct AdvisoriesCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Advisories affecting the installed packages of each known product, minus fixes backported by the distribution, with ISM-1606 timeliness."
    )

    @OptionGroup var database: AdvisoryDatabaseOption
    @OptionGroup var host: HostTarget
    @OptionGroup var catalog: AdvisoryCatalogOption
    @Option(help: "Only this product: catalog id (e.g. qemu), name, binary or package name.")
    var product: String?
    @Flag(help: "Use the internet-facing timeline (two weeks, ISM-1694) instead of one month (ISM-1695/1902).")
    var internetFacing = false
    @Flag(help: "List findings that are not affected too.")
    var all = false
    @Option(
        help: ArgumentHelp(
            "A Debian security-tracker JSON export (security-tracker.debian.org/tracker/data/json, plain or .gz) used as an extra backport source: a CVE resolved for this host's release (VERSION_CODENAME) at a fixed_version ≤ the installed version is fixed. `bulkhead assess` uses debian-security-tracker.json[.gz] beside the advisory database.",
            valueName: "FILE"))
    var securityTracker: String?
    @OptionGroup var format: FormatOption<DataFormats>
    @Flag(help: ArgumentHelp("Deprecated: use --format json.", visibility: .hidden))
    var json = false

    func run() async throws {
        let db = try database.open()
        let products = try product.map { [try catalog.product($0)] } ?? catalog.all()
        var tracker: DebianSecurityTracker?
        if let securityTracker {
            do { tracker = try DebianSecurityTracker.load(path: securityTracker) } catch {
                throw CLIError(.input, "cannot use --security-tracker \(securityTracker)", cause: error)
            }
        }
        // The installed packages (dpkg status and rpm database) of the chosen host; backports are read
        // through the same root, so --root and --snapshot check like the live host.
        let evidence = try host.collect([BackportEvidenceNeed(aliases: products)])
        let facts = evidence.facts
        for problem in facts.problems where problem.subject.contains("dpkg") || problem.subject.contains("rpm") {
            printError("warning: \(CLIFailure.oneLine(problem.description))")
        }
        var reader = BackportReader(evidence: evidence, aliases: products, mechanisms: [])
        var results: [CheckResult] = []
        for p in products {
            // One package per installed source version of a product (qemu-system-x86, -common, -data share a changelog).
            for pkg in BackportReader.packagesToCheck(of: p, in: facts.packages) {
                let installed = InstalledProduct(product: p.product, package: pkg.name, version: pkg.version, manager: pkg.manager)
                var backports = reader.backports(for: pkg)
                // Distribution data first: the tracker, then the database's OSV distribution and CSAF records.
                backports.merge(reader.distroEvidence(for: pkg, database: db, tracker: tracker))
                results.append(try AdvisoryCheck.run(installed, aliases: p, database: db, backports: backports, internetFacing: internetFacing))
            }
        }
        if json || format.format == .json {
            try emitJSON(results)
        } else {
            emit(AdvisoryText.check(results, all: all))
        }
    }
}

struct AdvisoriesCompareVersions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-versions",
        abstract: "Debug: compare version pairs read from standard input (\"A B\" per line); prints -1, 0, 1 or invalid per line.",
        shouldDisplay: false)

    @Option(help: "Version scheme: debian, rpm, semver, go, upstream.")
    var scheme: String = "debian"

    func validate() throws {
        if VersionScheme(rawValue: scheme) == nil { throw ValidationError("unknown scheme \(scheme)") }
    }

    func run() throws {
        let s = VersionScheme(rawValue: scheme) ?? .debian
        var out = ""
        while let line = readLine(strippingNewline: true) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { out += "invalid\n"; continue }
            out += s.compare(String(parts[0]), String(parts[1])).map { "\($0)\n" } ?? "invalid\n"
            if out.utf8.count > 1 << 16 { print(out, terminator: ""); out = "" }
        }
        print(out, terminator: "")
    }
}

struct AdvisoriesFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download advisory feeds (explicitly; Bulkhead never downloads on its own), resuming partial downloads.",
        discussion: """
            FEED is an http(s) URL or a known feed name: \(AdvisoryFetcher.feeds.keys.sorted().joined(separator: ", ")). \
            The body is streamed into DIR/NAME.part; an interrupted download is resumed by running the same \
            command again (HTTP Range). Redirects are followed to http(s) URLs only. Import the files \
            afterwards with `bulkhead advisories import DIR` (zips included).
            """)

    @Argument(
        help:
            "Feed URLs or names (kev, cvelist, osv-go, osv-crates, osv-debian, osv-ubuntu, osv-almalinux, osv-rocky, redhat-csaf-vex). A URL ending in archive_latest.txt is a CSAF provider index, fetched as redhat-csaf-vex is."
    )
    var feeds: [String]
    @Option(help: "Directory to download into.")
    var to: String = "."
    @Option(help: "CSAF providers: at most this many documents changed since the archive (changes.csv) are fetched, newest first.")
    var maxChanges: Int = 5000

    func validate() throws {
        for f in feeds where URL(string: AdvisoryFetcher.feeds[f] ?? f) == nil { throw ValidationError("not a URL or known feed: \(f)") }
    }

    func run() async throws {
        for f in feeds {
            guard let url = URL(string: AdvisoryFetcher.feeds[f] ?? f) else { continue }
            do {
                ProgressLine.show("advisories: downloading \(f) …")
                defer { ProgressLine.clear() }
                if AdvisoryFetcher.isCSAFProviderIndex(url) {
                    let r = try await AdvisoryFetcher.fetchCSAFProvider(index: url, to: to, maxChanges: max(0, maxChanges))
                    for file in r.files {
                        print("\(file.path): \(file.bytes) bytes\(file.resumedFrom > 0 ? " (resumed from \(file.resumedFrom))" : "")")
                    }
                    print(
                        "\(r.verified) of \(r.files.count) files match their published SHA-256"
                            + (r.unverified.isEmpty ? "" : "; no .sha256 published for \(r.unverified.count)")
                            + (r.skippedChanges > 0 ? "; \(r.skippedChanges) older changed documents left out (--max-changes)" : "")
                            + (r.missing.isEmpty ? "" : "; listed in changes.csv but not served: \(r.missing.joined(separator: ", "))"))
                    for reason in r.rejected { printError("rejected: \(CLIFailure.oneLine(reason))") }
                    print(
                        "import: extract the archive (tar --zstd -xf \(r.files.first.map { ($0.path as NSString).lastPathComponent } ?? "ARCHIVE") -C \(to)), then `bulkhead advisories import \(to)`"
                    )
                    if !r.rejected.isEmpty {
                        throw CLIError(.failed, "\(r.rejected.count) downloaded files did not match their published SHA-256 and were removed")
                    }
                    continue
                }
                let r = try await AdvisoryFetcher.download(url, to: to)
                print("\(r.path): \(r.bytes) bytes\(r.resumedFrom > 0 ? " (resumed from \(r.resumedFrom))" : "")")
            } catch {
                throw CLIError(.failed, "cannot download \(f)", cause: error)
            }
        }
    }
}
