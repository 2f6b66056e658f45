import Dispatch
import Foundation
import Synchronization

/// One thread of its own that runs the supervision of every child process — reading its output, noting
/// watched strings, its timer, stopping it — so that a busy shared pool (CPU-bound parsers, a parallel
/// test run) cannot delay a time-out, a SIGTERM or the moment a marker appeared. `ProcessRunner.run`
/// prefers it for the whole run (SE-0417 task executor preference); the work it runs is light (copying
/// bytes into bounded buffers or a file).
final class SupervisorExecutor: TaskExecutor {
    static let shared = SupervisorExecutor()

    private let jobs = Mutex<[UnownedJob]>([])
    private let available = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in run() }
        thread.name = "bulkhead-process-supervisor"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        available.signal()
    }

    /// Runs the jobs in the order they came, for the life of the process.
    private func run() {
        while true {
            available.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
