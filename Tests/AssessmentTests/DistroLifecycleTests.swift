import Assessment
import BulkheadModel
import Checks
import Foundation
import Testing

/// ISM-1848 from the distribution's own release data (package distro-info-data), read on this machine.
@Suite struct DistroLifecycleTests {
    static let csv = "/usr/share/distro-info/debian.csv"

    func observations(osRelease: String) throws -> HostObservations? {
        guard let data = FileManager.default.contents(atPath: Self.csv) else {
            if Support.inCI { Issue.record("\(Self.csv) is missing; .ci/run installs distro-info-data") }
            return nil
        }
        var obs = HostObservations(observedAt: Support.asOf, source: "test")
        obs.files["/etc/os-release"] = .content(osRelease)
        obs.files[Self.csv] = .content(String(decoding: data, as: UTF8.self))
        return obs
    }

    @Test func bookwormAndItsPackagesAreSupportedUntilLTSEnds() throws {
        guard
            let obs = try observations(
                osRelease: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")
        else { return }
        var qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        qemu.version = "1:7.2+dfsg-7+deb12u18+b3"
        qemu.evidence = [
            Evidence(
                claim: "pkg", source: .package(name: "qemu-system-x86", version: qemu.version!, manager: "dpkg"), observedAt: Support.asOf,
                confidence: .high)
        ]
        let handBuilt = Support.mechanism("firecracker", "Firecracker", role: .vmm)  // no package: the distro does not support it
        let windows = DistroLifecycle.windows(observations: obs, mechanisms: [qemu, handBuilt], now: Support.asOf)
        let host = try #require(windows.first { $0.product == "debian" })
        #expect(host.cycle == "12")
        let lts = try Date("2028-06-30", strategy: Date.ISO8601FormatStyle().year().month().day())
        #expect(host.supportEnds == lts, "Debian 12 LTS ends 2028-06-30 per distro-info-data")
        #expect(windows.contains { $0.product == "qemu" && $0.supportEnds == lts })
        #expect(!windows.contains { $0.product == "firecracker" })
    }

    @Test func anEndedReleaseFailsTheHostOSCheck() throws {
        guard let obs = try observations(osRelease: "ID=debian\nVERSION_ID=\"9\"\nVERSION_CODENAME=stretch\n") else { return }
        let windows = DistroLifecycle.windows(observations: obs, mechanisms: [], now: Support.asOf)
        let stretch = try #require(windows.first)
        #expect(try #require(stretch.supportEnds) < Support.asOf)
        let catalog = try CheckCatalog.standard()
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: .init(collectedAt: Support.asOf, source: "test"), observations: obs, lifecycle: windows, now: Support.asOf),
            selection: CheckSelection(only: ["lifecycle.host-os"]))
        #expect(report.findings.first?.outcome == .fail)
    }

    @Test func anUnknownDistributionGivesNoWindow() throws {
        guard let obs = try observations(osRelease: "ID=plan9\nVERSION_ID=4\n") else { return }
        #expect(DistroLifecycle.windows(observations: obs, mechanisms: [], now: Support.asOf).isEmpty)
    }
}
