public import BulkheadModel
public import HostInspection

/// Xen: a type-1 hypervisor; Bulkhead runs in its control domain (dom0). Guests are the xl.cfg files
/// under /etc/xen (the domains xl can start).
public struct XenDetector: ProductDetector {
    public init() {}

    public static let signature = ProductSignatures.xen

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = Self.signature.request
        request.read("/proc/xen/capabilities", limit: 4096)
        request.list("/etc/xen", readingEntriesEndingWith: ".cfg", limit: GuestParsing.configLimit)
        return request
    }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let observed = host.collectedAt
        let match = Self.signature.match(in: evidence)
        var found = match.evidence
        var isDom0 = false
        if let caps = try? evidence.files.readText("/proc/xen/capabilities", limit: 4096) {
            isDom0 = caps.contains("control_d")
            found.append(
                Evidence(
                    claim: isDom0 ? "this host is the Xen control domain (dom0)" : "this host is a Xen guest (domU)",
                    source: .file(path: "/proc/xen/capabilities", sha256: nil), observedAt: observed, confidence: .high))
        }
        // A domU sees /proc/xen too; only dom0 (or installed Xen tools) makes Xen a mechanism of this host.
        guard isDom0 || !match.isEmpty else { return [] }
        var mechanism = Self.signature.mechanism(from: match)
        mechanism.evidence = found
        if isDom0 { mechanism.state = .running }
        if let files = try? evidence.files.list("/etc/xen") {
            for file in files.sorted() where file.hasSuffix(".cfg") && file != "xl.conf" {
                mechanism.guests.append(GuestParsing.xen(path: "/etc/xen/" + file, files: evidence.files, observedAt: observed))
            }
        }
        return [mechanism]
    }
}
