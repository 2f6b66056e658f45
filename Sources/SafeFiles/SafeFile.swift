public import BulkheadModel
public import Foundation

/// A file could not be created or read safely.
public typealias SafeFileError = BulkheadError<SafeFileErrorCode>

public enum SafeFileErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "file"
    /// The target exists (a file, or a symbolic link — dangling or not) and replacing was not asked for.
    case exists
    /// The path is a symbolic link where one is refused.
    case link
    /// Not a regular file (a FIFO, device, socket or directory); refused without opening it.
    case notRegular
    /// No such file.
    case notFound
    /// The directory a file is created in is not a directory, or others may replace entries in it.
    case unsafeDirectory
    /// Over the read bound.
    case tooLarge
    /// The file system refused.
    case io
}

/// The one way Bulkhead creates files that hold secrets or evidence (signing keys, reports, bundles,
/// snapshots, the store) and reads files a user names (tailoring, lab reports, evidence, stores to import).
///
/// Creating: the directory is checked first (a directory, not writable by others unless sticky), then
/// `open(O_CREAT|O_EXCL|O_NOFOLLOW, 0600)` — the file is owner-only from its first byte, and an existing
/// file or symbolic link at the target (dangling or not) is refused, never followed. Replacing an existing
/// regular file writes a new 0600 file under a fresh name beside it and renames it over the old one; a
/// symbolic link at the target is refused even then.
///
/// Reading: `stat` first (a FIFO, device or socket is refused before `open`, which alone can block or have
/// effects), then `open(O_NONBLOCK)`, then `fstat` on the descriptor, which must be the regular file `stat`
/// saw; at most `limit` bytes are read.
public enum SafeFile {
    /// Owner read/write: every file Bulkhead creates.
    public static let ownerOnly: mode_t = 0o600

    /// Sets the process umask to 077 so that whatever a library creates (SQLite's `-wal` and `-shm`,
    /// directories) is owner-only too. The CLI calls this first.
    public static func restrictUmask() { _ = umask(0o077) }

    /// Creates `path` with `contents`, mode `mode` (0600 unless a public file such as a `.pub` key).
    /// When `replace` is false an existing file or link at `path` is refused (`.exists`).
    public static func create(
        _ path: String, contents: Data, mode: mode_t = ownerOnly, replace: Bool = false
    ) throws(SafeFileError) {
        let directory = parent(of: path)
        try checkDirectory(directory)
        if !replace {
            try writeNew(path, contents: contents, mode: mode)
            return
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw SafeFileError(.notRegular, "\(path) is a directory; refusing to replace it") }
            // Someone put a link where Bulkhead writes: refused (and said), even when replacing is asked for.
            if st.st_mode & S_IFMT == S_IFLNK { throw SafeFileError(.link, "\(path) is a symbolic link; refusing to write through or replace it") }
        }
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".\(UUID().uuidString.prefix(8)).tmp"
        try writeNew(temporary, contents: contents, mode: mode)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw SafeFileError(.io, "cannot replace \(path)", cause: String(cString: strerror(code)))
        }
    }

    /// Creates an empty owner-only file at `path` (O_EXCL|O_NOFOLLOW) so that a library that opens it next
    /// (SQLite) finds it with mode 0600 and gives its companion files the same mode.
    public static func createEmpty(_ path: String) throws(SafeFileError) {
        try create(path, contents: Data())
    }

    /// Creates `path` (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600, in a checked directory) and returns it open for
    /// writing, for a file written piece by piece (a download's `.part`). An existing file or link at `path`
    /// is refused (`.exists`).
    public static func createForWriting(_ path: String, mode: mode_t = ownerOnly) throws(SafeFileError) -> FileHandle {
        try checkDirectory(parent(of: path))
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw createError(errno, path) }
        _ = fchmod(fd, mode)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Opens an existing file Bulkhead wrote earlier (a download's `.part`) to append to it — only when it is
    /// a regular file owned by this user with one link: a symbolic link at `path` is refused (`O_NOFOLLOW`,
    /// never followed), so is a FIFO or device (`O_NONBLOCK`, then `fstat` on the descriptor), a file of
    /// another user, or a hard link to a file elsewhere. Group and other permissions are removed (0600).
    public static func openForAppend(_ path: String) throws(SafeFileError) -> FileHandle {
        try checkDirectory(parent(of: path))
        var before = stat()
        guard lstat(path, &before) == 0 else { throw errnoError(errno, path) }
        if before.st_mode & S_IFMT == S_IFLNK {
            throw SafeFileError(.link, "\(path) is a symbolic link; refusing to write through it")
        }
        guard before.st_mode & S_IFMT == S_IFREG else {
            throw SafeFileError(.notRegular, "\(path) is not a regular file (\(kind(before.st_mode))); refused without opening it")
        }
        let (fd, st) = try openSame(path, O_WRONLY | O_APPEND | O_NOFOLLOW, as: before)
        guard st.st_uid == geteuid() else {
            close(fd)
            throw SafeFileError(.unsafeDirectory, "\(path) belongs to another user (uid \(st.st_uid)); refusing to append to it")
        }
        guard st.st_nlink == 1 else {
            close(fd)
            throw SafeFileError(.link, "\(path) has \(st.st_nlink) hard links; refusing to append to a file that is also elsewhere")
        }
        _ = fchmod(fd, ownerOnly)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// The directory a new file goes in must be a directory (a link to one is followed: the user named it),
    /// and not writable by group or others unless the sticky bit is set (as /tmp is), where another user
    /// could otherwise swap the file between checks.
    public static func checkDirectory(_ directory: String) throws(SafeFileError) {
        var st = stat()
        guard stat(directory, &st) == 0 else {
            let code = errno
            if code == ENOENT { throw SafeFileError(.notFound, "the directory \(directory) does not exist") }
            throw SafeFileError(.io, "cannot use the directory \(directory)", cause: String(cString: strerror(code)))
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw SafeFileError(.unsafeDirectory, "\(directory) is not a directory")
        }
        let othersWrite = st.st_mode & (S_IWGRP | S_IWOTH) != 0
        let sticky = st.st_mode & S_ISVTX != 0
        if othersWrite && !sticky {
            throw SafeFileError(
                .unsafeDirectory,
                "\(directory) is writable by other users without the sticky bit; they could replace the file Bulkhead writes there — choose another directory"
            )
        }
    }

    /// Reads a file a user named: refused unless a regular file (never opening a FIFO or device), at most `limit` bytes.
    public static func readRegular(_ path: String, limit: Int) throws(SafeFileError) -> Data {
        let fd = try openRegular(path)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw errnoError(errno, path) }
        if Int(st.st_size) > limit {
            throw SafeFileError(.tooLarge, "\(path) is \(st.st_size) bytes, over the \(limit)-byte bound it is read with")
        }
        var out = Data()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: min(1 << 20, limit + 1 - out.count))
            } catch {
                throw SafeFileError(.io, "cannot read \(path)", cause: error)
            }
            guard let chunk, !chunk.isEmpty else { break }
            out.append(chunk)
            if out.count > limit { throw SafeFileError(.tooLarge, "\(path) is over the \(limit)-byte bound it is read with") }
        }
        return out
    }

    /// Checks that `path` is a regular file (or a link to one) without opening it: for files another library
    /// opens itself (SQLite).
    public static func checkRegular(_ path: String) throws(SafeFileError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            var link = stat()
            if code == ENOENT, lstat(path, &link) == 0 {
                throw SafeFileError(.link, "\(path) is a symbolic link to a file that does not exist; refusing to create its target")
            }
            throw errnoError(code, path)
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw SafeFileError(.notRegular, "\(path) is not a regular file (\(kind(st.st_mode))); refused without opening it")
        }
    }

    /// True when something (a file, a directory, a link even if dangling) is at `path`.
    public static func occupied(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// A descriptor open for reading on the regular file at `path` (links followed: the user named the path).
    /// The caller owns it.
    public static func openRegular(_ path: String) throws(SafeFileError) -> Int32 {
        try checkRegular(path)
        var before = stat()
        guard stat(path, &before) == 0 else { throw errnoError(errno, path) }
        return try openSame(path, O_RDONLY, as: before).fd
    }

    /// Opens `path` with `flags` (plus `O_NONBLOCK|O_CLOEXEC`, so a FIFO swapped in cannot block the open) and
    /// keeps the descriptor only when `fstat` shows the regular file `before` described (same device and inode);
    /// then back to blocking I/O (a regular file never blocks; this keeps FileHandle simple).
    static func openSame(_ path: String, _ flags: Int32, as before: stat) throws(SafeFileError) -> (fd: Int32, stat: stat) {
        let fd = open(path, flags | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP, flags & O_NOFOLLOW != 0 { throw SafeFileError(.link, "\(path) is a symbolic link; refusing to write through it") }
            throw errnoError(code, path)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_dev == before.st_dev, st.st_ino == before.st_ino else {
            close(fd)
            throw SafeFileError(.notRegular, "\(path) is not the regular file that was there a moment before (refused)")
        }
        let current = fcntl(fd, F_GETFL)
        if current >= 0 { _ = fcntl(fd, F_SETFL, current & ~O_NONBLOCK) }
        return (fd, st)
    }

    // MARK: -

    static func createError(_ code: Int32, _ path: String) -> SafeFileError {
        if code == EEXIST {
            var st = stat()
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK {
                return SafeFileError(.exists, "\(path) is a symbolic link; refusing to write through it")
            }
            return SafeFileError(.exists, "\(path) already exists; it was not overwritten")
        }
        return SafeFileError(.io, "cannot create \(path)", cause: String(cString: strerror(code)))
    }

    static func writeNew(_ path: String, contents: Data, mode: mode_t) throws(SafeFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd < 0 { throw createError(errno, path) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // The umask may have cleared bits the caller asked for (a public key's 0644): set them exactly.
        _ = fchmod(fd, mode)
        do {
            try handle.write(contentsOf: contents)
            try handle.synchronize()
        } catch {
            unlink(path)
            throw SafeFileError(.io, "cannot write \(path)", cause: error)
        }
    }

    static func parent(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    static func errnoError(_ code: Int32, _ path: String) -> SafeFileError {
        switch code {
        case ENOENT: SafeFileError(.notFound, "\(path) does not exist")
        case EISDIR: SafeFileError(.notRegular, "\(path) is a directory")
        case ELOOP: SafeFileError(.link, "\(path) is a symbolic link loop")
        default: SafeFileError(.io, "cannot open \(path)", cause: String(cString: strerror(code)))
        }
    }
}
