public import BulkheadModel
public import Foundation

/// What a path names on a host.
public enum FileKind: String, Codable, Hashable, Sendable {
    /// `socket` is a UNIX domain socket (an API endpoint: docker.sock, a VMM's --api-sock); `other` is a
    /// device node or a FIFO.
    case regular, directory, symlink, socket, other
}

/// Why a read from a host failed. Every case names the host path and says what a user can do.
public struct HostReadError: CodedError, Hashable, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, BulkheadErrorCode {
        public static let domain = "host-read"
        /// The path does not exist (or vanished, as a /proc entry of an exited process does).
        case notFound
        /// Permission denied.
        case permissionDenied
        /// The file is larger than the read bound.
        case tooLarge
        /// A symbolic link resolves outside the host root (refused).
        case escapesRoot
        /// Too many links, or a loop.
        case linkLoop
        /// Not a regular file / not a directory where one was needed.
        case wrongKind
        /// Anything else the operating system reported.
        case io
    }
    public var code: Code
    /// The path as seen on the host (without a --root prefix).
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// The host path.
    public var context: String? { path }
    public var cause: (any Error)? { nil }
    public var problem: Problem { Problem(subject: path, message: message) }
}

/// A host's file tree, read-only and bounded: the live machine (`/`), a mounted tree (`--root DIR`) or a
/// captured snapshot. All paths are absolute host paths (`/proc/1/status`), whatever the backing store.
public protocol HostRoot: Sendable {
    /// Human description: `live host`, `root /mnt/img`, `snapshot host.tar.gz (host web1, 2026-…)`.
    var label: String { get }
    /// True for the running machine, where /proc describes live processes.
    var isLive: Bool { get }
    /// Reads at most `limit` bytes of a regular file; a larger file is `tooLarge`, never truncated silently.
    /// Symbolic links are followed only inside the root.
    func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8]
    /// Entry names of a directory (not sorted by contract; callers sort).
    func list(_ path: String) throws(HostReadError) -> [String]
    /// The kind of the path itself (a link is `.symlink`), or nil when it does not exist.
    func kind(of path: String) -> FileKind?
    /// The target text of a symbolic link (for /proc/PID/exe and /proc/PID/ns/*).
    func readLink(_ path: String) throws(HostReadError) -> String
    /// Mode, owner, group, size and kind of the path, following links inside the root like `read` does
    /// (stat semantics). Used for /dev/kvm and for the snapshot manifest.
    func metadata(of path: String) throws(HostReadError) -> FileMetadata
    /// When the host was captured, for a root that replays a capture (a snapshot); nil for a root read now.
    var capturedAt: Date? { get }
    /// The label of the host a replayed capture was taken from; nil for a root read now.
    var originalSource: String? { get }
    /// Calls `body` with the directory `path`, whose members (`status`, `attr/current`) answer exactly as
    /// `read`, `readLink` and `list` of `path/member` do: the same bytes, the same errors, the same paths in
    /// them. A root may read them relative to the directory it opened once (`DirectoryHostRoot` does);
    /// by default each is read by its path.
    func withDirectory<T>(_ path: String, _ body: (any HostDirectory) -> T) -> T
}

/// One directory of a host whose members are read together (a process's /proc/PID), from
/// `HostRoot.withDirectory`. Every answer is the one the root gives for `path/name`.
public protocol HostDirectory {
    /// The host path of the directory, as asked for.
    var path: String { get }
    /// `HostRoot.read` of the member.
    func read(_ name: String, limit: Int) throws(HostReadError) -> [UInt8]
    /// `HostRoot.readLink` of the member.
    func readLink(_ name: String) throws(HostReadError) -> String
    /// `HostRoot.list` of the member.
    func list(_ name: String) throws(HostReadError) -> [String]
}

extension HostDirectory {
    /// The host path of a member.
    public func path(of name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// Reads a member as text; invalid UTF-8 is repaired (U+FFFD), never trusted.
    public func readText(_ name: String, limit: Int) throws(HostReadError) -> String {
        String(decoding: try read(name, limit: limit), as: UTF8.self)
    }
}

/// A directory whose members are read by their paths through the root: every root's default.
struct PathDirectory: HostDirectory {
    let root: any HostRoot
    let path: String

    func read(_ name: String, limit: Int) throws(HostReadError) -> [UInt8] { try root.read(path(of: name), limit: limit) }
    func readLink(_ name: String) throws(HostReadError) -> String { try root.readLink(path(of: name)) }
    func list(_ name: String) throws(HostReadError) -> [String] { try root.list(path(of: name)) }
}

/// What `stat` says about a host path.
public struct FileMetadata: Codable, Hashable, Sendable {
    /// Permission bits with set-id and sticky bits (`st_mode & 0o7777`).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    /// Size in bytes as the file system reports it (0 for most /proc and /sys files).
    public var size: Int64
    public var kind: FileKind

    public init(mode: UInt32, uid: UInt32, gid: UInt32, size: Int64, kind: FileKind) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.kind = kind
    }

    /// The permission bits in octal, e.g. `0660`.
    public var octalMode: String { PermissionBits.octal(mode) }
}

extension HostRoot {
    /// The default bound for configuration and /proc files: 4 MiB.
    public static var defaultLimit: Int { 4 << 20 }

    public func read(_ path: String) throws(HostReadError) -> [UInt8] {
        try read(path, limit: 4 << 20)
    }

    /// Reads a text file; invalid UTF-8 is repaired (U+FFFD), never trusted.
    public func readText(_ path: String, limit: Int = 4 << 20) throws(HostReadError) -> String {
        let bytes = try read(path, limit: limit)
        return String(decoding: bytes, as: UTF8.self)
    }

    public func exists(_ path: String) -> Bool { kind(of: path) != nil }

    /// The paths whose presence says a tree is a Linux host root (any one of them).
    public static var hostRootMarkers: [String] { ["/etc/os-release", "/usr/lib/os-release", "/proc", "/sys"] }

    /// Why this tree is not a Linux host root (an empty or non-Linux directory), or nil when it holds any of
    /// `hostRootMarkers`. Asked before the collection, so such a root is an error before anything runs
    /// rather than an assessment of nothing (a missing file must never read as a safe state).
    public func notAHostRoot() -> String? {
        if Self.hostRootMarkers.contains(where: exists) { return nil }
        return "no /etc/os-release, /proc or /sys: not a host root"
    }

    public var capturedAt: Date? { nil }
    public var originalSource: String? { nil }

    public func withDirectory<T>(_ path: String, _ body: (any HostDirectory) -> T) -> T {
        body(PathDirectory(root: self, path: path))
    }

    /// Fallback for roots written before `metadata(of:)` existed (test doubles): says it is unavailable.
    /// Every root in HostInspection implements it.
    public func metadata(of path: String) throws(HostReadError) -> FileMetadata {
        throw HostReadError(.io, path: path, message: "file metadata is not available from \(label)")
    }
}
