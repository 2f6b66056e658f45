import BulkheadModel
import BulkheadTestSupport
import Checks
import Formats
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1606 host patch evidence from the apt lists already on the host (ChecksTests/Fixtures/apt, captured on
/// the CI machine with its dpkg versions the same day) and the running kernel; never from release support.
@Suite struct PatchEvidenceTests {
    static let apt = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ChecksTests/Fixtures/apt/lists")
    static let securityList = "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
    static let release = "deb.debian.org_debian-security_dists_bookworm-security_InRelease"
    /// This machine's installed versions on 2026-12-02 (dpkg-query -W).
    static let installed = [
        ("openssl", "3.0.19-1~deb12u2"), ("libssl3", "3.0.19-1~deb12u2"), ("libc6", "2.36-9+deb12u14"), ("curl", "7.88.1-10+deb12u14"),
    ].map { InstalledPackage(name: $0.0, version: $0.1, architecture: "amd64", manager: "dpkg") }

    func evidence(lists: [String: URL?], packages: [InstalledPackage], kernel: String? = nil) throws -> HostEvidence {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-apt-\(UUID().uuidString)")
        let listDir = dir.appendingPathComponent("var/lib/apt/lists")
        try FileManager.default.createDirectory(at: listDir, withIntermediateDirectories: true)
        try Data("ID=debian\nVERSION_ID=\"12\"\n".utf8).write(to: dir.appendingPathComponent("etc/os-release", isDirectory: false).creatingParent())
        for (name, source) in lists {
            if let source {
                try FileManager.default.copyItem(at: source, to: listDir.appendingPathComponent(name))
            } else {
                try Data([0x04, 0x22, 0x4d, 0x18]).write(to: listDir.appendingPathComponent(name))  // an lz4 frame magic
            }
        }
        if let kernel {
            try Data((kernel + "\n").utf8).write(to: dir.appendingPathComponent("proc/sys/kernel/osrelease").creatingParent())
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        var facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect(now: Support.asOf)
        facts.packages = packages
        return HostInspector(root: DirectoryHostRoot(directory: dir.path)).collectEvidence(
            EvidencePlan.needs(catalog: Support.catalog), given: facts, now: Support.asOf)
    }

    func pending(_ e: HostEvidence, now: String) -> Finding {
        PatchFindings.pendingUpdates(evidence: e, now: CalendarDate.parse(now) ?? Date())
    }

    @Test func pendingSecurityUpdatesFromTheHostsOwnListsFailPastTheWindow() throws {
        let e = try evidence(
            lists: [
                Self.securityList: Self.apt.appendingPathComponent(Self.securityList), Self.release: Self.apt.appendingPathComponent(Self.release),
            ],
            packages: Self.installed)
        let f = pending(e, now: "2026-12-03")
        #expect(f.outcome == .fail)
        #expect(f.controls == [.ism1606] && f.subject == "host")
        let observed = try #require(f.observed)
        #expect(observed.contains("2 security update(s) pending"))
        #expect(observed.contains("libssl3 3.0.19-1~deb12u2 → 3.0.22-1~deb12u2") && observed.contains("openssl 3.0.19-1~deb12u2 → 3.0.22-1~deb12u2"))
        #expect(!observed.contains("libc6") && !observed.contains("curl"))  // installed newer than the security list
        #expect(observed.contains("available since at least 2026-11-30"))
        // The apt lists name no CVE for an update: CISA KEV cannot be matched, which the finding says, keeping 48 hours.
        #expect(observed.contains("the apt lists name no CVE ids for a pending update") && observed.contains("judged against the 48-hour timeline"))
        // Inside the 48-hour window the same evidence is not yet a failure.
        if case .inconclusive(let why) = pending(e, now: "2026-12-02").outcome {
            #expect(why.contains("inside the 48-hour window") && why.contains("47.6 hours"))
        } else {
            Issue.record("a pending update less than 48 hours old must not fail")
        }
        // Up to date: a pass.
        let current = Self.installed.map { p in
            var p = p
            if p.name == "openssl" || p.name == "libssl3" { p.version = "3.0.22-1~deb12u2" }
            return p
        }
        let e2 = try evidence(
            lists: [
                Self.securityList: Self.apt.appendingPathComponent(Self.securityList), Self.release: Self.apt.appendingPathComponent(Self.release),
            ],
            packages: current)
        #expect(pending(e2, now: "2026-12-02").outcome == .pass)
    }

    @Test func noOrUnreadableSecurityListsAreInconclusive() throws {
        let none = pending(try evidence(lists: [:], packages: Self.installed), now: "2026-12-02")
        guard case .inconclusive(let why) = none.outcome else { Issue.record("no lists must be inconclusive"); return }
        #expect(why.contains("no security source list"))
        // A bzip2 list is named as unread, never guessed at (Bulkhead has no bzip2 decoder).
        let bz2 = pending(try evidence(lists: [Self.securityList + ".bz2": nil], packages: Self.installed), now: "2026-12-02")
        guard case .inconclusive(let why2) = bz2.outcome else { Issue.record("bzip2 lists must be inconclusive"); return }
        #expect(why2.contains("not read") && why2.contains(".bz2") && why2.contains("bzip2, lzma"))
        // An xz list is read now; one that holds an LZ4 frame magic is not an xz stream, so unread, and says why.
        let xz = pending(try evidence(lists: [Self.securityList + ".xz": nil], packages: Self.installed), now: "2026-12-02")
        guard case .inconclusive(let why4) = xz.outcome else { Issue.record("a corrupt xz list must be inconclusive"); return }
        #expect(why4.contains(".xz") && why4.contains("xz"), "\(why4)")
        // An LZ4 list is read now; one that is only a frame magic is corrupt, so unread, and says why.
        let lz4 = pending(try evidence(lists: [Self.securityList + ".lz4": nil], packages: Self.installed), now: "2026-12-02")
        guard case .inconclusive(let why3) = lz4.outcome else { Issue.record("a corrupt lz4 list must be inconclusive"); return }
        #expect(why3.contains(".lz4") && why3.contains("truncated LZ4 frame"))
    }

    // MARK: apt's own LZ4 lists (ChecksTests/Fixtures/apt/lists-lz4: this machine's three suites)

    static let lz4Lists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ChecksTests/Fixtures/apt/lists-lz4")
    /// This machine's dpkg-query -W on 2026-12-02 (PROVENANCE).
    static let machine = [
        ("ca-certificates", "20230311+deb12u1"), ("curl", "7.88.1-10+deb12u14"), ("libc6", "2.36-9+deb12u14"),
        ("libssl3", "3.0.19-1~deb12u2"), ("openssl", "3.0.19-1~deb12u2"), ("openssh-client", "1:9.2p1-2+deb12u6"),
        ("qemu-system-common", "1:7.2+dfsg-7+deb12u18+b3"), ("qemu-system-x86", "1:7.2+dfsg-7+deb12u18+b3"),
        ("tzdata", "2025b-0+deb12u2"),
    ].map { InstalledPackage(name: $0.0, version: $0.1, architecture: "amd64", manager: "dpkg") }

    func lz4Evidence(_ packages: [InstalledPackage] = machine) throws -> HostEvidence {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.lz4Lists.path)
        return try evidence(lists: Dictionary(uniqueKeysWithValues: names.map { ($0, Self.lz4Lists.appendingPathComponent($0)) }), packages: packages)
    }

    @Test func aptsLZ4ListsAreReadAndSecurityUpdatesToldFromOtherSuites() throws {
        let e = try lz4Evidence()
        let f = pending(e, now: "2026-12-03")
        #expect(f.outcome == .fail)
        let observed = try #require(f.observed)
        #expect(observed.contains("5 security update(s) pending"))
        for update in [
            "ca-certificates 20230311+deb12u1 → 20250419~deb12u2", "libssl3 3.0.19-1~deb12u2 → 3.0.22-1~deb12u2",
            "openssl 3.0.19-1~deb12u2 → 3.0.22-1~deb12u2", "openssh-client 1:9.2p1-2+deb12u6 → 1:9.2p1-2+deb12u9",
            "tzdata 2025b-0+deb12u2 → 2026f-0+deb12u1",
        ] {
            #expect(observed.contains(update), "\(update)")
        }
        // curl's newer version is in the point release (bookworm), not the security suite: shown, not counted.
        #expect(observed.contains("1 other update(s) from non-security suites (curl 7.88.1-10+deb12u14 → 7.88.1-10+deb12u15 (bookworm))"))
        // qemu is newer than the security suite's; libc6 equals the point release's.
        #expect(!observed.contains("qemu-system-x86 1:") && !observed.contains("libc6 "))
        #expect(observed.contains("available since at least 2026-11-30") && observed.contains("past the 48-hour timeline"))
        // Every list read is evidence, with its suite, package count and date.
        let claims = f.evidence.map(\.claim)
        #expect(claims.count == 3)
        #expect(claims.contains { $0.contains("security source list") && $0.contains("bookworm-security") && $0.contains("9 packages") })
        #expect(claims.contains { $0.contains("suite bookworm-updates") && $0.contains("2026-11-30") })
        #expect(claims.contains { $0.contains("suite bookworm,") && $0.contains("2026-07-11") })
    }

    /// apt may store its lists zstd- or xz-compressed (`Acquire::CompressionTypes::Order`, Ubuntu's `_Packages.zst`
    /// downloads kept, `Acquire::GzipIndexes` with xz): the same three lists recompressed with the zstd or xz program
    /// are read and judged exactly as the LZ4 ones; a truncated list is named as unread with why, never a pass.
    func recompressedListsAreReadAsTheLZ4Ones(tool: String, arguments: [String], suffix: String, truncated: String) throws {
        let program = try #require(Tool.find(tool))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-apt\(tool)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var lists: [String: URL?] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.lz4Lists.path) {
            let source = Self.lz4Lists.appendingPathComponent(name)
            guard name.hasSuffix(".lz4") else {
                lists[name] = source
                continue
            }
            let plain = dir.appendingPathComponent(String(name.dropLast(4)))
            try Data(try LZ4.decompress(Array(try Data(contentsOf: source)), maxSize: 64 << 20, name: name)).write(to: plain)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments + [plain.path]
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            lists[plain.lastPathComponent + suffix] = dir.appendingPathComponent(plain.lastPathComponent + suffix)
        }
        #expect(lists.keys.filter { $0.hasSuffix("_Packages" + suffix) }.count == 3)
        let recompressed = pending(try evidence(lists: lists, packages: Self.machine), now: "2026-12-03")
        let fromLZ4 = pending(try lz4Evidence(), now: "2026-12-03")
        #expect(recompressed.outcome == .fail && recompressed.outcome == fromLZ4.outcome)
        #expect(recompressed.observed != nil && recompressed.observed == fromLZ4.observed)
        // The evidence names the same lists, each by its own file.
        #expect(
            recompressed.evidence.map(\.claim)
                == fromLZ4.evidence.map { $0.claim.replacingOccurrences(of: "_Packages.lz4", with: "_Packages" + suffix) })

        // The security list cut short: named as unread with the decoder's reason; the verdict is not a pass.
        let security = try #require(lists.keys.first { $0.contains("security") && $0.hasSuffix(suffix) })
        let securityFile: URL? = lists[security] ?? nil
        let whole = try Data(contentsOf: try #require(securityFile))
        let cut = dir.appendingPathComponent("cut" + suffix)
        try whole.prefix(whole.count / 2).write(to: cut)
        var damaged = lists
        damaged[security] = cut
        let f = pending(try evidence(lists: damaged, packages: Self.machine), now: "2026-12-03")
        guard case .inconclusive(let why) = f.outcome else {
            Issue.record("a truncated \(suffix) security list gave \(f.outcome)")
            return
        }
        #expect(why.contains(suffix) && why.contains(truncated), "\(why)")
    }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func aptsZstdListsAreReadAsTheLZ4Ones() throws {
        try recompressedListsAreReadAsTheLZ4Ones(
            tool: "zstd", arguments: ["-q", "-19", "--rm"], suffix: ".zst", truncated: "truncated Zstandard frame")
    }

    @Test(.enabled(if: Tool.runs("xz"), "needs xz (.ci/run installs xz-utils)"))
    func aptsXZListsAreReadAsTheLZ4Ones() throws {
        try recompressedListsAreReadAsTheLZ4Ones(tool: "xz", arguments: ["-q", "-6"], suffix: ".xz", truncated: "truncated")
    }

    @Test func thePendingUpdatesAgeIsSetAgainstEachISMTimeline() throws {
        let e = try lz4Evidence()
        #expect(
            pending(e, now: "2026-12-20").observed?.contains("past the 48-hour (critical or exploited) and 2-week (internet-facing) timelines")
                == true)
        #expect(pending(e, now: "2027-01-05").observed?.contains("past every ISM-1606 timeline") == true)
        #expect(pending(e, now: "2027-01-05").outcome == .fail)
        if case .inconclusive(let why) = pending(e, now: "2026-12-01").outcome {
            #expect(why.contains("inside the 48-hour window"))
        } else {
            Issue.record("a day-old list cannot show an update overdue")
        }
    }

    @Test func eachMechanismsOwnPackagesAreJudgedToo() throws {
        let qemu = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .installed)
        let aliases = AdvisoryAliases.all(Support.catalog)
        func qemuFinding(_ packages: [InstalledPackage]) throws -> Finding? {
            PatchFindings.findings(evidence: try lz4Evidence(packages), now: CalendarDate.parse("2026-12-03")!, mechanisms: [qemu], aliases: aliases)
                .first { $0.subject == "qemu" }
        }
        // This machine's QEMU (deb12u18+b3) is newer than the security suite's deb12u15: nothing pending for it.
        let current = try #require(try qemuFinding(Self.machine))
        #expect(current.outcome == .pass && current.controls == [.ism1606] && current.checkID == PatchFindings.pendingCheckID)
        #expect(current.observed?.contains("of qemu") == true)
        // An older QEMU: its own finding fails and names only its packages.
        let old = Self.machine.map { p in
            var p = p
            if p.name.hasPrefix("qemu-") { p.version = "1:7.2+dfsg-7+deb12u14" }
            return p
        }
        // A QEMU installed from elsewhere (a package no list on the host carries) is not seen as up to date.
        let local =
            Self.machine.filter { !$0.name.hasPrefix("qemu-") } + [
                InstalledPackage(name: "qemu-system-x86", version: "1:9.9.9-local", architecture: "amd64", manager: "dpkg").renamed("qemu-kvm")
            ]
        let f = try #require(try qemuFinding(local))
        if case .inconclusive(let why) = f.outcome {
            #expect(why.contains("none of qemu's packages (qemu-kvm) is in a source list on the host"))
        } else {
            Issue.record("a mechanism whose packages no list carries must be inconclusive, not \(f.outcome)")
        }
        let stale = try #require(try qemuFinding(old))
        #expect(stale.outcome == .fail)
        #expect(stale.observed?.contains("qemu-system-x86 1:7.2+dfsg-7+deb12u14 → 1:7.2+dfsg-7+deb12u15") == true)
        #expect(stale.observed?.contains("tzdata") == false)
    }

    @Test func aRunningKernelOlderThanTheInstalledOneMeansARebootIsPending() throws {
        // The running release is the captured one (HostInspectionTests/Fixtures/osrelease.txt).
        let running = "6.18.44-fc-v669"
        func kernelFinding(_ packages: [InstalledPackage]) throws -> Finding {
            PatchFindings.runningKernel(evidence: try evidence(lists: [:], packages: packages, kernel: running))
        }
        let same = try kernelFinding([InstalledPackage(name: "linux-image-\(running)", version: "6.18.44-1", manager: "dpkg")])
        #expect(same.outcome == .pass)
        let newer = try kernelFinding([
            InstalledPackage(name: "linux-image-\(running)", version: "6.18.44-1", manager: "dpkg"),
            InstalledPackage(name: "linux-image-6.18.50-fc-v670", version: "6.18.50-1", manager: "dpkg"),
            InstalledPackage(name: "linux-image-amd64", version: "6.18.50-1", manager: "dpkg"),
        ])
        #expect(newer.outcome == .fail)
        #expect(newer.observed?.contains("a reboot is pending") == true)
        #expect(newer.observed?.contains("linux-image-6.18.50-fc-v670") == true)
        let noPackage = try kernelFinding([])
        #expect(noPackage.outcome != .pass)
        // This machine: the VMM boots a kernel of its own (6.18.44-fc-v…) while Debian's linux-image-6.1.0-57-amd64
        // is installed but never booted. No reboot would change that: inconclusive, not a pending reboot.
        let supplied = try kernelFinding([InstalledPackage(name: "linux-image-6.1.0-57-amd64", version: "6.1.158-1", manager: "dpkg")])
        guard case .inconclusive(let why) = supplied.outcome else {
            Issue.record("a kernel no package installed gave \(supplied.outcome)")
            return
        }
        #expect(why.contains("not installed from a package here"))
        #expect(supplied.observed?.contains("reboot is pending") == false)
    }

    @Test func hostISM1606IsNeverSatisfiedFromReleaseSupportAlone() throws {
        // The lifecycle checks decide ISM-1848 only now.
        let catalog = try CheckCatalog.standard()
        for id in ["lifecycle.host-os", "lifecycle.support-window"] {
            let d = try #require(catalog.definitions.first { $0.id == id })
            #expect(!d.controls.contains(.ism1606), "\(id)")
        }
        // A supported Debian host with no patch evidence: ISM-1606 is not satisfied.
        let e = try evidence(lists: [:], packages: Self.installed)
        let report = Assessor(catalog: Support.catalog, asOf: Support.asOf, plan: AssessmentPlan(checks: catalog)).run(on: e)
        let c1606 = report.hostControls?.first { $0.verdict.control == .ism1606 }
        #expect(c1606?.verdict.status != .satisfied)
        #expect(c1606?.findings.contains { $0.checkID == PatchFindings.pendingCheckID } == true)
    }
}

extension InstalledPackage {
    fileprivate func renamed(_ name: String) -> InstalledPackage {
        var p = self
        p.name = name
        return p
    }
}

extension URL {
    /// Creates the parent directory and returns the URL.
    fileprivate func creatingParent() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}

@Suite struct AdvisoryDatabaseAgeTests {
    @Test func aStaleDatabaseCannotShowThatNothingIsOpen() {
        let pass = Finding(
            checkID: AdvisoryFindings.checkID, subject: "qemu", outcome: .pass, observed: "0 open", severity: .high, controls: [.ism1606])
        let fail = Finding(
            checkID: AdvisoryFindings.checkID, subject: "xen", outcome: .fail, observed: "1 open", severity: .high, controls: [.ism1606])
        let old = AssessmentReport.AdvisoryDatabaseInfo(
            path: "/var/lib/bulkhead/advisories.sqlite", lastImport: CalendarDate.parse("2026-11-01"), ageDays: 27,
            recordsByFormat: ["cve5": 30000], files: 3, stale: true, state: "available")
        let out = AdvisoryFindings.applyAge([pass, fail], old)
        guard case .inconclusive(let why) = out[0].outcome else {
            Issue.record("a pass from a 27-day-old database must not stand")
            return
        }
        #expect(why.contains("27 days old") && why.contains("bulkhead advisories fetch"))
        #expect(out[1].outcome == .fail)  // an open advisory is still open
        var fresh = old
        fresh.stale = false
        fresh.ageDays = 1
        #expect(AdvisoryFindings.applyAge([pass], fresh)[0].outcome == .pass)
    }
}
