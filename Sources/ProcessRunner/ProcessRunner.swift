import Foundation
import Subprocess
import SystemPackage

/// The one way Bulkhead runs a program: swift-subprocess with an argument array (never a shell), bounded
/// output, a time bound that stops the program with SIGTERM and then SIGKILL after a grace period, and a
/// child that starts with an empty signal mask and default signal handlers (so SIGTERM works in it even
/// when the caller blocks signals).
public enum ProcessRunner {
    /// The directories `find` looks in, in order: the distribution's before /usr/local (as Census did).
    public static let systemDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin"]

    /// The absolute path of the program `name` in `directories`, nil when none holds an executable file of
    /// that name. A name with a slash is taken as a path.
    public static func find(_ name: String, in directories: [String] = systemDirectories) -> String? {
        if name.contains("/") { return isExecutableFile(name) ? name : nil }
        for directory in directories where isExecutableFile(directory + "/" + name) { return directory + "/" + name }
        return nil
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    /// Runs `request` to its end. Throws only when the program could not be started (or a named file could
    /// not be opened); a time-out, an output bound or a failing status is in the outcome (`checked()` turns
    /// those into errors).
    public static func run(_ request: ProcessRequest) async throws(ProcessRunnerError) -> ProcessOutcome {
        try await withTaskExecutorPreference(SupervisorExecutor.shared) { () async throws(ProcessRunnerError) -> ProcessOutcome in
            try await supervised(request)
        }
    }

    /// `run` on the supervisor thread.
    static func supervised(_ request: ProcessRequest) async throws(ProcessRunnerError) -> ProcessOutcome {
        guard let program = request.argv.first else { throw ProcessRunnerError(.invalidArgument, "empty command") }
        guard program.hasPrefix("/") else {
            throw ProcessRunnerError(.invalidArgument, "\(program) is not an absolute path (programs are never looked up in PATH)")
        }
        guard isExecutableFile(program) else {
            throw ProcessRunnerError(.programNotFound, "\(program) does not exist or is not an executable file")
        }
        let out = try OutputSink(request.output, watch: request.watch)
        defer { out.close() }
        let err = try OutputSink(request.error, watch: [])
        defer { err.close() }

        var options = PlatformOptions()
        // Cancellation of the calling task stops the program the same way a time-out does.
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: request.grace)]
        let configuration = Configuration(
            executable: .path(FilePath(program)), arguments: Arguments(Array(request.argv.dropFirst())),
            environment: environment(request.environment), workingDirectory: request.workingDirectory.map { FilePath($0) },
            platformOptions: options)

        let started = ContinuousClock.now
        let deadline = request.timeout.map { started + $0 }
        let supervision: Supervision
        let termination: TerminationStatus
        do {
            switch request.input {
            case .none:
                let result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                    await supervise(execution, out: out, err: err, deadline: deadline, grace: request.grace)
                }
                (supervision, termination) = (result.closureResult, result.terminationStatus)
            case .file(let path):
                let descriptor: FileDescriptor
                do { descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
                    throw ProcessRunnerError(.io, "cannot open \(path) for the standard input of \(program)", cause: error)
                }
                let result = try await Subprocess.run(
                    configuration, input: .fileDescriptor(descriptor, closeAfterSpawningProcess: true), output: .sequence,
                    error: .sequence
                ) { execution in
                    await supervise(execution, out: out, err: err, deadline: deadline, grace: request.grace)
                }
                (supervision, termination) = (result.closureResult, result.terminationStatus)
            }
        } catch let error as ProcessRunnerError {
            throw error
        } catch let error as SubprocessError {
            throw launchError(error, program: program, workingDirectory: request.workingDirectory)
        } catch {
            throw ProcessRunnerError(.launchFailed, "cannot run \(program)", cause: error)
        }
        let ended = supervision.exited ?? ContinuousClock.now
        let stop = supervision.stop
        let o = out.snapshot
        let e = err.snapshot
        if let problem = o.writeError ?? e.writeError {
            throw ProcessRunnerError(.io, "cannot write the output of \(program)", cause: problem)
        }
        let ending: ProcessTermination
        switch termination {
        case .exited(let status): ending = .exited(status)
        case .signaled(let signal): ending = .signalled(signal)
        }
        return ProcessOutcome(
            argv: request.argv, termination: ending, stdout: o.bytes, stderr: e.bytes, stdoutBytes: o.seen, stdoutTruncated: o.truncated,
            stderrTruncated: e.truncated, timedOut: stop == .timedOut, stoppedAtOutputCap: stop == .outputOverCap, started: started,
            ended: ended, marks: o.marks)
    }

    /// Why Bulkhead stopped a program.
    enum Stop: Sendable, Hashable {
        case timedOut
        case outputOverCap
    }

    /// What supervising a run found: why it was stopped, if it was, and when it was seen to exit.
    struct Supervision: Sendable {
        var stop: Stop?
        var exited: ContinuousClock.Instant?
    }

    enum Event: Sendable {
        case drained
        case exited(ContinuousClock.Instant)
        case stopped(Stop)
        case idle
    }

    /// Reads both streams to their end while a timer and the output bounds may ask for the program to be
    /// stopped. The first request sends SIGTERM, and SIGKILL when the program is still there after the
    /// grace period — with swift-subprocess's `send(signal:)` from this thread, not its `teardown`, whose
    /// steps run in a task on the shared pool and were late by seconds when that pool was busy (a 0.3 s
    /// time-out took 15 s in a parallel test run). The process is not reaped before the body returns, so
    /// its id cannot have been reused when a signal is sent.
    static func supervise<Input: InputProtocol>(
        _ execution: Execution<Input, SequenceOutput, SequenceOutput>, out: OutputSink, err: OutputSink,
        deadline: ContinuousClock.Instant?, grace: Duration
    ) async -> Supervision {
        let (requests, requester) = AsyncStream<Stop>.makeStream()
        let pid = execution.processIdentifier.value
        return await withTaskGroup(of: Event.self) { group in
            group.addTask {
                for await reason in requests {
                    // A time-out that comes as the program ends on its own is no time-out.
                    if reason == .timedOut && !isRunning(pid) { continue }
                    try? execution.send(signal: .terminate)
                    // Cancelled when the program is seen to exit: then no SIGKILL.
                    do { try await Task.sleep(for: grace) } catch { return .stopped(reason) }
                    try? execution.send(signal: .kill)
                    return .stopped(reason)
                }
                return .idle
            }
            if let deadline {
                group.addTask {
                    do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return .idle }
                    requester.yield(.timedOut)
                    return .idle
                }
            }
            group.addTask {
                await drain(execution.standardOutput, into: out) { requester.yield(.outputOverCap) }
                return .drained
            }
            group.addTask {
                await drain(execution.standardError, into: err) { requester.yield(.outputOverCap) }
                return .drained
            }
            var drained = 0
            var supervision = Supervision()
            while let event = await group.next() {
                switch event {
                case .drained:
                    drained += 1
                    // Both streams ended, usually because the program exited; one that closed them and
                    // runs on is still under its time bound until it exits.
                    if drained == 2 {
                        group.addTask { .exited(await waitForExit(pid)) }
                    }
                case .exited(let instant):
                    supervision.exited = instant
                    requester.finish()
                    group.cancelAll()
                case .stopped(let reason): supervision.stop = supervision.stop ?? reason
                case .idle: break
                }
            }
            return supervision
        }
    }

    /// The instant process `pid` was seen to have exited (it is then a zombie until swift-subprocess reaps it after the
    /// body returns, so the id cannot be reused meanwhile), or when the task is cancelled. Its streams have
    /// ended, so this is almost always immediate; a program that closed them and runs on is checked at
    /// growing intervals up to 50 ms.
    static func waitForExit(_ pid: Int32) async -> ContinuousClock.Instant {
        var pause = Duration.milliseconds(1)
        while !Task.isCancelled && isRunning(pid) {
            do { try await Task.sleep(for: pause) } catch { break }
            pause = min(pause * 2, .milliseconds(50))
        }
        return ContinuousClock.now
    }

    /// False once `/proc/PID/stat` shows the process as a zombie (or is gone).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/stat") else { return false }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 4096) else { return false }
        // "PID (COMM) STATE …": COMM may hold spaces and parentheses, so read after the last ')'.
        guard let close = data.lastIndex(of: UInt8(ascii: ")")), close + 2 < data.endIndex else { return false }
        let state = data[close + 2]
        return state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }

    /// Reads a stream to its end (end of file, or the program's exit), keeping what the sink's bound allows.
    static func drain(_ stream: SubprocessOutputSequence, into sink: OutputSink, overflow: () -> Void) async {
        do {
            for try await buffer in stream {
                if sink.append(Data(buffer: buffer)) { overflow() }
            }
        } catch {
            // A read error ends the stream; what was read is kept.
        }
    }

    static func environment(_ choice: ProcessRequest.Environment) -> Subprocess.Environment {
        switch choice {
        case .inherit:
            return .inherit
        case .inheritUpdating(let values):
            var updates: [Subprocess.Environment.Key: String?] = [:]
            for (name, value) in values { if let key = Subprocess.Environment.Key(rawValue: name) { updates[key] = value } }
            return .inherit.updating(updates)
        case .exactly(let values):
            var exact: [Subprocess.Environment.Key: String] = [:]
            for (name, value) in values { if let key = Subprocess.Environment.Key(rawValue: name) { exact[key] = value } }
            return .custom(exact)
        }
    }

    static func launchError(_ error: SubprocessError, program: String, workingDirectory: String?) -> ProcessRunnerError {
        switch error.code {
        case .executableNotFound:
            return ProcessRunnerError(.programNotFound, "\(program) does not exist or is not an executable file", cause: error)
        case .failedToChangeWorkingDirectory:
            return ProcessRunnerError(
                .launchFailed, "cannot start \(program) in \(workingDirectory ?? "its working directory")", cause: error)
        default:
            return ProcessRunnerError(.launchFailed, "cannot start \(program)", cause: error)
        }
    }
}
