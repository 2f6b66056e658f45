// Typed configuration facts (plain values: no I/O, no parsing; parsers live in Discovery/Parsers).

/// Whether hardware virtualisation (VMX/SVM) is exposed to the guest, letting it run its own hypervisor (cf. hardening H5).
public enum NestedVirtualisationExposure: String, Codable, Hashable, Sendable, CaseIterable {
    case explicitlyEnabled
    case explicitlyDisabled
    case inheritedFromHost
    case notRequested
}

/// How a control or display endpoint is reached. `fd` means an inherited (already-open) descriptor, as libvirt passes.
public enum EndpointTransport: String, Codable, Hashable, Sendable, CaseIterable {
    case tcp
    case unix
    case stdio
    case pty
    case fd
    case vc
    case file
    case pipe
    case udp
    case null
    case spice
    case websocket
    case none
    case other
}

/// Where a socket-based endpoint listens or connects. Values are as written in the configuration.
public struct NetworkEndpoint: Codable, Hashable, Sendable {
    /// Transport of the endpoint.
    public var transport: EndpointTransport = .other
    /// TCP/UDP host as written (empty or nil means every interface for a listener).
    public var host: String?
    /// TCP/UDP port when numeric.
    public var port: Int?
    /// UNIX socket or file path.
    public var path: String?
    /// Inherited file descriptor number or name.
    public var fd: String?
    /// The endpoint listens (`server=on`); nil when not stated.
    public var server: Bool?
    /// `wait=on/off` for a server socket.
    public var wait: Bool?
    /// `telnet=on`.
    public var telnet: Bool?
    /// Id of a `tls-creds-*` object, when TLS is configured.
    public var tlsCredentials: String?
    /// Id of an authorisation object (`tls-authz=`).
    public var tlsAuthz: String?
    /// True when a TCP listener binds to a non-loopback or wildcard address.
    public var listensBeyondLoopback: Bool = false

    /// An endpoint of `transport`, nothing else stated.
    public init(transport: EndpointTransport = .other) { self.transport = transport }
}

/// A configuration read from a program's command line: it keeps the argv and the program (argv[0]); its parser fills
/// in the rest of a value that starts with every field at its default.
public protocol CommandLineConfiguration {
    /// Every field at its default: nothing stated.
    init()
    /// The argv.
    var raw: [String] { get set }
    /// argv[0].
    var binary: String? { get set }
}

extension CommandLineConfiguration {
    /// The configuration of `argv` before its options are read: `raw` is `argv` and `binary` its first word.
    public init(argv: [String]) {
        self.init()
        raw = argv
        binary = argv.first
    }
}
