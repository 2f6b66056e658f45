import ArgumentParser
import Census
import Foundation
import Reporting

struct CensusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "census",
        abstract: "Count a source tree's code by language: the memory-safe share and the density of `unsafe` escapes.",
        discussion: """
            Give a directory or a .tar/.tar.gz/.tar.xz/.tar.bz2/.zip archive, or --package NAME to measure the exact \
            Debian source of the installed package (needs a deb-src entry and dpkg-dev). Vendored trees, generated \
            files, tests, docs, examples, tooling and packaging are left out by default and reported; see docs/census.md.
            Results for --package (or --product/--product-version) are cached for `bulkhead assess` and `vendor show`.
            """)

    @Argument(help: "A source directory or archive (.tar, .tar.gz, .tgz, .tar.xz, .tar.bz2, .zip).")
    var path: String?

    @Option(name: .long, help: "Measure the installed version of this Debian package from its exact source package.")
    var package: String?

    @OptionGroup var format: FormatOption<DataFormats>

    @Option(
        name: .long, help: "Memory-safe language list: ism (C#, Go, Java, Ruby, Rust, Swift) or nsa-cisa (adds Python, Ada, Delphi/Object Pascal).")
    var memorySafeList: String = MemorySafeList.ism.rawValue

    @Option(name: .long, help: "Count paths matching this glob even if a default rule excludes them (repeatable).")
    var include: [String] = []

    @Option(name: .long, help: "Leave out paths matching this glob (repeatable; a glob without / matches any path component).")
    var exclude: [String] = []

    @Flag(name: .long, help: "Count test suites (tests/, *_test.go, …).")
    var includeTests = false
    @Flag(name: .long, help: "Count documentation trees (docs/, doc/, man/).")
    var includeDocs = false
    @Flag(name: .long, help: "Count examples and samples.")
    var includeExamples = false
    @Flag(name: .long, help: "Count vendored third-party trees (roms/, subprojects/, vendor/, third_party/, …).")
    var includeVendored = false
    @Flag(name: .long, help: "Count files marked as generated (DO NOT EDIT, automatically generated, …).")
    var includeGenerated = false
    @Flag(name: .long, help: "Count developer and build tooling (scripts/, build-aux/, CI configuration).")
    var includeTooling = false
    @Flag(name: .long, help: "Count distribution packaging (debian/, .pc/).")
    var includePackaging = false

    @Flag(name: .long, help: "List every counted file in the JSON output.")
    var byFile = false

    @Option(name: .long, help: "Files read and counted at once (default: twice the cores).")
    var jobs: Int?

    @Option(name: .long, help: "Skip and report files larger than this many bytes (default 33554432).")
    var maxFileSize: Int?

    @Option(name: .long, help: "Skip and report files with a line longer than this many bytes (default 1048576).")
    var maxLineLength: Int?

    @Option(name: .long, help: "Product name to cache a directory or archive census under (with --product-version).")
    var product: String?

    @Option(name: .long, help: "Product version to cache a directory or archive census under (with --product).")
    var productVersion: String?

    @Option(
        name: .long,
        help: "Census cache directory (default: $BULKHEAD_CENSUS_CACHE, /var/cache/bulkhead/census as root, else $XDG_CACHE_HOME/bulkhead/census).")
    var cacheDir: String?

    @Flag(name: .long, help: "Do not write the result to the census cache.")
    var noCache = false

    func validate() throws {
        if (path == nil) == (package == nil) { throw ValidationError("give either a PATH or --package NAME") }
        if MemorySafeList(rawValue: memorySafeList) == nil { throw ValidationError("--memory-safe-list must be ism or nsa-cisa") }
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be between 1 and 256") }
        if (product == nil) != (productVersion == nil) { throw ValidationError("--product and --product-version go together") }
    }

    var options: CensusOptions {
        var o = CensusOptions()
        o.memorySafeList = MemorySafeList(rawValue: memorySafeList) ?? .ism
        o.include = include.map(Glob.init)
        o.exclude = exclude.map(Glob.init)
        if includeTests { o.keep.insert(.tests) }
        if includeDocs { o.keep.insert(.docs) }
        if includeExamples { o.keep.insert(.examples) }
        if includeVendored { o.keep.insert(.vendored) }
        if includeGenerated { o.keep.insert(.generated) }
        if includeTooling { o.keep.insert(.tooling) }
        if includePackaging { o.keep.insert(.packaging) }
        o.byFile = byFile
        if let jobs { o.jobs = jobs }
        if let maxFileSize { o.maxFileSize = maxFileSize }
        if let maxLineLength { o.maxLineLength = maxLineLength }
        return o
    }

    /// The command line that repeats this measurement (for evidence).
    var repeatCommand: String {
        var parts = ["bulkhead", "census"]
        if let package { parts += ["--package", package] } else if let path { parts.append(path) }
        if memorySafeList != MemorySafeList.ism.rawValue { parts += ["--memory-safe-list", memorySafeList] }
        for g in include { parts += ["--include", g] }
        for g in exclude { parts += ["--exclude", g] }
        for (flag, on) in [
            ("--include-tests", includeTests), ("--include-docs", includeDocs), ("--include-examples", includeExamples),
            ("--include-vendored", includeVendored), ("--include-generated", includeGenerated),
            ("--include-tooling", includeTooling), ("--include-packaging", includePackaging),
        ] where on {
            parts.append(flag)
        }
        return parts.joined(separator: " ")
    }

    var source: CensusSource {
        if let package { return .package(package) }
        return .path(path ?? ".", product: product, version: productVersion)
    }

    func run() async throws {
        // What is being fetched, as a progress line on a terminal (nothing in a pipe or a log).
        let report: CensusReport
        do {
            report = try await Census.measure(source, options: options, command: repeatCommand) { ProgressLine.show("census: \($0) …") }
            ProgressLine.clear()
        } catch {
            ProgressLine.clear()
            throw error
        }
        try format.output(report, text: CensusTable.render(report))
        if !noCache, report.subject.product != nil, report.subject.version != nil {
            let cache = cacheDir.map { CensusCache(directory: URL(fileURLWithPath: $0, isDirectory: true)) } ?? .standard
            do {
                let url = try cache.store(report)
                printError("census: cached at \(url.path)")
            } catch {
                printError("census: warning: \(CLIFailure.oneLine(error.description))")
            }
        }
    }
}
