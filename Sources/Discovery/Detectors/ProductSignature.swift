public import BulkheadModel
import Foundation
public import HostInspection

/// How one product shows itself on a host: packages, binaries and processes. Shared by the detectors;
/// each detector adds what is particular to its family (guests, configuration files).
public struct ProductSignature: Sendable {
    public var product: ProductID
    public var name: String
    public var role: MechanismRole
    /// Package names in dpkg or RPM databases (exact), in order of preference for the version.
    public var packages: [String]
    /// Package name prefixes (e.g. `qemu-system-` covers qemu-system-x86, qemu-system-arm …).
    public var packagePrefixes: [String]
    /// Absolute paths of the product's binaries.
    public var binaries: [String]
    /// Matches a process that belongs to this product.
    public var matchesProcess: @Sendable (HostProcess) -> Bool

    public init(
        product: ProductID, name: String, role: MechanismRole, packages: [String] = [], packagePrefixes: [String] = [],
        binaries: [String] = [], matchesProcess: @escaping @Sendable (HostProcess) -> Bool = { _ in false }
    ) {
        self.product = product
        self.name = name
        self.role = role
        self.packages = packages
        self.packagePrefixes = packagePrefixes
        self.binaries = binaries
        self.matchesProcess = matchesProcess
    }

    /// Program-name matcher for the common case.
    public static func programs(_ names: Set<String>, prefixes: [String] = []) -> @Sendable (HostProcess) -> Bool {
        { process in
            // Kernel threads have neither an executable nor arguments; never match them.
            guard process.executable != nil || !process.arguments.isEmpty else { return false }
            // Every signature asks every process: an ASCII name is compared in place, as bytes.
            if let program = asciiProgramName(process) {
                return names.contains { $0.utf8.elementsEqual(program.utf8) } || prefixes.contains { program.utf8.starts(with: $0.utf8) }
            }
            let program = process.programName
            return names.contains(program) || prefixes.contains { program.hasPrefix($0) }
        }
    }

    /// `HostProcess.programName` without building it, when the path it is cut from is ASCII (nil otherwise): the
    /// executable's last component without ` (deleted)`, else argv[0]'s, else comm. On ASCII text a `Character`
    /// is one byte, so the component cut at `/` bytes, and the equality and prefix of its bytes, are those of
    /// the `String`.
    static func asciiProgramName(_ process: HostProcess) -> Substring? {
        func lastComponent(_ path: String) -> Substring? {
            let u = path.utf8
            var end = u.endIndex
            while end > u.startIndex, u[u.index(before: end)] == UInt8(ascii: "/") { end = u.index(before: end) }
            guard end > u.startIndex else { return nil }
            let start = u[..<end].lastIndex(of: UInt8(ascii: "/")).map { u.index(after: $0) } ?? u.startIndex
            return path[start..<end]
        }
        func isASCII(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }
        if let executable = process.executable {
            guard isASCII(executable) else { return nil }
            if let last = lastComponent(executable) {
                return last.utf8.reversed().starts(with: " (deleted)".utf8.reversed()) ? last.dropLast(10) : last
            }
        }
        if let first = process.arguments.first {
            guard isASCII(first) else { return nil }
            if let last = lastComponent(first) { return last }
        }
        return isASCII(process.name) ? process.name[...] : nil
    }
}

/// What a signature found on a host, before family-specific work.
public struct SignatureMatch: Sendable {
    public var packages: [InstalledPackage]
    public var binaries: [String]
    public var processes: [HostProcess]
    public var evidence: [Evidence]
    public var problems: [Problem]

    public var isEmpty: Bool { packages.isEmpty && binaries.isEmpty && processes.isEmpty }

    /// Version from the package manager first (the preferred package order of the signature).
    public var version: String? { packages.first?.version }

    public var state: MechanismState { processes.isEmpty ? .installed : .running }
}

extension ProductSignature {
    /// What matching reads beyond the facts: the kind of each binary path.
    public var request: EvidenceRequest {
        var request = EvidenceRequest()
        for path in binaries { request.kind(path) }
        return request
    }

    /// The words in a binary's evidence claim (the version probe looks for them).
    public static let binaryClaim = "binary present at"

    /// Looks for the signature's packages, binaries and processes.
    public func match(in evidence: HostEvidence) -> SignatureMatch {
        let host = evidence.facts
        let files = evidence.files
        let observed = host.collectedAt
        var claims: [Evidence] = []
        var found: [InstalledPackage] = []
        for name in packages {
            for pkg in host.packages where pkg.name == name {
                found.append(pkg)
            }
        }
        if !packagePrefixes.isEmpty {
            for pkg in host.packages
            where packagePrefixes.contains(where: { pkg.name.hasPrefix($0) }) && !found.contains(pkg) {
                found.append(pkg)
            }
        }
        for pkg in found {
            claims.append(
                Evidence(
                    claim: "\(name) package \(pkg.name) \(pkg.version) is installed", source: pkg.evidenceSource,
                    observedAt: observed, confidence: .high))
        }
        var bins: [String] = []
        var problems: [Problem] = []
        for path in binaries {
            switch files.kind(of: path) {
            case .regular?, .symlink?:
                bins.append(path)
                claims.append(
                    Evidence(
                        claim: "\(name) \(Self.binaryClaim) \(path)", source: .file(path: path, sha256: nil),
                        observedAt: observed, confidence: .high))
            case .directory?, .socket?, .other?, nil:
                continue
            }
        }
        let procs = host.processes.filter(matchesProcess)
        for process in procs {
            claims.append(
                Evidence(
                    claim: "\(name) process \(process.pid) running (\(process.executable ?? process.programName))",
                    source: .process(pid: process.pid, field: "cmdline"), observedAt: observed, confidence: .high))
        }
        if found.isEmpty && bins.isEmpty && !procs.isEmpty {
            problems.append(
                Problem(
                    subject: product.rawValue,
                    message: "running, but no package records it: the version is unknown (a binary installed by hand?)"))
        }
        return SignatureMatch(packages: found, binaries: bins, processes: procs, evidence: claims, problems: problems)
    }

    /// A mechanism from a match, with no guests yet.
    public func mechanism(from match: SignatureMatch) -> IsolationMechanism {
        IsolationMechanism(
            product: product, name: name, version: match.version, role: role, state: match.state,
            evidence: match.evidence, problems: match.problems)
    }
}

/// A detector that needs nothing beyond its signature (runtimes whose guests are not modelled).
public struct SignatureDetector: Detector {
    public let signature: ProductSignature
    public var family: String { signature.product.rawValue }

    public init(_ signature: ProductSignature) { self.signature = signature }

    public func request(given evidence: HostEvidence) -> EvidenceRequest { signature.request }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let match = signature.match(in: evidence)
        guard !match.isEmpty else { return [] }
        return [signature.mechanism(from: match)]
    }
}

/// A detector of one product, named by its signature: its family is the signature's product, and it reads at
/// least what the signature matches on (a conforming type may declare a wider `request`).
public protocol ProductDetector: Detector {
    static var signature: ProductSignature { get }
}

extension ProductDetector {
    public var family: String { Self.signature.product.rawValue }

    public func request(given evidence: HostEvidence) -> EvidenceRequest { Self.signature.request }
}

/// A detector whose mechanism is its signature's match and whose guests are derived from the matched
/// processes: the shape most product families share. A conforming type names its signature and how its
/// processes become guests.
public protocol ProcessGuestDetector: ProductDetector {
    /// The guests among the processes the signature matched.
    func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest]
}

extension ProcessGuestDetector {
    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let match = Self.signature.match(in: evidence)
        guard !match.isEmpty else { return [] }
        var mechanism = Self.signature.mechanism(from: match)
        mechanism.guests = guests(match.processes, in: evidence)
        return [mechanism]
    }
}

/// The processes whose parent is not among them: of a program that forks (bwrap, crosvm's jailed device
/// processes), the outer ones.
func outermost(_ processes: [HostProcess]) -> [HostProcess] {
    let pids = Set(processes.map(\.pid))
    return processes.filter { $0.ppid.map { !pids.contains($0) } ?? true }
}

/// Derives a guest for a process with its confinement and the evidence of its command line.
func processGuest(_ process: HostProcess, name: String?, observedAt: Date) -> Guest {
    Guest(
        name: name ?? "pid \(process.pid)", pid: process.pid, running: true, confinement: process.confinement,
        evidence: [
            Evidence(
                claim: "command line of pid \(process.pid)", source: .process(pid: process.pid, field: "cmdline"),
                observedAt: observedAt, confidence: .high)
        ])
}
