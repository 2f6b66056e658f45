import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A host tree on a local file system: the live machine (`prefix` "/") or a mounted or extracted tree
/// (`--root DIR`). Paths are resolved one component at a time; symbolic links are followed with chroot
/// semantics (an absolute target means the same path inside the root) and any link that climbs out of the
/// root is refused. The final open uses O_NOFOLLOW, so a link swapped in after resolution is not followed.
public struct DirectoryHostRoot: HostRoot {
    public let prefix: String
    public let label: String
    public let isLive: Bool

    /// The running machine.
    public static var live: DirectoryHostRoot { DirectoryHostRoot(prefix: "/", label: "live host", isLive: true) }

    /// A host tree under `directory` (offline; /proc there is a captured copy, if any).
    public init(directory: String) {
        let standardized = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.init(prefix: standardized, label: "root \(standardized)", isLive: false)
    }

    init(prefix: String, label: String, isLive: Bool) {
        self.prefix = prefix == "/" ? "" : (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        self.label = label
        self.isLive = isLive
    }

    private func real(_ hostPath: String) -> String { prefix + hostPath }

    /// Splits a host path into components, rejecting relative paths.
    static func components(_ path: String) -> [String]? {
        guard path.hasPrefix("/") else { return nil }
        return path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// Resolves every link in `path` inside the root. With `followLast` false the last component is
    /// returned unresolved (for `kind(of:)` and `readLink`).
    func resolve(_ path: String, followLast: Bool = true) throws(HostReadError) -> String {
        try LinkResolver.resolve(path, followLast: followLast, refuseProcLinks: isLive) { candidate throws(HostReadError) in
            guard lkind(real(candidate)) == .symlink else { return nil }
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: real(candidate)) else {
                throw HostReadError(.io, path: path, message: "cannot read the link \(candidate)")
            }
            return target
        }
    }

    private func lkind(_ realPath: String) -> FileKind? {
        var st = stat()
        guard lstat(realPath, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    public func kind(of path: String) -> FileKind? {
        guard let resolved = try? resolve(path, followLast: false) else { return nil }
        return lkind(real(resolved))
    }

    public func metadata(of path: String) throws(HostReadError) -> FileMetadata {
        let resolved = try resolve(path)
        var st = stat()
        guard lstat(real(resolved), &st) == 0 else { throw Self.errnoError(errno, path: path) }
        let kind: FileKind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        return FileMetadata(
            mode: UInt32(st.st_mode & 0o7777), uid: UInt32(st.st_uid), gid: UInt32(st.st_gid),
            size: Int64(st.st_size), kind: kind)
    }

    public func readLink(_ path: String) throws(HostReadError) -> String {
        let resolved = try resolve(path, followLast: false)
        do {
            return try FileManager.default.destinationOfSymbolicLink(atPath: real(resolved))
        } catch {
            throw Self.mapError(error, path: path, fallback: "cannot read the link")
        }
    }

    public func list(_ path: String) throws(HostReadError) -> [String] {
        let resolved = try resolve(path)
        guard lkind(real(resolved)) == .directory else {
            if lkind(real(resolved)) == nil {
                throw HostReadError(.notFound, path: path, message: "no such directory")
            }
            throw HostReadError(.wrongKind, path: path, message: "not a directory")
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: real(resolved))
        } catch {
            throw Self.mapError(error, path: path, fallback: "cannot list the directory")
        }
    }

    /// Reads a regular file, never opening anything else: `lstat` first (a device, FIFO or socket is
    /// refused before `open`, which alone can have effects — arming /dev/watchdog, blocking on a FIFO), then
    /// `open` with `O_NOFOLLOW|O_NONBLOCK`, then `fstat` on the descriptor, which must be the same regular
    /// file `lstat` saw (a swap between the two is refused).
    public func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        // The `lstat` that resolution made of the last component, when it was no link: the same call this
        // read begins with, made once (the open below is still checked against it).
        var lastSeen: (path: String, st: stat)?
        let resolved = try LinkResolver.resolve(path, followLast: true, refuseProcLinks: isLive) { candidate throws(HostReadError) in
            var st = stat()
            guard lstat(real(candidate), &st) == 0 else {
                lastSeen = nil
                return nil
            }
            guard st.st_mode & S_IFMT == S_IFLNK else {
                lastSeen = (candidate, st)
                return nil
            }
            lastSeen = nil
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: real(candidate)) else {
                throw HostReadError(.io, path: path, message: "cannot read the link \(candidate)")
            }
            return target
        }
        var before = stat()
        if let lastSeen, lastSeen.path == resolved {
            before = lastSeen.st
        } else {
            guard lstat(real(resolved), &before) == 0 else { throw Self.errnoError(errno, path: path) }
        }
        guard before.st_mode & S_IFMT == S_IFREG else {
            throw HostReadError(.wrongKind, path: path, message: "not a regular file (refused without opening it)")
        }
        let fd = open(real(resolved), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw Self.errnoError(errno, path: path)
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.errnoError(errno, path: path) }
        guard st.st_mode & S_IFMT == S_IFREG, st.st_dev == before.st_dev, st.st_ino == before.st_ino else {
            throw HostReadError(.wrongKind, path: path, message: "not the regular file that was there a moment before (refused)")
        }
        if Int(st.st_size) > limit {
            throw HostReadError(.tooLarge, path: path, message: "file is \(st.st_size) bytes, over the read bound of \(limit) bytes")
        }
        // /proc and /sys report size 0: read in chunks until EOF, never past the bound.
        var out: [UInt8] = []
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: min(65536, limit + 1 - out.count))
            } catch {
                throw Self.mapError(error, path: path, fallback: "read failed")
            }
            guard let chunk, !chunk.isEmpty else { break }
            out.append(contentsOf: chunk)
            if out.count > limit {
                throw HostReadError(.tooLarge, path: path, message: "file is over the read bound of \(limit) bytes")
            }
        }
        return out
    }

    static func errnoError(_ code: Int32, path: String) -> HostReadError {
        switch code {
        case ENOENT, ESRCH: HostReadError(.notFound, path: path, message: "no such file (or the process exited)")
        case EACCES, EPERM:
            HostReadError(
                .permissionDenied, path: path,
                message: geteuid() == 0
                    ? "permission denied even to root (the kernel's ptrace access check, a write-only file or an LSM refused it)"
                    : "permission denied (run as root to read it)")
        case ELOOP: HostReadError(.linkLoop, path: path, message: "is a symbolic link (not followed)")
        case EISDIR: HostReadError(.wrongKind, path: path, message: "is a directory")
        default: HostReadError(.io, path: path, message: String(cString: strerror(code)))
        }
    }

    static func mapError(_ error: any Error, path: String, fallback: String) -> HostReadError {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return errnoError(Int32(underlying.code), path: path)
        }
        if ns.domain == NSPOSIXErrorDomain { return errnoError(Int32(ns.code), path: path) }
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError:
            return HostReadError(.notFound, path: path, message: "no such file (or the process exited)")
        case NSFileReadNoPermissionError:
            return errnoError(EACCES, path: path)
        default:
            return HostReadError(.io, path: path, message: "\(fallback): \(ns.localizedDescription)")
        }
    }
}
