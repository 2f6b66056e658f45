public import BulkheadModel

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

/// The bridge between detectors and the format parsers (Parsers/).
public enum ConfigParsers {
    public static func qemu(_ argv: [String]) -> ParsedGuest {
        ParsedGuest(configuration: .qemu(QEMUConfiguration(raw: argv)))
    }
    public static func libvirt(_ xml: String, path: String) -> ParsedGuest {
        ParsedGuest(configuration: .libvirt(LibvirtDomain(raw: [xml])))
    }
    public static func xen(_ text: String, path: String) -> ParsedGuest {
        ParsedGuest(configuration: .xen(XenGuestConfiguration(raw: [text])))
    }
    public static func firecracker(argv: [String], configJSON: String?) -> ParsedGuest {
        ParsedGuest(configuration: .firecracker(FirecrackerConfiguration(raw: argv)))
    }
    public static func cloudHypervisor(_ argv: [String]) -> ParsedGuest {
        ParsedGuest(configuration: .cloudHypervisor(CloudHypervisorConfiguration(raw: argv)))
    }
    public static func crosvm(_ argv: [String]) -> ParsedGuest {
        ParsedGuest(configuration: .crosvm(CrosvmConfiguration(raw: argv)))
    }
    public static func runsc(_ argv: [String]) -> ParsedGuest {
        ParsedGuest(configuration: .gvisor(GVisorConfiguration(raw: argv)))
    }
    public static func bubblewrap(_ argv: [String]) -> ParsedGuest {
        ParsedGuest(configuration: .bubblewrap(BubblewrapConfiguration(raw: argv)))
    }
}
