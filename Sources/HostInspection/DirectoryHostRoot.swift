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

    func real(_ hostPath: String) -> String { prefix + hostPath }

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

    /// The directory opened once (`O_DIRECTORY|O_NOFOLLOW`, checked against its `lstat`) with its members
    /// read relative to it; a directory that cannot be opened so answers member by member by path, as
    /// every read did before.
    public func withDirectory<T>(_ path: String, _ body: (any HostDirectory) -> T) -> T {
        guard let opened = OpenedDirectory(root: self, path: path) else { return body(PathDirectory(root: self, path: path)) }
        return body(opened)
    }

    /// Reads a regular file, never opening anything else: `lstat` first (a device, FIFO or socket is
    /// refused before `open`, which alone can have effects — arming /dev/watchdog, blocking on a FIFO), then
    /// `open` with `O_NOFOLLOW|O_NONBLOCK`, then `fstat` on the descriptor, which must be the same regular
    /// file `lstat` saw (a swap between the two is refused).
    public func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        let (resolved, before) = try resolveWithLstat(path)
        guard before.st_mode & S_IFMT == S_IFREG else {
            throw HostReadError(.wrongKind, path: path, message: "not a regular file (refused without opening it)")
        }
        let fd = open(real(resolved), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw Self.errnoError(errno, path: path)
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        return try Self.readOpened(fd, before: before, path: path, limit: limit, buffer: &buffer)
    }

    /// `resolve(path)` (links followed) and the `lstat` of what it resolved to, an `errnoError` when that fails.
    /// The `lstat` resolution made of the last component, when it was no link, is the same call: it is made
    /// once (an open that follows is still checked against it with `fstat`).
    func resolveWithLstat(_ path: String) throws(HostReadError) -> (resolved: String, lstat: stat) {
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
        if let lastSeen, lastSeen.path == resolved { return (resolved, lastSeen.st) }
        var st = stat()
        guard lstat(real(resolved), &st) == 0 else { throw Self.errnoError(errno, path: path) }
        return (resolved, st)
    }

    /// The bytes read from each `read(2)`: /proc files are read whole in one (status and cmdline are a few KiB).
    static let chunk = 16 << 10

    /// The rest of a read once `fd` is open: `fstat` must show the same regular file `before` (its `lstat`)
    /// did, its size must be within `limit`, and it is read to EOF through `buffer`, never past `limit`.
    static func readOpened(
        _ fd: Int32, before: stat, path: String, limit: Int, buffer: inout [UInt8]
    ) throws(HostReadError) -> [UInt8] {
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
            let count = readChunk(fd, &buffer, min(buffer.count, limit + 1 - out.count))
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.errnoError(errno, path: path)
            }
            if count == 0 { break }
            out.append(contentsOf: buffer[0..<count])
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

/// `read(2)` into the start of `buffer` (the one byte loop that writes into Swift memory; bounded by `count`).
private func readChunk(_ fd: Int32, _ buffer: inout [UInt8], _ count: Int) -> Int {
    precondition(count <= buffer.count)
    return read(fd, &buffer, count)
}

/// A directory of a `DirectoryHostRoot` opened once, its members read relative to the descriptor
/// (`fstatat`, `openat`, `readlinkat`), so a process's /proc/PID is resolved once rather than component by
/// component for every file, and every member comes from the directory that was opened (a PID reused
/// meanwhile answers "not found", never another process's file).
///
/// The rules of `DirectoryHostRoot.read` hold exactly: the directory is resolved as every path is
/// (`LinkResolver`: links confined to the root, /proc links refused on the live host), `lstat`ed, opened
/// with `O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK` and `fstat`ed (the same directory, or it is not used); a member is
/// `fstatat`ed without following (not a regular file: refused before any open), opened with
/// `openat(O_NOFOLLOW|O_NONBLOCK)`, `fstat`ed (the same regular file) and read within its bound. Whatever
/// the path-based form would treat otherwise — a link anywhere in the member's name (which that form follows
/// inside the root, or refuses), `.`/`..`, a link target that is not plain ASCII, any failure of the
/// directory's own open — is answered by that form itself, so every answer and error is the same.
final class OpenedDirectory: HostDirectory {
    let root: DirectoryHostRoot
    let path: String
    /// The directory's path on this machine (the root's prefix and the resolved host path).
    let real: String
    let fd: Int32
    /// The `read(2)` buffer, reused by every member.
    private var buffer: [UInt8] = []

    init?(root: DirectoryHostRoot, path: String) {
        // Resolved as every path is; the last component's `lstat` made once.
        guard let (resolved, before) = try? root.resolveWithLstat(path), before.st_mode & S_IFMT == S_IFDIR else { return nil }
        let real = root.real(resolved)
        let fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_dev == before.st_dev, st.st_ino == before.st_ino else {
            close(fd)
            return nil
        }
        self.root = root
        self.path = path
        self.real = real
        self.fd = fd
    }

    deinit { close(fd) }

    private var byPath: PathDirectory { PathDirectory(root: root, path: path) }

    /// What `lstat` of the member says, read relative to the directory.
    enum Lookup {
        case found(stat)
        case failed(Int32)
        /// The path-based form answers: the name has a link on its way, or is not plain components.
        case byPath
    }

    /// True when `name` is plain components (no `.`, `..` or empty one) and none before its last is a link
    /// (the path-based resolution would follow it). A component that cannot be `lstat`ed ends the check: the
    /// member's own `lstat` then fails as the path-based read's last `lstat` does.
    func isPlain(_ name: String) -> Bool {
        let parts = name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !parts.isEmpty else { return false }
        for part in parts where part.isEmpty || part.elementsEqual(".".utf8) || part.elementsEqual("..".utf8) { return false }
        guard parts.count > 1 else { return true }
        var st = stat()
        var prefix = ""
        for part in parts.dropLast() {
            if !prefix.isEmpty { prefix += "/" }
            prefix += String(decoding: part, as: UTF8.self)
            guard fstatat(fd, prefix, &st, AT_SYMLINK_NOFOLLOW) == 0 else { break }
            if st.st_mode & S_IFMT == S_IFLNK { return false }
        }
        return true
    }

    /// The member's `lstat`, read relative to the directory.
    func lookUp(_ name: String) -> Lookup {
        guard isPlain(name) else { return .byPath }
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return .failed(errno) }
        if st.st_mode & S_IFMT == S_IFLNK { return .byPath }
        return .found(st)
    }

    func read(_ name: String, limit: Int) throws(HostReadError) -> [UInt8] {
        let memberPath = path(of: name)
        let before: stat
        switch lookUp(name) {
        case .byPath: return try byPath.read(name, limit: limit)
        case .failed(let code): throw DirectoryHostRoot.errnoError(code, path: memberPath)
        case .found(let st): before = st
        }
        guard before.st_mode & S_IFMT == S_IFREG else {
            throw HostReadError(.wrongKind, path: memberPath, message: "not a regular file (refused without opening it)")
        }
        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if file < 0 {
            throw DirectoryHostRoot.errnoError(errno, path: memberPath)
        }
        defer { close(file) }
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: DirectoryHostRoot.chunk) }
        return try DirectoryHostRoot.readOpened(file, before: before, path: memberPath, limit: limit, buffer: &buffer)
    }

    func readLink(_ name: String) throws(HostReadError) -> String {
        // The member itself is not followed (readlink); only the components before it are checked.
        guard isPlain(name) else { return try byPath.readLink(name) }
        var target = [UInt8](repeating: 0, count: 4096)
        let count = readlinkat(fd, name, &target, target.count)
        // A failure, a target that may be cut short, or one that is not plain ASCII: the path-based form answers
        // (with the error, or the decoding, it always gave).
        guard count >= 0, count < target.count, target[0..<count].allSatisfy({ $0 > 0 && $0 < 0x80 }) else {
            return try byPath.readLink(name)
        }
        return String(decoding: target[0..<count], as: UTF8.self)
    }

    func list(_ name: String) throws(HostReadError) -> [String] {
        let memberPath = path(of: name)
        switch lookUp(name) {
        case .byPath: return try byPath.list(name)
        case .failed: throw HostReadError(.notFound, path: memberPath, message: "no such directory")
        case .found(let st):
            guard st.st_mode & S_IFMT == S_IFDIR else {
                throw HostReadError(.wrongKind, path: memberPath, message: "not a directory")
            }
        }
        // As the path-based form lists it: by the real path, which is the directory's and the member's (no link
        // on the way).
        do {
            return try FileManager.default.contentsOfDirectory(atPath: real + "/" + name)
        } catch {
            throw DirectoryHostRoot.mapError(error, path: memberPath, fallback: "cannot list the directory")
        }
    }
}
