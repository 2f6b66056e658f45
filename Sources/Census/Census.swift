public import BulkheadModel
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a census over a directory tree: walks it without following symbolic links, reads and counts
/// files concurrently (a bounded number in flight, so memory stays bounded whatever the tree size),
/// and folds each file's counts into per-language totals as soon as it is done.
public enum Census {
    /// A file the walker found, with what its directory says about headers.
    struct FileJob: Sendable {
        var path: String
        var relativePath: String
        var size: Int
        var guess: LanguageDetector.Guess
        var siblingCpp: Int
        var siblingC: Int
        var excluded: ExclusionReason?
    }

    enum Outcome: Sendable {
        case counted(path: String, language: Language, result: ScanResult, header: HeaderDecision, excluded: ExclusionReason?)
        case unrecognised
        case problem(CensusReport.FileProblem)
        case symlink(CensusReport.FileProblem)
        case excludedDirectory(path: String, reason: ExclusionReason)
        case excludedFile(path: String, reason: ExclusionReason)
    }

    /// What a directory task found: subdirectories to walk, batches of files to count, and events.
    struct Listing: Sendable {
        var subdirectories: [(path: String, rel: String)] = []
        var batches: [[FileJob]] = []
        var events: [Outcome] = []
    }

    enum Work: Sendable {
        case directory(path: String, rel: String)
        case files([FileJob])
    }

    enum WorkResult: Sendable {
        case listed(Listing)
        case counted([Outcome])
    }

    static let batchSize = 24

    /// Lists one directory (lstat on each entry: links are never followed), decides exclusions, and
    /// splits its files into batches.
    static func list(_ dirPath: String, _ dirRel: String, options: CensusOptions, matcher: ExclusionMatcher) -> Listing {
        var listing = Listing()
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: dirPath)
        } catch {
            listing.events.append(
                .problem(
                    .init(
                        path: dirRel.isEmpty ? "." : dirRel, kind: .unreadable,
                        message: "directory could not be read (\(error.localizedDescription)); its files are not counted")))
            return listing
        }
        var files: [(String, String, Int, LanguageDetector.Guess)] = []
        var siblingC = 0, siblingCpp = 0
        for name in names.sorted() {
            let path = dirPath + "/" + name
            let rel = dirRel.isEmpty ? name : dirRel + "/" + name
            // One lstat per entry (FileManager.attributesOfItem also looks up owner and group names).
            var st = stat()
            guard lstat(path, &st) == 0 else {
                listing.events.append(.problem(.init(path: rel, kind: .unreadable, message: "could not be examined (lstat failed); not counted")))
                continue
            }
            let mode = st.st_mode & S_IFMT
            let type: FileAttributeType? =
                mode == S_IFLNK ? .typeSymbolicLink : mode == S_IFDIR ? .typeDirectory : mode == S_IFREG ? .typeRegular : nil
            if type == .typeSymbolicLink {
                listing.events.append(.symlink(symlinkProblem(path, rel)))
                continue
            }
            if type == .typeDirectory {
                if let reason = matcher.prune(directory: rel) {
                    listing.events.append(.excludedDirectory(path: rel, reason: reason))
                } else {
                    listing.subdirectories.append((path, rel))
                }
                continue
            }
            guard type == .typeRegular else { continue }  // sockets, fifos, devices
            let guess = LanguageDetector.guess(fileName: name)
            if case .language(let l) = guess {
                if l == .c { siblingC += 1 }
                if l == .cpp { siblingCpp += 1 }
            }
            let size = Int(st.st_size)
            files.append((path, rel, size, guess))
        }
        var batch: [FileJob] = []
        for (path, rel, size, guess) in files {
            if guess == .unknown { listing.events.append(.unrecognised); continue }
            let excluded = matcher.exclusion(forPath: rel, isDirectory: false)
            if excluded == .vcs || excluded == .userExcluded {
                listing.events.append(.excludedFile(path: rel, reason: excluded ?? .userExcluded))
                continue
            }
            batch.append(
                FileJob(
                    path: path, relativePath: rel, size: size, guess: guess, siblingCpp: siblingCpp,
                    siblingC: siblingC, excluded: excluded))
            if batch.count >= batchSize { listing.batches.append(batch); batch = [] }
        }
        if !batch.isEmpty { listing.batches.append(batch) }
        // Walk subdirectories in name order (they are popped from the end of a stack).
        listing.subdirectories.reverse()
        return listing
    }

    enum HeaderDecision: Sendable { case notHeader, content, siblings }

    /// Counts the tree at `root`.
    public static func run(
        root: URL, options: CensusOptions, subject: CensusReport.Subject, command: String
    ) async throws(CensusError) -> CensusReport {
        let start = Date()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir) else {
            throw CensusError(.notFound, "\(root.path) does not exist; give a source directory or a .tar.gz/.tar.xz/.tar.bz2/.zip archive")
        }
        guard isDir.boolValue else {
            throw CensusError(
                .notADirectory, "\(root.path) is not a directory or a supported archive (.tar, .tar.gz, .tgz, .tar.xz, .txz, .tar.bz2, .tbz2, .zip)")
        }
        var acc = Accumulator(options: options)
        let matcher = ExclusionMatcher(options)
        // Directories and file batches are both tasks, so listing (lstat) and counting share the cores.
        // At most `options.jobs` tasks run at once; pending work waits in `queue` (directories last,
        // so file batches drain before the walk widens and the queue stays small).
        await withTaskGroup(of: WorkResult.self) { group in
            var queue: [Work] = [.directory(path: root.path, rel: "")]
            var inFlight = 0
            while true {
                while inFlight < options.jobs, let work = queue.popLast() {
                    switch work {
                    case .directory(let path, let rel):
                        group.addTask { .listed(list(path, rel, options: options, matcher: matcher)) }
                    case .files(let jobs):
                        group.addTask { .counted(jobs.map { count($0, options: options) }) }
                    }
                    inFlight += 1
                }
                guard inFlight > 0, let result = await group.next() else { break }
                inFlight -= 1
                switch result {
                case .counted(let outcomes):
                    for o in outcomes { acc.add(o) }
                case .listed(let listing):
                    for e in listing.events { acc.add(e) }
                    for d in listing.subdirectories { queue.insert(.directory(path: d.path, rel: d.rel), at: 0) }
                    for b in listing.batches { queue.append(.files(b)) }
                }
            }
        }
        return acc.report(subject: subject, command: command, start: start)
    }

    /// A message for a symbolic link the walker did not follow, naming loops as such.
    static func symlinkProblem(_ path: String, _ rel: String) -> CensusReport.FileProblem {
        let url = URL(fileURLWithPath: path)
        let dest = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
        let parent = url.deletingLastPathComponent().standardizedFileURL.path
        let target = URL(fileURLWithPath: dest, relativeTo: url.deletingLastPathComponent()).standardizedFileURL.path
        let loop = target == parent || parent.hasPrefix(target.hasSuffix("/") ? target : target + "/") || target == url.standardizedFileURL.path
        return .init(
            path: rel, kind: .symlink,
            message: loop
                ? "symbolic link loop (points at \(dest), its own directory or an ancestor); not followed"
                : "symbolic link to \(dest) not followed (the census never follows links)")
    }

    /// Reads and counts one file. Never throws: every failure is a reported problem.
    static func count(_ job: FileJob, options: CensusOptions) -> Outcome {
        let path = job.relativePath
        if job.size > options.maxFileSize {
            return .problem(
                .init(
                    path: path, kind: .tooLarge,
                    message: "\(job.size) bytes is over the \(options.maxFileSize)-byte file cap; not counted (raise --max-file-size to count it)"))
        }
        let data: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: job.path) else {
                return .problem(.init(path: path, kind: .unreadable, message: "could not be opened for reading (permissions?); not counted"))
            }
            defer { try? handle.close() }
            data = try handle.read(upToCount: options.maxFileSize + 1) ?? Data()
        } catch {
            return .problem(.init(path: path, kind: .unreadable, message: "could not be read (\(error.localizedDescription)); not counted"))
        }
        if data.count > options.maxFileSize {
            return .problem(
                .init(
                    path: path, kind: .tooLarge,
                    message: "over the \(options.maxFileSize)-byte file cap; not counted (raise --max-file-size to count it)"))
        }
        return analyse(data.span, job, options)
    }

    /// Classifies and counts one file's bytes.
    static func analyse(_ span: borrowing Span<UInt8>, _ job: FileJob, _ options: CensusOptions) -> Outcome {
        let path = job.relativePath
        let headLength = min(8192, span.count)
        var hasNul = false
        for k in 0..<headLength where span[k] == 0 { hasNul = true; break }
        if hasNul {
            if job.guess == .maybeScript { return .unrecognised }
            return .problem(
                .init(
                    path: path, kind: .binary,
                    message: "binary content (a NUL byte in the first 8 KiB) despite its source-file name; not counted"))
        }
        var language: Language
        var isHeader = false
        switch job.guess {
        case .unknown: return .unrecognised
        case .language(let l): language = l
        case .header: language = .c; isHeader = true
        case .maybeScript:
            var firstLine: [UInt8] = []
            var k = 0
            while k < headLength && span[k] != 10 && k < 256 { firstLine.append(span[k]); k += 1 }
            guard let l = LanguageDetector.shebang(firstLine[...]) else { return .unrecognised }
            language = l
        }
        var excluded = job.excluded
        let generated = isGenerated(span, limit: 4096)
        if generated && excluded == nil && !options.keep.contains(.generated) && !options.include.contains(where: { $0.matches(path) }) {
            excluded = .generated
        }
        let result: ScanResult
        do {
            result = try LineCounter.scan(span, language: language, header: isHeader, maxLineLength: options.maxLineLength)
        } catch {
            switch error {
            case .lineTooLong(let line, let length, let limit):
                return .problem(
                    .init(
                        path: path, kind: .lineTooLong,
                        message: "line \(line) is \(length) bytes, over the \(limit)-byte line cap (minified or generated data?); not counted"))
            }
        }
        var decision = HeaderDecision.notHeader
        if isHeader {
            if result.cppEvidence > 0 {
                language = .cpp; decision = .content
            } else {
                language = LanguageDetector.headerFromSiblings(cppSources: job.siblingCpp, cSources: job.siblingC)
                decision = language == .cpp ? .siblings : .content
            }
        }
        return .counted(path: path, language: language, result: result, header: decision, excluded: excluded)
    }

    /// Whether the first bytes carry a generated-file marker (case-insensitive). One pass: every
    /// marker but "do not edit" contains "generat", so only those two anchors are looked for.
    static func isGenerated(_ span: borrowing Span<UInt8>, limit: Int) -> Bool {
        let end = min(limit, span.count)
        let anchor = Array("generat".utf8), doNotEdit = Array("do not edit".utf8)
        var i = 0
        while i < end {
            let b = span[i] | 0x20
            if b == 0x67, folded(span, i, end, anchor) {  // g
                for marker in CensusOptions.generatedMarkers {
                    guard let offset = offsetOfAnchor(marker, anchor) else { continue }
                    if i >= offset && folded(span, i - offset, end, marker) { return true }
                }
            } else if b == 0x64, folded(span, i, end, doNotEdit) {  // d
                return true
            }
            i += 1
        }
        return false
    }

    static func folded(_ s: borrowing Span<UInt8>, _ at: Int, _ end: Int, _ lowerPattern: [UInt8]) -> Bool {
        guard at >= 0, at + lowerPattern.count <= end else { return false }
        for k in 0..<lowerPattern.count {
            let c = s[at + k]
            let lc = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            if lc != lowerPattern[k] { return false }
        }
        return true
    }

    static func offsetOfAnchor(_ marker: [UInt8], _ anchor: [UInt8]) -> Int? {
        guard marker.count >= anchor.count else { return nil }
        for o in 0...(marker.count - anchor.count) where Array(marker[o..<(o + anchor.count)]) == anchor { return o }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first {
                var k = 1
                while k < needle.count && haystack[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

/// Folds outcomes into totals.
struct Accumulator {
    let options: CensusOptions
    var totals: [Language: (files: Int, lines: LineCounts, unsafe: [String: Int], byContent: Int, bySiblings: Int)] = [:]
    var exclusions: [ExclusionReason: CensusReport.Exclusion] = [:]
    var problems: [CensusReport.FileProblem] = []
    var problemCount = 0
    var unrecognised = 0
    var symlinks = 0
    var files: [CensusReport.FileEntry] = []

    init(options: CensusOptions) { self.options = options }

    mutating func problem(_ p: CensusReport.FileProblem) {
        problemCount += 1
        if problems.count < options.maxProblemsListed { problems.append(p) }
    }

    mutating func excludeDirectory(_ path: String, _ reason: ExclusionReason) {
        var e = exclusions[reason] ?? .init(reason: reason, directories: 0, files: 0, code: 0, examples: [])
        e.directories += 1
        if e.examples.count < 10 { e.examples.append(path + "/") }
        exclusions[reason] = e
    }

    mutating func excludeFile(_ path: String, _ reason: ExclusionReason, code: Int) {
        var e = exclusions[reason] ?? .init(reason: reason, directories: 0, files: 0, code: 0, examples: [])
        e.files += 1
        e.code += code
        if e.examples.count < 10 { e.examples.append(path) }
        exclusions[reason] = e
    }

    mutating func add(_ outcome: Census.Outcome) {
        switch outcome {
        case .unrecognised: unrecognised += 1
        case .problem(let p): problem(p)
        case .symlink(let p): symlinks += 1; problem(p)
        case .excludedDirectory(let path, let reason): excludeDirectory(path, reason)
        case .excludedFile(let path, let reason): excludeFile(path, reason, code: 0)
        case .counted(let path, let language, let result, let header, let excluded):
            if let excluded {
                excludeFile(path, excluded, code: result.lines.code)
                return
            }
            var t = totals[language] ?? (0, LineCounts(), [:], 0, 0)
            t.files += 1
            t.lines += result.lines
            for (k, v) in result.unsafeUses { t.unsafe[k, default: 0] += v }
            if header == .content { t.byContent += 1 }
            if header == .siblings { t.bySiblings += 1 }
            totals[language] = t
            if options.byFile {
                files.append(
                    .init(
                        path: path, language: language, blank: result.lines.blank,
                        comment: result.lines.comment, code: result.lines.code, unsafe: result.unsafeTotal))
            }
        }
    }

    func report(subject: CensusReport.Subject, command: String, start: Date) -> CensusReport {
        let safe = options.memorySafeList.languages
        func perKLOC(_ count: Int, _ code: Int) -> Double? {
            code > 0 ? (Double(count) * 1000 / Double(code) * 100).rounded() / 100 : nil
        }
        let languages = totals.map { lang, t in
            let unsafeTotal = t.unsafe.values.reduce(0, +)
            return CensusReport.LanguageTotals(
                language: lang, category: lang.category, memorySafe: safe.contains(lang),
                inShare: lang.category == .program, files: t.files, blank: t.lines.blank, comment: t.lines.comment,
                code: t.lines.code, headersByContent: t.byContent, headersBySiblings: t.bySiblings,
                unsafeUses: t.unsafe, unsafeTotal: unsafeTotal, unsafePerKLOC: perKLOC(unsafeTotal, t.lines.code))
        }.sorted { ($0.code, $1.language) > ($1.code, $0.language) }
        let inShare = languages.filter(\.inShare)
        let denominator = inShare.reduce(0) { $0 + $1.code }
        let safeLangs = inShare.filter(\.memorySafe)
        let safeCode = safeLangs.reduce(0) { $0 + $1.code }
        let safeUnsafe = safeLangs.reduce(0) { $0 + $1.unsafeTotal }
        let share = CensusReport.Share(
            list: options.memorySafeList, memorySafeLanguages: safe.sorted(),
            denominatorLanguages: inShare.map(\.language).sorted(), memorySafeCode: safeCode,
            denominatorCode: denominator,
            ratio: denominator > 0 ? Double(safeCode) / Double(denominator) : nil,
            unsafePerKLOC: perKLOC(safeUnsafe, safeCode), unsafeTotal: safeUnsafe)
        return CensusReport(
            schemaVersion: CensusReport.currentSchemaVersion, tool: "bulkhead census", toolVersion: "1",
            command: command, measuredAt: start, elapsedSeconds: Date().timeIntervalSince(start),
            subject: subject, languages: languages, share: share,
            exclusions: exclusions.values.sorted { $0.reason < $1.reason },
            unrecognisedFiles: unrecognised, symlinksNotFollowed: symlinks, problemCount: problemCount,
            problems: problems.sorted { $0.path < $1.path },
            files: options.byFile ? files.sorted { $0.path < $1.path } : nil)
    }
}
