import Assessment
import BulkheadModel
import Checks
import Discovery
import Formats
import Foundation
import HostInspection
import Testing

/// One check's folder, `Sources/Checks/Probes/<family>/<id>/`: its definition `<id>.json`, its
/// implementation `<id>.swift` and its `fixtures/`.
struct ProbeFolder: Sendable {
    let family: String
    let id: String
    let url: URL

    var fixtures: URL { url.appendingPathComponent("fixtures") }

    /// `Sources/Checks/Probes` of the source tree these tests were built from.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Checks/Probes")

    /// Every folder two levels under `root`, sorted by id.
    static func all() throws -> [ProbeFolder] {
        var out: [ProbeFolder] = []
        for family in try ProbeFiles.entries(root) where ProbeFiles.isDirectory(root.appendingPathComponent(family)) {
            let familyURL = root.appendingPathComponent(family)
            for id in try ProbeFiles.entries(familyURL) where ProbeFiles.isDirectory(familyURL.appendingPathComponent(id)) {
                out.append(ProbeFolder(family: family, id: id, url: familyURL.appendingPathComponent(id)))
            }
        }
        return out.sorted { $0.id < $1.id }
    }

    static func named(_ id: String) throws -> ProbeFolder {
        guard let folder = try all().first(where: { $0.id == id }) else {
            throw Problem(subject: id, message: "no probe folder \(id) under \(root.path)")
        }
        return folder
    }
}

/// A good or bad configuration in a probe's `fixtures/`: a file or directory whose name starts with
/// `good` or `bad`. Other names there (`PROVENANCE.md`, `README.md`) are documentation.
///
/// The kind is read from the name — one real format per input the check reads:
/// - a directory: a host tree (`proc/`, `sys/`, `etc/`, `var/lib/dpkg/status` …), read like a live root;
/// - `.args`: command lines (shell syntax, `\` continuations, `VAR=value` prefixes) of QEMU, Firecracker,
///   the jailer, Cloud Hypervisor, crosvm or runsc, the program named by the first word;
/// - `.xml`: a libvirt domain; `.cfg`: a Xen xl domain configuration; `.qemu.conf`: libvirt's qemu.conf;
///   `.toml`: a Kata Containers configuration.toml; `.json`: a Firecracker `--config-file` document.
struct ProbeFixture: Sendable, CustomTestStringConvertible {
    enum Expectation: String, Sendable { case good, bad }

    let checkID: String
    let url: URL
    let expectation: Expectation

    var name: String { url.lastPathComponent }
    var testDescription: String { "\(checkID) \(name)" }

    static func expectation(of name: String) -> Expectation? {
        if name.hasPrefix("good") { return .good }
        if name.hasPrefix("bad") { return .bad }
        return nil
    }

    static func of(_ probe: ProbeFolder) -> [ProbeFixture] {
        ((try? ProbeFiles.entries(probe.fixtures)) ?? []).compactMap { name in
            expectation(of: name).map { ProbeFixture(checkID: probe.id, url: probe.fixtures.appendingPathComponent(name), expectation: $0) }
        }
    }

    /// Every fixture of every probe (the arguments of the parameterised test; a listing failure leaves it
    /// empty, which `everyProbeHasAGoodAndABadFixture` reports).
    static let all: [ProbeFixture] = ((try? ProbeFolder.all()) ?? []).flatMap(of)
}

enum ProbeFiles {
    static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    /// Names in a directory, sorted, without dot files.
    static func entries(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// A file's text, at most 4 MiB.
    static func text(_ url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return String(decoding: try handle.read(upToCount: 4 << 20) ?? Data(), as: UTF8.self)
    }
}

/// Turns a fixture into the `CheckInput` the real pipeline would build from the same files: Discovery's
/// parsers for configurations and command lines, HostInspection for a host tree's facts, Assessment's
/// distribution lifecycle for support windows. This is the one place to change when host reading changes
/// (a host tree would then go through the evidence collection, discovery and `AssessmentInputs`).
enum FixtureRunner {
    static let now = Fixture.collectedAt

    static func input(_ fixture: ProbeFixture) throws -> CheckInput {
        let name = fixture.name
        let empty = HostFacts(collectedAt: now, source: "fixture \(fixture.testDescription)")
        if ProbeFiles.isDirectory(fixture.url) { return try hostTree(fixture.url, label: fixture.testDescription) }
        let text = try ProbeFiles.text(fixture.url)
        if name.hasSuffix(".args") {
            return CheckInput(facts: empty, mechanisms: try mechanisms(commandLines: text, source: name))
        }
        if name.hasSuffix(".xml") {
            let path = "/etc/libvirt/qemu/\(name)"
            let guest = guest(ConfigParsers.libvirt(text, path: path), name: name, path: path)
            return CheckInput(facts: empty, mechanisms: [mechanism("libvirt", role: .management, [guest])])
        }
        if name.hasSuffix(".cfg") {
            let path = "/etc/xen/\(name)"
            return CheckInput(
                facts: empty, mechanisms: [mechanism("xen", role: .vmm, [guest(ConfigParsers.xen(text, path: path), name: name, path: path)])])
        }
        if name.hasSuffix(".qemu.conf") {
            return CheckInput(facts: empty, daemons: [try libvirtQEMUConf(text, path: "/etc/libvirt/qemu.conf")])
        }
        if name.hasSuffix(".toml") {
            return CheckInput(facts: empty, daemons: [try kata(text, path: "/etc/kata-containers/configuration.toml")])
        }
        if name.hasSuffix(".daemon.json") {
            return CheckInput(facts: empty, mechanisms: try mechanisms(dockerDaemon: text, source: name))
        }
        if name.hasSuffix(".json") {
            let path = "/etc/firecracker/\(name)"
            let argv = ["firecracker", "--api-sock", "/run/firecracker.socket", "--config-file", path]
            let parsed = ConfigParsers.firecracker(argv: argv, configJSON: text, configSource: path)
            return CheckInput(facts: empty, mechanisms: [mechanism("firecracker", role: .vmm, [guest(parsed, name: name, path: path)])])
        }
        throw Problem(subject: fixture.testDescription, message: "unknown fixture kind (see ProbeFixture for the names)")
    }

    // MARK: Configuration files and command lines

    static func mechanism(_ product: ProductID, version: String? = nil, role: MechanismRole, state: MechanismState = .running, _ guests: [Guest])
        -> IsolationMechanism
    {
        IsolationMechanism(product: product, name: product.rawValue, version: version, role: role, state: state, guests: guests)
    }

    static func guest(_ parsed: ParsedGuest, name: String, path: String?, pid: Int32? = nil, confinement: ProcessConfinement? = nil) -> Guest {
        Guest(
            name: parsed.name ?? name, pid: pid, running: pid != nil, configuration: parsed.configuration, confinement: confinement,
            evidence: path.map { [Evidence(claim: "configuration", source: .file(path: $0, sha256: nil), observedAt: now, confidence: .high)] } ?? [],
            problems: parsed.problems)
    }

    static func libvirtQEMUConf(_ text: String, path: String) throws -> DaemonConfiguration {
        let parsed = try LibvirtQEMUConfParser.parse(text: text, source: path)
        return DaemonConfiguration(product: "libvirt", path: path, settings: .libvirtQEMU(parsed.value), problems: parsed.problems)
    }

    static func kata(_ text: String, path: String) throws -> DaemonConfiguration {
        let parsed = try KataConfigParser.parse(text: text, source: path)
        return DaemonConfiguration(product: "kata-containers", path: path, settings: .kata(parsed.value), problems: parsed.problems)
    }

    /// The product whose parser reads an argv, and the parse; nil for programs no check reads. A leading
    /// `sudo` (as documentation writes commands) is not part of the program's argv.
    static func parse(argv: [String], source: String) -> (ProductID, ParsedGuest)? {
        var argv = argv
        if argv.first == "sudo" { argv = Array(argv.dropFirst().drop { $0.hasPrefix("-") }) }
        guard let first = argv.first else { return nil }
        let program = String(first.split(separator: "/").last ?? "")
        switch program {
        case _ where program.hasPrefix("qemu-system-"), "qemu-kvm", "kvm": return ("qemu", ConfigParsers.qemu(argv, source: source))
        case "firecracker": return ("firecracker", ConfigParsers.firecracker(argv: argv, configJSON: nil))
        case "jailer":
            do {
                return ("firecracker", ParsedGuest(configuration: .firecracker(try FirecrackerParser.parseJailer(argv, source: source).value)))
            } catch {
                return ("firecracker", ParsedGuest(configuration: nil, problems: [error.problem]))
            }
        case "cloud-hypervisor": return ("cloud-hypervisor", ConfigParsers.cloudHypervisor(argv))
        case "crosvm": return ("crosvm", ConfigParsers.crosvm(argv))
        case "runsc": return ("gvisor", ConfigParsers.runsc(argv))
        case "cargo":
            // crosvm's own examples run it as `cargo run [--features …] -- ARGS`; ARGS is crosvm's argv.
            guard argv.dropFirst().first == "run", let dashes = argv.firstIndex(of: "--") else { return nil }
            return ("crosvm", ConfigParsers.crosvm(["crosvm"] + argv[(dashes + 1)...]))
        default: return nil
        }
    }

    /// Every command line of a text whose program a check reads, as guests grouped by product. A line that
    /// starts with an option continues the command above it (documentation often breaks lines without `\`).
    static func mechanisms(commandLines text: String, source: String) throws -> [IsolationMechanism] {
        var commands: [[String]] = []
        for command in try CommandLineText.split(text) where !command.argv.isEmpty {
            if command.argv[0].hasPrefix("-"), !commands.isEmpty {
                commands[commands.count - 1] += command.argv
            } else {
                commands.append(command.argv)
            }
        }
        var byProduct: [ProductID: [Guest]] = [:]
        for (index, argv) in commands.enumerated() {
            guard case let (product, parsed)? = parse(argv: argv, source: source) else { continue }
            byProduct[product, default: []].append(guest(parsed, name: "\(source)#\(index + 1)", path: nil))
        }
        return byProduct.keys.sorted { $0.rawValue < $1.rawValue }.map { mechanism($0, role: .vmm, byProduct[$0] ?? []) }
    }

    /// Docker's `/etc/docker/daemon.json`: each runtime whose program is runsc is a gVisor sandbox started
    /// as `PATH RUNTIMEARGS…` (Docker appends only `--root` and the OCI subcommand).
    static func mechanisms(dockerDaemon text: String, source: String) throws -> [IsolationMechanism] {
        struct Daemon: Decodable {
            struct Runtime: Decodable {
                var path: String
                var runtimeArgs: [String]?
            }
            var runtimes: [String: Runtime]
        }
        let daemon = try JSONDecoder().decode(Daemon.self, from: Data(text.utf8))
        var guests: [Guest] = []
        for (name, runtime) in daemon.runtimes.sorted(by: { $0.key < $1.key }) {
            guard case let (product, parsed)? = parse(argv: [runtime.path] + (runtime.runtimeArgs ?? []), source: source), product == "gvisor"
            else { continue }
            guests.append(guest(parsed, name: "runtime \(name)", path: "/etc/docker/daemon.json"))
        }
        return guests.isEmpty ? [] : [mechanism("gvisor", role: .sandboxKernel, guests)]
    }

    // MARK: Host trees

    /// Packages that install a mechanism, as Debian names them.
    static let packageProducts: [String: ProductID] = [
        "qemu-system-x86": "qemu", "qemu-kvm": "qemu", "libvirt-daemon-system": "libvirt", "libvirt-daemon": "libvirt",
        "xen-utils-common": "xen", "runc": "runc", "crun": "crun", "containerd": "containerd", "docker.io": "docker",
        "podman": "podman", "runsc": "gvisor", "bubblewrap": "bubblewrap", "lxc": "lxc",
    ]

    /// Parents whose children are containers of that runtime.
    static func containerRuntime(parent program: String) -> ProductID? {
        switch program {
        case "crun": "crun"
        case "runc": "runc"
        case "conmon": "podman"
        case _ where program.hasPrefix("containerd-shim"): "containerd"
        default: nil
        }
    }

    /// A host tree, read as `assess --root` reads it: one evidence collection (the same needs, in the same
    /// order), discovery over it, and the check input `AssessmentInputs` builds from both. Git keeps neither
    /// device nodes nor modes, so `/dev/kvm` is described by `dev/kvm.stat` (the output of
    /// `stat -c '%a %u %g' /dev/kvm`), which replaces the collected /dev/kvm facts.
    static func hostTree(_ directory: URL, label: String) throws -> CheckInput {
        let root = StatOverlayRoot(base: DirectoryHostRoot(directory: directory.path))
        var evidence = HostInspector(root: root).collectEvidence(EvidencePlan.needs(catalog: .bundled()), now: now)
        if let stat = try? root.readText("/dev/kvm.stat", limit: 64) {
            let fields = stat.split(whereSeparator: \.isWhitespace)
            guard fields.count == 3, let uid = UInt32(fields[1]), let gid = UInt32(fields[2]) else {
                throw Problem(subject: "\(label) dev/kvm.stat", message: "expected `MODE UID GID`")
            }
            evidence.facts.kvm = KVMDeviceFacts(mode: String(fields[0]), ownerUID: uid, groupGID: gid)
            evidence.facts.problems.removeAll { $0.subject == "/dev/kvm" }
        }
        let discovery = DiscoveryEngine().run(evidence)
        return AssessmentInputs.checkInput(evidence: evidence, mechanisms: discovery.mechanisms, now: now)
    }
}

/// A fixture tree whose sockets (which git cannot hold) are described by `PATH.stat` files: `MODE UID GID KIND`
/// (`0660 0 998 socket`). `stat` and `kind` of PATH answer from it; everything else is the directory's.
struct StatOverlayRoot: HostRoot {
    let base: DirectoryHostRoot
    var label: String { base.label }
    var isLive: Bool { false }

    func described(_ path: String) -> FileMetadata? {
        guard let text = try? base.readText(path + ".stat", limit: 64) else { return nil }
        let f = text.split(whereSeparator: \.isWhitespace)
        guard f.count == 4, let mode = UInt32(f[0], radix: 8), let uid = UInt32(f[1]), let gid = UInt32(f[2]),
            let kind = FileKind(rawValue: String(f[3]))
        else { return nil }
        return FileMetadata(mode: mode, uid: uid, gid: gid, size: 0, kind: kind)
    }

    func read(_ path: String, limit: Int) throws(HostReadError) -> [UInt8] {
        if described(path) != nil { throw HostReadError(.wrongKind, path: path, message: "not a regular file (refused without opening it)") }
        return try base.read(path, limit: limit)
    }
    func list(_ path: String) throws(HostReadError) -> [String] { try base.list(path) }
    func kind(of path: String) -> FileKind? { described(path)?.kind ?? base.kind(of: path) }
    func readLink(_ path: String) throws(HostReadError) -> String { try base.readLink(path) }
    func metadata(of path: String) throws(HostReadError) -> FileMetadata {
        if let m = described(path) { return m }
        return try base.metadata(of: path)
    }
}
