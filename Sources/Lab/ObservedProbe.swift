public import BulkheadModel
import Foundation

/// The host side's own model of the probe's JSON (docs/probe-schema.md). It is decoded from untrusted
/// output: every field is optional except the schema version, so a probe that could not observe
/// something leaves it out and the scenario that needs it is `inconclusive`.
public struct ObservedProbe: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    public var identification: Identification?
    public var cpu: CPU?
    public var devices: Devices?
    public var nestedVirtualization: Nested?
    public var process: ProcessState?
    public var namespaces: [String: String]?
    public var userNamespace: UserNamespace?
    public var mounts: Mounts?
    public var cgroup: Cgroup?
    public var lsm: LSM?
    public var kernel: Kernel?
    public var problems: [ProblemEntry]?
    public var canary: Canary?

    public struct Canary: Codable, Hashable, Sendable {
        public var path: String
        /// The canary's first line when the probe could read it, else nil.
        public var content: String?
    }

    public struct Identification: Codable, Hashable, Sendable {
        public var mechanism: String
        public var kind: String?
        public var confidence: String?
        public var reasons: [String]?
    }
    public struct CPU: Codable, Hashable, Sendable {
        public var hypervisorBit: Bool?
        public var hypervisorVendor: String?
        public var vmx: Bool?
        public var svm: Bool?
    }
    public struct LegacyDevice: Codable, Hashable, Sendable {
        public var kind: String
        public var evidence: String?
    }
    public struct PCIDevice: Codable, Hashable, Sendable {
        public var slot: String
        public var vendor: String?
        public var device: String?
        public var classification: String?
    }
    public struct Devices: Codable, Hashable, Sendable {
        public var pci: [PCIDevice]?
        public var virtio: [String: String]?
        public var legacy: [LegacyDevice]?
        public var devKVM: Bool?
    }
    public struct Nested: Codable, Hashable, Sendable {
        public var exposed: Bool
        public var evidence: [String]?
    }
    public struct ProcessState: Codable, Hashable, Sendable {
        public var uid: String?
        public var capEff: String?
        public var capEffNames: [String]?
        public var seccomp: Int?
        public var seccompFilters: Int?
        public var noNewPrivs: Bool?
    }
    public struct UserNamespace: Codable, Hashable, Sendable {
        public var uidMap: [[UInt64]]?
        public var initial: Bool?
    }
    public struct Mount: Codable, Hashable, Sendable {
        public var mountPoint: String
        public var fsType: String?
        public var source: String?
        public var root: String?
        public var reason: String?
    }
    public struct Mounts: Codable, Hashable, Sendable {
        public var risky: [Mount]?
        public var hostShares: [Mount]?
        public var runtimeSockets: [String]?
    }
    public struct Cgroup: Codable, Hashable, Sendable {
        public var version: Int?
        public var writableReleaseAgents: [String]?
    }
    public struct LSM: Codable, Hashable, Sendable {
        public var current: String?
    }
    public struct Kernel: Codable, Hashable, Sendable {
        public var version: String?
    }
    public struct ProblemEntry: Codable, Hashable, Sendable {
        public var subject: String
        public var message: String
    }
}

/// Why probe output was not accepted. The run is then `inconclusive` with this message.
public typealias ProbeOutputError = BulkheadError<ProbeOutputErrorCode>

/// Why the probe's output was refused.
public enum ProbeOutputErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "probe-output"
    /// A begin or end marker is missing (the probe did not run, crashed, or its output was cut).
    case missingMarker
    /// A marker appeared more than once.
    case ambiguous
    /// Over a size, depth or string bound.
    case tooLarge
    /// Not JSON, or JSON that does not match the schema.
    case malformed
    /// A schema version this Bulkhead does not read.
    case unsupportedVersion
}

/// Extracts and decodes the probe's JSON from a guest's console or a sandbox's stdout.
public enum ProbeOutputParser {
    /// Bound on the JSON between the markers.
    public static let maxJSONBytes = 1 << 20
    /// Bound on object/array nesting.
    public static let maxDepth = 16
    /// Bound on any one JSON string (in bytes, escapes included).
    public static let maxStringBytes = 16 * 1024
    public static let supportedSchemaVersions = 1...1

    /// Finds exactly one `begin … end` block in `output` and decodes it. `output` may be a serial
    /// console log with kernel messages and CR LF line ends.
    public static func extract(_ output: [UInt8], begin: String, end: String) -> Result<(ObservedProbe, String), ProbeOutputError> {
        let b = Array(begin.utf8)
        let e = Array(end.utf8)
        let begins = occurrences(of: b, in: output)
        let ends = occurrences(of: e, in: output)
        guard let first = begins.first else {
            return .failure(
                ProbeOutputError(.missingMarker, "the probe's begin marker never appeared (guest did not run the probe, or its output was lost)"))
        }
        guard begins.count == 1 else {
            return .failure(ProbeOutputError(.ambiguous, "the begin marker appeared \(begins.count) times; refusing ambiguous probe output"))
        }
        guard ends.count <= 1 else {
            return .failure(ProbeOutputError(.ambiguous, "the end marker appeared \(ends.count) times; refusing ambiguous probe output"))
        }
        guard let last = ends.first, last >= first + b.count else {
            return .failure(ProbeOutputError(.missingMarker, "the probe's end marker is missing (probe crashed, hung or output was cut)"))
        }
        let body = Array(output[(first + b.count)..<last])
        return decode(body)
    }

    /// Validates bounds, then decodes. Carriage returns (serial consoles) are removed first.
    public static func decode(_ raw: [UInt8]) -> Result<(ObservedProbe, String), ProbeOutputError> {
        let body = raw.filter { $0 != 0x0d }
        guard body.count <= maxJSONBytes else {
            return .failure(ProbeOutputError(.tooLarge, "probe output is \(body.count) bytes, over the \(maxJSONBytes)-byte bound"))
        }
        if let problem = structuralProblem(body) { return .failure(ProbeOutputError(.malformed, problem)) }
        let decoded: ObservedProbe
        do {
            decoded = try JSONDecoder().decode(ObservedProbe.self, from: Data(body))
        } catch let error as DecodingError {
            return .failure(ProbeOutputError(.malformed, "probe JSON does not match the schema: \(describe(error))"))
        } catch {
            return .failure(ProbeOutputError(.malformed, "probe output is not JSON: \(error)"))
        }
        guard supportedSchemaVersions.contains(decoded.schemaVersion) else {
            return .failure(
                ProbeOutputError(
                    .unsupportedVersion, "probe schemaVersion \(decoded.schemaVersion) is not supported (expected \(supportedSchemaVersions))"))
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return .success((decoded, text))
    }

    /// Depth and string-length limits, checked on bytes before any decoder sees them.
    static func structuralProblem(_ bytes: [UInt8]) -> String? {
        var depth = 0
        var inString = false
        var escaped = false
        var stringLength = 0
        for byte in bytes {
            if inString {
                stringLength += 1
                if stringLength > maxStringBytes { return "probe JSON has a string longer than \(maxStringBytes) bytes" }
                if escaped { escaped = false } else if byte == 0x5c { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22:
                inString = true
                stringLength = 0
            case 0x7b, 0x5b:
                depth += 1
                if depth > maxDepth { return "probe JSON nests deeper than \(maxDepth) levels" }
            case 0x7d, 0x5d:
                depth -= 1
                if depth < 0 { return "probe JSON has unbalanced brackets" }
            default: break
            }
        }
        if inString || depth != 0 { return "probe JSON is truncated (unterminated string or object)" }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "(top level)" : p
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(type)"
        case .valueNotFound(let type, let c): return "\(path(c)): missing \(type) value"
        case .keyNotFound(let key, let c): return "\(path(c)): missing key \(key.stringValue)"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0] {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count {
                    found.append(i)
                    i += needle.count
                    continue
                }
            }
            i += 1
        }
        return found
    }
}
