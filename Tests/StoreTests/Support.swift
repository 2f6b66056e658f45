import BulkheadModel
import BulkheadTestSupport
import Foundation
import Store
import Testing

/// A throw-away directory for one test's store files.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A zone the tests need (tzdata ships with the toolchain; a missing zone fails the test that uses it).
func zone(_ id: String) -> TimeZone {
    guard let tz = TimeZone(identifier: id) else {
        Issue.record("time zone \(id) is not available")
        return TimeZone(secondsFromGMT: 0) ?? .current
    }
    return tz
}
let utc = zone("UTC")
let sydney = zone("Australia/Sydney")
let perth = zone("Australia/Perth")

func cal(_ tz: TimeZone) -> Calendar { DateInput.gregorian(tz) }

/// A wall-clock instant in a time zone.
func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, in tz: TimeZone = utc) -> Date {
    guard let date = cal(tz).date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi)) else {
        Issue.record("no such date \(y)-\(mo)-\(d) \(h):\(mi) in \(tz.identifier)")
        return Date(timeIntervalSince1970: 0)
    }
    return date
}

func ev(_ claim: String, _ date: Date) -> Evidence {
    Evidence(claim: claim, source: .file(path: "/usr/bin/qemu-system-x86_64", sha256: nil), observedAt: date, confidence: .high)
}

/// A record shaped like a real QEMU/KVM host assessment (product ids, check ids and versions from the
/// Debian packages the discovery tests see).
func sampleRecord(
    host: String = "hv01", finished: Date, qemuVersion: String = "1:8.2.2+ds-0ubuntu1", qemuName: String = "QEMU",
    guestName: String = "web01", sandboxOutcome: Outcome = .fail, extraMechanism: Bool = false,
    advisories: [String] = ["CVE-2024-3446"], stale: [String] = [], verdict1604: VerdictStatus = .partiallySatisfied
) -> AssessmentRecord {
    var mechanisms = [
        IsolationMechanism(
            product: "kvm", name: "KVM", version: "6.1.0-27-amd64", role: .kernelHypervisor, state: .loaded,
            evidence: [ev("kvm_intel loaded", finished)]),
        IsolationMechanism(
            product: "qemu", name: qemuName, version: qemuVersion, role: .vmm, state: .running,
            guests: [Guest(name: guestName, pid: 4242, running: true, evidence: [ev("qemu process", finished)])],
            evidence: [ev("dpkg qemu-system-x86", finished)]),
    ]
    if extraMechanism {
        mechanisms.append(IsolationMechanism(product: "runsc", name: "gVisor (runsc)", version: "20240212", role: .sandboxKernel, state: .installed))
    }
    return AssessmentRecord(
        host: host, source: "live", startedAt: finished.addingTimeInterval(-30), finishedAt: finished,
        bulkheadVersion: "0.1.0", mechanisms: mechanisms,
        findings: [
            Finding(
                checkID: "qemu.sandbox", subject: "qemu/\(guestName)", outcome: sandboxOutcome, observed: "-sandbox absent",
                expected: "-sandbox on", severity: .high, controls: [.ism1604], evidence: [ev("cmdline", finished)]),
            Finding(checkID: "qemu.run-as-root", subject: "qemu/\(guestName)", outcome: .pass, severity: .high, controls: [.ism1604]),
            Finding(
                checkID: "host.iommu", subject: "host", outcome: .inconclusive(reason: "/sys/class/iommu unreadable"),
                severity: .medium, controls: [.ism1605]),
        ],
        verdicts: [
            ControlVerdict(
                control: .ism1460, subject: "qemu", status: .satisfiedLessPreferred, confidence: .medium, rationale: ["fuzzing via OSS-Fuzz"],
                evidence: []),
            ControlVerdict(control: .ism1604, subject: "qemu", status: verdict1604, confidence: .high, rationale: ["sandbox off"], evidence: []),
        ],
        openAdvisories: ["qemu": advisories], staleFacts: stale,
        documents: ["assessment.json": Data("{\"host\":\"\(host)\"}".utf8)],
        problems: [Problem(subject: "pid 99", message: "process exited while reading")])
}

/// The StoreTestWriter helper, built beside the test bundle.
func writerExecutable() throws -> URL { try builtExecutable("StoreTestWriter") }

enum HelperError: Error, CustomStringConvertible {
    case timeout(String)
    var description: String {
        switch self {
        case .timeout(let what): "timed out waiting for \(what)"
        }
    }
}

/// A running helper whose stdout and stderr go to files (read by polling, so no shared mutable state).
final class Child {
    let process = Process()
    let outURL: URL
    let errURL: URL

    init(_ arguments: [String], in dir: TempDir, executable: String = "StoreTestWriter", environment: [String: String]? = nil) throws {
        let tag = UUID().uuidString
        outURL = dir.url.appendingPathComponent("writer-\(tag).out")
        errURL = dir.url.appendingPathComponent("writer-\(tag).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = try builtExecutable(executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    func waitFor(_ text: String, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !stdout.contains(text) {
            if Date() > deadline || !process.isRunning {
                if stdout.contains(text) { return }
                throw HelperError.timeout("'\(text)' from StoreTestWriter (stdout: \(stdout), stderr: \(stderr))")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
