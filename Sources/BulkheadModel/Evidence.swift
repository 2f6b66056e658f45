public import Foundation

/// How much weight a fact can bear.
///
/// - `high`: observed on the host or measured from source by Bulkhead itself.
/// - `medium`: the vendor's own published statement, with a source.
/// - `low`: a secondary source, or data older than its freshness window.
public enum Confidence: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool { lhs.rank < rhs.rank }

    /// One step down (used when a fact goes stale).
    public var lowered: Confidence {
        switch self {
        case .high: .medium
        case .medium, .low: .low
        }
    }
}

/// Where a fact came from. Every `Finding` and `Verdict` carries these.
public struct Evidence: Codable, Hashable, Sendable {
    public enum Source: Codable, Hashable, Sendable {
        /// A file on the host (path as seen on the host, not in a snapshot or root prefix).
        case file(path: String, sha256: String?)
        /// A field of a process, e.g. `cmdline`, `status:Seccomp`, `exe`.
        case process(pid: Int32, field: String)
        /// A package manager record.
        case package(name: String, version: String, manager: String)
        /// A vendor page, a pledge list, an attestation, a PDF.
        case document(url: String, title: String?)
        /// A measurement Bulkhead made, named by the command that repeats it.
        case measurement(command: String)
        /// A host program Bulkhead ran (argument array, never a shell string).
        case command(argv: [String])
    }

    public var claim: String
    public var source: Source
    public var observedAt: Date
    public var confidence: Confidence

    public init(claim: String, source: Source, observedAt: Date, confidence: Confidence) {
        self.claim = claim
        self.source = source
        self.observedAt = observedAt
        self.confidence = confidence
    }
}

extension Evidence.Source: CustomStringConvertible {
    public var description: String {
        switch self {
        case .file(let path, let sha):
            if let sha { "file \(path) (sha256 \(sha.prefix(12))…)" } else { "file \(path)" }
        case .process(let pid, let field): "process \(pid) \(field)"
        case .package(let name, let version, let manager): "\(manager) package \(name) \(version)"
        case .document(let url, let title): title.map { "\($0) <\(url)>" } ?? url
        case .measurement(let command): "measured: \(command)"
        case .command(let argv): "ran: \(argv.joined(separator: " "))"
        }
    }
}

/// Something that could not be observed or parsed. The item it concerns is `inconclusive`;
/// the rest of the run goes on.
public struct Problem: Codable, Hashable, Sendable, Error, CustomStringConvertible {
    /// What the problem concerns: a path, `pid 123`, a guest name, a check id.
    public var subject: String
    /// A message a user can act on.
    public var message: String

    public init(subject: String, message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }
}
