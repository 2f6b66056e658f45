public import BulkheadModel
import Foundation

/// ISM-1604's administrative interfaces as the host shows them: which files, sockets and descriptors the
/// checks need (the evidence collection asks for exactly these), and the pure parsers of what comes back —
/// `/proc/PID/net/tcp{,6}`, `/proc/PID/fd` links, `/etc/group`, `/proc/PID/mountinfo`.
public enum AdminInterfaces {
    /// Management daemons whose open TCP listeners are matched to their process: libvirt's monolithic and
    /// remote-access daemons, Docker's daemon and Podman's API service (`podman system service`).
    public static let managementPrograms: Set<String> = ["libvirtd", "virtproxyd", "dockerd", "podman"]
    /// Parents whose children are containers (the container's init process): containerd's shims, Podman's
    /// conmon, LXC.
    static func isContainerParent(_ program: String) -> Bool {
        program.hasPrefix("containerd-shim") || program == "conmon" || program == "lxc-start"
    }

    /// A container engine's API socket at its packaged path, and the groups its vendor gives it.
    public struct EngineSocket: Sendable, Hashable {
        public var path: String
        public var engine: String
        /// Groups that may hold write access: the vendor's own (Docker's `docker` group, documented as
        /// root-equivalent) and root.
        public var groups: Set<String>
    }

    /// Docker's docker.socket unit (SocketMode=0660, SocketGroup=docker), containerd's default address
    /// (root:root 0660) and rootful Podman's podman.socket (root:root 0660).
    public static let engineSockets: [EngineSocket] = [
        EngineSocket(path: "/run/docker.sock", engine: "docker", groups: ["root", "docker"]),
        EngineSocket(path: "/run/containerd/containerd.sock", engine: "containerd", groups: ["root"]),
        EngineSocket(path: "/run/podman/podman.sock", engine: "podman", groups: ["root"]),
    ]

    /// xenstored's UNIX sockets (tools/xenstored: `chmod(soc_str, 0600)`; older releases also `socket_ro`, 0660).
    public static let xenstoredSockets = ["/run/xenstored/socket", "/run/xenstored/socket_ro"]
    /// dom0's Xen device nodes (Linux's misc devices under /dev/xen) and xenfs's legacy files under /proc/xen.
    public static let xenDeviceNodes = [
        "/dev/xen/privcmd", "/dev/xen/hypercall", "/dev/xen/xenbus", "/dev/xen/xenbus_backend", "/dev/xen/evtchn", "/dev/xen/gntdev",
        "/dev/xen/gntalloc", "/proc/xen/privcmd", "/proc/xen/xenbus",
    ]

    /// Most descriptors of one daemon whose links are read.
    public static let maxDescriptors = 4096
    /// Bound on one /proc/PID/net/tcp or tcp6 (about 28 000 sockets).
    public static let procNetLimit = 4 << 20
    /// Bound on one /proc/PID/mountinfo.
    public static let mountinfoLimit = 1 << 20
    /// Most container processes whose mount table is read.
    public static let maxContainers = 2000

    /// What the administrative-interface checks read, given the process table.
    public struct Wanted: Sendable, Hashable {
        /// Files read as text (with their bound).
        public var files: [String: Int] = [:]
        /// Paths stat'ed and never opened.
        public var stats: [String] = []
        /// Directories whose every entry's link target is read: `/proc/PID/fd`, and the `*.wants` directories
        /// of systemd's enabled units.
        public var descriptorDirectories: [String] = []
        /// Single links read (`/proc/PID/root`: a jailed VMM's chroot).
        public var links: [String] = []
    }

    /// Virtual machine monitors whose API or monitor sockets are stat'ed.
    static func isVMM(_ p: HostProcess) -> Bool {
        let n = p.programName
        return n == "firecracker" || n == "cloud-hypervisor" || n.hasPrefix("qemu-system-") || n == "qemu-kvm" || n == "kvm"
    }

    /// Firecracker's jailer chroot for a microVM: `<chroot-base-dir>/<exec-file name>/<id>/root`, with the
    /// jailer's default base `/srv/jailer` (docs/jailer.md).
    public static func jailerChroot(id: String, execName: String = "firecracker") -> String {
        "/srv/jailer/\(execName)/\(id)/root"
    }

    /// The API or monitor socket paths a VMM names on its command line, as the VMM sees them: Firecracker's
    /// `--api-sock` (default /run/firecracker.socket unless `--no-api`), Cloud Hypervisor's `--api-socket`
    /// (`path=` or a bare path; `fd=` has none), QEMU's `-qmp`/`-monitor unix:PATH` and
    /// `-chardev socket,path=PATH`.
    public static func controlSocketPaths(_ p: HostProcess) -> [String] {
        let argv = p.arguments
        switch p.programName {
        case "firecracker":
            if argv.contains("--no-api") { return [] }
            return [optionValue(argv, "--api-sock") ?? "/run/firecracker.socket"]
        case "cloud-hypervisor":
            guard let v = optionValue(argv, "--api-socket") else { return [] }
            if v.hasPrefix("fd=") { return [] }
            let path = v.split(separator: ",").first { $0.hasPrefix("path=") }.map { String($0.dropFirst(5)) } ?? v
            return path.hasPrefix("/") ? [path] : []
        default:
            guard isVMM(p) else { return [] }
            var out: [String] = []
            for (i, a) in argv.enumerated()
            where i + 1 < argv.count && ["-qmp", "-monitor", "-chardev", "--qmp", "--monitor", "--chardev"].contains(a) {
                let v = argv[i + 1]
                if v.hasPrefix("unix:") {
                    out.append(String(v.dropFirst(5).prefix { $0 != "," }))
                } else if v.hasPrefix("socket,") {
                    for part in v.split(separator: ",") where part.hasPrefix("path=") { out.append(String(part.dropFirst(5))) }
                }
            }
            return out.filter { $0.hasPrefix("/") }
        }
    }

    /// Where a VMM's control socket may be on the host: the path itself, and for Firecracker under the jailer
    /// the same path inside its chroot (`--id` names it).
    public static func hostCandidates(_ path: String, of p: HostProcess) -> [String] {
        var out = [path]
        if p.programName == "firecracker", let id = optionValue(p.arguments, "--id"), !id.contains("/"), !id.contains("..") {
            out.append(jailerChroot(id: id) + path)
        }
        return out
    }

    static func parent(_ path: String) -> String {
        let up = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        return up.isEmpty ? "/" : up
    }

    /// The management daemons among `processes`.
    public static func managementDaemons(_ processes: [HostProcess]) -> [HostProcess] {
        processes.filter { managementPrograms.contains($0.programName) }.sorted { $0.pid < $1.pid }
    }

    /// OCI runtimes that stay the parent of a container they run in the foreground (`crun run ID`).
    static func isForegroundRuntime(_ p: HostProcess) -> Bool {
        ["runc", "crun", "youki"].contains(p.programName) && p.arguments.dropFirst().contains("run")
    }

    /// Container init processes: children of a shim, conmon, lxc-start or a foreground OCI runtime (bounded
    /// by `maxContainers`).
    public static func containerProcesses(_ processes: [HostProcess]) -> [HostProcess] {
        let parents = Set(
            processes.filter { isContainerParent($0.programName) || isContainerParent($0.name) || isForegroundRuntime($0) }.map(\.pid))
        return Array(processes.filter { $0.ppid.map(parents.contains) ?? false }.sorted { $0.pid < $1.pid }.prefix(maxContainers))
    }

    /// UNIX socket paths a running engine names on its command line (`dockerd -H unix:///…`,
    /// `containerd --address …`, `podman system service unix:///…`).
    public static func commandLineSockets(_ processes: [HostProcess]) -> [(path: String, engine: String)] {
        var out: [(String, String)] = []
        for p in processes {
            switch p.programName {
            case "dockerd":
                for h in DockerDaemonArgs(p.arguments).hosts where h.hasPrefix("unix://") { out.append((String(h.dropFirst(7)), "docker")) }
            case "containerd":
                if let a = optionValue(p.arguments, "--address") ?? optionValue(p.arguments, "-a"), a.hasPrefix("/") {
                    out.append((a, "containerd"))
                }
            case "podman":
                for a in p.arguments.dropFirst() where a.hasPrefix("unix://") { out.append((String(a.dropFirst(7)), "podman")) }
            default: break
            }
        }
        return out.filter { $0.0.hasPrefix("/") }
    }

    /// The value of `--name VALUE` or `--name=VALUE`.
    static func optionValue(_ argv: [String], _ name: String) -> String? {
        for (i, a) in argv.enumerated().dropFirst() {
            if a == name, i + 1 < argv.count { return argv[i + 1] }
            if a.hasPrefix(name + "=") { return String(a.dropFirst(name.count + 1)) }
        }
        return nil
    }

    public static func wanted(_ processes: [HostProcess]) -> Wanted {
        var w = Wanted()
        w.files["/etc/group"] = 1 << 20
        w.files["/etc/docker/daemon.json"] = 1 << 20
        for d in managementDaemons(processes) {
            w.descriptorDirectories.append("/proc/\(d.pid)/fd")
            w.files["/proc/\(d.pid)/net/tcp"] = procNetLimit
            w.files["/proc/\(d.pid)/net/tcp6"] = procNetLimit
        }
        for c in containerProcesses(processes) { w.files["/proc/\(c.pid)/mountinfo"] = mountinfoLimit }
        // Socket units that hold a daemon's listeners (socket activation): the unit files, the `*.wants` links
        // that enable them, and /etc/systemd/system/NAME (a link to /dev/null masks the unit). Drop-in
        // directories are in `HostObservations.wantedDirectories`.
        for path in SystemdSockets.unitPaths { w.files[path] = SystemdSockets.unitLimit }
        w.descriptorDirectories += SystemdSockets.wantsDirectories
        w.links += SystemdSockets.units.map { "/etc/systemd/system/\($0)" }
        for p in processes where isVMM(p) {
            let paths = controlSocketPaths(p).flatMap { hostCandidates($0, of: p) }
            guard !paths.isEmpty else { continue }
            w.stats += paths + paths.map(parent)
            w.links.append("/proc/\(p.pid)/root")
        }
        var sockets = engineSockets.map(\.path) + commandLineSockets(processes).map(\.path) + xenstoredSockets
        sockets += sockets.map { path in String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }.filter { !$0.isEmpty }
        var seen = Set<String>()
        w.stats = (w.stats + sockets + xenDeviceNodes).filter { seen.insert($0).inserted }
        return w
    }

    // MARK: /proc/PID/net/tcp

    /// One line of /proc/net/tcp or tcp6.
    public struct TCPSocket: Sendable, Hashable {
        /// Printable local address: `0.0.0.0`, `127.0.0.1`, `::`, `::1`, or the eight groups of an IPv6 address.
        public var address: String
        public var port: Int
        public var listening: Bool
        public var loopback: Bool
        public var inode: UInt64

        public var endpoint: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
    }

    /// The sockets of a /proc/net/tcp (IPv4) or tcp6 table; nil when the text is not such a table. The
    /// kernel prints each 32-bit word of an address in host byte order (little-endian on x86 and arm64).
    public static func tcpSockets(_ text: String) -> [TCPSocket]? {
        let lines = text.split(separator: "\n")
        guard let header = lines.first, header.contains("local_address"), header.contains("inode") else { return nil }
        var out: [TCPSocket] = []
        for line in lines.dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 10 else { return nil }
            let local = f[1].split(separator: ":")
            guard local.count == 2, let port = Int(local[1], radix: 16), let inode = UInt64(f[9]), let state = UInt8(f[3], radix: 16),
                let words = hexWords(local[0])
            else { return nil }
            let bytes = words.flatMap { w in [UInt8(w & 0xff), UInt8(w >> 8 & 0xff), UInt8(w >> 16 & 0xff), UInt8(w >> 24)] }
            let address: String
            let loopback: Bool
            if bytes.count == 4 {
                address = bytes.map(String.init).joined(separator: ".")
                loopback = bytes[0] == 127
            } else {
                let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
                if mapped {
                    address = "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
                    loopback = bytes[12] == 127
                } else {
                    let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                    let zero = bytes.allSatisfy { $0 == 0 }
                    loopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
                    address = zero ? "::" : loopback ? "::1" : groups.joined(separator: ":")
                }
            }
            out.append(TCPSocket(address: address, port: port, listening: state == 0x0A, loopback: loopback, inode: inode))
        }
        return out
    }

    private static func hexWords(_ hex: Substring) -> [UInt32]? {
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var out: [UInt32] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 8)
            guard let w = UInt32(hex[i..<j], radix: 16) else { return nil }
            out.append(w)
            i = j
        }
        return out
    }

    /// The TCP sockets in LISTEN state that process `pid` holds open: its descriptors' `socket:[INODE]`
    /// links matched against its network namespace's tcp and tcp6 tables. Failure says what could not be read.
    public static func listeners(of pid: Int32, _ obs: HostObservations) -> Result<[TCPSocket], Problem> {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let targets = obs.linkTargets(in: fdDirectory) else {
            return .failure(Problem(subject: fdDirectory, message: "its descriptors were not collected"))
        }
        let inodes: Set<UInt64>
        switch targets {
        case .failure(let p): return .failure(p)
        case .success(let t):
            inodes = Set(
                t.values.compactMap { v in
                    v.hasPrefix("socket:[") && v.hasSuffix("]") ? UInt64(v.dropFirst(8).dropLast()) : nil
                })
        }
        var out: [TCPSocket] = []
        for table in ["tcp", "tcp6"] {
            let path = "/proc/\(pid)/net/\(table)"
            switch obs.state(path) {
            case .content(let text)?:
                guard let sockets = tcpSockets(text) else { return .failure(Problem(subject: path, message: "not a /proc/net/tcp table")) }
                out += sockets.filter { $0.listening && inodes.contains($0.inode) }
            case .absent?: continue  // no IPv6 in this kernel
            case .unreadable(let why)?: return .failure(Problem(subject: path, message: why))
            case .present?, nil: return .failure(Problem(subject: path, message: "was not collected"))
            }
        }
        return .success(out.sorted { ($0.port, $0.address) < ($1.port, $1.address) })
    }

    // MARK: /etc/group, mountinfo

    /// `/etc/group`: gid → (name, members).
    public static func groups(_ text: String) -> [UInt32: (name: String, members: [String])] {
        var out: [UInt32: (String, [String])] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 4, let gid = UInt32(f[2]), out[gid] == nil else { continue }
            out[gid] = (String(f[0]), f[3].split(separator: ",").map(String.init))
        }
        return out
    }

    /// The processes inside a container guest: the children of its shim, conmon or lxc-start process, else
    /// the guest's own process (a container an OCI runtime runs in the foreground).
    public static func processes(inContainer pid: Int32, _ processes: [HostProcess]) -> [HostProcess] {
        guard let own = processes.first(where: { $0.pid == pid }) else { return [] }
        if isContainerParent(own.programName) || isContainerParent(own.name) {
            return processes.filter { $0.ppid == pid }.sorted { $0.pid < $1.pid }
        }
        return [own]
    }

    /// The mounts of a /proc/PID/mountinfo that bring an engine's API socket (or the directory holding it)
    /// into the container: `MOUNTPOINT (from ROOT)`.
    public static func engineSocketMounts(_ mountinfo: String) -> [String] {
        let names = ["docker.sock", "containerd.sock", "podman.sock", "dockershim.sock", "crio.sock"]
        let directories: Set<String> = ["/containerd", "/docker", "/podman", "/crio", "/run/containerd", "/run/docker", "/run/podman"]
        var out: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 5 else { continue }
            let root = unescapeMount(f[3])
            let point = unescapeMount(f[4])
            let hit =
                names.contains { root.hasSuffix("/" + $0) || point.hasSuffix("/" + $0) }
                || directories.contains(root)
                    && (point.hasSuffix("/containerd") || point.hasSuffix("/docker") || point.hasSuffix("/podman") || point.hasSuffix("/crio"))
            if hit { out.append("\(point) (from \(root))") }
        }
        return out
    }

    /// mountinfo's octal escapes (`\040` for a space).
    static func unescapeMount(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let b = u.first {
            if b == UInt8(ascii: "\\"), u.count >= 4, let v = UInt8(String(decoding: u.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(v)
                u = u.dropFirst(4)
            } else {
                bytes.append(b)
                u = u.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The API endpoints and TLS switches of a `dockerd` command line.
public struct DockerDaemonArgs: Sendable, Hashable {
    /// `-H`/`--host` values, in order (`unix:///run/docker.sock`, `tcp://0.0.0.0:2376`, `fd://`).
    public var hosts: [String] = []
    /// `--tlsverify` (nil when not given).
    public var tlsVerify: Bool?
    public var tls: Bool?

    public init(_ argv: [String]) {
        var i = 1
        func flag(_ a: String, _ name: String) -> Bool? {
            if a == name { return true }
            if a.hasPrefix(name + "=") { return ["1", "true", "t", "yes"].contains(a.dropFirst(name.count + 1).lowercased()) }
            return nil
        }
        while i < argv.count {
            let a = argv[i]
            if a == "-H" || a == "--host" {
                if i + 1 < argv.count { hosts.append(argv[i + 1]) }
                i += 2
                continue
            }
            if a.hasPrefix("-H=") {
                hosts.append(String(a.dropFirst(3)))
            } else if a.hasPrefix("--host=") {
                hosts.append(String(a.dropFirst(7)))
            } else if a.hasPrefix("-H"), a.count > 2, !a.hasPrefix("--") {
                hosts.append(String(a.dropFirst(2)))
            }
            if let v = flag(a, "--tlsverify") { tlsVerify = v }
            if let v = flag(a, "--tls") { tls = v }
            i += 1
        }
    }
}

/// What one VMM control socket (an API socket, a QMP or HMP monitor) looks like on the host.
struct ControlSocketJudgement {
    var wrong: [String] = []
    var unclear: [String] = []
    var evidence: [Evidence] = []
    /// `PATH mode 0755 uid 123 gid 100 (inside the jailer chroot …)`.
    var seen: [String] = []
}

extension CheckContext {
    /// Judges the socket a VMM process serves at `path` (as the VMM sees it): located through the process's
    /// root (a jailer chroot) when it has one, then by what `stat` said — the others' write bit, an owner or
    /// group other than root or the VMM's own, and a world-writable directory without the sticky bit fail.
    func controlSocket(_ path: String, role: String, pid: Int32, confinement: ProcessConfinement?) -> ControlSocketJudgement {
        var j = ControlSocketJudgement()
        guard let obs = input.observations else {
            j.unclear.append("\(role) \(path) was not observed (no host files collected from \(facts.source))")
            return j
        }
        let process = facts.processes.first { $0.pid == pid }
        var candidates = process.map { AdminInterfaces.hostCandidates(path, of: $0) } ?? [path]
        var chroot: String?
        if case .target(let root)? = obs.links["/proc/\(pid)/root"], root.hasPrefix("/"), root != "/" {
            chroot = root
            candidates = [root + path]
        }
        guard let hostPath = candidates.first(where: { if case .stat? = obs.stats[$0] { true } else { false } }) else {
            let states = candidates.map { c -> String in
                switch obs.stats[c] {
                case .absent?: "\(c): no such file"
                case .unreadable(let why)?: "\(c): \(why)"
                default: "\(c): not collected"
                }
            }
            j.unclear.append("\(role) \(path) of pid \(pid) was not found on the host (\(states.joined(separator: "; ")))")
            return j
        }
        guard case .stat(let st)? = obs.stats[hostPath] else { return j }
        let place = chroot.map { " inside the process's root \($0) (the jailer's chroot)" } ?? (hostPath != path ? " (jailer chroot)" : "")
        j.evidence.append(file(hostPath, "\(role): \(st.kind) mode \(st.octalMode), owner uid \(st.uid), group gid \(st.gid)\(place)"))
        j.seen.append("\(hostPath) \(st.octalMode) uid \(st.uid) gid \(st.gid)\(place)")
        guard st.kind == "socket" else {
            j.unclear.append("\(hostPath) is a \(st.kind), not a socket")
            return j
        }
        let uid = confinement?.uid
        let gid = confinement?.gid
        if st.mode & 0o002 != 0 {
            j.wrong.append("\(role) \(hostPath) is writable by every local user (mode \(st.octalMode)): any of them controls the VM")
        }
        if st.uid != 0 && st.uid != uid {
            j.wrong.append("\(role) \(hostPath) is owned by uid \(st.uid), neither root nor the VMM's uid \(uid.map(String.init) ?? "?")")
        }
        if st.mode & 0o020 != 0 && st.gid != 0 && st.gid != gid {
            j.wrong.append("\(role) \(hostPath) is writable by group gid \(st.gid), not the VMM's group \(gid.map(String.init) ?? "?")")
        }
        let directory = AdminInterfaces.parent(hostPath)
        if case .stat(let dir)? = obs.stats[directory] {
            j.evidence.append(file(directory, "directory mode \(dir.octalMode), owner uid \(dir.uid)"))
            if dir.mode & 0o002 != 0 && dir.mode & 0o1000 == 0 {
                j.wrong.append("\(directory), which holds \(role) \(hostPath), is writable by every local user without the sticky bit")
            }
        }
        return j
    }
}
