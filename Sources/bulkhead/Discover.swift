import ArgumentParser
import Discovery
import Foundation
import Reporting

struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the isolation mechanisms on this host (or a snapshot), with their guests and evidence.",
        discussion: """
            Finds hypervisors (KVM, Xen), VMMs (QEMU, Firecracker, Cloud Hypervisor, crosvm), management layers \
            (libvirt), sandbox kernels (gVisor), container runtimes (runc, crun, Docker, containerd, Podman, LXC, \
            Kata) and namespace sandboxes (bubblewrap): their versions (from the package manager), whether they are \
            running, their guests with parsed configuration, and the evidence for each row. Reads only.
            The JSON schema is documented in docs/discovery-schema.md.
            """)

    @OptionGroup var target: HostTarget

    @OptionGroup var format: FormatOption<DataFormats>

    @Flag(help: "Run a mechanism's own binary with --version when no package records its version (live host only; off by default).")
    var probeVersions = false

    func run() async throws {
        let engine = DiscoveryEngine(options: DiscoveryOptions(probeVersions: probeVersions))
        let result = await engine.run(try target.collect([engine]))
        try format.output(result, text: DiscoveryText.render(result))
    }
}
