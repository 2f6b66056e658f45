public import BulkheadModel
public import HostInspection

/// KVM: the hypervisor inside the Linux kernel. Present when its modules are loaded or /dev/kvm exists.
public struct KVMDetector: Detector {
    public var family: String { "kvm" }
    public init() {}

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let observed = host.collectedAt
        var found: [Evidence] = []
        let kvmModules = host.kernel.modules.filter { ["kvm", "kvm_intel", "kvm_amd"].contains($0) }
        for module in kvmModules.sorted() {
            found.append(
                Evidence(
                    claim: "kernel module \(module) is loaded", source: .file(path: "/proc/modules", sha256: nil),
                    observedAt: observed, confidence: .high))
        }
        if let kvm = host.kvm {
            found.append(
                Evidence(
                    claim: "/dev/kvm exists (mode \(kvm.mode), uid \(kvm.ownerUID), gid \(kvm.groupGID))",
                    source: .file(path: "/dev/kvm", sha256: nil), observedAt: observed, confidence: .high))
        }
        guard !found.isEmpty else { return [] }
        // KVM may be built into the kernel (no module), so /dev/kvm alone is enough.
        if let release = host.kernel.release {
            found.append(
                Evidence(
                    claim: "KVM is part of Linux \(release)", source: .file(path: "/proc/sys/kernel/osrelease", sha256: nil),
                    observedAt: observed, confidence: .high))
        }
        // Guests of KVM are the VMM processes holding it open; the VMM detectors list them.
        return [
            IsolationMechanism(
                product: "kvm", name: "KVM (Linux kernel)", version: host.kernel.release, role: .kernelHypervisor,
                state: .loaded, evidence: found)
        ]
    }
}
