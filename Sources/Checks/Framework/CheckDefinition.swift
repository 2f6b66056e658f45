public import BulkheadModel

/// A check's words, kept as data beside its code (`Probes/<family>/<id>/<id>.json`): the shape of an
/// OpenSSF Scorecard probe `def.yml` — what it is, why it matters, how it is decided, what each outcome
/// means, how to fix a failure and at what effort, the ISM controls it supports and its sources.
public struct CheckDefinition: Codable, Hashable, Sendable {
    /// Stable id, `family.name` (`qemu.sandbox`, `host.smt`). Never reused for a different meaning.
    public var id: String
    public var title: String
    /// `host`, `qemu`, `libvirt`, `firecracker`, `cloud-hypervisor`, `crosvm`, `gvisor`, `kata`, `xen`,
    /// `runtime`, `logging`, `lifecycle`.
    public var family: String
    /// What the check is applied to.
    public var scope: CheckScope
    /// Products (catalog ids) whose mechanisms or guests the check applies to; empty for host checks.
    public var products: [String]
    public var severity: Severity
    public var controls: [ControlID]
    /// The hardened value, in a few words (shown as `expected` on every finding unless a check overrides it).
    public var expected: String
    /// Why the setting matters, in the vendor's terms.
    public var rationale: String
    /// How the outcome is decided from the observed facts.
    public var decision: String
    /// Where on a host the facts are observed (paths, process fields, configuration keys).
    public var observes: [String]
    public var outcomes: Outcomes
    public var remediation: Remediation
    /// Organisation-specific values a tailoring file may set.
    public var parameters: [Parameter]
    public var references: [Reference]

    public struct Outcomes: Codable, Hashable, Sendable {
        public var pass: String
        public var fail: String
        public var inconclusive: String
        public var notApplicable: String?
    }

    public enum Effort: String, Codable, Hashable, Sendable { case low, medium, high }

    public struct Remediation: Codable, Hashable, Sendable {
        public var effort: Effort
        public var text: String
    }

    public struct Parameter: Codable, Hashable, Sendable {
        public var name: String
        public var type: ParameterType
        public var `default`: ParameterValue
        public var description: String
    }

    public struct Reference: Codable, Hashable, Sendable {
        public var title: String
        public var url: String
    }
}

public enum CheckScope: String, Codable, Hashable, Sendable, CaseIterable {
    /// Once per host (kernel, CPU, logging).
    case host
    /// Once per isolation mechanism (version, support window, audit coverage).
    case mechanism
    /// Once per guest, microVM or sandbox (its configuration and its process).
    case guest
    /// Once per management daemon configuration (libvirt qemu.conf).
    case daemon
}

public enum ParameterType: String, Codable, Hashable, Sendable {
    case bool, int, string, strings
}

/// A tailoring or default value.
public enum ParameterValue: Codable, Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case string(String)
    case strings([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([String].self) {
            self = .strings(a)
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected a boolean, an integer, a string or a list of strings")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .strings(let a): try c.encode(a)
        }
    }

    public var type: ParameterType {
        switch self {
        case .bool: .bool
        case .int: .int
        case .string: .string
        case .strings: .strings
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .string(let s): s
        case .strings(let a): a.joined(separator: ", ")
        }
    }
}
