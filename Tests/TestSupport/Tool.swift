public import Foundation
import Synchronization

/// What a test needs from this machine: programs, data files, Debian packages, python modules.
///
/// A test that needs one says so with a trait, so that it shows as skipped where the need is missing,
/// and takes what it needs with `#require`:
///
///     @Test(.enabled(if: Tool.runs("qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
///     func bootsAGuest() throws {
///         let qemu = try #require(Tool.find("qemu-system-x86_64"), "qemu-system-x86_64 is not installed")
///
/// In CI (`CI=true`) `.ci/run` installs everything, so there every condition is true and a missing
/// tool fails the test at its `#require` instead of skipping it. Nothing here records issues itself.
public enum Tool {
    /// True in CI (`CI=true`), where every tool is installed and a missing one is a failure.
    public static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The executable `name`: an absolute (or relative) path as given when it is executable, otherwise
    /// the first executable of that name on PATH.
    public static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// For `.enabled(if:)`: every program is installed, or this is CI.
    public static func runs(_ names: String...) -> Bool {
        inCI || names.allSatisfy { find($0) != nil }
    }

    /// `path` when a file (or directory) is there.
    public static func file(_ path: String) -> String? {
        FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// For `.enabled(if:)`: every file is there, or this is CI.
    public static func hasFile(_ paths: String...) -> Bool {
        inCI || paths.allSatisfy { file($0) != nil }
    }

    /// The installed version of a Debian package (from `dpkg-query`), nil when it is not installed.
    public static func debianPackage(_ name: String) -> String? {
        guard let query = find("dpkg-query") else { return nil }
        let (status, output) = run(query, ["-W", "-f", "${Status}\t${Version}", name])
        let fields = output.split(separator: "\t", maxSplits: 1)
        guard status == 0, fields.count == 2, fields[0].hasSuffix("ok installed") else { return nil }
        return String(fields[1])
    }

    /// For `.enabled(if:)`: every Debian package is installed, or this is CI.
    public static func hasDebianPackages(_ names: String...) -> Bool {
        inCI || names.allSatisfy { debianPackage($0) != nil }
    }

    /// python3 on PATH when it imports every module; probed once per list of modules.
    public static func python(importing modules: String...) -> String? {
        probePython(modules)
    }

    /// For `.enabled(if:)`: python3 imports every module, or this is CI.
    public static func runsPython(importing modules: String...) -> Bool {
        inCI || probePython(modules) != nil
    }

    private static func probePython(_ modules: [String]) -> String? {
        let statement = "import " + modules.joined(separator: ", ")
        if let known = pythonProbes.withLock({ $0[statement] }) { return known }
        var found: String?
        if let python = find("python3"), run(python, ["-c", statement]).status == 0 { found = python }
        pythonProbes.withLock { $0[statement] = found }
        return found
    }

    /// Python probes by import statement: the interpreter that ran it, or nil.
    private static let pythonProbes = Mutex<[String: String?]>([:])

    /// Everything `executable` writes to stdout when run with `arguments` (an argument array, no shell; stdin empty,
    /// stderr discarded), once it has exited: for tests that compare Bulkhead with a reference program's output.
    public static func output(_ executable: String, _ arguments: [String]) throws -> Data {
        let (process, out) = try launch(executable, arguments)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    /// `executable` started with `arguments` (no shell), stdin empty, stderr discarded, stdout a pipe.
    private static func launch(_ executable: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        return (process, out)
    }

    /// Runs a short probe (argument array, no shell); its exit status and the first 64 KiB of stdout.
    private static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        guard let (process, out) = try? launch(executable, arguments) else { return (-1, "") }
        let data = (try? out.fileHandleForReading.read(upToCount: 64 << 10)) ?? Data()
        try? out.fileHandleForReading.close()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
