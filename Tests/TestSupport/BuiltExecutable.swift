public import Foundation

/// A product built beside the test bundle (`swift test` and `swift build --build-tests` build every
/// product): looked up next to the test runner, then in `.build/debug`.
public func builtExecutable(_ name: String) throws -> URL {
    var candidates: [URL] = []
    let arg0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    var dir = arg0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent(name))
        dir = dir.deletingLastPathComponent()
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(repo.appendingPathComponent(".build/debug/\(name)"))
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
    throw BuiltExecutableMissing(name: name, searched: candidates.map(\.path))
}

/// The product was not built.
public struct BuiltExecutableMissing: Error, CustomStringConvertible {
    public var name: String
    public var searched: [String]
    public var description: String { "\(name) not found (build it with `swift build --build-tests`); looked in \(searched)" }
}

/// What a run of a built program printed and how it ended.
public struct BuiltRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the built `bulkhead` (or `executable`, e.g. `script` wrapping it in a terminal) as a user would, with
/// `dir` as HOME and XDG data directory (nothing touches the user's store), a fixed PATH and TZ, standard
/// input /dev/null, and `workingDirectory` when given. Output goes through files in `dir`, removed after.
public func runBulkhead(
    _ arguments: [String], in dir: URL, environment: [String: String] = [:], executable: String? = nil,
    workingDirectory: URL? = nil
) throws -> BuiltRun {
    let out = dir.appendingPathComponent(".stdout-\(UUID().uuidString)")
    let err = dir.appendingPathComponent(".stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let process = Process()
    process.executableURL = try executable.map { URL(fileURLWithPath: $0) } ?? builtExecutable("bulkhead")
    process.arguments = arguments
    if let workingDirectory { process.currentDirectoryURL = workingDirectory }
    process.environment = ["HOME": dir.path, "XDG_DATA_HOME": dir.path, "PATH": "/usr/bin:/bin", "TZ": "UTC"].merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return BuiltRun(
        status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}
