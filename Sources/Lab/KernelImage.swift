public import Foundation
import ProcessRunner

#if canImport(Glibc)
    import Glibc
#endif

/// Boots under TCG spend most of their time decompressing a bzImage with emulated instructions. A Linux
/// bzImage carries its compressed kernel as a payload described by the x86 boot protocol header; the
/// uncompressed ELF, when built with CONFIG_PVH (Debian's is), boots directly through QEMU's PVH entry,
/// about 3 s sooner. This extracts it once (with the host's own decompressor, argument arrays only) into a
/// cache keyed by the kernel file's path, size and modification time, and checks what it made: the size the
/// bzImage records, the ELF magic, and a PVH entry note. Anything unexpected → nil, and the lab boots the
/// bzImage as before.
public enum KernelImage {
    public static let maxImageBytes = 128 << 20
    public static let maxKernelBytes = 512 << 20

    public struct Payload: Equatable, Sendable {
        public var compressed: [UInt8]
        public var uncompressedSize: Int
        public var decompressor: [String]
    }

    /// The compressed payload of a bzImage, or a reason it has none usable here.
    public static func payload(of image: [UInt8]) -> Result<Payload, LabError> {
        func u16(_ o: Int) -> Int? { o + 2 <= image.count ? Int(image[o]) | Int(image[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> Int? {
            o + 4 <= image.count ? Int(image[o]) | Int(image[o + 1]) << 8 | Int(image[o + 2]) << 16 | Int(image[o + 3]) << 24 : nil
        }
        guard image.count > 0x250, Array(image[0x202..<0x206]) == Array("HdrS".utf8), let version = u16(0x206), version >= 0x208 else {
            return .failure(LabError(.invalidArgument, "not a bzImage with boot protocol 2.08 or later"))
        }
        let setupSectors = image[0x1F1] == 0 ? 4 : Int(image[0x1F1])
        guard let offset = u32(0x248), let length = u32(0x24C), length > 4 else {
            return .failure(LabError(.invalidArgument, "the boot header has no payload"))
        }
        let start = (setupSectors + 1) * 512 + offset
        guard start >= 0, start + length <= image.count else {
            return .failure(LabError(.invalidArgument, "the payload lies outside the image"))
        }
        let payload = Array(image[start..<(start + length)])
        // The kernel build appends the uncompressed size (little endian) after the compressed stream.
        let n = payload.count
        let size = Int(payload[n - 4]) | Int(payload[n - 3]) << 8 | Int(payload[n - 2]) << 16 | Int(payload[n - 1]) << 24
        guard size > 0, size <= maxKernelBytes else {
            return .failure(LabError(.invalidArgument, "recorded kernel size \(size) is out of bounds"))
        }
        let stream = Array(payload[0..<(n - 4)])
        let decompressor: [String]
        if stream.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            decompressor = ["xz", "-dc"]
        } else if stream.starts(with: [0x1F, 0x8B]) {
            decompressor = ["gzip", "-dc"]
        } else if stream.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            decompressor = ["zstd", "-dc"]
        } else {
            return .failure(LabError(.invalidArgument, "the payload's compression is not xz, gzip or zstd"))
        }
        return .success(Payload(compressed: stream, uncompressedSize: size, decompressor: decompressor))
    }

    /// True when the ELF has a PVH entry note (Xen note type 18, XEN_ELFNOTE_PHYS32_ENTRY) in a PT_NOTE segment.
    public static func hasPVHNote(elfAt path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        func read(_ offset: Int, _ count: Int) -> [UInt8]? {
            guard count >= 0, count <= 1 << 20, (try? handle.seek(toOffset: UInt64(offset))) != nil,
                let data = try? handle.read(upToCount: count), data.count == count
            else { return nil }
            return Array(data)
        }
        func le(_ b: [UInt8], _ o: Int, _ width: Int) -> Int {
            var v = 0
            for i in (0..<width).reversed() { v = v << 8 | Int(b[o + i]) }
            return v
        }
        guard let header = read(0, 64), Array(header[0..<4]) == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1 else {
            return false
        }
        let phoff = le(header, 0x20, 8)
        let phentsize = le(header, 0x36, 2)
        let phnum = le(header, 0x38, 2)
        guard phentsize >= 56, phnum > 0, phnum < 256, phoff > 0, phoff < maxKernelBytes else { return false }
        for i in 0..<phnum {
            guard let ph = read(phoff + i * phentsize, 56), le(ph, 0, 4) == 4 else { continue }  // PT_NOTE
            let offset = le(ph, 8, 8)
            let size = le(ph, 32, 8)
            guard offset < maxKernelBytes, size <= 1 << 20, let notes = read(offset, size) else { continue }
            var o = 0
            while o + 12 <= notes.count {
                let namesz = le(notes, o, 4)
                let descsz = le(notes, o + 4, 4)
                let type = le(notes, o + 8, 4)
                let nameStart = o + 12
                let descStart = nameStart + ((namesz + 3) & ~3)
                guard namesz < 256, descsz < 4096, descStart + descsz <= notes.count else { break }
                if type == 18, namesz >= 3, Array(notes[nameStart..<(nameStart + 3)]) == Array("Xen".utf8) { return true }
                o = descStart + ((descsz + 3) & ~3)
            }
        }
        return false
    }

    /// The cache directory for extracted kernels.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("bulkhead/lab")
        }
        if getuid() == 0 { return URL(fileURLWithPath: "/var/cache/bulkhead/lab") }
        let home = environment["HOME"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/bulkhead/lab")
    }

    /// The uncompressed PVH kernel for `bzImage`, extracted and cached; nil with the reason when not possible.
    public static func uncompressed(_ bzImage: String, cache: URL = cacheDirectory()) async -> Result<String, LabError> {
        let fm = FileManager.default
        guard let attributes = try? fm.attributesOfItem(atPath: bzImage),
            let size = (attributes[.size] as? NSNumber)?.intValue, let modified = attributes[.modificationDate] as? Date
        else { return .failure(LabError(.invalidArgument, "\(bzImage) cannot be examined")) }
        guard size <= maxImageBytes else { return .failure(LabError(.invalidArgument, "\(bzImage) is over \(maxImageBytes) bytes")) }
        let name = URL(fileURLWithPath: bzImage).lastPathComponent.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let target = cache.appendingPathComponent("vmlinux-\(String(name))-\(size)-\(Int(modified.timeIntervalSince1970))")
        if fm.fileExists(atPath: target.path), hasPVHNote(elfAt: target.path) { return .success(target.path) }
        guard let data = fm.contents(atPath: bzImage), data.count == size else {
            return .failure(LabError(.invalidArgument, "\(bzImage) cannot be read (run as root: Debian kernels are mode 0600)"))
        }
        let payload: Payload
        switch self.payload(of: Array(data)) {
        case .success(let p): payload = p
        case .failure(let e): return .failure(e)
        }
        guard let tool = LabTools.find(payload.decompressor[0]) else {
            return .failure(LabError(.programMissing, "\(payload.decompressor[0]) is not installed"))
        }
        do {
            try fm.createDirectory(at: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return .failure(LabError(.buildFailed, "extracting the kernel failed: cannot create \(cache.path)", cause: error))
        }
        // Per extraction, not per process: two lab runs in one process (the test runner's parallel suites, a
        // library user) extracting the same kernel at once must not truncate or remove each other's files.
        let unique = "\(getpid())-\(UUID().uuidString)"
        let compressed = cache.appendingPathComponent(target.lastPathComponent + ".in-\(unique)")
        let partial = cache.appendingPathComponent(target.lastPathComponent + ".partial-\(unique)")
        defer {
            try? fm.removeItem(at: compressed)
            try? fm.removeItem(at: partial)
        }
        do {
            try Data(payload.compressed).write(to: compressed, options: .withoutOverwriting)
        } catch {
            return .failure(LabError(.buildFailed, "cannot write in \(cache.path)", cause: error))
        }
        // The decompressor may write exactly the size the image records and no more: a hostile payload
        // never fills the disk (ProcessRunner counts the bytes and stops the program at the bound).
        let outcome: ProcessOutcome
        do {
            outcome = try await ProcessRunner.run(
                ProcessRequest(
                    [tool] + payload.decompressor.dropFirst(), input: .file(compressed.path),
                    output: .file(partial.path, limit: payload.uncompressedSize), error: .discard, timeout: .seconds(60)))
        } catch {
            return .failure(LabError(.buildFailed, "extracting the kernel failed", cause: error))
        }
        guard outcome.exitStatus == 0, outcome.stdoutBytes == payload.uncompressedSize else {
            let ending = outcome.timedOut ? "timed out" : outcome.stoppedAtOutputCap ? "stopped at the recorded size" : "\(outcome.termination)"
            return .failure(
                LabError(
                    .buildFailed,
                    "\(payload.decompressor[0]) produced \(outcome.stdoutBytes) bytes (\(ending)), the image records \(payload.uncompressedSize)"
                ))
        }
        guard hasPVHNote(elfAt: partial.path) else {
            return .failure(LabError(.invalidArgument, "the kernel has no PVH entry note (built without CONFIG_PVH)"))
        }
        do {
            if fm.fileExists(atPath: target.path) { try? fm.removeItem(at: target) }
            try fm.moveItem(at: partial, to: target)
        } catch {
            // A concurrent extraction of the same image put its (equally checked) result there first.
            if fm.fileExists(atPath: target.path), hasPVHNote(elfAt: target.path) { return .success(target.path) }
            return .failure(LabError(.buildFailed, "extracting the kernel failed: \(error.localizedDescription)"))
        }
        return .success(target.path)
    }
}
