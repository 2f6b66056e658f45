/// Path resolution with chroot semantics, shared by every root so that a directory tree and a snapshot
/// confine links exactly alike: an absolute link target means the same path inside the root, a relative
/// target that climbs above the root is refused (not clamped), `..` above the root is refused, and more
/// than 40 links is a loop.
enum LinkResolver {
    static let maxLinks = 40

    /// Splits a host path into components, rejecting relative paths.
    static func components(_ path: String) -> [String]? {
        guard path.hasPrefix("/") else { return nil }
        return parts(path)
    }

    /// The non-empty parts of `path` between `/` bytes, as the kernel cuts a path (a `/` followed by a
    /// combining mark is still a separator; a `Character` split would keep it inside one component). Every
    /// piece cut at an ASCII byte is whole UTF-8.
    static func parts(_ path: String) -> [String] {
        path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
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
        // `resolved` as a path ("" for the root), extended one component at a time rather than joined anew
        // for every component (this runs for every path every root reads).
        var prefix = ""
        var links = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                if resolved.isEmpty {
                    throw HostReadError(.escapesRoot, path: path, message: "path climbs above the host root (refused)")
                }
                resolved.removeLast()
                prefix = resolved.isEmpty ? "" : "/" + resolved.joined(separator: "/")
                continue
            }
            let candidate = prefix + "/" + component
            if pending.isEmpty && !followLast {
                resolved.append(component)
                prefix = candidate
                break
            }
            guard let target = try linkTarget(candidate) else {
                resolved.append(component)
                prefix = candidate
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
                prefix = ""
            } else {
                // Relative: climbing above the root is refused, not clamped.
                var depth = resolved.count
                for part in parts(target) {
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
            pending.append(contentsOf: parts(target).reversed())
        }
        return prefix.isEmpty ? "/" : prefix
    }
}
