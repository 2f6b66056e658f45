public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real program started for a test (QEMU, runsc, bwrap …), stopped — only it, by its own pid — when
/// the test lets go of it.
public final class LiveProgram {
    public let process = Process()

    public init(_ argv: [String]) throws {
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Waits until /proc shows the process with `marker` in its command line, then `settle` more
    /// (QEMU installs its seccomp filter and drops privileges during start-up).
    public func waitUntilVisible(containing marker: String, timeout: Duration = .seconds(15), settle: TimeInterval = 0) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: data, as: UTF8.self).contains(marker)
            {
                if settle > 0 { Thread.sleep(forTimeInterval: settle) }
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// SIGKILL, not SIGTERM: children started by Foundation's Process inherit the Swift runtime's blocked
    /// signal mask (SigBlk includes SIGTERM), so QEMU never sees `terminate()` and waiting would hang.
    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}
