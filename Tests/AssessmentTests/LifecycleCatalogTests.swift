import BulkheadModel
import BulkheadTestSupport
import Checks
import Foundation
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1848 `lifecycle.support-window` on the shipped catalog's lifecycle data (sources observed 2026-11-28),
/// judged on 2026-11-28, for upstream version strings and for the Debian 12 packages installed on this machine.
@Suite struct LifecycleCatalogTests {
    static let windows = CheckInputs.lifecycle(Support.catalog)
    static let policies = CheckInputs.supportPolicies(Support.catalog)

    static func mechanism(_ id: ProductID, _ version: String, package: String? = nil) -> IsolationMechanism {
        var m = Support.mechanism(id, id.rawValue, role: .vmm)
        m.version = version
        if let package {
            m.evidence = [
                Evidence(
                    claim: "installed version", source: .package(name: package, version: version, manager: "dpkg"),
                    observedAt: Support.asOf, confidence: .high)
            ]
        }
        return m
    }

    /// Runs the check for one mechanism against the catalog windows (plus any extra windows).
    func judge(_ id: ProductID, _ version: String, package: String? = nil, extra: [SupportWindow] = []) throws -> Finding {
        let input = CheckInput(
            facts: .init(collectedAt: Support.asOf, source: "test"), mechanisms: [Self.mechanism(id, version, package: package)],
            lifecycle: Self.windows + extra, now: Support.asOf, supportPolicies: Self.policies)
        let report = CheckRunner(catalog: try CheckCatalog.standard()).run(input, selection: CheckSelection(only: ["lifecycle.support-window"]))
        #expect(report.findings.count == 1, "\(id) \(version): \(report.findings.count) findings")
        return try #require(report.findings.first)
    }

    func reason(_ f: Finding) -> String {
        if case .inconclusive(let r) = f.outcome { return r }
        return ""
    }

    @Test func catalogLifecyclesAreSourcedAndPinned() throws {
        let products = Support.catalog.products.filter { $0.lifecycle != nil }
        let ids = Set(products.map(\.id.rawValue))
        for id in [
            "xen", "firecracker", "cloud-hypervisor", "runc", "containerd", "lxc", "crun", "kata-containers", "docker", "qemu",
            "libvirt", "gvisor", "podman", "bubblewrap", "youki", "crosvm", "hyperlight", "libkrun", "apple-containerization", "acrn",
            "proxmox-ve", "sel4", "openvmm",
        ] {
            #expect(ids.contains(id), "\(id) has no lifecycle")
        }
        let pinned = try Regex(#"^https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{40}/"#)
        for p in products {
            let l = try #require(p.lifecycle)
            var sources = [l.source]
            sources += l.branches.compactMap(\.source)
            for s in sources {
                guard case .document(let url, let title) = s else {
                    Issue.record("\(p.id): lifecycle source is not a document")
                    continue
                }
                #expect(url.contains(pinned), "\(p.id): \(url) is not pinned to a commit")
                #expect(title?.contains(" @ ") == true, "\(p.id): title \(title ?? "nil") does not name the commit")
            }
            #expect(CalendarDate.format(l.observed) == "2026-11-28", "\(p.id) observed \(CalendarDate.format(l.observed))")
            if !l.published { #expect(l.branches.isEmpty && l.latestLines == nil, "\(p.id): unpublished policy with lines") }
        }
    }

    // MARK: dated lines

    @Test func xenLinesFromSupportMD() throws {
        let supported = try judge("xen", "4.20.1")
        #expect(supported.outcome == .pass)
        #expect(supported.observed?.contains("supported until 2030-03-05") == true, "\(supported.observed ?? "")")
        #expect(supported.observed?.contains("days left") == true)
        #expect(
            supported.evidence.contains {
                $0.source
                    == .document(
                        url: "https://github.com/xen-project/xen/blob/9611e26eff425be128d4b9c7b48f2bc6b5d3498e/SUPPORT.md#L12-L15",
                        title: "xen-project/xen @ 9611e26eff42 : SUPPORT.md:12-15")
            })
        let ended = try judge("xen", "4.16.5")
        #expect(ended.outcome == .fail)
        #expect(ended.observed?.contains("support ended 2024-12-02") == true, "\(ended.observed ?? "")")
        // 4.1 must not be taken for 4.10 or 4.16: numeric components, not string prefixes.
        #expect(try judge("xen", "4.1.6.1").outcome.isInconclusive)
        #expect(reason(try judge("xen", "4.23.0")).contains("matches no release line"))
    }

    @Test func containerdTable() throws {
        #expect(try judge("containerd", "v2.3.1").outcome == .pass)
        let ended = try judge("containerd", "2.2.4")  // End of Life 2026-11-06, 22 days before the run
        #expect(ended.outcome == .fail)
        #expect(ended.observed?.contains("22 days ago") == true, "\(ended.observed ?? "")")
        #expect(try judge("containerd", "1.6.20~ds1-1").outcome == .fail)
        #expect(reason(try judge("containerd", "2.4.0")).contains("matches no release line"), "2.4 was a future release")
        #expect(try judge("containerd", "0.1.0").outcome == .fail, "End of Life without a date")
    }

    @Test func lxcLongTermLines() throws {
        let five = try judge("lxc", "1:5.0.2-1+deb12u2")
        #expect(five.outcome == .pass)
        #expect(five.observed?.contains("2027-06-01") == true)
        #expect(try judge("lxc", "4.0.12").outcome == .fail)
        #expect(try judge("lxc", "6.0.5").outcome == .pass)
    }

    // MARK: guaranteed minimum (Firecracker)

    @Test func firecrackerMinimumEndOfSupport() throws {
        let newest = try judge("firecracker", "v1.16.1")
        #expect(newest.outcome == .pass)
        #expect(newest.observed?.contains("at least until 2026-12-03 (5 days left)") == true, "\(newest.observed ?? "")")
        let past = try judge("firecracker", "1.15.1")  // minimum 2026-09-09 passed; official end not yet published
        #expect(reason(past).contains("guaranteed support ended 2026-09-09"), "\(reason(past))")
        let ended = try judge("firecracker", "1.14.4")
        #expect(ended.outcome == .fail)
        #expect(ended.observed?.contains("2026-06-03") == true)
    }

    // MARK: only the newest N lines

    @Test func latestLinesPolicies() throws {
        // runc: the three newest minors (1.5, 1.4, 1.3 when observed).
        #expect(try judge("runc", "1.2.9").outcome == .fail)
        #expect(try judge("runc", "1.1.5+ds1-1").outcome == .fail, "Debian 12's runc line is four minors behind upstream")
        let newest = try judge("runc", "1.5.1")
        #expect(reason(newest).contains("among the 3 newest"), "\(reason(newest))")
        #expect(reason(try judge("runc", "1.3.6")).contains("among the 3 newest"))
        #expect(reason(try judge("runc", "1.6.0")).contains("newer than every release line"))
        // crun: the latest release only (1.29.1 when observed), patch level included.
        #expect(try judge("crun", "1.29").outcome == .fail)
        #expect(try judge("crun", "1.29.1").outcome.isInconclusive)
        // Kata: the current monthly series only.
        let old = try judge("kata-containers", "3.2.0")
        #expect(old.outcome == .fail)
        #expect(old.observed?.contains("older than the 1 newest") == true, "\(old.observed ?? "")")
        #expect(try judge("kata-containers", "4.1.0").outcome.isInconclusive)
        // Cloud Hypervisor: majors, two newest.
        #expect(try judge("cloud-hypervisor", "v51.2").outcome == .fail)
        #expect(try judge("cloud-hypervisor", "52.0").outcome.isInconclusive)
        // QEMU's "latest release only" text is stale (7.2.x kept its stable releases after 9.0): never a pass or a fail.
        let qemu = try judge("qemu", "7.2.13")
        #expect(qemu.outcome.isInconclusive)
        #expect(reason(qemu).contains("7.2.x") && reason(qemu).contains("stale"))
        // Missing components count as zero: runc "1" is 1.0.0.
        #expect(try judge("runc", "1").outcome == .fail)
        // A version with no numbers cannot be placed.
        #expect(try judge("runc", "git-main").outcome.isInconclusive)
    }

    // MARK: published state without dates, and no policy

    @Test func statusAndUnpublishedPolicies() throws {
        #expect(try judge("docker", "28.5.1").outcome == .fail)
        let current = try judge("docker", "29.1.3")
        #expect(reason(current).contains("published as supported with no end date"), "\(reason(current))")
        let mcr = try judge("docker", "25.0.13")
        #expect(mcr.outcome == .pass)
        #expect(mcr.observed?.contains("6 days left") == true, "\(mcr.observed ?? "")")
        #expect(try judge("docker", "26.1.5").outcome == .fail)
        #expect(reason(try judge("gvisor", "0.0~20221219.0-2+b3")).contains("publishes no support policy"))
        #expect(reason(try judge("podman", "4.3.1")).contains("publishes no support policy"))
        #expect(reason(try judge("libvirt", "9.0.0-4+deb12u2")).contains("names no release lines"))
        #expect(reason(try judge("crosvm", "1.0")).contains("publishes no support policy"))
        #expect(reason(try judge("kvm", "6.1.0-28-amd64")).contains("the catalog has no support lifecycle"))
    }

    // MARK: the Debian packages installed here

    @Test(
        .enabled(
            if: Tool.hasDebianPackages("qemu-system-x86", "crun"), "needs the Debian packages qemu-system-x86 and crun (.ci/run installs them)"))
    func debianPackagesMapToUpstreamLinesAndTheDistributionWindowDecides() throws {
        let qemu = try #require(Tool.debianPackage("qemu-system-x86"), "qemu-system-x86 is not installed; .ci/run installs it")
        let crun = try #require(Tool.debianPackage("crun"), "crun is not installed; .ci/run installs it")
        // 1:7.2+dfsg-7+deb12u18+b3 is upstream line 7.2 (epoch and Debian revision dropped).
        #expect(Array(SupportWindow.numbers(qemu).prefix(2)) == [7, 2], "\(qemu)")
        #expect(SupportWindow(product: "qemu", cycle: "7.2", source: .measurement(command: "test")).matches(version: qemu))
        #expect(!SupportWindow(product: "qemu", cycle: "7.20", source: .measurement(command: "test")).matches(version: qemu))
        #expect(Array(SupportWindow.numbers(crun).prefix(2)) == [1, 8], "\(crun)")
        // Upstream only: crun 1.8 is far behind the latest release; QEMU's newest line is not in the catalog.
        #expect(try judge("crun", crun, package: "crun").outcome == .fail)
        #expect(try judge("qemu", qemu, package: "qemu-system-x86").outcome.isInconclusive)
        // With Debian 12's window (as DistroLifecycle builds it), Debian's support decides and upstream is shown beside it.
        let lts = try #require(CalendarDate.parse("2028-06-30"))
        let debian = { (id: ProductID, v: String) in
            SupportWindow(
                product: id, cycle: v, supportEnds: lts, distribution: "debian 12",
                source: .file(path: "/usr/share/distro-info/debian.csv", sha256: nil))
        }
        let c = try judge("crun", crun, package: "crun", extra: [debian("crun", crun)])
        #expect(c.outcome == .pass)
        #expect(c.observed?.contains("debian 12 package") == true && c.observed?.contains("upstream: out of support") == true, "\(c.observed ?? "")")
        let q = try judge("qemu", qemu, package: "qemu-system-x86", extra: [debian("qemu", qemu)])
        #expect(q.outcome == .pass)
        #expect(q.observed?.contains("upstream: unknown") == true, "\(q.observed ?? "")")
        #expect(q.evidence.contains { if case .document(let url, _) = $0.source { url.contains("stable-process.rst") } else { false } })
        // An ended distribution window fails even when upstream is unknown.
        let gone = SupportWindow(
            product: "qemu", cycle: qemu, supportEnds: Support.asOf - 86_400, distribution: "debian 12",
            source: .file(path: "/usr/share/distro-info/debian.csv", sha256: nil))
        #expect(try judge("qemu", qemu, package: "qemu-system-x86", extra: [gone]).outcome == .fail)
    }
}

extension Outcome {
    var isInconclusive: Bool { if case .inconclusive = self { true } else { false } }
}
