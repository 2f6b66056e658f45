public import BulkheadModel
public import Foundation

/// Options for reading a host.
public struct InspectionOptions: Sendable, Hashable {
    /// Upper bound on processes read from /proc (a guard against hostile snapshots).
    public var maxProcesses: Int = 100_000
    public init() {}
}

/// Gathers `HostFacts` from a host root. Never throws: what cannot be read becomes a `Problem`.
public struct HostInspector: Sendable {
    public let root: any HostRoot
    public let options: InspectionOptions

    public init(root: any HostRoot, options: InspectionOptions = InspectionOptions()) {
        self.root = root
        self.options = options
    }

    /// Reads every fact (processes, packages, kernel, CPU, /dev/kvm, IOMMU, virtualization).
    public func collect(now: Date = Date()) -> HostFacts {
        // Filled in by the host-inspection work (issue 2).
        HostFacts(collectedAt: now, source: root.label)
    }
}
