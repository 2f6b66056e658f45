public import BulkheadModel
import Formats
import Foundation

/// One result shape for every configuration parser call made by discovery.
public struct ParsedGuest: Sendable {
    public var configuration: GuestConfiguration?
    /// The guest's own name when the configuration carries one.
    public var name: String?
    public var problems: [Problem]

    public init(configuration: GuestConfiguration?, name: String? = nil, problems: [Problem] = []) {
        self.configuration = configuration
        self.name = name
        self.problems = problems
    }
}

/// The bridge between detectors and the format parsers (Parsers/): a parse error becomes a problem on
/// that guest alone, and the guest's configuration stays nil (its checks are then inconclusive).
public enum ConfigParsers {
    static func run<T>(_ body: () throws(ConfigParseError) -> Parsed<T>, wrap: (T) -> GuestConfiguration, name: (T) -> String? = { _ in nil })
        -> ParsedGuest
    {
        do {
            let parsed = try body()
            return ParsedGuest(configuration: wrap(parsed.value), name: name(parsed.value), problems: parsed.problems)
        } catch {
            return ParsedGuest(configuration: nil, problems: [error.problem])
        }
    }

    public static func qemu(_ argv: [String], source: String = "qemu argv") -> ParsedGuest {
        run({ () throws(ConfigParseError) in try QEMUArgvParser.parse(argv, source: source) }, wrap: GuestConfiguration.qemu)
    }

    /// A process's arguments, which `ProcessScanner` redacted as it read them: parsed without a second redaction.
    static func qemu(processArguments argv: [String], source: String) -> ParsedGuest {
        run(
            { () throws(ConfigParseError) in try QEMUArgvParser.parse(argv, source: source, redacted: true) },
            wrap: GuestConfiguration.qemu)
    }

    public static func libvirt(_ xml: String, path: String) -> ParsedGuest {
        run(
            { () throws(ConfigParseError) in try LibvirtDomainParser.parse(text: xml, source: path) },
            wrap: GuestConfiguration.libvirt, name: { $0.name })
    }

    public static func xen(_ text: String, path: String) -> ParsedGuest {
        run(
            { () throws(ConfigParseError) in try XenConfigParser.parse(text: text, source: path) }, wrap: GuestConfiguration.xen,
            name: { $0.name })
    }

    /// Firecracker's argv, and its `--config-file` JSON when it could be read. A jailer's argv (a jailer still
    /// running: `--new-pid-ns` keeps it as Firecracker's parent) is read as one, with Firecracker's arguments
    /// after `--`.
    public static func firecracker(argv: [String], configJSON: String?, configSource: String = "config file") -> ParsedGuest {
        let jailer = argv.first.map { $0.split(separator: "/").last == "jailer" } ?? false
        var result = run(
            { () throws(ConfigParseError) in
                jailer ? try FirecrackerParser.parseJailer(argv, source: "jailer argv") : try FirecrackerParser.parseArgv(argv)
            }, wrap: GuestConfiguration.firecracker)
        guard let configJSON, case .firecracker(var config)? = result.configuration else { return result }
        do {
            let vm = try FirecrackerParser.parseConfigFile(Data(configJSON.utf8), source: configSource)
            config.vm = vm.value
            result.problems += vm.problems
            result.configuration = .firecracker(config)
        } catch {
            result.problems.append(error.problem)
        }
        return result
    }

    public static func cloudHypervisor(_ argv: [String]) -> ParsedGuest {
        run(
            { () throws(ConfigParseError) in try CloudHypervisorArgvParser.parse(argv) },
            wrap: GuestConfiguration.cloudHypervisor)
    }

    public static func crosvm(_ argv: [String]) -> ParsedGuest {
        run({ () throws(ConfigParseError) in try CrosvmArgvParser.parse(argv) }, wrap: GuestConfiguration.crosvm)
    }

    public static func runsc(_ argv: [String]) -> ParsedGuest {
        run({ () throws(ConfigParseError) in try GVisorArgvParser.parse(argv) }, wrap: GuestConfiguration.gvisor)
    }

    public static func bubblewrap(_ argv: [String]) -> ParsedGuest {
        run({ () throws(ConfigParseError) in try BubblewrapArgvParser.parse(argv) }, wrap: GuestConfiguration.bubblewrap)
    }
}
