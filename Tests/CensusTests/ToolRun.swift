import Foundation
import ProcessRunner

/// A tool run by the tests (through ProcessRunner, like the census itself).
struct ToolRun {
    var status: Int32?
    var stdout: String
    var stderr: String

    static func find(_ name: String) -> String? { ProcessRunner.find(name) }

    static func run(_ executable: String, _ arguments: [String], currentDirectory: URL? = nil) async throws -> ToolRun {
        let outcome = try await ProcessRunner.run(
            ProcessRequest([executable] + arguments, workingDirectory: currentDirectory?.path, timeout: .seconds(300)))
        return ToolRun(status: outcome.exitStatus, stdout: outcome.stdoutText, stderr: outcome.stderrText)
    }
}
