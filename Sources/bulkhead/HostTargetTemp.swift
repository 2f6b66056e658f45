import ArgumentParser
import HostInspection

// Temporary until the host-inspection branch lands its HostTarget (with --snapshot).
struct HostTarget: ParsableArguments {
    @Option(name: .long, help: "Read a host tree mounted or extracted under DIR instead of this machine.")
    var root: String?

    func open() throws -> any HostRoot {
        if let root { return DirectoryHostRoot(directory: root) }
        return DirectoryHostRoot.live
    }
}
