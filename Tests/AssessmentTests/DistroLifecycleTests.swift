import BulkheadModel
import BulkheadTestSupport
import Checks
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1848 from the distribution's own release data (package distro-info-data), read on this machine.
@Suite struct DistroLifecycleTests {
    static let csv = "/usr/share/distro-info/debian.csv"

    func observations(osRelease: String) throws -> HostObservations {
        let data = try #require(FileManager.default.contents(atPath: Self.csv), "\(Self.csv) is missing; .ci/run installs distro-info-data")
        var obs = HostObservations(observedAt: Support.asOf, source: "test")
        obs.files["/etc/os-release"] = .content(osRelease)
        obs.files[Self.csv] = .content(String(decoding: data, as: UTF8.self))
        return obs
    }

    @Test(.enabled(if: Tool.hasFile(DistroLifecycleTests.csv), "needs distro-info-data (.ci/run installs it)"))
    func bookwormAndItsPackagesAreSupportedUntilLTSEnds() throws {
        let obs = try observations(
            osRelease: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")
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

    @Test(.enabled(if: Tool.hasFile(DistroLifecycleTests.csv), "needs distro-info-data (.ci/run installs it)"))
    func anEndedReleaseFailsTheHostOSCheck() throws {
        let obs = try observations(osRelease: "ID=debian\nVERSION_ID=\"9\"\nVERSION_CODENAME=stretch\n")
        let windows = DistroLifecycle.windows(observations: obs, mechanisms: [], now: Support.asOf)
        let stretch = try #require(windows.first)
        #expect(try #require(stretch.supportEnds) < Support.asOf)
        let catalog = try CheckCatalog.standard()
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: .init(collectedAt: Support.asOf, source: "test"), observations: obs, lifecycle: windows, now: Support.asOf),
            selection: CheckSelection(only: ["lifecycle.host-os"]))
        #expect(report.findings.first?.outcome == .fail)
    }

    @Test(.enabled(if: Tool.hasFile(DistroLifecycleTests.csv), "needs distro-info-data (.ci/run installs it)"))
    func anUnknownDistributionGivesNoWindow() throws {
        let obs = try observations(osRelease: "ID=plan9\nVERSION_ID=4\n")
        #expect(DistroLifecycle.windows(observations: obs, mechanisms: [], now: Support.asOf).isEmpty)
    }

    // MARK: debian-security-support: packages whose support ended early or is limited

    static let ended12 = "/usr/share/debian-security-support/security-support-ended.deb12"
    static let limited = "/usr/share/debian-security-support/security-support-limited"

    func withSecuritySupport(_ obs: HostObservations) throws -> HostObservations {
        var obs = obs
        for path in [Self.ended12, Self.limited] {
            let data = try #require(FileManager.default.contents(atPath: path), "\(path) is missing; .ci/run installs debian-security-support")
            obs.files[path] = .content(String(decoding: data, as: UTF8.self))
        }
        return obs
    }

    func packaged(_ id: ProductID, binary: String, version: String) -> IsolationMechanism {
        var m = Support.mechanism(id, id.rawValue, role: .containerRuntime)
        m.version = version
        m.evidence = [
            Evidence(claim: "pkg", source: .package(name: binary, version: version, manager: "dpkg"), observedAt: Support.asOf, confidence: .high)
        ]
        return m
    }

    @Test(
        .enabled(
            if: Tool.hasFile(DistroLifecycleTests.csv, DistroLifecycleTests.ended12, DistroLifecycleTests.limited),
            "needs distro-info-data and debian-security-support (.ci/run installs them)"))
    func debianEndedSecuritySupportClosesThePackageWindow() throws {
        let obs = try withSecuritySupport(try observations(osRelease: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"))
        // lxd is listed in security-support-ended.deb12 (2026-06-12, bug #1138294); its binary package is lxd-client here
        // to show the source package decides.
        let lxd = packaged("lxc", binary: "lxd-client", version: "5.0.2-5+deb12u6")
        let packages = [InstalledPackage(name: "lxd-client", version: "5.0.2-5+deb12u6", manager: "dpkg", sourcePackage: "lxd")]
        let windows = DistroLifecycle.windows(observations: obs, mechanisms: [lxd], now: Support.asOf, packages: packages)
        let w = try #require(windows.first { $0.product == "lxc" })
        #expect(w.supportEnds == CalendarDate.parse("2026-06-12"), "\(w)")
        #expect(w.note?.contains("ended early") == true && w.note?.contains("1138294") == true, "\(w.note ?? "")")
        #expect(w.source == .file(path: Self.ended12, sha256: nil))
        let report = CheckRunner(catalog: try CheckCatalog.standard()).run(
            CheckInput(
                facts: .init(collectedAt: Support.asOf, source: "test"), mechanisms: [lxd], observations: obs, lifecycle: windows,
                now: Support.asOf),
            selection: CheckSelection(only: ["lifecycle.support-window"]))
        let f = try #require(report.findings.first)
        #expect(f.outcome == .fail)
        #expect(f.observed?.contains("ended early") == true, "\(f.observed ?? "")")
        // Without the source package the binary name is looked up (and lxd-client is not listed): the release window.
        let plain = DistroLifecycle.windows(observations: obs, mechanisms: [lxd], now: Support.asOf)
        #expect(plain.first { $0.product == "lxc" }?.supportEnds == CalendarDate.parse("2028-06-30"))
    }

    @Test(
        .enabled(
            if: Tool.hasFile(DistroLifecycleTests.csv, DistroLifecycleTests.ended12, DistroLifecycleTests.limited),
            "needs distro-info-data and debian-security-support (.ci/run installs them)"))
    func debianLimitedSecuritySupportIsNoted() throws {
        let obs = try withSecuritySupport(try observations(osRelease: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"))
        // `golang.*` in security-support-limited covers every golang-* source package.
        let m = packaged("runc", binary: "golang-github-opencontainers-runc-dev", version: "1.1.5+ds1-1+deb12u1")
        let packages = [
            InstalledPackage(
                name: "golang-github-opencontainers-runc-dev", version: "1.1.5+ds1-1+deb12u1", manager: "dpkg",
                sourcePackage: "golang-github-opencontainers-runc")
        ]
        let w = try #require(
            DistroLifecycle.windows(observations: obs, mechanisms: [m], now: Support.asOf, packages: packages).first { $0.product == "runc" })
        #expect(w.supportEnds == CalendarDate.parse("2028-06-30"))
        #expect(w.note?.contains("limited") == true && w.note?.contains("golang-static-linking") == true, "\(w.note ?? "")")
        // qemu is on neither list.
        let q = packaged("qemu", binary: "qemu-system-x86", version: "1:7.2+dfsg-7+deb12u18+b3")
        let qw = try #require(
            DistroLifecycle.windows(
                observations: obs, mechanisms: [q], now: Support.asOf,
                packages: [InstalledPackage(name: "qemu-system-x86", version: "1:7.2+dfsg-7+deb12u18+b3", manager: "dpkg", sourcePackage: "qemu")]
            ).first { $0.product == "qemu" })
        #expect(qw.note == nil)
    }

    @Test func malformedSecuritySupportLinesAreSkipped() throws {
        var obs = HostObservations(observedAt: Support.asOf, source: "test")
        obs.files[Self.ended12] = .content("# comment\nlxd  5.0.2  not-a-date  text\n\n  \nonlyname\nphp-horde.*\t0\t2025-03-22\tPHP8\n")
        let list = DistroLifecycle.securitySupport(.ended("12"), obs)
        #expect(list["lxd"] == nil)
        #expect(list["onlyname"] == nil)
        #expect(list["php-horde-core"]?.date == CalendarDate.parse("2025-03-22"))
        #expect(DistroLifecycle.securitySupport(.limited, obs)["anything"] == nil, "an absent file gives no entries")
    }
}
