public import BulkheadModel
import Formats
import Foundation

/// systemd socket units that hold a management daemon's listeners (socket activation): libvirt's TCP and TLS
/// sockets for libvirtd and virtproxyd, and Docker's docker.socket. systemd opens a unit's `ListenStream=`
/// sockets itself when the unit is enabled, before the daemon runs, so a TCP listener exists whether or not
/// the daemon is running; with `dockerd -H fd://` the API socket's path, mode and group are the unit's.
///
/// The collection reads each unit file where systemd looks for it, its drop-ins (`NAME.d/*.conf`) and the
/// `*.wants` links `systemctl enable` makes; the parsing here is pure.
public enum SystemdSockets {
    /// The socket units read: libvirt's (src/remote/libvirtd-tcp.socket.in and -tls, the modular daemons'
    /// virtproxyd-tcp/-tls) and moby's contrib/init/systemd/docker.socket.
    public static let units = [
        "libvirtd-tcp.socket", "libvirtd-tls.socket", "virtproxyd-tcp.socket", "virtproxyd-tls.socket", "docker.socket",
    ]
    /// systemd's system unit directories, highest precedence first (systemd.unit(5), "Unit File Load Path").
    public static let unitDirectories = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]
    /// Where `systemctl enable` links the units (their `WantedBy=sockets.target`; multi-user.target for units
    /// an administrator installed that way).
    public static let wantsDirectories = ["/etc/systemd/system/sockets.target.wants", "/etc/systemd/system/multi-user.target.wants"]
    /// Services whose packaged unit `Requires=` the socket: enabling the service starts the socket at boot too
    /// (moby's and Debian's docker.service: `Requires=docker.socket`).
    public static let requiredBy: [String: String] = ["docker.socket": "docker.service"]
    /// Bound on one unit file or drop-in.
    public static let unitLimit = 1 << 16
    /// systemd.socket(5): `SocketMode=` "Defaults to 0666"; `SocketUser=`/`SocketGroup=` unset: root.
    public static let defaultSocketMode = "0666"

    /// Every unit file path the collection reads.
    public static var unitPaths: [String] { units.flatMap { unit in unitDirectories.map { "\($0)/\(unit)" } } }
    /// Every drop-in directory the collection lists (reading `*.conf`).
    public static var dropInDirectories: [String] { units.flatMap { unit in unitDirectories.map { "\($0)/\(unit).d" } } }

    /// Whether the unit is enabled.
    public enum Enablement: Hashable, Sendable {
        /// A link in a `*.wants` directory (the link's path).
        case enabled(String)
        case disabled
        /// `/etc/systemd/system/NAME` links to /dev/null.
        case masked
        /// A `*.wants` directory could not be read (why).
        case unknown(String)
    }

    /// A socket unit as systemd would load it: the unit file with its drop-ins applied.
    public struct Unit: Hashable, Sendable {
        public var name: String
        /// The unit file in effect, then the drop-ins applied, in order.
        public var paths: [String]
        public var listenStreams: [String] = []
        public var socketMode: String?
        public var socketUser: String?
        public var socketGroup: String?
        public var enablement: Enablement

        public var enabled: Bool { if case .enabled = enablement { true } else { false } }
        /// The `ListenStream=` values that are TCP (a port, `ADDRESS:PORT`, `[IPv6]:PORT`).
        public var tcpListens: [String] { listenStreams.filter(SystemdSockets.isTCP) }
        /// The `ListenStream=` values that are file-system UNIX sockets.
        public var unixListens: [String] { listenStreams.filter { $0.hasPrefix("/") } }
        /// `ListenStream=16509 ListenStream=/run/x.sock SocketMode=0660 …` for evidence.
        public var summary: String {
            var parts = listenStreams.map { "ListenStream=\($0)" }
            if let m = socketMode { parts.append("SocketMode=\(m)") }
            if let u = socketUser { parts.append("SocketUser=\(u)") }
            if let g = socketGroup { parts.append("SocketGroup=\(g)") }
            return parts.isEmpty ? "no ListenStream=" : parts.joined(separator: " ")
        }
        public var enablementText: String {
            switch enablement {
            case .enabled(let link): "enabled (\(link))"
            case .disabled: "not enabled (no link in \(SystemdSockets.wantsDirectories.joined(separator: " or ")))"
            case .masked: "masked (/etc/systemd/system/\(name) → /dev/null)"
            case .unknown(let why): "enablement unknown (\(why))"
            }
        }
    }

    /// A `ListenStream=` value that is a TCP address: a port number alone, `IPv4:PORT` or `[IPv6]:PORT`
    /// (systemd.socket(5)). File-system paths (`/…`), abstract sockets (`@…`) and `vsock:` are not.
    public static func isTCP(_ listen: String) -> Bool { port(of: listen) != nil }

    /// The port of a TCP `ListenStream=` value; nil for anything else.
    public static func port(of listen: String) -> Int? {
        let v = listen.trimmingCharacters(in: .whitespaces)
        guard !v.isEmpty, !v.hasPrefix("/"), !v.hasPrefix("@"), !v.lowercased().hasPrefix("vsock:") else { return nil }
        let digits: Substring
        if v.allSatisfy(\.isNumber) {
            digits = Substring(v)
        } else if let colon = v.lastIndex(of: ":") {
            digits = v[v.index(after: colon)...]
        } else {
            return nil
        }
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isNumber), let p = Int(digits), p > 0, p < 65536 else { return nil }
        return p
    }

    /// Whether a TCP `ListenStream=` value binds only a loopback address: its address part (`ADDRESS:PORT` or
    /// `[IPV6]:PORT`, systemd.socket(5)) is loopback as every listener check judges it (Formats'
    /// `ParseSupport.beyondLoopback`). A port alone binds every address; a path or abstract name is not TCP.
    public static func isLoopback(_ listen: String) -> Bool {
        let v = listen.trimmingCharacters(in: .whitespaces)
        guard port(of: v) != nil else { return false }
        let host: Substring
        if v.hasPrefix("[") {
            guard let close = v.firstIndex(of: "]") else { return false }
            host = v[v.index(after: v.startIndex)..<close]
        } else if let colon = v.lastIndex(of: ":") {
            host = v[..<colon]
        } else {
            return false
        }
        // A bind to a device (`ADDRESS%DEVICE`) keeps the address.
        let address = host.prefix { $0 != "%" }
        return !address.isEmpty && !ParseSupport.beyondLoopback(String(address))
    }

    /// The `[Socket]` settings of one unit file or drop-in, applied over `unit` in order: `ListenStream=`
    /// appends, an empty `ListenStream=` resets the list (systemd.socket(5)); the other keys replace.
    /// Lines ending in `\` continue on the next line; `#` and `;` start comments.
    static func apply(_ text: String, to unit: inout Unit) {
        var section = ""
        var logical: [String] = []
        var pending = ""
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty, line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            logical.append(pending + line)
            pending = ""
        }
        if !pending.isEmpty { logical.append(pending) }
        for line in logical {
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard section == "Socket", let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "ListenStream":
                if value.isEmpty { unit.listenStreams = [] } else { unit.listenStreams.append(value) }
            case "SocketMode": unit.socketMode = value.isEmpty ? nil : value
            case "SocketUser": unit.socketUser = value.isEmpty ? nil : value
            case "SocketGroup": unit.socketGroup = value.isEmpty ? nil : value
            default: continue
            }
        }
    }

    /// The unit `name` as systemd loads it from what was collected: nil when no unit file exists; failure
    /// when a file or a `*.wants` directory that decides it could not be read or was not collected.
    public static func unit(_ name: String, _ obs: HostObservations) -> Result<Unit?, Problem> {
        // Masked: systemd ignores the unit whatever its files say.
        if case .target(let t)? = obs.links["/etc/systemd/system/\(name)"], t == "/dev/null" {
            return .success(Unit(name: name, paths: ["/etc/systemd/system/\(name)"], enablement: .masked))
        }
        var chosen: (path: String, text: String)?
        for directory in unitDirectories {
            let path = "\(directory)/\(name)"
            switch obs.state(path) {
            case .content(let text)?: chosen = (path, text)
            case .absent?: continue
            case .unreadable(let why)?: return .failure(Problem(subject: path, message: why))
            case .present?, nil: return .failure(Problem(subject: path, message: "was not collected"))
            }
            break
        }
        guard let chosen else { return .success(nil) }
        var unit = Unit(name: name, paths: [chosen.path], enablement: .disabled)
        apply(chosen.text, to: &unit)
        // Drop-ins: sorted by file name over every directory; a name in a higher-precedence directory hides
        // the same name below it (systemd.unit(5)).
        var dropIns: [String: (path: String, text: String)] = [:]
        for directory in unitDirectories.reversed() {
            let dropInDirectory = "\(directory)/\(name).d"
            if case .unreadable(let why)? = obs.listed[dropInDirectory] { return .failure(Problem(subject: dropInDirectory, message: why)) }
            guard let files = obs.directoryTexts(dropInDirectory) else { continue }
            for (path, state) in obs.files where path.hasPrefix(dropInDirectory + "/") {
                if case .unreadable(let why) = state { return .failure(Problem(subject: path, message: why)) }
            }
            for (path, text) in files {
                dropIns[String(path.dropFirst(dropInDirectory.count + 1))] = (path, text)
            }
        }
        for file in dropIns.keys.sorted() {
            guard let d = dropIns[file] else { continue }
            unit.paths.append(d.path)
            apply(d.text, to: &unit)
        }
        var unknown: [String] = []
        for directory in wantsDirectories {
            switch obs.linkTargets(in: directory) {
            case nil: unknown.append("\(directory) was not collected")
            case .failure(let p)?:
                // No such directory: nothing is enabled there.
                if case .absent? = obs.listed[directory] { continue }
                unknown.append(p.description)
            case .success(let links)?:
                if links[name] != nil {
                    unit.enablement = .enabled("\(directory)/\(name)")
                    return .success(unit)
                }
                if let service = requiredBy[name], links[service] != nil {
                    unit.enablement = .enabled("\(directory)/\(service), which Requires=\(name)")
                    return .success(unit)
                }
            }
        }
        if !unknown.isEmpty { unit.enablement = .unknown(unknown.joined(separator: "; ")) }
        return .success(unit)
    }

    /// A socket mode (`0660`) that lets any local user connect (others' write bit); nil when not octal.
    public static func othersMayConnect(_ mode: String) -> Bool? {
        guard !mode.isEmpty, mode.count <= 4, let bits = Int(mode, radix: 8) else { return nil }
        return bits & 0o002 != 0
    }

    /// The group write bit of an octal mode; nil when not octal.
    public static func groupMayConnect(_ mode: String) -> Bool? {
        guard !mode.isEmpty, mode.count <= 4, let bits = Int(mode, radix: 8) else { return nil }
        return bits & 0o020 != 0
    }
}

extension CheckContext {
    /// Evidence for a socket unit: its files and whether it is enabled.
    func unitEvidence(_ unit: SystemdSockets.Unit) -> Evidence {
        file(
            unit.paths[0],
            "\(unit.name): \(unit.summary); \(unit.enablementText)"
                + (unit.paths.count > 1 ? "; drop-ins \(unit.paths.dropFirst().joined(separator: ", "))" : ""))
    }
}
