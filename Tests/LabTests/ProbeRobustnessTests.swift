import Foundation
import Testing

@testable import Lab

/// The probe runs in hostile environments: planted FIFOs and huge files must not hang or exhaust it.
@Suite("Probe robustness")
struct ProbeRobustnessTests {
    func decode(_ bytes: [UInt8]) throws -> ObservedProbe {
        switch ProbeOutputParser.decode(bytes) {
        case .success(let (probe, _)): return probe
        case .failure(let error): throw error
        }
    }

    @Test("a FIFO planted at a path the probe reads is refused, not waited on")
    func fifoRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-fifo-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/canary"
        let mkfifo = try #require(LabTools.find("mkfifo"), "mkfifo (coreutils) is needed")
        let made = try await BoundedProcess.run([mkfifo, fifo], timeout: .seconds(10), outputLimit: 1024)
        #expect(made.exitStatus == 0)
        let run = try await BoundedProcess.run(
            [try probePath(), "--canary", fifo], timeout: .seconds(30), outputLimit: 4 << 20)
        #expect(!run.timedOut, "the probe blocked on a FIFO")
        let probe = try decode(run.stdout)
        #expect(probe.canary?.path == fifo)
        #expect(probe.canary?.content == nil)
        #expect(probe.problems?.contains { $0.subject == fifo && $0.message.contains("not a regular file") } == true)
    }

    @Test("a file over the bound is not read")
    func hugeFileRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-big-" + UUID().uuidString).path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 1 << 30)  // sparse 1 GiB
        try handle.close()
        let run = try await BoundedProcess.run(
            [try probePath(), "--canary", path], timeout: .seconds(30), outputLimit: 4 << 20)
        let probe = try decode(run.stdout)
        #expect(probe.canary?.content == nil)
        #expect(probe.problems?.contains { $0.subject == path && $0.message.contains("over the") } == true)
    }

    @Test("the probe's report on this machine is well formed and names a mechanism")
    func hostReport() async throws {
        let probe = try decode(try await captureProbeOutput())
        let mechanism = try #require(probe.identification?.mechanism)
        #expect(!mechanism.isEmpty && mechanism != "unknown")
        #expect(probe.namespaces?["pid"]?.hasPrefix("pid:[") == true)
        #expect(probe.process?.seccomp != nil)
    }
}
