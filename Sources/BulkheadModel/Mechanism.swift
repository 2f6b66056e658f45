import Foundation

/// A stable product identifier, matching a catalog entry id (`qemu`, `kvm`, `firecracker`, `runsc` …).
public struct ProductID: RawRepresentable, Hashable, Codable, Sendable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: ProductID, b: ProductID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// What part an isolation mechanism plays.
public enum MechanismRole: String, Codable, Hashable, Sendable, CaseIterable {
    /// A hypervisor inside the host kernel (KVM).
    case kernelHypervisor
    /// A user-space virtual machine monitor (QEMU, Firecracker, Cloud Hypervisor, crosvm).
    case vmm
    /// A bare-metal hypervisor with a control domain (Xen).
    case type1Hypervisor
    /// A management layer that launches and confines VMMs (libvirt).
    case management
    /// A user-space kernel that intercepts a sandbox's system calls (gVisor).
    case sandboxKernel
    /// An OCI or system container runtime (runc, crun, Docker, Podman, LXC, Kata).
    case containerRuntime
    /// An unprivileged namespace sandbox (bubblewrap).
    case namespaceSandbox
    /// The host's own operating system (the "underlying operating system" of ISM-1605/1606/1848), used
    /// as a subject in reports beside the mechanisms.
    case hostOperatingSystem
}

/// Whether a mechanism is merely present or actually in use.
public enum MechanismState: String, Codable, Hashable, Sendable, Comparable {
    case installed
    case loaded
    case running

    private var rank: Int {
        switch self {
        case .installed: 0
        case .loaded: 1
        case .running: 2
        }
    }
    public static func < (a: MechanismState, b: MechanismState) -> Bool { a.rank < b.rank }
}

/// A software-based isolation mechanism found on a host.
public struct IsolationMechanism: Codable, Hashable, Sendable, Identifiable {
    public var id: String { product.rawValue }
    public var product: ProductID
    /// Name for people ("QEMU", "gVisor (runsc)").
    public var name: String
    public var version: String?
    public var role: MechanismRole
    public var state: MechanismState
    /// Guests or sandboxes this mechanism is running (or has defined, for libvirt and Xen).
    public var guests: [Guest]
    /// What the mechanism's presence, version and state rest on.
    public var evidence: [Evidence]
    /// Things that could not be observed about this mechanism.
    public var problems: [Problem]

    public init(
        product: ProductID, name: String, version: String? = nil, role: MechanismRole,
        state: MechanismState, guests: [Guest] = [], evidence: [Evidence] = [], problems: [Problem] = []
    ) {
        self.product = product
        self.name = name
        self.version = version
        self.role = role
        self.state = state
        self.guests = guests
        self.evidence = evidence
        self.problems = problems
    }
}

/// A guest VM, microVM or sandbox run (or defined) by a mechanism.
public struct Guest: Codable, Hashable, Sendable {
    /// Name when known (`-name`, libvirt `<name>`, sandbox id), else a derived label such as `pid 1234`.
    public var name: String
    public var pid: Int32?
    /// `running`, or `defined` for a configuration with no process.
    public var running: Bool
    /// Parsed configuration, or nil when it could not be parsed (see `problems`).
    public var configuration: GuestConfiguration?
    /// Per-process confinement facts observed from /proc, when the guest has a process.
    public var confinement: ProcessConfinement?
    public var evidence: [Evidence]
    /// Present when part of this guest could not be read or parsed; the guest is then `inconclusive`
    /// for whatever depends on it.
    public var problems: [Problem]

    public init(
        name: String, pid: Int32? = nil, running: Bool, configuration: GuestConfiguration? = nil,
        confinement: ProcessConfinement? = nil, evidence: [Evidence] = [], problems: [Problem] = []
    ) {
        self.name = name
        self.pid = pid
        self.running = running
        self.configuration = configuration
        self.confinement = confinement
        self.evidence = evidence
        self.problems = problems
    }
}

/// Confinement of a process as the kernel reports it (/proc/PID/status, per thread where it matters).
public struct ProcessConfinement: Codable, Hashable, Sendable {
    public var uid: UInt32?
    public var gid: UInt32?
    /// `Seccomp:` of the main thread: 0 disabled, 1 strict, 2 filter.
    public var seccomp: Int?
    /// `Seccomp:` of every thread (tid → mode); vendors such as Firecracker filter per thread.
    public var threadSeccomp: [Int32: Int]
    public var noNewPrivs: Bool?
    /// Effective capability set as a hex mask (`CapEff:`).
    public var capEff: String?
    /// Namespace identities (`net:[4026531840]`), keyed by type.
    public var namespaces: [String: String]
    /// cgroup path(s) as in /proc/PID/cgroup.
    public var cgroups: [String]
    /// LSM label from /proc/PID/attr/current, when readable.
    public var lsmLabel: String?

    public init(
        uid: UInt32? = nil, gid: UInt32? = nil, seccomp: Int? = nil, threadSeccomp: [Int32: Int] = [:],
        noNewPrivs: Bool? = nil, capEff: String? = nil, namespaces: [String: String] = [:],
        cgroups: [String] = [], lsmLabel: String? = nil
    ) {
        self.uid = uid
        self.gid = gid
        self.seccomp = seccomp
        self.threadSeccomp = threadSeccomp
        self.noNewPrivs = noNewPrivs
        self.capEff = capEff
        self.namespaces = namespaces
        self.cgroups = cgroups
        self.lsmLabel = lsmLabel
    }

    private enum CodingKeys: String, CodingKey {
        case uid, gid, seccomp, threadSeccomp, noNewPrivs, capEff, namespaces, cgroups, lsmLabel
    }

    // Thread ids are written as JSON object keys ("1234": 2), not as a flat key/value array.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(UInt32.self, forKey: .uid)
        gid = try c.decodeIfPresent(UInt32.self, forKey: .gid)
        seccomp = try c.decodeIfPresent(Int.self, forKey: .seccomp)
        let threads = try c.decodeIfPresent([String: Int].self, forKey: .threadSeccomp) ?? [:]
        var parsed: [Int32: Int] = [:]
        for (key, value) in threads {
            guard let tid = Int32(key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .threadSeccomp, in: c, debugDescription: "thread id '\(key)' is not a number")
            }
            parsed[tid] = value
        }
        threadSeccomp = parsed
        noNewPrivs = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivs)
        capEff = try c.decodeIfPresent(String.self, forKey: .capEff)
        namespaces = try c.decodeIfPresent([String: String].self, forKey: .namespaces) ?? [:]
        cgroups = try c.decodeIfPresent([String].self, forKey: .cgroups) ?? []
        lsmLabel = try c.decodeIfPresent(String.self, forKey: .lsmLabel)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(uid, forKey: .uid)
        try c.encodeIfPresent(gid, forKey: .gid)
        try c.encodeIfPresent(seccomp, forKey: .seccomp)
        if !threadSeccomp.isEmpty {
            try c.encode(
                Dictionary(uniqueKeysWithValues: threadSeccomp.map { (String($0.key), $0.value) }), forKey: .threadSeccomp)
        }
        try c.encodeIfPresent(noNewPrivs, forKey: .noNewPrivs)
        try c.encodeIfPresent(capEff, forKey: .capEff)
        if !namespaces.isEmpty { try c.encode(namespaces, forKey: .namespaces) }
        if !cgroups.isEmpty { try c.encode(cgroups, forKey: .cgroups) }
        try c.encodeIfPresent(lsmLabel, forKey: .lsmLabel)
    }
}
