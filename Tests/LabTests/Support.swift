import Foundation
import Testing

@testable import Lab

/// True in CI (env CI=true), where a missing program is a failure, not a skip.
let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// Whether `program` is installed; in CI its absence is recorded as a failure with what to install.
func available(_ program: String, package: String) -> Bool {
    if LabTools.find(program) != nil { return true }
    if inCI { Issue.record("\(program) is not installed; CI must install the Debian package \(package) (.ci/run)") }
    return false
}

/// Whether the lab can boot QEMU here: qemu, cpio, busybox-static and a readable kernel.
func qemuAvailable() -> Bool {
    guard available("qemu-system-x86_64", package: "qemu-system-x86"), available("cpio", package: "cpio") else {
        return false
    }
    do {
        _ = try LabTools.kernel(explicit: nil)
        return true
    } catch {
        if inCI { Issue.record("no guest kernel: \(error)") }
        return false
    }
}

/// The probe the build produced (beside the test bundle).
func probePath() throws -> String { try LabTools.probe(explicit: nil) }

/// Runs the real probe on this machine and returns its stdout (a real capture for parser tests).
func captureProbeOutput(_ arguments: [String] = []) async throws -> [UInt8] {
    let run = try await BoundedProcess.run(
        [try probePath()] + arguments, timeout: .seconds(60), outputLimit: 4 << 20)
    #expect(run.exitStatus == 0, "probe exited with \(String(describing: run.exitStatus))")
    return run.stdout
}

/// The workspace directory named in a run's command (every launcher puts it there).
func workspace(in run: LabRun) -> String? {
    for argument in run.command {
        if let match = argument.firstMatch(of: /(\/[^,= ]*\/bulkhead-lab-[0-9a-f]{8})/) {
            return String(match.output.1)
        }
    }
    return nil
}

extension LabRun {
    func outcome(_ id: String) -> ScenarioOutcome? { scenarios.first { $0.id == id }?.outcome }
}
