public import BulkheadModel
public import Formats
import Foundation

/// Parses a bwrap command line. Options come first; the first non-option argument (or the one after
/// `--`) starts the sandboxed command. `--args FD` means more options were read from a descriptor:
/// they are not visible here and are noted as a problem.
public enum BubblewrapArgvParser {
    /// Number of arguments each option takes.
    static let arity: [String: Int] = [
        "unshare-all": 0, "unshare-user": 0, "unshare-user-try": 0, "unshare-ipc": 0, "unshare-pid": 0,
        "unshare-net": 0, "unshare-uts": 0, "unshare-cgroup": 0, "unshare-cgroup-try": 0, "share-net": 0,
        "new-session": 0, "die-with-parent": 0, "as-pid-1": 0, "disable-userns": 0, "assert-userns-disabled": 0,
        "clearenv": 0, "version": 0, "help": 0, "level-prefix": 0,
        "bind": 2, "ro-bind": 2, "dev-bind": 2, "bind-try": 2, "ro-bind-try": 2, "dev-bind-try": 2, "bind-fd": 2,
        "ro-bind-fd": 2, "setenv": 2, "symlink": 2, "chmod": 2, "file": 2, "bind-data": 2, "ro-bind-data": 2,
        "overlay": 3,
        "proc": 1, "dev": 1, "tmpfs": 1, "mqueue": 1, "dir": 1, "remount-ro": 1, "cap-add": 1, "cap-drop": 1,
        "seccomp": 1, "add-seccomp-fd": 1, "uid": 1, "gid": 1, "args": 1, "hostname": 1, "chdir": 1, "unsetenv": 1,
        "argv0": 1, "lock-file": 1, "sync-fd": 1, "info-fd": 1, "json-status-fd": 1, "block-fd": 1,
        "userns-block-fd": 1, "userns": 1, "userns2": 1, "pidns": 1, "exec-label": 1, "file-label": 1, "perms": 1,
        "size": 1, "overlay-src": 1, "tmp-overlay": 1, "ro-overlay": 1,
    ]

    public static func parse(_ argv: [String], source: String = "bwrap argv", limits: ParseLimits = .standard)
        throws(ConfigParseError) -> Parsed<BubblewrapConfiguration>
    {
        try ParseSupport.checkArgv(argv, source: source, limits: limits)
        var c = BubblewrapConfiguration(argv: argv)
        var problems: [Problem] = []
        var unshared: Set<String> = []
        var i = 1
        while i < argv.count {
            let a = argv[i]
            if a == "--" {
                c.command = Array(argv[(i + 1)...])
                i = argv.count
                break
            }
            guard a.hasPrefix("--"), a.count > 2 else {
                c.command = Array(argv[i...])
                i = argv.count
                break
            }
            let name = String(a.dropFirst(2))
            guard let n = arity[name] else {
                c.unrecognised.append(a)
                problems.append(ParseSupport.problem(source, a, "unknown bwrap option (bwrap would refuse it)"))
                i += 1
                continue
            }
            guard i + n < argv.count else {
                problems.append(
                    ParseSupport.problem(source, a, "option \(a) needs \(n) argument\(n == 1 ? "" : "s") but the command line ends; it was ignored"))
                i = argv.count
                break
            }
            let args = Array(argv[(i + 1)..<(i + 1 + n)])
            i += 1 + n
            func fd(_ s: String) -> Int? {
                ParseSupport.integer(s, option: a, expected: "a file descriptor number", quoted: 20, source: source, problems: &problems)
            }
            switch name {
            case "unshare-all":
                c.unshareAll = true
                unshared.formUnion(["user", "ipc", "pid", "net", "uts", "cgroup"])
            case "unshare-user": unshared.insert("user")
            case "unshare-user-try": c.unshareUserTry = true
            case "unshare-ipc": unshared.insert("ipc")
            case "unshare-pid": unshared.insert("pid")
            case "unshare-net": unshared.insert("net")
            case "unshare-uts": unshared.insert("uts")
            case "unshare-cgroup": unshared.insert("cgroup")
            case "unshare-cgroup-try": c.unshareCgroupTry = true
            case "share-net": c.shareNet = true
            case "new-session": c.newSession = true
            case "die-with-parent": c.dieWithParent = true
            case "as-pid-1": c.asPid1 = true
            case "disable-userns": c.disableUserns = true
            case "clearenv": c.clearEnv = true
            case "bind", "ro-bind", "dev-bind", "bind-try", "ro-bind-try", "dev-bind-try", "bind-fd", "ro-bind-fd":
                if let k = BubblewrapMountKind(rawValue: name) {
                    c.mounts.append(BubblewrapMount(kind: k, source: args[0], destination: args[1]))
                }
            case "overlay": c.mounts.append(BubblewrapMount(kind: .overlay, source: args[0], destination: args[2]))
            case "ro-overlay": c.mounts.append(BubblewrapMount(kind: .roOverlay, source: "", destination: args[0]))
            case "tmp-overlay": c.mounts.append(BubblewrapMount(kind: .tmpOverlay, source: "", destination: args[0]))
            case "proc": c.procMounts.append(args[0])
            case "dev": c.devMounts.append(args[0])
            case "tmpfs": c.tmpfsMounts.append(args[0])
            case "cap-add": c.capAdd.append(args[0])
            case "cap-drop": c.capDrop.append(args[0])
            case "seccomp": if let f = fd(args[0]) { c.seccompFDs.append(f) }
            case "add-seccomp-fd": if let f = fd(args[0]) { c.addSeccompFDs.append(f) }
            case "uid": c.uid = fd(args[0])
            case "gid": c.gid = fd(args[0])
            case "args":
                if let f = fd(args[0]) { c.argsFDs.append(f) }
                problems.append(
                    ParseSupport.problem(source, a, "more options were read from fd \(args[0]); they are not visible in argv and not in these facts"))
            case "hostname": c.hostname = args[0]
            case "chdir": c.chdir = args[0]
            default: break
            }
        }
        // --unshare-all with --share-net keeps the host network.
        if c.shareNet { unshared.remove("net") }
        c.unshared = ["user", "ipc", "pid", "net", "uts", "cgroup"].filter { unshared.contains($0) }
        if c.command.isEmpty {
            problems.append(Problem(subject: source, message: "no command after the options"))
        }
        return Parsed(value: c, problems: problems)
    }
}
