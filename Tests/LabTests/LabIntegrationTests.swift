import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import Lab

/// The lab for real: QEMU under TCG, gVisor and bubblewrap on this machine. Serialized so two guests
/// never compete for the CPU.
@Suite("Lab runs real mechanisms", .serialized)
struct LabIntegrationTests {
    func assertCleanedUp(_ run: LabRun) {
        guard let ws = workspace(in: run) else {
            Issue.record("no workspace in \(run.command)")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: ws), "workspace \(ws) was left behind")
        #expect(LabWorkspace.processes(mentioning: ws).isEmpty, "processes of \(ws) still running")
    }

    /// The KVM trial of `--accel auto` decides from the guest kernel's first serial byte. Its positive control:
    /// the same trial under TCG with a few seconds sees that byte (so "no byte" really means no guest code ran).
    @Test(
        "the KVM trial decides from the first serial byte, and sees it under TCG",
        .enabled(if: canBootQEMU, "needs qemu-system-x86 and a guest kernel (.ci/run installs them)"))
    func kvmTrialDecidesFromTheFirstSerialByte() async throws {
        try requireQEMU()
        let qemu = try LabTools.require("qemu-system-x86_64", package: "qemu-system-x86")
        let bzImage = try LabTools.kernel(explicit: nil)
        let kernel = try await KernelImage.uncompressed(bzImage).get()
        let control = try #require(await LabRunner.serialTrial(qemu: qemu, accelerator: "tcg", kernel: kernel, timeout: .seconds(20)))
        #expect(control.outputTruncated && !control.timedOut, "TCG printed nothing in 20 s: \(String(decoding: control.stderr, as: UTF8.self))")
        let outcome = await LabRunner.kvmWorks(options: LabOptions(mechanism: .qemu), kernel: kernel)
        let (usable, note) = (outcome.usable, outcome.note)
        // A trial that ran decides, and only then is its verdict kept (`kvmDecision`).
        #expect(outcome.decidedByTrial == note.hasPrefix("KVM trial:"), "\(outcome)")
        if usable {
            #expect(note.contains("printed on its serial console"), "\(note)")
        } else {
            #expect(
                note.contains("no serial output") || note.contains("/dev/kvm") || note.contains("qemu ended"), "\(note)")
            #expect(note.hasSuffix("TCG used"))
        }
        #expect(LabWorkspace.processes(mentioning: "earlyprintk=serial,ttyS0 panic=-1").isEmpty, "a trial qemu is still running")
    }

    @Test(
        "QEMU/TCG: the probe identifies TCG; floppy, 9p share and -cpu max flip their scenarios",
        .enabled(if: canBootQEMU, "needs qemu-system-x86, cpio and a guest kernel (.ci/run installs them)"))
    func qemuVariantsFlip() async throws {
        try requireQEMU()
        var options = LabOptions(mechanism: .qemu)
        options.accelerator = .tcg
        options.variants = ["baseline", "floppy", "virtfs", "nested"]
        let report = try await LabRunner.run(options)
        #expect(report.runs.count == 4)
        guard report.runs.count == 4 else { return }
        let baseline = report.runs[0]
        let floppy = report.runs[1]
        let virtfs = report.runs[2]
        let nested = report.runs[3]
        for run in report.runs {
            #expect(run.inconclusiveReason == nil, "\(run.variant): \(run.inconclusiveReason ?? "") \(run.diagnostics ?? "")")
            #expect(run.identified == "qemu-tcg")
            #expect(run.accelerator == "tcg")
            #expect(run.outcome("identification") == .pass)
            #expect(run.outcome("seccomp") == .notApplicable)
            #expect(run.rawProbeOutput?.contains("TCGTCGTCGTCG") == true)
            #expect(run.timings.boot > 0 && run.timings.total >= run.timings.boot)
            assertCleanedUp(run)
        }
        #expect(baseline.outcome("legacy-devices") == .pass)
        #expect(floppy.outcome("legacy-devices") == .fail)
        let observed = floppy.scenarios.first { $0.id == "legacy-devices" }?.observed ?? ""
        #expect(observed.contains("floppy-controller"), "\(observed)")
        #expect(baseline.outcome("nested-virtualization") == .pass)
        #expect(baseline.outcome("host-share") == .pass)
        #expect(virtfs.outcome("host-share") == .fail)
        #expect(virtfs.outcome("legacy-devices") == .pass)
        #expect(nested.outcome("nested-virtualization") == .fail)
        #expect(nested.outcome("host-share") == .pass)

        // The report becomes ISM-1460/1604 evidence.
        let evidence = report.evidence()
        #expect(evidence.contains { $0.claim.contains("scenario legacy-devices on qemu [floppy]: fail") })
        let findings = report.findings()
        #expect(findings.contains { $0.checkID == "lab.legacy-devices" && $0.outcome == .fail && !$0.evidence.isEmpty })
        #expect(findings.allSatisfy { !$0.controls.isEmpty })
    }

    @Test(
        "QEMU: a guest that never finishes is killed at the timeout and nothing is left",
        .enabled(if: canBootQEMU, "needs qemu-system-x86, cpio and a guest kernel (.ci/run installs them)"))
    func qemuTimeoutKill() async throws {
        try requireQEMU()
        var options = LabOptions(mechanism: .qemu)
        options.accelerator = .tcg
        // Far too short for a TCG boot (about 1.6 s with the uncompressed PVH kernel): killed mid-boot.
        options.timeout = .milliseconds(400)
        options.scenarios = ["identification", "legacy-devices"]
        let started = ContinuousClock.now
        let report = try await LabRunner.run(options)
        let elapsed = ContinuousClock.now - started
        let run = try #require(report.runs.first)
        #expect(run.timedOut)
        #expect(run.inconclusiveReason?.contains("killed") == true)
        #expect(run.scenarios.allSatisfy { $0.outcome == .inconclusive })
        #expect(elapsed < .seconds(30), "kill took \(elapsed)")
        assertCleanedUp(run)
    }

    @Test(
        "a paused QEMU (-S) is killed by the bounded runner",
        .enabled(if: Tool.runs("qemu-system-x86_64"), "needs qemu-system-x86_64 (Debian package qemu-system-x86)"))
    func pausedQEMUKilled() async throws {
        let qemu = try #require(LabTools.find("qemu-system-x86_64"), "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
        let tag = "paused-" + UUID().uuidString.prefix(8)
        let run = try await BoundedProcess.run(
            [qemu, "-S", "-accel", "tcg", "-display", "none", "-serial", "stdio", "-monitor", "none", "-name", tag],
            timeout: .seconds(1), outputLimit: 1 << 16)
        #expect(run.timedOut)
        #expect(run.exitStatus == nil)
        #expect(LabWorkspace.processes(mentioning: tag).isEmpty, "paused QEMU still running")
    }

    @Test(
        "gVisor: the probe identifies gVisor; host-share fails because runsc do shares the host root",
        .enabled(if: Tool.runs("runsc"), "needs runsc (Debian package runsc)"))
    func runsc() async throws {
        _ = try #require(LabTools.find("runsc"), "runsc is not installed (Debian package runsc)")
        let report = try await LabRunner.run(LabOptions(mechanism: .runsc))
        let run = try #require(report.runs.first)
        #expect(run.inconclusiveReason == nil, "\(run.inconclusiveReason ?? "") \(run.diagnostics ?? "")")
        #expect(run.identified == "gvisor")
        #expect(run.outcome("identification") == .pass)
        #expect(run.outcome("legacy-devices") == .notApplicable)
        #expect(run.outcome("seccomp") == .notApplicable)
        #expect(run.outcome("host-share") == .fail)
        assertCleanedUp(run)
    }

    @Test(
        "bubblewrap: namespaces identified; variants flip namespace, capability and host-share scenarios",
        .enabled(if: Tool.runs("bwrap"), "needs bwrap (Debian package bubblewrap)"))
    func bwrapVariants() async throws {
        _ = try #require(LabTools.find("bwrap"), "bwrap is not installed (Debian package bubblewrap)")
        var options = LabOptions(mechanism: .bwrap)
        options.variants = ["baseline", "share-net", "share-pid", "cap-sys-admin", "minimal-root"]
        let report = try await LabRunner.run(options)
        let runs = Dictionary(uniqueKeysWithValues: report.runs.map { ($0.variant, $0) })
        for run in report.runs {
            #expect(run.inconclusiveReason == nil, "\(run.variant): \(run.inconclusiveReason ?? "") \(run.diagnostics ?? "")")
            #expect(run.identified == "namespaces", "\(run.variant) identified \(run.identified ?? "nothing")")
            #expect(run.outcome("legacy-devices") == .notApplicable)
            #expect(run.outcome("seccomp") == .fail, "bwrap installs no seccomp filter unless given one")
            assertCleanedUp(run)
        }
        #expect(runs["baseline"]?.outcome("host-namespaces") == .pass)
        #expect(runs["share-net"]?.outcome("host-namespaces") == .fail)
        #expect(runs["share-pid"]?.outcome("host-namespaces") == .fail)
        #expect(runs["baseline"]?.outcome("dangerous-capabilities") == .pass)
        #expect(runs["cap-sys-admin"]?.outcome("dangerous-capabilities") == .fail)
        #expect(runs["baseline"]?.outcome("host-share") == .fail, "--ro-bind / / exposes the host's files")
        #expect(runs["minimal-root"]?.outcome("host-share") == .pass)
    }

    @Test(
        "crun: a default OCI bundle passes the sandbox scenarios; a privileged one fails capabilities and seccomp",
        .enabled(if: Tool.runs("crun"), "needs crun (Debian package crun)"))
    func crunVariants() async throws {
        _ = try #require(LabTools.find("crun"), "crun is not installed (Debian package crun)")
        var options = LabOptions(mechanism: .crun)
        options.variants = ["baseline", "privileged"]
        let report = try await LabRunner.run(options)
        let runs = Dictionary(uniqueKeysWithValues: report.runs.map { ($0.variant, $0) })
        for run in report.runs {
            #expect(run.inconclusiveReason == nil, "\(run.variant): \(run.inconclusiveReason ?? "") \(run.diagnostics ?? "")")
            #expect(run.identified == "namespaces")
            #expect(run.outcome("host-share") == .pass, "the bundle's rootfs holds only the probe")
            assertCleanedUp(run)
        }
        #expect(runs["baseline"]?.outcome("dangerous-capabilities") == .pass)
        #expect(runs["baseline"]?.outcome("seccomp") == .pass)
        #expect(runs["privileged"]?.outcome("dangerous-capabilities") == .fail)
        #expect(runs["privileged"]?.outcome("seccomp") == .fail)
    }

    @Test(
        "mechanisms differ: gVisor and bubblewrap disagree where their isolation differs",
        .enabled(if: Tool.runs("runsc", "bwrap"), "needs runsc (Debian package runsc) and bwrap (Debian package bubblewrap)"))
    func mechanismsDiffer() async throws {
        _ = try #require(LabTools.find("runsc"), "runsc is not installed (Debian package runsc)")
        _ = try #require(LabTools.find("bwrap"), "bwrap is not installed (Debian package bubblewrap)")
        let g = try await LabRunner.run(LabOptions(mechanism: .runsc)).runs.first
        let bReport = try await LabRunner.run(LabOptions(mechanism: .bwrap))
        let b = bReport.runs.first
        #expect(g?.identified != b?.identified)
        #expect(g?.outcome("seccomp") != b?.outcome("seccomp"))

        // A stored report (as `--format json` writes it) loads back for `assess --lab`.
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try encoder.encode(bReport).write(to: URL(fileURLWithPath: path))
        let loaded = try LabReport.load(path: path)
        #expect(loaded.runs.map(\.scenarios) == bReport.runs.map(\.scenarios))
        #expect(!loaded.evidence().isEmpty)
        try Data("{\"schemaVersion\":1,\"runs\":\"x\"}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LabError.self) { try LabReport.load(path: path) }
    }

    @Test(
        "--keep-artifacts keeps the build directory; bad names are errors",
        .enabled(if: Tool.runs("bwrap"), "needs bwrap (Debian package bubblewrap)"))
    func keepAndErrors() async throws {
        _ = try #require(LabTools.find("bwrap"), "bwrap is not installed (Debian package bubblewrap)")
        let keep = FileManager.default.temporaryDirectory.appendingPathComponent("lab-keep-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: keep) }
        var options = LabOptions(mechanism: .bwrap)
        options.keepArtifacts = keep
        let report = try await LabRunner.run(options)
        #expect(report.artifactsDirectory == keep)
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: keep)) ?? []
        #expect(kept.count == 1 && kept.first?.hasPrefix("bulkhead-lab-") == true)

        var bad = LabOptions(mechanism: .bwrap)
        bad.scenarios = ["no-such-scenario"]
        await #expect(throws: LabError.self) { try await LabRunner.run(bad) }
        var badVariant = LabOptions(mechanism: .runsc)
        badVariant.variants = ["floppy"]
        await #expect(throws: LabError.self) { try await LabRunner.run(badVariant) }
        var badProbe = LabOptions(mechanism: .bwrap)
        badProbe.probePath = "/nonexistent/bulkhead-probe"
        await #expect(throws: LabError.self) { try await LabRunner.run(badProbe) }
    }
}
