import BulkheadTestSupport
import Foundation
import Testing

@testable import Lab

/// For `.enabled(if:)`: the lab can boot QEMU here (qemu, cpio and a readable guest kernel), or this is CI,
/// where `.ci/run` installs them and their absence fails the test at `requireQEMU()`.
let canBootQEMU: Bool = Tool.inCI || (Tool.runs("qemu-system-x86_64", "cpio") && (try? LabTools.kernel(explicit: nil)) != nil)

/// What a QEMU lab test needs, each as a failure naming what to install.
func requireQEMU() throws {
    _ = try #require(LabTools.find("qemu-system-x86_64"), "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
    _ = try #require(LabTools.find("cpio"), "cpio is not installed (Debian package cpio)")
    _ = try LabTools.kernel(explicit: nil)
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
