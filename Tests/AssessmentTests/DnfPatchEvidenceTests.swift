import Advisories
import BulkheadModel
import BulkheadTestSupport
import Checks
import Formats
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1606 patch evidence on an rpm host, from the rpm-md metadata dnf and yum cache on the host. The repositories
/// are real: small packages built here with rpmbuild, their `repodata` made by createrepo_c, and an updateinfo.xml in
/// Red Hat's layout (security advisories with severity, issued date and fixed EVRs) added with modifyrepo_c, then laid
/// out as dnf4 (`/var/cache/dnf/<repoid>-<hash>`), dnf5 (`/var/cache/libdnf5/…`) or yum (`/var/cache/yum/<arch>/<rel>/…`)
/// keep them. The advisory ids are made up (dated in 2026, this test's clock); no real advisory is claimed.
@Suite(.enabled(if: Tool.runs("rpmbuild", "createrepo_c", "modifyrepo_c"), "needs rpmbuild and createrepo_c (.ci/run installs rpm and createrepo-c)"))
struct DnfPatchEvidenceTests {
    /// name, epoch, version, release: every package of the test repositories (old and new builds, as real repositories keep).
    static let pool: [(String, Int?, String, String)] = [
        ("openssl-libs", 1, "3.0.7", "24.el9"), ("openssl-libs", 1, "3.0.7", "27.el9"), ("bash", nil, "5.1.8", "6.el9"),
        ("bash", nil, "5.1.8", "9.el9"), ("kernel-core", nil, "5.14.0", "503.11.1.el9_5"), ("kernel-core", nil, "5.14.0", "503.15.1.el9_5"),
    ]

    static let updateinfo = """
        <?xml version="1.0" encoding="UTF-8"?>
        <updates>
          <update from="release-engineering@example.org" status="final" type="security" version="2">
            <id>RHSA-2026:1001</id>
            <title>Important: openssl security update</title>
            <issued date="2026-11-10 00:00:00"/>
            <updated date="2026-11-10 00:00:00"/>
            <severity>Important</severity>
            <references><reference href="https://example.org/CVE-2026-0001" id="CVE-2026-0001" type="cve" title="CVE-2026-0001"/></references>
            <pkglist>
              <collection short="rhel-9-baseos">
                <name>rhel-9-baseos</name>
                <package name="openssl-libs" version="3.0.7" release="27.el9" epoch="1" arch="x86_64" src="openssl-3.0.7-27.el9.src.rpm">
                  <filename>openssl-libs-3.0.7-27.el9.x86_64.rpm</filename>
                </package>
                <package name="openssl" version="3.0.7" release="27.el9" epoch="1" arch="src"><filename>openssl-3.0.7-27.el9.src.rpm</filename></package>
              </collection>
            </pkglist>
          </update>
          <update from="release-engineering@example.org" status="final" type="security" version="2">
            <id>RHSA-2026:1050</id>
            <title>Critical: kernel security update</title>
            <issued date="2026-12-01 12:00:00"/>
            <severity>Critical</severity>
            <pkglist>
              <collection short="rhel-9-baseos">
                <package name="kernel-core" version="5.14.0" release="503.15.1.el9_5" epoch="0" arch="x86_64">
                  <filename>kernel-core-5.14.0-503.15.1.el9_5.x86_64.rpm</filename><reboot_suggested>True</reboot_suggested>
                </package>
              </collection>
            </pkglist>
          </update>
          <update from="release-engineering@example.org" status="final" type="bugfix" version="2">
            <id>RHBA-2026:1100</id>
            <title>bash bug fix update</title>
            <issued date="2026-11-01 00:00:00"/>
            <pkglist><collection short="rhel-9-baseos">
              <package name="bash" version="5.1.8" release="9.el9" epoch="0" arch="x86_64"><filename>bash-5.1.8-9.el9.x86_64.rpm</filename></package>
            </collection></pkglist>
          </update>
        </updates>

        """

    /// Where `base` is built, removed when the test process exits.
    static let baseDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-dnf-\(UUID().uuidString)")

    /// Each test's copies of the repository (`repodata(_:)`), removed when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory(prefix: "bulkhead-dnf")
    }

    /// The repository (packages and repodata with primary, no updateinfo yet), built once.
    static let base: Result<URL, any Error> = Result {
        let dir = baseDirectory
        atexit { try? FileManager.default.removeItem(at: DnfPatchEvidenceTests.baseDirectory) }
        let top = dir.appendingPathComponent("top")
        let rpmbuild = try RealRPM.program("rpmbuild")
        for (i, (name, epoch, version, release)) in pool.enumerated() {
            let spec = """
                %define debug_package %{nil}
                Name: \(name)
                Version: \(version)
                Release: \(release)
                \(epoch.map { "Epoch: \($0)" } ?? "")
                Summary: Bulkhead test package
                License: MIT
                BuildArch: x86_64
                %description
                Test package.
                %files

                """
            let file = dir.appendingPathComponent("p\(i).spec")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(spec.utf8).write(to: file)
            try RealRPM.run(rpmbuild, ["--quiet", "--nodeps", "--define", "_topdir \(top.path)", "-bb", file.path])
        }
        let repo = dir.appendingPathComponent("repo")
        try FileManager.default.moveItem(at: top.appendingPathComponent("RPMS/x86_64"), to: repo)
        try RealRPM.run(try RealRPM.program("createrepo_c"), ["-q", "--general-compress-type", "gz", "--no-database", repo.path])
        try FileManager.default.removeItem(at: top)
        return repo
    }

    enum UpdateinfoForm { case gzip, plain, zstd, truncatedZstd, xz, malformed, none }

    /// A copy of the base repository's `repodata` with `updateinfo` added as `form`.
    func repodata(_ form: UpdateinfoForm, updateinfo: String = Self.updateinfo) throws -> URL {
        let base = try Self.base.get()
        let work = scratch.url.appendingPathComponent("repodata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let repodata = work.appendingPathComponent("repodata")
        try FileManager.default.copyItem(at: base.appendingPathComponent("repodata"), to: repodata)
        let repomd = repodata.appendingPathComponent("repomd.xml")
        defer {
            // The metadata's generation time fixed at 2026-12-01 00:00 UTC, so its age does not depend on when the test runs.
            if let text = try? String(contentsOf: repomd, encoding: .utf8) {
                try? Data(
                    text.replacingOccurrences(
                        of: #"<timestamp>[0-9]+</timestamp>"#, with: "<timestamp>1796083200</timestamp>", options: .regularExpression
                    ).utf8
                ).write(to: repomd)
            }
        }
        guard form != .none else { return repodata }
        let input = work.appendingPathComponent("updateinfo.xml")
        // Malformed: the document cut off inside an <update> (a partial download).
        let text = form == .malformed ? String(updateinfo.prefix(900)) : updateinfo
        try Data(text.utf8).write(to: input)
        let modifyrepo = try RealRPM.program("modifyrepo_c")
        // xz: modifyrepo_c writes it itself (`--compress-type xz`, as EL repositories built with it carry).
        let compression = form == .plain ? ["--no-compress"] : form == .xz ? ["--compress-type", "xz"] : []
        try RealRPM.run(modifyrepo, compression + [input.path, repodata.path])
        if form == .zstd || form == .truncatedZstd {
            // Fedora's repositories store their metadata zstd-compressed; createrepo_c 0.17 cannot write it, so the
            // gzip file is recompressed with zstd and repomd.xml's href renamed to match. Truncated: its last 9
            // bytes cut off (a partial download).
            let names = try FileManager.default.contentsOfDirectory(atPath: repodata.path)
            let gz = try #require(names.first { $0.hasSuffix("-updateinfo.xml.gz") })
            let plain = try Gzip.decompress(Array(try Data(contentsOf: repodata.appendingPathComponent(gz))), maxSize: 1 << 20, name: gz)
            let xml = repodata.appendingPathComponent(String(gz.dropLast(3)))
            try Data(plain).write(to: xml)
            try RealRPM.run(try RealRPM.program("zstd"), ["-q", "--rm", xml.path, "-o", xml.path + ".zst"])
            if form == .truncatedZstd {
                let zst = URL(fileURLWithPath: xml.path + ".zst")
                let whole = try Data(contentsOf: zst)
                try whole.prefix(whole.count - 9).write(to: zst)
            }
            try FileManager.default.removeItem(at: repodata.appendingPathComponent(gz))
            let md = try String(contentsOf: repomd, encoding: .utf8).replacingOccurrences(of: gz, with: String(gz.dropLast(3)) + ".zst")
            try Data(md.utf8).write(to: repomd)
        }
        return repodata
    }

    static let installed: [(String, String)] = [
        ("openssl-libs", "1:3.0.7-24.el9"), ("bash", "5.1.8-6.el9"), ("kernel-core", "5.14.0-503.11.1.el9_5"), ("glibc", "2.34-100.el9"),
    ]

    static func packages(_ list: [(String, String)] = installed) -> [InstalledPackage] {
        list.map { InstalledPackage(name: $0.0, version: $0.1, architecture: "x86_64", manager: "rpm") }
    }

    /// A host root with `repos` (cache path under the root → repodata) and `packages` as the rpm inventory.
    func evidence(_ repos: [String: URL], packages: [InstalledPackage] = packages(), kernel: String? = nil) throws -> HostEvidence {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-dnfroot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try Data("ID=\"rhel\"\nVERSION_ID=\"9.5\"\n".utf8).write(to: dir.appendingPathComponent("etc/os-release"))
        for (path, repodata) in repos {
            let target = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            if path.hasPrefix(Self.yum3) {
                // yum 3 (EL7) keeps repomd.xml and the files it names in the repository's directory itself.
                for name in try FileManager.default.contentsOfDirectory(atPath: repodata.path) {
                    try FileManager.default.copyItem(at: repodata.appendingPathComponent(name), to: target.appendingPathComponent(name))
                }
            } else {
                try FileManager.default.copyItem(at: repodata, to: target.appendingPathComponent("repodata"))
            }
        }
        // What else dnf keeps beside the repository directories: never taken for a repository.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("var/cache/dnf"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: dir.appendingPathComponent("var/cache/dnf/baseos-filenames.solvx"))
        if let kernel {
            let path = dir.appendingPathComponent("proc/sys/kernel")
            try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
            try Data((kernel + "\n").utf8).write(to: path.appendingPathComponent("osrelease"))
        }
        var facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect(now: Support.asOf)
        facts.packages = packages
        return HostInspector(root: DirectoryHostRoot(directory: dir.path)).collectEvidence(
            EvidencePlan.needs(catalog: Support.catalog), given: facts, now: Support.asOf)
    }

    func pending(_ e: HostEvidence, now: String) -> Finding {
        PatchFindings.pendingUpdates(evidence: e, now: CalendarDate.parse(now) ?? Date())
    }

    static let dnf4 = "var/cache/dnf/baseos-1a2b3c4d5e6f7a8b"
    static let yum3 = "var/cache/yum/x86_64/7Server/"

    @Test func aPendingSecurityAdvisoryIsAgedAgainstItsISMTimeline() throws {
        let e = try evidence([Self.dnf4: try repodata(.gzip)])
        let f = pending(e, now: "2026-12-03")
        #expect(f.outcome == .fail && f.controls == [.ism1606] && f.subject == "host" && f.checkID == PatchFindings.pendingCheckID)
        let observed = try #require(f.observed)
        #expect(observed.contains("2 security update(s) pending"))
        #expect(observed.contains("openssl-libs 1:3.0.7-24.el9 → 1:3.0.7-27.el9 [RHSA-2026:1001 Important, issued 2026-11-10]"))
        #expect(observed.contains("kernel-core 5.14.0-503.11.1.el9_5 → 5.14.0-503.15.1.el9_5 [RHSA-2026:1050 Critical, issued 2026-12-01]"))
        #expect(observed.contains("the oldest advisory issued 2026-11-10 (23 days)"))
        #expect(observed.contains("past the 48-hour (critical or exploited) and 2-week (internet-facing"))
        // The Important openssl advisory is past 2 weeks; the Critical kernel one is 36 hours old, inside 48.
        #expect(observed.contains("overdue: openssl-libs;"))
        // bash's newer build comes with a bugfix advisory only: shown, not counted; glibc is in no repository.
        #expect(observed.contains("1 other update(s) without a security advisory (bash 5.1.8-6.el9 → 5.1.8-9.el9 (baseos))"))
        #expect(observed.contains("1 installed package(s) in no repository's primary") && observed.contains("(glibc)"))
        // The evidence names the repository and both files read.
        let claims = f.evidence.map(\.claim)
        #expect(claims.contains { $0.hasPrefix("security source repository baseos (primary 6 packages, updateinfo 3 advisories, 2 security)") })
        #expect(f.evidence.contains { if case .file(let path, _) = $0.source { path.hasSuffix("-updateinfo.xml.gz") } else { false } })

        // Each timeline: the Critical kernel advisory is overdue after 48 hours; the Important one not before 2 weeks.
        let kernelOnly = Self.packages([("openssl-libs", "1:3.0.7-27.el9"), ("kernel-core", "5.14.0-503.11.1.el9_5")])
        let k = try evidence([Self.dnf4: try repodata(.gzip)], packages: kernelOnly)
        guard case .inconclusive(let why) = pending(k, now: "2026-12-02").outcome else {
            Issue.record("a critical advisory 24 hours old is not yet overdue")
            return
        }
        #expect(why.contains("(12 hours)") && why.contains("not yet overdue unless a vulnerability is exploited"))
        #expect(pending(k, now: "2026-12-04").outcome == .fail)
        let opensslOnly = Self.packages([("openssl-libs", "1:3.0.7-24.el9")])
        let o = try evidence([Self.dnf4: try repodata(.gzip)], packages: opensslOnly)
        guard case .inconclusive = pending(o, now: "2026-11-20").outcome else {
            Issue.record("an Important advisory 10 days old is inside its 2-week timeline")
            return
        }
        #expect(pending(o, now: "2026-11-20").observed?.contains("past the 48-hour timeline (critical advisories, or exploited") == true)
        #expect(pending(o, now: "2026-11-25").outcome == .fail)
        #expect(pending(o, now: "2026-12-20").observed?.contains("past every ISM-1606 timeline") == true)
    }

    @Test func anUpToDateHostPassesWithEachCacheLayout() throws {
        let current = Self.packages([("openssl-libs", "1:3.0.7-27.el9"), ("bash", "5.1.8-9.el9"), ("kernel-core", "5.14.0-503.15.1.el9_5")])
        for path in [Self.dnf4, "var/cache/libdnf5/baseos-0123456789abcdef", "var/cache/yum/x86_64/9/baseos", Self.yum3 + "baseos"] {
            let e = try evidence([path: try repodata(.plain)], packages: current)
            let f = pending(e, now: "2026-12-03")
            #expect(f.outcome == .pass, "\(path): \(f.outcome)")
            #expect(
                f.observed?.contains("every installed package is at or above the fixed versions of the security advisories in 1 repository") == true)
            #expect(f.evidence.contains { $0.claim.contains("repository baseos (primary 6 packages, updateinfo 3 advisories") }, "\(path)")
            #expect(f.evidence.contains { $0.claim.hasSuffix("generated 2026-12-01") }, "\(path)")
        }
        // Metadata cached more than a week before the assessment cannot show that nothing is pending.
        let old = pending(try evidence([Self.dnf4: try repodata(.plain)], packages: current), now: "2026-12-20")
        guard case .inconclusive(let why) = old.outcome else {
            Issue.record("a pass from 19-day-old metadata must not stand: \(old.outcome)")
            return
        }
        #expect(why.contains("the newest cached security metadata was generated 2026-12-01 (19 days before)") && why.contains("dnf makecache"))
    }

    /// An updateinfo stored as `form` is read and judged exactly as the gzip form of the same document (the observed
    /// text the same, only the file named differs), and an up-to-date host passes.
    func judgedAsTheGzipForm(_ form: UpdateinfoForm, suffix: String) throws {
        let fromGzip = pending(try evidence([Self.dnf4: try repodata(.gzip)]), now: "2026-12-03")
        let compressed = pending(try evidence([Self.dnf4: try repodata(form)]), now: "2026-12-03")
        #expect(compressed.outcome == .fail && compressed.outcome == fromGzip.outcome)
        #expect(compressed.observed != nil && compressed.observed == fromGzip.observed)
        #expect(compressed.evidence.map(\.claim) == fromGzip.evidence.map(\.claim))
        #expect(compressed.evidence.contains { if case .file(let path, _) = $0.source { path.hasSuffix("-updateinfo.xml" + suffix) } else { false } })
        let current = Self.packages([("openssl-libs", "1:3.0.7-27.el9"), ("bash", "5.1.8-9.el9"), ("kernel-core", "5.14.0-503.15.1.el9_5")])
        #expect(pending(try evidence([Self.dnf4: try repodata(form)], packages: current), now: "2026-12-03").outcome == .pass)
    }

    /// Fedora's metadata is zstd-compressed.
    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func aZstdUpdateinfoIsReadAndJudgedAsTheGzipForm() throws { try judgedAsTheGzipForm(.zstd, suffix: ".zst") }

    /// An xz updateinfo (modifyrepo_c `--compress-type xz`).
    @Test func anXZUpdateinfoIsReadAndJudgedAsTheGzipForm() throws { try judgedAsTheGzipForm(.xz, suffix: ".xz") }

    @Test(.enabled(if: Tool.runs("zstd"), "needs zstd (.ci/run installs it)"))
    func anUpdateinfoThatCannotBeReadIsNamedNeverPassed() throws {
        let current = Self.packages([("openssl-libs", "1:3.0.7-27.el9"), ("bash", "5.1.8-9.el9")])
        let f = pending(try evidence([Self.dnf4: try repodata(.truncatedZstd)], packages: current), now: "2026-12-03")
        guard case .inconclusive(let why) = f.outcome else {
            Issue.record("a truncated .zst updateinfo gave \(f.outcome)")
            return
        }
        #expect(why.contains("were not read") && why.contains("-updateinfo.xml.zst") && why.contains("truncated Zstandard frame"))
        // The primary beside it was read.
        #expect(f.evidence.contains { $0.claim.contains("primary 6 packages") })
        // No updateinfo at all (CentOS Stream's repositories carry none): inconclusive too.
        let none = pending(try evidence([Self.dnf4: try repodata(.none)], packages: current), now: "2026-12-03")
        guard case .inconclusive(let why2) = none.outcome else {
            Issue.record("no updateinfo gave \(none.outcome)")
            return
        }
        #expect(why2.contains("no repository cached on the host carries security advisories"))
        // No dnf cache at all.
        let bare = pending(try evidence([:], packages: current), now: "2026-12-03")
        #expect(bare.outcome != .pass)
    }

    @Test func aMalformedUpdateinfoIsInconclusiveWithItsReasonAndTheRunGoesOn() throws {
        let e = try evidence(
            [Self.dnf4: try repodata(.malformed), "var/cache/dnf/appstream-00aa11bb22cc33dd": try repodata(.gzip)],
            packages: Self.packages([("openssl-libs", "1:3.0.7-27.el9"), ("kernel-core", "5.14.0-503.15.1.el9_5")]),
            kernel: "5.14.0-503.15.1.el9_5.x86_64")
        let findings = PatchFindings.findings(evidence: e, now: CalendarDate.parse("2026-12-03")!)
        let f = try #require(findings.first { $0.checkID == PatchFindings.pendingCheckID })
        guard case .inconclusive(let why) = f.outcome else {
            Issue.record("a malformed updateinfo beside a good one gave \(f.outcome)")
            return
        }
        #expect(why.contains("an unread updateinfo may hold a pending update"))
        #expect(f.observed?.contains("security advisories not read: /var/cache/dnf/baseos-1a2b3c4d5e6f7a8b/repodata/") == true)
        // The other repository was read, and the kernel finding was still made.
        #expect(f.evidence.contains { $0.claim.contains("repository appstream (primary 6 packages, updateinfo 3 advisories") })
        #expect(findings.first { $0.checkID == PatchFindings.kernelCheckID }?.outcome == .pass)
        // Alone, the malformed file's reason is given.
        let alone = pending(try evidence([Self.dnf4: try repodata(.malformed)]), now: "2026-12-03")
        guard case .inconclusive(let why2) = alone.outcome else {
            Issue.record("a malformed updateinfo gave \(alone.outcome)")
            return
        }
        #expect(why2.contains("were not read") && why2.contains("malformed XML at line"))
    }

    @Test func aRunningKernelOlderThanTheNewestInstalledKernelCoreIsARebootPending() throws {
        let both = Self.packages([("kernel-core", "5.14.0-503.11.1.el9_5"), ("kernel-core", "5.14.0-503.15.1.el9_5")])
        let e = try evidence([Self.dnf4: try repodata(.gzip)], packages: both, kernel: "5.14.0-503.11.1.el9_5.x86_64")
        let k = PatchFindings.runningKernel(evidence: e)
        #expect(k.outcome == .fail)
        #expect(k.observed?.contains("newest installed kernel package kernel-core 5.14.0-503.15.1.el9_5") == true)
        #expect(k.observed?.contains("a reboot is pending") == true)
        // The newest installed kernel-core is what the advisories are matched against: nothing pending for it.
        #expect(pending(e, now: "2026-12-03").outcome == .pass)
        let booted = try evidence([Self.dnf4: try repodata(.gzip)], packages: both, kernel: "5.14.0-503.15.1.el9_5.x86_64")
        #expect(PatchFindings.runningKernel(evidence: booted).outcome == .pass)
    }

    @Test func aMetadataFileOverTheReadBoundIsRefusedAndNamed() throws {
        let bounded = try repodata(.gzip)
        // A primary of 64 MiB and one byte (sparse: no disk used), named in repomd.xml in place of the real one.
        let names = try FileManager.default.contentsOfDirectory(atPath: bounded.path)
        let primary = try #require(names.first { $0.hasSuffix("-primary.xml.gz") })
        let huge = "0000-primary.xml"
        #expect(FileManager.default.createFile(atPath: bounded.appendingPathComponent(huge).path, contents: nil))
        let handle = try FileHandle(forWritingTo: bounded.appendingPathComponent(huge))
        try handle.truncate(atOffset: UInt64(DnfMetadataNeed.fileLimit + 1))
        try handle.close()
        let repomd = bounded.appendingPathComponent("repomd.xml")
        try Data(try String(contentsOf: repomd, encoding: .utf8).replacingOccurrences(of: primary, with: huge).utf8).write(to: repomd)
        let f = pending(try evidence([Self.dnf4: bounded]), now: "2026-12-03")
        // The security advisories were read, so the pending update is still found; the primary is named as unread.
        #expect(f.outcome == .fail)
        let observed = try #require(f.observed)
        #expect(observed.contains("package lists (primary) not read: /var/cache/dnf/baseos-1a2b3c4d5e6f7a8b/repodata/0000-primary.xml"))
        let sources = try #require(DnfSources.load(try evidence([Self.dnf4: bounded]), wanted: ["openssl-libs"]))
        #expect(sources.unread.contains { $0.type == "primary" && $0.reason.contains("over the read bound of \(DnfMetadataNeed.fileLimit) bytes") })
        // Decompressed, the bound holds too: a gzip updateinfo larger than the plain bound is refused.
        let small = try #require(DnfSources.load(try evidence([Self.dnf4: try repodata(.gzip)]), wanted: ["openssl-libs"], plainLimit: 1024))
        #expect(small.updateinfoRead == 0 && small.unread.contains { $0.type == "updateinfo" && $0.reason.contains("cap of 1024 bytes") })
    }

    /// A primary of 40,000 packages (15 MB decompressed, gzip as RHEL stores it) is read record by record from
    /// the decoder's pieces: never more than about one 256 KiB piece of it is held (DnfSources.largestHeld, the most
    /// bytes the XML reader held at once), and the installed package's newest build is still found at its end.
    @Test func aLargePrimaryIsReadHoldingAPieceNotTheDocument() throws {
        let bounded = try repodata(.gzip)
        let names = try FileManager.default.contentsOfDirectory(atPath: bounded.path)
        let primary = try #require(names.first { $0.hasSuffix("-primary.xml.gz") })
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"40001\">\n"
        for i in 0..<40_000 {
            text += "<package type=\"rpm\"><name>filler\(i)</name><arch>x86_64</arch><version epoch=\"0\" ver=\"1.\(i)\" rel=\"1.el9\"/>"
            text +=
                "<summary>Filler package \(i)</summary><description>A description long enough to make the record a realistic size for a repository of this kind, with an entity &amp; some more words.</description>"
            text += "<location href=\"Packages/f/filler\(i)-1.\(i)-1.el9.x86_64.rpm\"/></package>\n"
        }
        text +=
            "<package type=\"rpm\"><name>bash</name><arch>x86_64</arch><version epoch=\"0\" ver=\"5.1.8\" rel=\"12.el9\"/></package>\n</metadata>\n"
        let plain = Array(text.utf8)
        #expect(plain.count > 15_000_000)
        try Data(try Gzip.compress(plain)).write(to: bounded.appendingPathComponent(primary))
        let sources = try #require(DnfSources.load(try evidence([Self.dnf4: bounded]), wanted: ["bash"]))
        #expect(sources.unread.isEmpty, "\(sources.unread)")
        #expect(sources.repos.first?.packages == 40_001 && sources.newest["bash.x86_64"]?.evr == "5.1.8-12.el9")
        #expect(sources.largestHeld > 0 && sources.largestHeld <= 256 * 1024 + 16 * 1024, "held \(sources.largestHeld) bytes at once")
    }

    @Test func aMechanismsRPMPackagesAreJudgedUnderItsName() throws {
        let qemu = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .installed)
        let aliases = AdvisoryAliases.all(Support.catalog)
        let alias = try #require(aliases.first { $0.product == "qemu" })
        let name = try #require(alias.rpmPackages.first)
        let e = try evidence(
            [Self.dnf4: try repodata(.gzip)], packages: Self.packages() + Self.packages([(name, "17:9.0.0-10.el9")]))
        let f = try #require(
            PatchFindings.findings(evidence: e, now: CalendarDate.parse("2026-12-03")!, mechanisms: [qemu], aliases: aliases).first {
                $0.subject == "qemu"
            })
        guard case .inconclusive(let why) = f.outcome else {
            Issue.record("a QEMU no repository carries gave \(f.outcome)")
            return
        }
        #expect(why.contains("none of qemu's packages (\(name)) is in a repository's primary metadata on the host"))
    }

    @Test func theHostsISM1606VerdictCarriesTheRPMFindingsLikeTheAptOnes() throws {
        let e = try evidence([Self.dnf4: try repodata(.gzip)], kernel: "5.14.0-503.11.1.el9_5.x86_64")
        let catalog = try CheckCatalog.standard()
        let report = Assessor(catalog: Support.catalog, asOf: CalendarDate.parse("2026-12-03")!, plan: AssessmentPlan(checks: catalog)).run(on: e)
        let c1606 = try #require(report.hostControls?.first { $0.verdict.control == .ism1606 })
        #expect(c1606.verdict.status != .satisfied)
        let pending = try #require(c1606.findings.first { $0.checkID == PatchFindings.pendingCheckID && $0.subject == "host" })
        #expect(pending.outcome == .fail && pending.observed?.contains("RHSA-2026:1001 Important") == true)
        // Without a profile saying whether the host is internet-facing, the report's assumptions say 2 weeks was assumed.
        #expect(report.assumptions?.contains { $0.contains("The host is assumed internet-facing for ISM-1606") } == true)

        // The profile's `[host] internet_facing = false` reaches the finding through the Assessor: the Important advisory,
        // 23 days old, is inside 1 month and the Critical one (36 hours) inside 48, so nothing is overdue yet.
        var assessor = Assessor(catalog: Support.catalog, asOf: CalendarDate.parse("2026-12-03")!, plan: AssessmentPlan(checks: catalog))
        assessor.profile = try SystemProfile.parse(Data("[host]\ninternet_facing = false\n".utf8), path: "bulkhead.toml")
        let declared = assessor.run(on: e)
        let sheltered = try #require(
            declared.hostControls?.first { $0.verdict.control == .ism1606 }?.findings.first {
                $0.checkID == PatchFindings.pendingCheckID && $0.subject == "host"
            })
        guard case .inconclusive = sheltered.outcome else {
            Issue.record("a host declared not internet-facing has no advisory past its timeline: \(sheltered.outcome)")
            return
        }
        #expect(declared.assumptions?.contains { $0.contains("internet-facing") } != true)
    }

    /// A real updateinfo.xml (CentOS's security errata as generated from the CEFS feed: Tests/FormatsTests/Fixtures/
    /// updateinfo, PROVENANCE.md there) in a repository made by createrepo_c and modifyrepo_c, judged against an rpm
    /// database built by rpm itself in the host root: an installed openssl older than CESA-2016:0301's EL7 build is a
    /// pending Important update aged from the advisory's issued date against the 2-week timeline, its EL6 and i686
    /// builds not taken for fixes; packages at or above the advisories' builds (equal, or newer) are not pending.
    @Test func aRealUpdateinfoJudgedAgainstARealRPMDatabase() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FormatsTests/Fixtures/updateinfo/centos-cefs-updateinfo.xml")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cefs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let repo = work.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try RealRPM.run(try RealRPM.program("createrepo_c"), ["-q", "--no-database", repo.path])
        try RealRPM.run(
            try RealRPM.program("modifyrepo_c"), ["--mdtype", "updateinfo", fixture.path, repo.appendingPathComponent("repodata").path])
        let repomd = repo.appendingPathComponent("repodata/repomd.xml")
        // Generated 2016-03-03 00:00 UTC, two days after the openssl advisory.
        try Data(
            try String(contentsOf: repomd, encoding: .utf8).replacingOccurrences(
                of: #"<timestamp>[0-9]+</timestamp>"#, with: "<timestamp>1456963200</timestamp>", options: .regularExpression
            ).utf8
        ).write(to: repomd)

        /// A host root whose rpm database rpm built with `installed` (name, version, release), and the cache.
        func host(_ installed: [(String, String, String)]) throws -> HostEvidence {
            let root = work.appendingPathComponent("root-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
            try Data("ID=\"centos\"\nVERSION_ID=\"7\"\n".utf8).write(to: root.appendingPathComponent("etc/os-release"))
            let top = work.appendingPathComponent("top-\(UUID().uuidString)")
            for (i, (name, version, release)) in installed.enumerated() {
                let spec = top.appendingPathComponent("p\(i).spec")
                try FileManager.default.createDirectory(at: top, withIntermediateDirectories: true)
                try Data(
                    """
                    %define debug_package %{nil}
                    Name: \(name)
                    Version: \(version)
                    Release: \(release)
                    Summary: Bulkhead test package
                    License: MIT
                    BuildArch: x86_64
                    %description
                    Test package.
                    %files

                    """.utf8
                ).write(to: spec)
                try RealRPM.run(try RealRPM.program("rpmbuild"), ["--quiet", "--nodeps", "--define", "_topdir \(top.path)", "-bb", spec.path])
            }
            let dbpath = root.appendingPathComponent("var/lib/rpm").path
            try FileManager.default.createDirectory(atPath: dbpath, withIntermediateDirectories: true)
            let rpm = try RealRPM.program("rpm")
            try RealRPM.run(rpm, ["--dbpath", dbpath, "--define", "_db_backend sqlite", "--initdb"])
            let built = top.appendingPathComponent("RPMS/x86_64")
            for file in try FileManager.default.contentsOfDirectory(atPath: built.path) {
                try RealRPM.run(
                    rpm,
                    [
                        "--dbpath", dbpath, "--define", "_db_backend sqlite", "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch",
                        built.appendingPathComponent(file).path,
                    ])
            }
            try FileManager.default.copyItem(at: repo.appendingPathComponent("repodata"), to: root.appendingPathComponent(Self.dnf4 + "/repodata"))
            let inspector = HostInspector(root: DirectoryHostRoot(directory: root.path))
            let facts = inspector.collect(now: Support.asOf)
            // The inventory is rpm's own: every package read from the database rpm wrote.
            #expect(
                Set(facts.packages.map { "\($0.name) \($0.version) \($0.architecture ?? "") \($0.manager)" })
                    == Set(installed.map { "\($0.0) \($0.1)-\($0.2) x86_64 rpm" }))
            return inspector.collectEvidence(EvidencePlan.needs(catalog: Support.catalog), given: facts, now: Support.asOf)
        }

        let behind = try host([
            ("openssl", "1.0.1e", "42.el7_1.9"), ("openssl-libs", "1.0.1e", "51.el7_2.4"), ("spice-server", "0.12.4", "12.el6_7.3"),
        ])
        let early = pending(behind, now: "2016-03-04")
        guard case .inconclusive(let why) = early.outcome else {
            Issue.record("an Important advisory 2 days old is inside its 2-week timeline: \(early.outcome)")
            return
        }
        #expect(
            why.contains(
                "1 security update(s) pending (openssl 1.0.1e-42.el7_1.9 → 1.0.1e-51.el7_2.4 [CESA_2016__0301 Important, issued 2016-03-01])"))
        // Aged from the advisory's issued time, 2016-03-01 16:09:29 UTC: 55 h 50 min before the assessment.
        #expect(
            why.contains("the oldest advisory issued 2016-03-01 (55.8 hours)") && why.contains("not yet overdue unless a vulnerability is exploited"))
        #expect(
            early.evidence.contains {
                $0.claim.hasPrefix("security source repository baseos (primary 0 packages, updateinfo 2 advisories, 2 security)")
            })
        let late = pending(behind, now: "2016-03-20")
        #expect(late.outcome == .fail)
        #expect(late.observed?.contains("past the 48-hour (critical or exploited) and 2-week (internet-facing") == true)
        #expect(late.observed?.contains("overdue: openssl") == true)
        // No profile says whether the host is internet-facing: 2 weeks, and the finding says it assumed so.
        #expect(
            late.observed?.contains(
                "assumed internet-facing (2 weeks for an update neither critical nor exploited) because the profile does not say") == true)

        // ISM-1606's other two timelines from the profile's `[host] internet_facing`: the Important advisory 19 days old is
        // inside the 1-month one of a host declared not internet-facing, and past the 2-week one of an internet-facing host.
        func declared(_ toml: String, now: String) throws -> Finding {
            let profile = try SystemProfile.parse(Data(toml.utf8), path: "bulkhead.toml")
            return PatchFindings.pendingUpdates(
                evidence: behind, now: CalendarDate.parse(now) ?? Date(),
                timelines: PatchFindings.Timelines(internetFacing: profile.host.internetFacing, profilePath: profile.path))
        }
        let sheltered = try declared("[host]\nclassification = \"PROTECTED\"\ninternet_facing = false\n", now: "2016-03-20")
        guard case .inconclusive(let inside) = sheltered.outcome else {
            Issue.record("an Important advisory 19 days old is inside the 1-month timeline of a host not internet-facing: \(sheltered.outcome)")
            return
        }
        #expect(
            inside.contains("the host is declared not internet-facing in bulkhead.toml, so an update neither critical nor exploited takes 1 month"))
        #expect(inside.contains("inside each advisory's timeline (48 hours critical or exploited, 1 month otherwise)"))
        #expect(try declared("[host]\ninternet_facing = false\n", now: "2016-04-01").outcome == .fail)
        let facing = try declared("[host]\ninternet_facing = true\n", now: "2016-03-20")
        #expect(facing.outcome == .fail)
        #expect(
            facing.observed?.contains(
                "the host is declared internet-facing in bulkhead.toml, so an update neither critical nor exploited takes 2 weeks") == true)
        #expect(facing.observed?.contains("assumed") == false)
        // Anything but a TOML boolean is refused, never read as one or the other.
        #expect(throws: SystemProfile.LoadError.self) { try SystemProfile.parse(Data("[host]\ninternet_facing = \"maybe\"\n".utf8), path: "p.toml") }

        // At the advisories' builds (openssl, spice-server) or above them (spice-server-devel): nothing pending.
        let current = try host([
            ("openssl", "1.0.1e", "51.el7_2.4"), ("openssl-libs", "1.0.1e", "51.el7_2.4"), ("spice-server", "0.12.4", "12.el6_7.3"),
            ("spice-server-devel", "0.12.4", "13.el6_7"),
        ])
        let f = pending(current, now: "2016-03-04")
        #expect(f.outcome == .pass, "\(f.outcome)")
        #expect(f.observed?.hasPrefix("every installed package is at or above the fixed versions of the security advisories in 1 repository") == true)
    }

    /// An advisory naming a CVE that CISA KEV lists (a working exploit) takes the 48-hour timeline whatever its severity.
    /// KEV is the real catalog (Tests/AdvisoriesTests/Fixtures/kev, 2026.08.21) imported into an advisory database as
    /// `bulkhead advisories import` does; the updateinfo is this suite's, its Important openssl advisory naming
    /// CVE-2021-4034 (polkit's pkexec, in KEV since 2022-06-27) instead of the made-up CVE-2026-0001: the advisory is
    /// still made up, the KEV match is real. (The real CentOS updateinfo fixture references no CVE, only RHSA pages.)
    @Test func anAdvisoryNamingACVEInCISAKEVTakesThe48HourTimeline() async throws {
        let kevFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AdvisoriesTests/Fixtures/kev/known_exploited_vulnerabilities.json").path
        // In the test's scratch directory, so the database's companions (its WAL, the import's lock) go with it.
        let database = scratch.url.appendingPathComponent("kev.sqlite").path
        let db = try AdvisoryDatabase(path: database)
        _ = try await AdvisoryImporter.run([kevFile], into: db)
        let kev = try db.kevEntries()
        #expect(kev.count == 1674 && kev["CVE-2021-4034"] != nil && kev["CVE-2026-0001"] == nil)
        let timelines = PatchFindings.Timelines(knownExploited: Set(kev.keys))

        let opensslOnly = Self.packages([("openssl-libs", "1:3.0.7-24.el9")])
        let exploited = try evidence(
            [Self.dnf4: try repodata(.gzip, updateinfo: Self.updateinfo.replacingOccurrences(of: "CVE-2026-0001", with: "CVE-2021-4034"))],
            packages: opensslOnly)
        // Three days after the Important advisory: past 48 hours, so overdue, saying why.
        let f = PatchFindings.pendingUpdates(evidence: exploited, now: CalendarDate.parse("2026-11-13") ?? Date(), timelines: timelines)
        #expect(f.outcome == .fail)
        let observed = try #require(f.observed)
        #expect(
            observed.contains(
                "openssl-libs 1:3.0.7-24.el9 → 1:3.0.7-27.el9 [RHSA-2026:1001 Important, issued 2026-11-10; working exploit (CISA KEV): CVE-2021-4034]"
            ))
        #expect(observed.contains("overdue: openssl-libs"))
        // Inside 48 hours it is not yet overdue.
        guard
            case .inconclusive = PatchFindings.pendingUpdates(
                evidence: exploited, now: CalendarDate.parse("2026-11-11") ?? Date(), timelines: timelines
            ).outcome
        else {
            Issue.record("an exploited advisory 24 hours old is inside its 48-hour timeline")
            return
        }
        // The same advisory without KEV records, or naming a CVE KEV does not list: 2 weeks, so 3 days is not overdue.
        let unlisted = try evidence([Self.dnf4: try repodata(.gzip)], packages: opensslOnly)
        for (e, t) in [(exploited, PatchFindings.Timelines()), (unlisted, timelines)] {
            let g = PatchFindings.pendingUpdates(evidence: e, now: CalendarDate.parse("2026-11-13") ?? Date(), timelines: t)
            guard case .inconclusive = g.outcome else {
                Issue.record("an Important advisory 3 days old with no working exploit known is inside 2 weeks: \(g.outcome)")
                continue
            }
            #expect(g.observed?.contains("CISA KEV)") == false)
        }
        #expect(
            PatchFindings.pendingUpdates(evidence: exploited, now: CalendarDate.parse("2026-11-13") ?? Date()).observed?.contains(
                "no CISA KEV records in the advisory database") == true)
    }

    @Test func updateinfoDatesAndSeverities() {
        #expect(DnfSources.date("2024-05-21 10:30:00").map(CalendarDate.format) == "2024-05-21")
        #expect(DnfSources.date("2024-05-21 10:30:00")?.timeIntervalSince(CalendarDate.parse("2024-05-21")!) == 37800)
        #expect(DnfSources.date("2023-11-13T22:21:51Z")?.timeIntervalSince(CalendarDate.parse("2023-11-13")!) == 80511)
        #expect(DnfSources.date("1700000000") == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(DnfSources.date("soon") == nil)
        #expect(PatchFindings.isCritical("Critical") && PatchFindings.isCritical("urgent") && PatchFindings.isCritical(nil))
        #expect(!PatchFindings.isCritical("Important") && !PatchFindings.isCritical("Moderate") && !PatchFindings.isCritical("low"))
    }
}
