public import BulkheadModel
import Formats
public import HostInspection

/// libvirt: the management daemon that launches and confines QEMU (and Xen) guests. Reads the QEMU driver
/// configuration and the domain definitions: persistent ones under /etc/libvirt/qemu, running ones (the
/// live XML libvirt keeps) under /run/libvirt/qemu.
public struct LibvirtDetector: ProductDetector {
    public init() {}

    public static let signature = ProductSignatures.libvirt

    public static let configPath = "/etc/libvirt/qemu.conf"
    public static let definedDomains = "/etc/libvirt/qemu"
    public static let runningDomains = "/run/libvirt/qemu"

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = Self.signature.request
        request.kind(Self.configPath)
        request.read(Self.configPath, limit: GuestParsing.configLimit)
        request.list(Self.runningDomains, readingEntriesEndingWith: ".xml", limit: GuestParsing.configLimit)
        request.list(Self.definedDomains, readingEntriesEndingWith: ".xml", limit: GuestParsing.configLimit)
        return request
    }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let match = Self.signature.match(in: evidence)
        let hasConfig = evidence.files.exists(Self.configPath)
        guard !match.isEmpty || hasConfig else { return [] }
        var mechanism = Self.signature.mechanism(from: match)
        let observed = host.collectedAt
        if hasConfig {
            mechanism.evidence.append(
                Evidence(
                    claim: "libvirt QEMU driver configuration present", source: .file(path: Self.configPath, sha256: nil),
                    observedAt: observed, confidence: .high))
            if let problem = GuestParsing.libvirtDriverConfigProblem(files: evidence.files) {
                mechanism.problems.append(problem)
            }
        }
        // The guests in the order first met, and the position of each name (a guest is copied into place once,
        // not into a dictionary and then out of it).
        var guests: [Guest] = []
        var position: [String: Int] = [:]
        // Running domains first: their XML is what the guest actually runs with.
        for (directory, running) in [(Self.runningDomains, true), (Self.definedDomains, false)] {
            let names: [String]
            do {
                names = try evidence.files.list(directory)
            } catch {
                // Absent is ordinary (no running domains); anything else (a link loop, a file where the directory
                // should be, permission) hides guests: a problem, so their items are inconclusive, never skipped quietly.
                if error.code != .notFound {
                    mechanism.problems.append(
                        Problem(subject: directory, message: "the domain directory cannot be listed (\(error.message)); its guests are not assessed"))
                }
                continue
            }
            let paths = names.sorted().filter { $0.hasSuffix(".xml") }.map { directory + "/" + $0 }
            let parsed = paths.concurrentMap { path in
                GuestParsing.libvirt(path: path, running: running, files: evidence.files, observedAt: observed)
            }
            for guest in parsed {
                if let at = position[guest.name] {
                    if running == false { guests[at].evidence.append(contentsOf: guest.evidence) }
                } else {
                    position[guest.name] = guests.count
                    guests.append(guest)
                }
            }
        }
        // Names are unique, so the order by name is the one order.
        guests.sort { $0.name < $1.name }
        mechanism.guests = guests
        if mechanism.guests.contains(where: \.running) { mechanism.state = .running }
        return [mechanism]
    }
}
