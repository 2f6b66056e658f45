/// A guest's configuration parsed into typed facts. Parsers live in Discovery; these are plain values
/// so that Checks and Reporting can read them without importing a parser.
public enum GuestConfiguration: Codable, Hashable, Sendable {
    case qemu(QEMUConfiguration)
    case libvirt(LibvirtDomain)
    case firecracker(FirecrackerConfiguration)
    case cloudHypervisor(CloudHypervisorConfiguration)
    case crosvm(CrosvmConfiguration)
    case xen(XenGuestConfiguration)
    case gvisor(GVisorConfiguration)
    case bubblewrap(BubblewrapConfiguration)
}
