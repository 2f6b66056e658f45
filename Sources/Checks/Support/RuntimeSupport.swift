import BulkheadModel
import Foundation

extension SandboxChecks {
    static let containerRuntimes: Set<String> = ["docker", "containerd", "podman", "runc", "crun", "youki", "lxc", "kata-containers"]

    static func problems(_ s: GuestSubject) -> String {
        s.guest.problems.isEmpty ? "" : ": " + s.guest.problems.map(\.description).joined(separator: "; ")
    }

    static func runtimeGuest(_ ctx: CheckContext, _ s: GuestSubject) -> ProcessConfinement?? {
        guard containerRuntimes.contains(s.mechanism.product.rawValue) else { return nil }
        return .some(s.guest.confinement)
    }
}
