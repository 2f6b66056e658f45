import BulkheadModel
import Formats
import Foundation
import Synchronization

/// Reads the process table from /proc/[0-9]*.
///
/// A process that exits during the scan (its /proc entry vanishes: ENOENT/ESRCH) is skipped quietly;
/// anything else that cannot be read becomes a problem naming the path, and the scan goes on.
struct ProcessScanner {
    let root: any HostRoot
    let options: InspectionOptions

    func scan(_ problems: inout ProblemLog) -> [HostProcess] {
        let names: [String]
        do {
            names = try root.list("/proc")
        } catch {
            // A tree with no /proc (a disk image) has no process table; that is not a problem there.
            if error.code == .notFound && !root.isLive { return [] }
            problems.add(Problem(subject: "/proc", message: "\(error.message); the process table is inconclusive"))
            return []
        }
        var pids = names.compactMap { name -> Int32? in
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int32(name)
        }
        pids.sort()
        if pids.count > options.maxProcesses {
            problems.add(
                Problem(subject: "/proc", message: "\(pids.count) processes, over the bound of \(options.maxProcesses); the rest were not read"))
            pids = Array(pids.prefix(options.maxProcesses))
        }
        // Each process is read independently; spread the reads over the cores, keep pid order and problems.
        let scanner = self
        let budget = CmdlineBudget(options.cmdlineBudget)
        let results = pids.concurrentMap { pid -> (HostProcess?, [Problem]) in
            var local = ProblemLog()
            let process = scanner.readProcess(pid, budget: budget, &local)
            return (process, local.items)
        }
        if budget.exceeded {
            problems.add(
                Problem(
                    subject: "/proc",
                    message:
                        "command lines over the budget of \(options.cmdlineBudget >> 20) MiB in all; the rest were read only up to \(options.otherCmdlineLimit >> 10) KiB each"
                ))
        }
        var processes: [HostProcess] = []
        processes.reserveCapacity(pids.count)
        for (process, found) in results {
            for problem in found { problems.add(problem) }
            if let process { processes.append(process) }
        }
        return processes
    }

    /// Outcome of one read: a value, gone (the process exited), or failed (already a problem).
    enum Read<T> {
        case value(T)
        case gone
        case failed
    }

    func text(_ name: String, in directory: any HostDirectory, limit: Int, _ problems: inout ProblemLog) -> Read<String> {
        outcome(&problems) { () throws(HostReadError) in try directory.readText(name, limit: limit) }
    }

    /// The bytes of a small file, as `text` reads it but not decoded (the status parser reads bytes).
    func bytes(_ name: String, in directory: any HostDirectory, limit: Int, _ problems: inout ProblemLog) -> Read<[UInt8]> {
        outcome(&problems) { () throws(HostReadError) in try directory.read(name, limit: limit) }
    }

    /// One read's outcome: a file that is not found belongs to a process that exited; any other error is a problem.
    private func outcome<T>(_ problems: inout ProblemLog, _ body: () throws(HostReadError) -> T) -> Read<T> {
        do {
            return .value(try body())
        } catch {
            if error.code == .notFound { return .gone }
            problems.add(error)
            return .failed
        }
    }

    func readProcess(_ pid: Int32, budget: CmdlineBudget = CmdlineBudget(.max), _ problems: inout ProblemLog) -> HostProcess? {
        // Every file of the process is read from its directory, opened once.
        root.withDirectory("/proc/\(pid)") { readProcess(pid, in: $0, budget: budget, &problems) }
    }

    func readProcess(_ pid: Int32, in directory: any HostDirectory, budget: CmdlineBudget, _ problems: inout ProblemLog) -> HostProcess? {
        let base = directory.path
        var process = HostProcess(pid: pid, name: "", arguments: [])

        // status: Name, PPid, Uid, Gid, Seccomp, NoNewPrivs, CapEff. A vanished status means the process exited.
        var haveStatus = false
        var statusGone = false
        switch bytes("status", in: directory, limit: options.smallFileLimit, &problems) {
        case .gone: statusGone = true
        case .failed: break
        case .value(let status):
            haveStatus = true
            let fields = StatusFields(status)
            if let name = fields.name { process.name = Self.unescapeStatusName(name) }
            process.ppid = fields.ppid.flatMap { Int32($0) }
            process.confinement.uid = fields.uid.flatMap(Self.effectiveID)
            process.confinement.gid = fields.gid.flatMap(Self.effectiveID)
            process.confinement.seccomp = fields.seccomp.flatMap { Int($0) }
            process.confinement.noNewPrivs = fields.noNewPrivs.flatMap { Int($0) }.map { $0 != 0 }
            process.confinement.capEff = fields.capEff
        }
        // stat: comm and ppid when status was unreadable (or to fill what it lacked).
        if !haveStatus || process.name.isEmpty || process.ppid == nil {
            switch text("stat", in: directory, limit: options.smallFileLimit, &problems) {
            case .gone: if statusGone { return nil }
            case .failed: break
            case .value(let stat):
                if let parsed = Self.parseStat(stat) {
                    if process.name.isEmpty { process.name = parsed.comm }
                    if process.ppid == nil { process.ppid = parsed.ppid }
                } else {
                    problems.add(Problem(subject: "\(base)/stat", message: "unrecognised format (no `(comm)` field)"))
                }
            }
        }

        do {
            process.executable = try directory.readLink("exe")
        } catch {
            // Kernel threads have no executable (ENOENT); a vanished process also reads as not found.
            if error.code != .notFound { problems.add(error) }
        }

        // The whole command line only for the programs discovery parses, and only within the budget; of
        // any other process only a short one (a longer one is dropped quietly: its program name comes from
        // its executable).
        let program = HostProcess(pid: pid, name: process.name, executable: process.executable, arguments: []).programName
        let isolation = options.isIsolationProgram(program) || options.isIsolationProgram(process.name)
        let full = isolation && budget.hasRoom
        switch readCmdline(directory, limit: full ? options.cmdlineLimit : options.otherCmdlineLimit, quietlyTooLarge: !isolation, &problems) {
        case .value(let cmdline):
            // Credentials in a command line (rbd key=, https://user:pass@, secret data=) are never kept. Only an
            // argument that may hold one goes through the redaction (most hold no word it looks for).
            process.arguments = cmdline.map(Redaction.argument)
            budget.spend(cmdline.reduce(0) { $0 + $1.utf8.count + 1 })
        case .gone, .failed: break
        }
        if isolation && !full { budget.markExceeded() }

        if case .value(let cgroup) = text("cgroup", in: directory, limit: options.smallFileLimit, &problems) {
            process.confinement.cgroups = cgroup.split(separator: "\n").map(String.init)
        }

        readNamespaces(directory, into: &process, &problems)

        do {
            let label = try directory.readText("attr/current", limit: 64 << 10).trimmed
            if !label.isEmpty { process.confinement.lsmLabel = label }
        } catch {
            // EINVAL (reported as `io`) means no LSM provides a label: not a problem.
            if error.code != .notFound && error.code != .io { problems.add(error) }
        }

        if options.isIsolationProgram(process.programName) || options.isIsolationProgram(process.name) {
            process.confinement.threadSeccomp = readThreadSeccomp(directory, &problems)
        }
        return process
    }

    func readCmdline(_ directory: any HostDirectory, limit: Int, quietlyTooLarge: Bool, _ problems: inout ProblemLog) -> Read<[String]> {
        let bytes: [UInt8]
        do {
            bytes = try directory.read("cmdline", limit: limit)
        } catch {
            if error.code == .notFound { return .gone }
            if !(quietlyTooLarge && error.code == .tooLarge) { problems.add(error) }
            return .failed
        }
        let arguments = Self.splitNUL(bytes)
        return .value(
            capped(arguments, at: options.maxArguments, "arguments", "were dropped", subject: directory.path(of: "cmdline"), &problems))
    }

    /// The first `bound` of `items`; more is a problem on `subject` ("N arguments, over the bound of B; the rest were dropped").
    func capped<T>(
        _ items: [T], at bound: Int, _ noun: String, _ rest: String, subject: @autoclosure () -> String, _ problems: inout ProblemLog
    ) -> [T] {
        guard items.count > bound else { return items }
        problems.add(Problem(subject: subject(), message: "\(items.count) \(noun), over the bound of \(bound); the rest \(rest)"))
        return Array(items.prefix(bound))
    }

    func readNamespaces(_ directory: any HostDirectory, into process: inout HostProcess, _ problems: inout ProblemLog) {
        let names: [String]
        do {
            names = try directory.list("ns").sorted()
        } catch {
            if error.code != .notFound { problems.add(error) }
            return
        }
        var unreadable: [String] = []
        var reason = ""
        for name in names.prefix(64) where HostInspector.isPlainName(name) {
            do {
                process.confinement.namespaces[name] = try directory.readLink("ns/\(name)")
            } catch {
                if error.code != .notFound {
                    unreadable.append(name)
                    reason = error.message
                }
            }
        }
        if !unreadable.isEmpty {
            // One problem per process, not one per namespace link.
            problems.add(
                Problem(subject: directory.path(of: "ns"), message: "cannot read the links \(unreadable.joined(separator: ", ")): \(reason)"))
        }
    }

    func readThreadSeccomp(_ directory: any HostDirectory, _ problems: inout ProblemLog) -> [Int32: Int] {
        let names: [String]
        do {
            names = try directory.list("task")
        } catch {
            if error.code != .notFound { problems.add(error) }
            return [:]
        }
        let tids = capped(
            names.compactMap { Int32($0) }.sorted(), at: options.maxThreadsPerProcess, "threads", "were not read",
            subject: directory.path(of: "task"), &problems)
        var result: [Int32: Int] = [:]
        for tid in tids {
            if case .value(let status) = text("task/\(tid)/status", in: directory, limit: options.smallFileLimit, &problems),
                let mode = Self.statusFields(status)["Seccomp"].flatMap({ Int($0) })
            {
                result[tid] = mode
            }
        }
        return result
    }

    // MARK: - Parsers (pure, hostile input)

    /// The fields of /proc/PID/status Bulkhead reads.
    static let statusKeys = ["Name", "PPid", "Uid", "Gid", "Seccomp", "NoNewPrivs", "CapEff"]

    /// `Key:\tvalue` lines of /proc/PID/status, only those of `keys` (the first of each), values without the
    /// spaces and tabs around them. Read over the bytes: this runs for every process of the host.
    static func statusFields(_ text: String, keys: [String] = statusKeys) -> [String: String] {
        var fields: [String: String] = [:]
        let space = { (b: UInt8) in b == 0x20 || b == 0x09 }
        let utf8 = text.utf8
        var next = utf8.startIndex
        // Line by line, stopping once every key has its (first) value; a key is compared only when its
        // length matches.
        while next < utf8.endIndex, fields.count < keys.count {
            let lineEnd = utf8[next...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            let line = utf8[next..<lineEnd]
            next = lineEnd == utf8.endIndex ? lineEnd : utf8.index(after: lineEnd)
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let keyLength = line.distance(from: line.startIndex, to: colon)
            guard let key = keys.first(where: { $0.utf8.count == keyLength && $0.utf8.elementsEqual(line[..<colon]) }),
                fields[key] == nil
            else { continue }
            var value = line[line.index(after: colon)...]
            while let first = value.first, space(first) { value = value.dropFirst() }
            while let last = value.last, space(last) { value = value.dropLast() }
            fields[key] = String(decoding: value, as: UTF8.self)
        }
        return fields
    }

    /// The effective id (second of real, effective, saved, fs) of a `Uid:`/`Gid:` line.
    static func effectiveID(_ value: String) -> UInt32? {
        let parts = value.split(whereSeparator: { $0 == "\t" || $0 == " " })
        guard parts.count >= 2 else { return parts.first.flatMap { UInt32($0) } }
        return UInt32(parts[1])
    }

    /// status `Name:` escapes `\` as `\\` and newline as `\n`.
    static func unescapeStatusName(_ name: String) -> String {
        guard name.contains("\\") else { return name }
        var out = ""
        var escaped = false
        for ch in name {
            if escaped {
                out.append(ch == "n" ? "\n" : ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// `pid (comm) state ppid …`: comm may contain spaces and parentheses, so it ends at the last `)`.
    static func parseStat(_ text: String) -> (comm: String, ppid: Int32?)? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let rest = text[text.index(after: close)...].split(separator: " ")
        let ppid = rest.count >= 2 ? Int32(rest[1]) : nil
        return (comm, ppid)
    }

    /// Splits NUL-separated arguments; a trailing NUL does not make an empty argument.
    static func splitNUL(_ bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if bytes.last == 0 { parts.removeLast() }
        return parts
    }
}

/// The fields of /proc/PID/status Bulkhead reads (`ProcessScanner.statusKeys`), each the first line of its key,
/// without the spaces and tabs around the value: what `ProcessScanner.statusFields` gives for the decoded text,
/// read straight from the bytes with no dictionary (this runs for every process of the host). Lines, keys and
/// the trimmed spaces are ASCII, so each value decoded alone is the same as cut from the decoded text.
struct StatusFields: Equatable {
    var name: String?
    var ppid: String?
    var uid: String?
    var gid: String?
    var seccomp: String?
    var noNewPrivs: String?
    var capEff: String?

    static let keys: [[UInt8]] = ProcessScanner.statusKeys.map { Array($0.utf8) }
}

/// Reading the fields from the bytes. (In an extension, so the memberwise initialiser stays.)
extension StatusFields {
    init(_ bytes: [UInt8]) {
        self.init()
        let span = bytes.span
        var found = 0
        var next = 0
        // Line by line, stopping once every key has its (first) value.
        while next < span.count, found < Self.keys.count {
            var lineEnd = next
            var colon = -1
            while lineEnd < span.count, span[lineEnd] != UInt8(ascii: "\n") {
                if colon < 0, span[lineEnd] == UInt8(ascii: ":") { colon = lineEnd }
                lineEnd += 1
            }
            let lineStart = next
            next = lineEnd + 1
            guard colon >= 0 else { continue }
            // The key: compared only with the keys of its length.
            var which = -1
            for (index, key) in Self.keys.enumerated() where key.count == colon - lineStart {
                var offset = 0
                while offset < key.count, span[lineStart + offset] == key[offset] { offset += 1 }
                if offset == key.count {
                    which = index
                    break
                }
            }
            guard which >= 0, !has(which) else { continue }
            var start = colon + 1
            var end = lineEnd
            while start < end, span[start] == 0x20 || span[start] == 0x09 { start += 1 }
            while end > start, span[end - 1] == 0x20 || span[end - 1] == 0x09 { end -= 1 }
            set(which, String(decoding: bytes[start..<end], as: UTF8.self))
            found += 1
        }
    }

    func has(_ which: Int) -> Bool {
        switch which {
        case 0: name != nil
        case 1: ppid != nil
        case 2: uid != nil
        case 3: gid != nil
        case 4: seccomp != nil
        case 5: noNewPrivs != nil
        default: capEff != nil
        }
    }

    mutating func set(_ which: Int, _ value: String) {
        switch which {
        case 0: name = value
        case 1: ppid = value
        case 2: uid = value
        case 3: gid = value
        case 4: seccomp = value
        case 5: noNewPrivs = value
        default: capEff = value
        }
    }
}

/// What is left of the command-line budget, shared by the threads that read processes. Reads in flight
/// may overshoot it by one command line per thread.
final class CmdlineBudget: Sendable {
    private let state: Mutex<(remaining: Int, exceeded: Bool)>

    init(_ bytes: Int) { state = Mutex((bytes, false)) }

    var hasRoom: Bool { state.withLock { $0.remaining > 0 } }
    func spend(_ bytes: Int) { state.withLock { $0.remaining -= bytes } }
    func markExceeded() { state.withLock { $0.exceeded = true } }
    var exceeded: Bool { state.withLock { $0.exceeded } }
}
