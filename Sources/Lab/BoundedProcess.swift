public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The result of running a program with a time and size bound.
public struct BoundedRun: Sendable {
    public var argv: [String]
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// Exit status, or nil when the process was killed.
    public var exitStatus: Int32?
    public var timedOut: Bool
    /// True when stdout passed the size bound (the process was then killed).
    public var outputTruncated: Bool
    public var started: ContinuousClock.Instant
    public var ended: ContinuousClock.Instant
    /// When each watched string first appeared in stdout.
    public var marks: [String: ContinuousClock.Instant]
}

/// Collects a pipe's bytes up to a bound and notes when watched strings first appear.
final class OutputSink: Sendable {
    struct State {
        var bytes: [UInt8] = []
        var overflow = false
        var eof = false
        var marks: [String: ContinuousClock.Instant] = [:]
    }
    let limit: Int
    let watch: [[UInt8]]
    let state = Mutex(State())

    init(limit: Int, watch: [String]) {
        self.limit = limit
        self.watch = watch.map { Array($0.utf8) }
    }

    /// Appends; returns true when the bound was passed by this chunk.
    func append(_ chunk: [UInt8]) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { s in
            if s.overflow { return false }
            let before = s.bytes.count
            let room = max(0, limit - before)
            s.bytes.append(contentsOf: chunk.prefix(room))
            // Search only the region that could contain a new match.
            for needle in watch {
                let key = String(decoding: needle, as: UTF8.self)
                if s.marks[key] != nil { continue }
                let from = max(0, before - needle.count)
                if OutputSink.contains(s.bytes, needle, from: from) { s.marks[key] = now }
            }
            if chunk.count > room {
                s.overflow = true
                return true
            }
            return false
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8], from: Int) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        var i = max(0, from)
        let last = haystack.count - needle.count
        while i <= last {
            var j = 0
            while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
            if j == needle.count { return true }
            i += 1
        }
        return false
    }

    func finish() { state.withLock { $0.eof = true } }
    var isFinished: Bool { state.withLock { $0.eof } }
}

enum BoundedProcess {
    /// Runs `argv` (argv[0] an absolute path; never a shell) with stdin from /dev/null, capturing stdout
    /// up to `outputLimit` bytes and stderr up to 64 KiB. At `timeout` (or when the output bound is
    /// passed) the process is sent SIGTERM, then SIGKILL one second later. `onTimeout` runs after a kill
    /// (for mechanisms whose children outlive the parent, e.g. runsc's sandbox).
    static func run(
        _ argv: [String], timeout: Duration, outputLimit: Int, watch: [String] = [],
        environment: [String: String]? = nil, currentDirectory: String? = nil,
        stdinFile: String? = nil, stdoutFile: String? = nil
    ) async throws(LabError) -> BoundedRun {
        guard let executable = argv.first else { throw LabError(.invalidArgument, "empty command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        process.standardError = err
        if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else {
                throw LabError(.buildFailed, "cannot open \(stdinFile)")
            }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        if let stdoutFile {
            guard FileManager.default.createFile(atPath: stdoutFile, contents: nil),
                let handle = FileHandle(forWritingAtPath: stdoutFile)
            else { throw LabError(.buildFailed, "cannot create \(stdoutFile)") }
            process.standardOutput = handle
            try? out.fileHandleForWriting.close()
        } else {
            process.standardOutput = out
        }
        let stdoutSink = OutputSink(limit: outputLimit, watch: watch)
        let stderrSink = OutputSink(limit: 64 * 1024, watch: [])
        let overflowed = Mutex(false)

        let started = ContinuousClock.now
        do {
            try process.run()
        } catch {
            throw LabError(.launchFailed, "cannot start \(executable)", cause: "\(error)")
        }
        let pid = process.processIdentifier

        // Readers on their own threads: blocking reads until EOF.
        let outReader = Thread {
            let handle = out.fileHandleForReading
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                if stdoutSink.append([UInt8](data)) {
                    overflowed.withLock { $0 = true }
                    kill(pid, SIGKILL)
                }
            }
            stdoutSink.finish()
        }
        let errReader = Thread {
            let handle = err.fileHandleForReading
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                _ = stderrSink.append([UInt8](data))
            }
            stderrSink.finish()
        }
        outReader.start()
        errReader.start()

        let deadline = started + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(pid, SIGTERM)
                let grace = ContinuousClock.now + .seconds(1)
                while process.isRunning && ContinuousClock.now < grace {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                if process.isRunning { kill(pid, SIGKILL) }
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        let ended = ContinuousClock.now
        // Drain what the readers have (bounded wait: a grandchild may hold the pipe open).
        let drainDeadline = ContinuousClock.now + .seconds(2)
        while !(stdoutSink.isFinished && stderrSink.isFinished) && ContinuousClock.now < drainDeadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let killed = timedOut || overflowed.withLock { $0 } || process.terminationReason == .uncaughtSignal
        let outState = stdoutSink.state.withLock { $0 }
        let errState = stderrSink.state.withLock { $0 }
        return BoundedRun(
            argv: argv, stdout: outState.bytes, stderr: errState.bytes,
            exitStatus: killed ? nil : process.terminationStatus, timedOut: timedOut,
            outputTruncated: outState.overflow, started: started, ended: ended, marks: outState.marks)
    }

    /// True when a process with this id still exists (kill 0).
    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
}

extension Duration {
    /// Seconds as a Double, for reports.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
