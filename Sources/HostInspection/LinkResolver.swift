/// Path resolution with chroot semantics, shared by every root so that a directory tree and a snapshot
/// confine links exactly alike: an absolute link target means the same path inside the root, a relative
/// target that climbs above the root is refused (not clamped), `..` above the root is refused, and more
/// than 40 links is a loop.
enum LinkResolver {
    static let maxLinks = 40

    /// Splits a host path into components, rejecting relative paths.
    static func components(_ path: String) -> [String]? {
        guard path.hasPrefix("/") else { return nil }
        return path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// - Parameters:
    ///   - refuseProcLinks: refuse to walk through links under /proc (the magic links of live processes:
    ///     exe, cwd, root, fd/*, ns/*, and /proc/self, whose meaning depends on who reads).
    ///   - linkTarget: the target of `candidate` when it is a symbolic link, nil when it is not.
    static func resolve(
        _ path: String, followLast: Bool, refuseProcLinks: Bool,
        linkTarget: (String) throws(HostReadError) -> String?
    ) throws(HostReadError) -> String {
        guard var pending = components(path) else {
            throw HostReadError(.notFound, path: path, message: "not an absolute path")
        }
        pending.reverse()
        var resolved: [String] = []
        var links = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                if resolved.isEmpty {
                    throw HostReadError(.escapesRoot, path: path, message: "path climbs above the host root (refused)")
                }
                resolved.removeLast()
                continue
            }
            let candidate = "/" + (resolved + [component]).joined(separator: "/")
            if pending.isEmpty && !followLast {
                resolved.append(component)
                break
            }
            guard let target = try linkTarget(candidate) else {
                resolved.append(component)
                continue
            }
            if refuseProcLinks && candidate.hasPrefix("/proc/") {
                throw HostReadError(.wrongKind, path: path, message: "refusing to follow the /proc link \(candidate)")
            }
            links += 1
            if links > maxLinks {
                throw HostReadError(.linkLoop, path: path, message: "too many symbolic links (a loop?)")
            }
            if target.hasPrefix("/") {
                resolved = []
            } else {
                // Relative: climbing above the root is refused, not clamped.
                var depth = resolved.count
                for part in target.split(separator: "/") {
                    if part == ".." {
                        depth -= 1
                        if depth < 0 {
                            throw HostReadError(
                                .escapesRoot, path: path,
                                message: "symbolic link \(candidate) -> \(target) points outside the host root (refused)")
                        }
                    } else if part != "." {
                        depth += 1
                    }
                }
            }
            pending.append(contentsOf: target.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed())
        }
        return "/" + resolved.joined(separator: "/")
    }
}
