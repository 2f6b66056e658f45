public import ArgumentParser
import Foundation
import Lab
import Reporting

struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Boot real isolation mechanisms here, run the tenant probe inside and evaluate threat scenarios.",
        subcommands: [LabRunCommand.self, LabListCommand.self])
}

extension LabMechanism: ExpressibleByArgument {}
extension Accelerator: ExpressibleByArgument {}

struct LabRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Launch a mechanism (QEMU, gVisor runsc, bubblewrap, crun), run bulkhead-probe inside, report.",
        discussion: """
            Builds what it needs in a temporary directory (QEMU: an initramfs with busybox and the probe for the \
            newest /boot/vmlinuz-*; crun: an OCI bundle), boots the mechanism, collects the probe's JSON (serial \
            console for VMs), evaluates the scenarios and removes everything it made. Nothing is left running. \
            Needs root for QEMU's kernel file and crun. See docs/lab.md.
            """)

    @Option(help: "The mechanism to launch: \(LabMechanism.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mechanism: LabMechanism

    @Option(name: .customLong("variant"), help: "A launch configuration (repeatable; default baseline). `bulkhead lab list` shows them.")
    var variants: [String] = []

    @Option(name: .customLong("scenario"), help: "Evaluate only this scenario (repeatable; default all).")
    var scenarios: [String] = []

    @Option(
        help: "QEMU accelerator: auto (KVM only when the guest kernel prints within 0.8 s under it; the verdict is kept for this boot), tcg or kvm."
    )
    var accel: Accelerator = .auto

    @Option(help: "Seconds before a hung guest or sandbox is killed (default 180 for QEMU under TCG, 60 runsc, 30 others).")
    var timeout: Int?

    @OptionGroup var format: FormatOption<DataFormats>

    @Option(help: "Move the build directory (initramfs, bundle) into DIR instead of deleting it.")
    var keepArtifacts: String?

    @Option(help: "Path to the bulkhead-probe executable (default: beside bulkhead, or $BULKHEAD_PROBE).")
    var probe: String?

    @Option(help: "Guest kernel for QEMU (default: newest readable /boot/vmlinuz-*).")
    var kernel: String?

    @Flag(help: "In table output, include each run's raw probe JSON.")
    var showProbeOutput = false

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        var options = LabOptions(mechanism: mechanism)
        if !variants.isEmpty { options.variants = variants }
        options.scenarios = scenarios
        options.accelerator = accel
        if let timeout { options.timeout = .seconds(timeout) }
        options.keepArtifacts = keepArtifacts
        options.probePath = probe
        options.kernelPath = kernel
        let report: LabReport
        ProgressLine.show("lab: building and booting \(mechanism.rawValue) (\(options.variants.count) variant(s)) …")
        do {
            report = try await LabRunner.run(options)
            ProgressLine.clear()
        } catch {
            ProgressLine.clear()
            throw CLIError(.failed, "lab run failed", cause: error)
        }
        try format.output(report, text: LabText.render(report, includeRawOutput: showProbeOutput))
    }
}

struct LabListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the lab's mechanisms, their variants and the scenarios.")

    @OptionGroup var format: FormatOption<DataFormats>

    func run() async throws {
        try format.output(LabCatalog.current, text: LabText.list(.current))
    }
}
