public import BulkheadModel
import Foundation

/// The paths a jailed Firecracker's isolation rests on, as Firecracker's jailer.md describes them: the jailer
/// runs as root, creates `<chroot_base>/<exec_file_name>/<id>/root` (doing nothing when it already exists),
/// copies `--exec-file` into it, joins the `--netns` namespace, then chowns the chroot to the microVM's user and
/// execs Firecracker there. `firecracker.jail-paths` judges who may write those paths.
///
/// Once the jailer has exec'd Firecracker its argv is gone: the chroot is then known from the Firecracker
/// process's root (`/proc/PID/root`), and `--exec-file`/`--netns` only while a jailer process is still running
/// (`--new-pid-ns` keeps it as the parent).
public enum JailPaths {
    /// One jail, keyed by the pid of the process it was learnt from (a jailer, or a jailed Firecracker).
    public struct Jail: Sendable, Hashable {
        public var pid: Int32
        /// The chroot directory on the host (`chroot_dir`).
        public var chroot: String
        /// `<chroot_base>` when it can be told: the jailer's `--chroot-base-dir` (default /srv/jailer), or the
        /// chroot with `/<exec_file_name>/<id>/root` taken off.
        public var base: String?
        /// The jailer's `--exec-file` (absolute; nil when not seen or relative).
        public var execFile: String?
        /// The jailer's `--netns` (absolute; nil when not seen or relative).
        public var netns: String?
        /// Where the chroot was learnt from: `jailer argv`, `/proc/PID/root`, or the jailer's default layout.
        public var source: String
        /// The jailer's `--uid` and `--gid` (the chroot's owner after the jailer's chown).
        public var uid: UInt32?
        public var gid: UInt32?
        /// Arguments seen but not usable (relative paths, `..` components), named in the finding.
        public var unusable: [String] = []
    }

    /// The default `--chroot-base-dir` (jailer.md).
    public static let defaultBase = "/srv/jailer"
    /// Most path components judged for one path.
    static let maxComponents = 32
    /// Most jails planned for one host.
    static let maxJails = 1024

    /// The processes whose jail is judged: jailers, and Firecrackers the jailer started (`--start-time-us`).
    static func isJailed(_ p: HostProcess) -> Bool {
        p.programName == "jailer" || (p.programName == "firecracker" && p.arguments.contains { $0.hasPrefix("--start-time-us") })
    }

    /// The links read before the jails can be planned: each jailed Firecracker's `/proc/PID/root`.
    public static func wantedLinks(_ processes: [HostProcess]) -> [String] {
        processes.filter { $0.programName == "firecracker" && isJailed($0) }.prefix(maxJails).map { "/proc/\($0.pid)/root" }
    }

    /// The jails of `processes`; `link` answers a `/proc/PID/root` read earlier (nil when not read).
    public static func jails(_ processes: [HostProcess], link: (String) -> String?) -> [Jail] {
        var out: [Jail] = []
        for p in processes.sorted(by: { $0.pid < $1.pid }) where isJailed(p) {
            guard out.count < maxJails else { break }
            guard let id = AdminInterfaces.optionValue(p.arguments, "--id"), isPlainName(id) else { continue }
            if p.programName == "jailer" {
                var jail = Jail(pid: p.pid, chroot: "", source: "jailer argv")
                jail.uid = AdminInterfaces.optionValue(p.arguments, "--uid").flatMap { UInt32($0) }
                jail.gid = AdminInterfaces.optionValue(p.arguments, "--gid").flatMap { UInt32($0) }
                let exec = AdminInterfaces.optionValue(p.arguments, "--exec-file")
                let base = AdminInterfaces.optionValue(p.arguments, "--chroot-base-dir") ?? defaultBase
                let execName = exec.map { String($0.split(separator: "/").last ?? "") } ?? ""
                guard components(base) != nil, isPlainName(execName) else {
                    jail.unusable.append("--chroot-base-dir \(base.prefix(200)) / --exec-file \(exec?.prefix(200) ?? "(none)")")
                    out.append(jail)
                    continue
                }
                jail.base = normalised(base)
                jail.chroot = "\(normalised(base))/\(execName)/\(id)/root"
                for (name, value) in [("--exec-file", exec), ("--netns", AdminInterfaces.optionValue(p.arguments, "--netns"))] {
                    guard let value else { continue }
                    if components(value) == nil {
                        jail.unusable.append("\(name) \(value.prefix(200)) (not an absolute path without . or ..)")
                    } else if name == "--exec-file" {
                        jail.execFile = normalised(value)
                    } else {
                        jail.netns = normalised(value)
                    }
                }
                out.append(jail)
            } else {
                let execName = String(p.arguments.first?.split(separator: "/").last ?? "firecracker")
                let expectedTail = "/\(execName)/\(id)/root"
                if let root = link("/proc/\(p.pid)/root"), root != "/", components(root) != nil {
                    let chroot = normalised(root)
                    let base = chroot.hasSuffix(expectedTail) ? String(chroot.dropLast(expectedTail.count)) : nil
                    out.append(Jail(pid: p.pid, chroot: chroot, base: base.flatMap { $0.isEmpty ? nil : $0 }, source: "/proc/\(p.pid)/root"))
                } else {
                    out.append(
                        Jail(
                            pid: p.pid, chroot: defaultBase + expectedTail, base: defaultBase,
                            source: "the jailer's default layout (/proc/\(p.pid)/root not read)"))
                }
            }
        }
        return out
    }

    /// Every path whose owner and mode `firecracker.jail-paths` judges, for `jails`: each chroot, the exec
    /// file and the network namespace handle, and every directory above them (not `/`).
    public static func statPaths(_ jails: [Jail]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for jail in jails {
            for path in [jail.chroot, jail.execFile, jail.netns].compactMap({ $0 }) where !path.isEmpty {
                for p in [path] + ancestors(path) where seen.insert(p).inserted { out.append(p) }
            }
        }
        return out
    }

    /// The directories above `path`, nearest first, without `/`.
    public static func ancestors(_ path: String) -> [String] {
        guard var parts = components(path) else { return [] }
        var out: [String] = []
        while parts.count > 1 {
            parts.removeLast()
            out.append("/" + parts.joined(separator: "/"))
        }
        return out
    }

    /// The components of an absolute path, nil for a relative one, one with `.`/`..`, or one too deep.
    static func components(_ path: String) -> [Substring]? {
        guard path.hasPrefix("/") else { return nil }
        let parts = path.split(separator: "/")
        guard !parts.isEmpty, parts.count <= maxComponents, !parts.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return parts
    }

    static func normalised(_ path: String) -> String { "/" + (components(path) ?? []).joined(separator: "/") }

    /// A name that is one path component (a jail id, an exec file's name).
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && name.utf8.count <= 255
    }
}
