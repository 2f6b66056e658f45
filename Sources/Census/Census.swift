public import Foundation

/// Runs a census over a directory tree: walks it without following symbolic links, reads and counts
/// files concurrently (a bounded number in flight, so memory stays bounded whatever the tree size),
/// and folds each file's counts into per-language totals as soon as it is done.
public enum Census {
    /// A file the walker found, with what its directory says about headers.
    struct FileJob: Sendable {
        var url: URL
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
            throw CensusError(.notADirectory, "\(root.path) is not a directory or a supported archive (.tar, .tar.gz, .tgz, .tar.xz, .txz, .tar.bz2, .tbz2, .zip)")
        }
        var acc = Accumulator(options: options)
        var stack: [(url: URL, rel: String)] = [(root, "")]
        let keys: [URLResourceKey] = [.isDirectoryKey, .isSymbolicLinkKey, .isRegularFileKey, .fileSizeKey]

        await withTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            while let (dirURL, dirRel) = stack.popLast() {
                let entries: [URL]
                do {
                    entries = try FileManager.default.contentsOfDirectory(at: dirURL, includingPropertiesForKeys: keys, options: [])
                } catch {
                    acc.problem(.init(path: dirRel.isEmpty ? "." : dirRel, kind: .unreadable,
                                      message: "directory could not be read (\(error.localizedDescription)); its files are not counted"))
                    continue
                }
                // First pass: classify entries, note sibling languages for header decisions.
                var files: [(URL, String, Int, LanguageDetector.Guess)] = []
                var siblingC = 0, siblingCpp = 0
                for entry in entries.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
                    let name = entry.lastPathComponent
                    let rel = dirRel.isEmpty ? name : dirRel + "/" + name
                    let values = try? entry.resourceValues(forKeys: Set(keys))
                    if values?.isSymbolicLink == true {
                        acc.symlinks += 1
                        acc.problem(symlinkProblem(entry, rel))
                        continue
                    }
                    if values?.isDirectory == true {
                        if let reason = options.prune(directory: rel) {
                            acc.excludeDirectory(rel, reason)
                        } else {
                            stack.append((entry, rel))
                        }
                        continue
                    }
                    guard values?.isRegularFile != false else { continue }  // sockets, fifos, devices
                    let guess = LanguageDetector.guess(fileName: name)
                    if case .language(let l) = guess {
                        if l == .c { siblingC += 1 }
                        if l == .cpp { siblingCpp += 1 }
                    }
                    files.append((entry, rel, values?.fileSize ?? 0, guess))
                }
                for (url, rel, size, guess) in files {
                    if guess == .unknown { acc.unrecognised += 1; continue }
                    let job = FileJob(url: url, relativePath: rel, size: size, guess: guess, siblingCpp: siblingCpp,
                                      siblingC: siblingC, excluded: options.exclusion(forPath: rel, isDirectory: false))
                    if job.excluded == .vcs || job.excluded == .userExcluded {
                        acc.excludeFile(rel, job.excluded ?? .userExcluded, code: 0)
                        continue
                    }
                    if inFlight >= options.jobs, let outcome = await group.next() {
                        acc.add(outcome)
                        inFlight -= 1
                    }
                    group.addTask { count(job, options: options) }
                    inFlight += 1
                }
            }
            for await outcome in group { acc.add(outcome) }
        }
        return acc.report(subject: subject, command: command, start: start)
    }

    /// A message for a symbolic link the walker did not follow, naming loops as such.
    static func symlinkProblem(_ url: URL, _ rel: String) -> CensusReport.FileProblem {
        let dest = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
        let parent = url.deletingLastPathComponent().standardizedFileURL.path
        let target = URL(fileURLWithPath: dest, relativeTo: url.deletingLastPathComponent()).standardizedFileURL.path
        let loop = target == parent || parent.hasPrefix(target.hasSuffix("/") ? target : target + "/") || target == url.standardizedFileURL.path
        return .init(path: rel, kind: .symlink, message: loop
            ? "symbolic link loop (points at \(dest), its own directory or an ancestor); not followed"
            : "symbolic link to \(dest) not followed (the census never follows links)")
    }

    /// Reads and counts one file. Never throws: every failure is a reported problem.
    static func count(_ job: FileJob, options: CensusOptions) -> Outcome {
        let path = job.relativePath
        if job.size > options.maxFileSize {
            return .problem(.init(path: path, kind: .tooLarge,
                                  message: "\(job.size) bytes is over the \(options.maxFileSize)-byte file cap; not counted (raise --max-file-size to count it)"))
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: job.url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: options.maxFileSize + 1) ?? Data()
        } catch {
            return .problem(.init(path: path, kind: .unreadable, message: "could not be read (\(error.localizedDescription)); not counted"))
        }
        if data.count > options.maxFileSize {
            return .problem(.init(path: path, kind: .tooLarge,
                                  message: "over the \(options.maxFileSize)-byte file cap; not counted (raise --max-file-size to count it)"))
        }
        let head = data.prefix(8192)
        if head.contains(0) {
            if job.guess == .maybeScript { return .unrecognised }
            return .problem(.init(path: path, kind: .binary,
                                  message: "binary content (a NUL byte in the first 8 KiB) despite its source-file name; not counted"))
        }
        var language: Language
        var isHeader = false
        switch job.guess {
        case .unknown: return .unrecognised
        case .language(let l): language = l
        case .header: language = .c; isHeader = true
        case .maybeScript:
            let firstLine = head.prefix(while: { $0 != 10 })
            guard let l = LanguageDetector.shebang(ArraySlice(firstLine)) else { return .unrecognised }
            language = l
        }
        var excluded = job.excluded
        if excluded == nil && !options.keep.contains(.generated) && !options.include.contains(where: { $0.matches(path) })
            && isGenerated(head.prefix(4096)) {
            excluded = .generated
        }
        let result: ScanResult
        do {
            result = try LineCounter.scan(data.span, language: language, header: isHeader, maxLineLength: options.maxLineLength)
        } catch {
            switch error {
            case .lineTooLong(let line, let length, let limit):
                return .problem(.init(path: path, kind: .lineTooLong,
                                      message: "line \(line) is \(length) bytes, over the \(limit)-byte line cap (minified or generated data?); not counted"))
            }
        }
        var decision = HeaderDecision.notHeader
        if isHeader {
            if result.cppEvidence > 0 { language = .cpp; decision = .content }
            else {
                language = LanguageDetector.headerFromSiblings(cppSources: job.siblingCpp, cSources: job.siblingC)
                decision = language == .cpp ? .siblings : .content
            }
        }
        return .counted(path: path, language: language, result: result, header: decision, excluded: excluded)
    }

    /// Whether the first bytes carry a generated-file marker (case-insensitive).
    static func isGenerated(_ head: Data) -> Bool {
        let lower = head.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        for marker in CensusOptions.generatedMarkers where contains(lower, marker) { return true }
        // Go's convention: "Code generated … DO NOT EDIT." is covered by "do not edit".
        return false
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
                files.append(.init(path: path, language: language, blank: result.lines.blank,
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
