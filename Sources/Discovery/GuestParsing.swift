import BulkheadModel
import Foundation
import HostInspection

/// Turns what a detector found (a process, a configuration file) into a `Guest`, calling the parser for
/// its format. Whatever cannot be read or parsed becomes a `Problem` on that guest alone.
public enum GuestParsing {
    /// Bound on a guest configuration file (domain XML, xl.cfg, Firecracker JSON).
    public static let configLimit = 1 << 20

    // MARK: argv helpers

    /// The value of `flag` in `flag VALUE` or `flag=VALUE` form.
    public static func flagValue(_ argv: [String], _ flag: String) -> String? {
        var iterator = argv.makeIterator()
        while let arg = iterator.next() {
            if arg == flag { return iterator.next() }
            if arg.hasPrefix(flag + "=") { return String(arg.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    /// The runsc subcommand (`boot`, `gofer`, `run` …): the first argument that is not a flag or a flag's value.
    public static func runscSubcommand(_ argv: [String]) -> String? {
        let known: Set<String> = [
            "boot", "gofer", "run", "create", "start", "do", "exec", "delete", "kill", "list", "ps", "state", "wait",
            "events", "checkpoint", "restore", "pause", "resume", "spec", "install", "uninstall", "debug", "help",
            "flags", "syscalls", "platforms", "usage", "metric-server", "metric-export", "port-forward", "tar", "mitigate",
        ]
        return argv.dropFirst().first { known.contains($0) }
    }

    // MARK: per family

    static func qemu(process: HostProcess, observedAt: Date) -> Guest {
        argvGuest(process, name: qemuName(process.arguments), observedAt: observedAt) {
            ConfigParsers.qemu(processArguments: $0, source: "pid \(process.pid) cmdline")
        }
    }

    /// `-name guest=NAME,debug-threads=on` or `-name NAME`.
    static func qemuName(_ argv: [String]) -> String? {
        guard let value = flagValue(argv, "-name") ?? flagValue(argv, "--name") else { return nil }
        let first = value.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? value
        if first.hasPrefix("guest=") { return String(first.dropFirst(6)) }
        return first.isEmpty ? nil : first
    }

    static func libvirt(path: String, running: Bool, files: RecordedFiles, observedAt: Date) -> Guest {
        fileGuest(
            path: path, running: running, claim: running ? "running domain XML kept by libvirt" : "persistent domain definition",
            files: files, observedAt: observedAt, parse: ConfigParsers.libvirt)
    }

    /// A guest defined by a configuration file (a libvirt domain, an xl configuration): named by the file until
    /// the parsed configuration names it; a file that cannot be read or parsed leaves the guest with a problem.
    static func fileGuest(
        path: String, running: Bool, claim: String, files: RecordedFiles, observedAt: Date,
        parse: (String, String) -> ParsedGuest
    ) -> Guest {
        let fallbackName = String(path.split(separator: "/").last?.dropLast(4) ?? "")
        var guest = Guest(
            name: fallbackName, running: running,
            evidence: [Evidence(claim: claim, source: .file(path: path, sha256: nil), observedAt: observedAt, confidence: .high)])
        do {
            let text = try files.readText(path, limit: configLimit)
            let parsed = parse(text, path)
            guest.configuration = parsed.configuration
            if let name = parsed.name, !name.isEmpty { guest.name = name }
            guest.problems += parsed.problems.map { Problem(subject: path, message: $0.message) }
        } catch {
            guest.problems.append(error.problem)
        }
        return guest
    }

    static func libvirtDriverConfigProblem(files: RecordedFiles) -> Problem? {
        do {
            _ = try files.readText(LibvirtDetector.configPath, limit: configLimit)
            return nil
        } catch {
            return error.problem
        }
    }

    static func xen(path: String, files: RecordedFiles, observedAt: Date) -> Guest {
        fileGuest(
            path: path, running: false, claim: "xl domain configuration", files: files, observedAt: observedAt, parse: ConfigParsers.xen)
    }

    static func firecracker(process: HostProcess, files: RecordedFiles, observedAt: Date) -> Guest {
        let id = flagValue(process.arguments, "--id")
        var guest = processGuest(process, name: id.map { "microvm \($0)" }, observedAt: observedAt)
        var configText: String?
        if let configPath = flagValue(process.arguments, "--config-file") {
            if firecrackerConfigPath(process) != nil {
                do {
                    configText = try files.readText(configPath, limit: configLimit)
                    guest.evidence.append(
                        Evidence(
                            claim: "Firecracker --config-file", source: .file(path: configPath, sha256: nil),
                            observedAt: observedAt, confidence: .high))
                } catch {
                    guest.problems.append(error.problem)
                }
            } else {
                guest.problems.append(
                    Problem(
                        subject: guest.name,
                        message:
                            "config file \(configPath) is inside the jailer's chroot; its configuration is not read (the API socket is not queried)"
                    ))
            }
        }
        let parsed = ConfigParsers.firecracker(
            argv: process.arguments, configJSON: configText,
            configSource: flagValue(process.arguments, "--config-file") ?? "config file")
        guest.configuration = parsed.configuration
        guest.problems += parsed.problems.map { Problem(subject: guest.name, message: $0.message) }
        return guest
    }

    /// The `--config-file` of a Firecracker process that Bulkhead reads: an absolute path, not inside the
    /// jailer's chroot (a jailer's own `-- --config-file` is one: jailer.md, "valid relative to a jailed Firecracker").
    static func firecrackerConfigPath(_ process: HostProcess) -> String? {
        guard let path = flagValue(process.arguments, "--config-file"), path.hasPrefix("/"), !isJailed(process),
            process.programName != "jailer"
        else { return nil }
        return path
    }

    /// A Firecracker started by the jailer runs chrooted: its `exe` shows the path inside the jail.
    static func isJailed(_ process: HostProcess) -> Bool {
        guard let exe = process.executable else { return false }
        return exe.contains("/jailer/") || process.confinement.namespaces["mnt"] != nil && exe == "/firecracker"
    }

    /// A guest whose whole configuration is its command line.
    static func argvGuest(_ process: HostProcess, name: String?, observedAt: Date, parse: ([String]) -> ParsedGuest) -> Guest {
        var guest = processGuest(process, name: name, observedAt: observedAt)
        let parsed = parse(process.arguments)
        guest.configuration = parsed.configuration
        guest.problems += parsed.problems.map { Problem(subject: guest.name, message: $0.message) }
        return guest
    }

    static func cloudHypervisor(process: HostProcess, observedAt: Date) -> Guest {
        argvGuest(process, name: nil, observedAt: observedAt, parse: ConfigParsers.cloudHypervisor)
    }

    static func crosvm(process: HostProcess, observedAt: Date) -> Guest {
        argvGuest(process, name: nil, observedAt: observedAt, parse: ConfigParsers.crosvm)
    }

    static func gvisor(process: HostProcess, observedAt: Date) -> Guest {
        let id = process.arguments.last.flatMap { $0.hasPrefix("-") ? nil : $0 }
        return argvGuest(process, name: id.map { "sandbox \($0.prefix(12))" }, observedAt: observedAt, parse: ConfigParsers.runsc)
    }

    static func bubblewrap(process: HostProcess, observedAt: Date) -> Guest {
        argvGuest(process, name: nil, observedAt: observedAt, parse: ConfigParsers.bubblewrap)
    }
}
