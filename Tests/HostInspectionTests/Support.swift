import Foundation
import Testing

@testable import HostInspection

#if canImport(Glibc)
    import Glibc
#endif

enum Fixtures {
    static var directory: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures resource missing")
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try directory.appendingPathComponent(name)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: 1 << 20) ?? Data())
    }

    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }
}

/// A temporary directory removed when the value is dropped by the test (call `remove()`).
struct TempDir {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-host-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func write(_ relative: String, _ bytes: [UInt8], mode: Int = 0o644) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: mode]))
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws { try write(relative, Array(text.utf8), mode: mode) }

    func link(_ relative: String, to target: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(relative), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }
}

/// A host tree built from the real captured fixtures (see Fixtures/PROVENANCE.md).
enum FixtureHost {
    static let pid = 2761
    static let statOnlyPid = 2952

    static func build() throws -> TempDir {
        let dir = try TempDir()
        try dir.write("proc/\(pid)/status", try Fixtures.bytes("proc-status.txt"))
        try dir.write("proc/\(pid)/cmdline", try Fixtures.bytes("proc-cmdline.bin"))
        try dir.write("proc/\(pid)/cgroup", try Fixtures.bytes("proc-cgroup.txt"))
        try dir.link("proc/\(pid)/exe", to: "/usr/bin/cat")
        for line in try Fixtures.text("proc-ns.txt").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { try dir.link("proc/\(pid)/ns/\(parts[0])", to: String(parts[1])) }
        }
        // A second process with only `stat` readable (the fallback path for comm and ppid).
        try dir.write("proc/\(statOnlyPid)/stat", try Fixtures.bytes("proc-stat.txt"))
        try dir.write("proc/cpuinfo", try Fixtures.bytes("cpuinfo.txt"))
        try dir.write("proc/cmdline", try Fixtures.bytes("proc-cmdline-kernel.txt"))
        try dir.write("proc/sys/kernel/osrelease", try Fixtures.bytes("osrelease.txt"))
        try dir.write("proc/sys/kernel/hostname", "fixture-host\n")
        try dir.write("var/lib/dpkg/status", try Fixtures.bytes("dpkg-status.txt"))
        for name in ["meltdown", "spectre_v2", "l1tf"] {
            try dir.write("sys/devices/system/cpu/vulnerabilities/\(name)", try Fixtures.bytes("vulnerabilities/\(name)"))
        }
        try dir.write("sys/devices/system/cpu/smt/control", try Fixtures.bytes("smt-control.txt"))
        try dir.write("sys/devices/system/clocksource/clocksource0/available_clocksource", try Fixtures.bytes("available_clocksource.txt"))
        return dir
    }
}

/// Runs a program (argument array, no shell), returns stdout, records a failure on non-zero exit.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    guard waitForExit(process, seconds: 120) else {
        Issue.record("\(executable) \(arguments.joined(separator: " ")) did not exit within 120 s")
        return String(decoding: data, as: UTF8.self)
    }
    if process.terminationStatus != 0 {
        Issue.record(
            "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Reads a small file for comparison (bounded).
func smallFile(_ path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: 1 << 20)).map { String(decoding: $0, as: UTF8.self) }
}

/// Waits for Foundation to reap `process`, at most `seconds` (never hangs a test run the way an
/// unbounded `waitUntilExit` can when many children exit at once).
func waitForExit(_ process: Process, seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning {
        if Date() > deadline { return false }
        usleep(10_000)
    }
    return true
}
