import Foundation
import ProcessRunner

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Finds the programs and files a lab run needs, and the temporary directory it builds in.
public enum LabTools {
    /// An absolute path to `name` from PATH (and the sbin directories), or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var dirs = path.split(separator: ":").map(String.init)
        dirs += ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for dir in dirs where !dir.isEmpty {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func require(_ name: String, package: String) throws(LabError) -> String {
        guard let path = find(name) else {
            throw LabError(.programMissing, "\(name) is not installed; install the Debian package \(package)")
        }
        return path
    }

    /// The probe: an explicit path, $BULKHEAD_PROBE, or `bulkhead-probe` beside (or above) this executable.
    public static func probe(explicit: String?) throws(LabError) -> String {
        if let explicit {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw LabError(.artifactMissing, "probe \(explicit) is not an executable file")
            }
            return explicit
        }
        if let env = ProcessInfo.processInfo.environment["BULKHEAD_PROBE"], FileManager.default.isExecutableFile(atPath: env) {
            return env
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = Bundle.main.executableURL { dir = exe.resolvingSymlinksInPath().deletingLastPathComponent() }
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("bulkhead-probe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw LabError(
            .artifactMissing,
            "bulkhead-probe not found beside the bulkhead executable; build it (swift build --product bulkhead-probe) or pass --probe PATH")
    }

    /// The newest readable /boot/vmlinuz-* (from the linux-image-amd64 package), or the explicit path.
    public static func kernel(explicit: String?) throws(LabError) -> String {
        if let explicit {
            guard FileManager.default.isReadableFile(atPath: explicit) else {
                throw LabError(.artifactMissing, "kernel \(explicit) is not readable")
            }
            return explicit
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? [])
            .filter { $0.hasPrefix("vmlinuz-") }.sorted { versionLess($0, $1) }
        for name in names.reversed() where FileManager.default.isReadableFile(atPath: "/boot/" + name) {
            return "/boot/" + name
        }
        throw LabError(
            .artifactMissing,
            names.isEmpty
                ? "no /boot/vmlinuz-* kernel; install linux-image-amd64 or pass --kernel PATH"
                : "the kernels in /boot are not readable by this user; run as root or pass --kernel PATH")
    }

    /// Numeric-aware comparison (vmlinuz-6.1.0-9 < vmlinuz-6.1.0-56).
    static func versionLess(_ a: String, _ b: String) -> Bool {
        let pa = a.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let pb = b.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return pa.lexicographicallyPrecedes(pb)
    }

    /// True when the ELF file has a PT_INTERP program header (it needs a dynamic loader and libraries).
    public static func isDynamicELF(_ path: String) -> Bool? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 * 1024) else { return nil }
        let b = [UInt8](data)
        guard b.count >= 64, b[0] == 0x7f, b[1] == 0x45, b[2] == 0x4c, b[3] == 0x46, b[4] == 2 else { return nil }
        func le(_ at: Int, _ n: Int) -> Int? {
            guard at >= 0, at + n <= b.count else { return nil }
            var v = 0
            for i in (0..<n).reversed() { v = v << 8 | Int(b[at + i]) }
            return v
        }
        guard let phoff = le(0x20, 8), let phentsize = le(0x36, 2), let phnum = le(0x38, 2), phentsize >= 4 else {
            return nil
        }
        for i in 0..<min(phnum, 128) {
            guard let type = le(phoff + i * phentsize, 4) else { return nil }
            if type == 3 { return true }
        }
        return false
    }
}

/// A private temporary directory for one lab run, removed on `close()` unless kept.
public final class LabWorkspace: Sendable {
    public let path: String
    public let keepIn: String?

    public init(keepIn: String?) throws(LabError) {
        let base = FileManager.default.temporaryDirectory.path
        let name = "bulkhead-lab-" + UUID().uuidString.prefix(8).lowercased()
        let path = base + "/" + name
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        } catch {
            throw LabError(.buildFailed, "cannot create a temporary directory in \(base)", cause: error)
        }
        self.path = path
        self.keepIn = keepIn
    }

    public func file(_ relative: String) -> String { path + "/" + relative }

    func makeDirectory(_ relative: String) throws(LabError) {
        do {
            try FileManager.default.createDirectory(atPath: file(relative), withIntermediateDirectories: true)
        } catch {
            throw LabError(.buildFailed, "cannot create \(file(relative))", cause: error)
        }
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws(LabError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: file(relative)))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file(relative))
        } catch {
            throw LabError(.buildFailed, "cannot write \(file(relative))", cause: error)
        }
    }

    func copy(_ source: String, to relative: String, mode: Int = 0o755) throws(LabError) {
        do {
            try FileManager.default.copyItem(atPath: source, toPath: file(relative))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file(relative))
        } catch {
            throw LabError(.buildFailed, "cannot copy \(source) into the lab directory", cause: error)
        }
    }

    /// Kills any process still running whose command line or executable mentions this workspace (a
    /// sandbox child that outlived its parent), then removes the directory (or moves it to `keepIn`).
    /// Returns the pids it had to kill.
    @discardableResult
    public func close() -> [Int32] {
        let killed = LabWorkspace.reap(mentioning: path)
        if let keepIn {
            let target = keepIn + "/" + URL(fileURLWithPath: path).lastPathComponent
            try? FileManager.default.createDirectory(atPath: keepIn, withIntermediateDirectories: true)
            if (try? FileManager.default.moveItem(atPath: path, toPath: target)) == nil {
                try? FileManager.default.removeItem(atPath: path)
            }
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
        return killed
    }

    public var keptPath: String? { keepIn.map { $0 + "/" + URL(fileURLWithPath: path).lastPathComponent } }

    /// Pids of live processes whose /proc/PID/cmdline contains `text`.
    public static func processes(mentioning text: String) -> [Int32] {
        let me = getpid()
        var found: [Int32] = []
        let needle = Array(text.utf8)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me else { continue }
            guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/cmdline") else { continue }
            let data = (try? handle.read(upToCount: 64 * 1024)) ?? nil
            try? handle.close()
            guard let data, !data.isEmpty else { continue }
            if ByteSearch.contains([UInt8](data), needle, from: 0) { found.append(pid) }
        }
        return found
    }

    static func reap(mentioning text: String) -> [Int32] {
        let pids = processes(mentioning: text)
        for pid in pids { kill(pid, SIGKILL) }
        return pids
    }
}
