import Advisories
import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import HostInspection
import Testing

/// Backports read through a host root: the REAL qemu changelog and dpkg status of this machine,
/// copied into a directory root built here, then the same tree recorded into a snapshot. Offline
/// roots must give the live host's answer.
@Suite struct OfflineBackportTests {
    static let changelog = "/usr/share/doc/qemu-system-x86/changelog.Debian.gz"
    static let advisoryFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AdvisoriesTests/Fixtures").path

    struct Tree {
        var dir: String
        var packages: [InstalledPackage]
        var database: String
    }

    static func read(_ path: String, limit: Int) throws -> Data {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: limit + 1) ?? Data()
        try #require(data.count <= limit, "\(path) over \(limit) bytes")
        return data
    }

    /// The live dpkg paragraphs of the qemu packages, this machine's changelog and os-release, and an
    /// advisory database imported from the Advisories fixtures. Tests that build one are enabled by
    /// `Tool.hasFile(changelog)`.
    static func makeTree(changelogBytes: Data? = nil) async throws -> Tree {
        try #require(Tool.file(changelog) != nil, "qemu-system-x86 and \(changelog) must be installed (.ci/run installs qemu-system-x86)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-offline-backports-\(UUID().uuidString)").path
        let fm = FileManager.default
        for sub in ["var/lib/dpkg", "usr/share/doc/qemu-system-x86", "etc"] {
            try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        let status = String(decoding: try read("/var/lib/dpkg/status", limit: 64 << 20), as: UTF8.self)
        let paragraphs = status.components(separatedBy: "\n\n").filter { $0.hasPrefix("Package: qemu-") }
        try #require(paragraphs.contains { $0.hasPrefix("Package: qemu-system-x86\n") })
        try Data((paragraphs.joined(separator: "\n\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/var/lib/dpkg/status"))
        try (changelogBytes ?? read(changelog, limit: 8 << 20)).write(to: URL(fileURLWithPath: dir + changelog))
        try read("/etc/os-release", limit: 64 << 10).write(to: URL(fileURLWithPath: dir + "/etc/os-release"))
        let database = dir + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: database)
        _ = try await AdvisoryImporter.run(["cve5", "nvd2", "kev"].map { advisoryFixtures + "/" + $0 }, into: db)
        let packages = HostInspector(root: DirectoryHostRoot(directory: dir)).collect(now: Support.asOf).packages
        try #require(packages.contains { $0.name == "qemu-system-x86" })
        return Tree(dir: dir, packages: packages, database: database)
    }

    static let qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
    static let fixedIDs = ["CVE-2024-7409", "CVE-2021-3682", "CVE-2020-14364"]

    func qemuAliases() throws -> ProductAliases {
        try #require(AdvisoryAliases.all(Support.catalog).first { $0.product == "qemu" })
    }

    /// What the assessment concludes for qemu on `root`, and the per-CVE check behind it.
    func check(root: any HostRoot, tree: Tree) throws -> (finding: Finding, result: Advisories.CheckResult) {
        let finding = try #require(
            AdvisoryFindings.findings(
                mechanisms: [Self.qemu], packages: tree.packages, aliases: AdvisoryAliases.all(Support.catalog), databasePath: tree.database,
                root: root, now: Support.asOf
            ).first)
        let pkg = try #require(tree.packages.first { $0.name == "qemu-system-x86" })
        var reader = BackportReader(root: root, packages: tree.packages, aliases: [try qemuAliases()], mechanisms: [Self.qemu])
        let installed = InstalledProduct(product: "qemu", package: pkg.name, version: pkg.version, manager: pkg.manager)
        let result = try AdvisoryCheck.run(
            installed, aliases: try qemuAliases(), database: try AdvisoryDatabase(path: tree.database), backports: reader.backports(for: pkg),
            now: Support.asOf)
        return (finding, result)
    }

    @Test(.enabled(if: Tool.hasFile(OfflineBackportTests.changelog), "needs qemu-system-x86's changelog.Debian.gz (.ci/run installs it)"))
    func directoryRootChecksBackportsLikeTheLiveHost() async throws {
        let tree = try await Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: tree.dir) }
        let (finding, result) = try check(root: DirectoryHostRoot(directory: tree.dir), tree: tree)
        if case .inconclusive(let reason) = finding.outcome { Issue.record("offline root inconclusive: \(reason)") }
        #expect(finding.observed?.contains("fixed by backport") == true)
        #expect(finding.observed?.contains("not fully read") == false, "\(finding.observed ?? "")")
        for id in Self.fixedIDs {
            let f = try #require(result.findings.first { $0.cves.contains(id) }, "\(id) should map to qemu")
            #expect(f.state == .fixedByBackport, "\(id): \(f.state) \(f.reason)")
            // Evidence names the host path of the changelog, not the directory it was read from.
            #expect(f.backport?.file == Self.changelog)
            #expect(f.backport?.via == .debianChangelog)
            #expect(f.evidence.contains { if case .file(let p, _) = $0.source { p == Self.changelog } else { false } })
        }
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(
            finding.evidence.contains { e in
                if case .file(let p, _) = e.source { p == Self.changelog && e.claim.contains("CVE-2024-7409") } else { false }
            }, "the finding names the changelog that removed CVE-2024-7409")
        // The open advisory ids the store keeps (history's advisories column, diff) are exactly the check's open ones.
        let evaluated = AdvisoryFindings.evaluate(
            mechanisms: [Self.qemu], evidence: Support.evidence(DirectoryHostRoot(directory: tree.dir), packages: tree.packages, now: Support.asOf),
            aliases: AdvisoryAliases.all(Support.catalog), database: .open(path: tree.database), now: Support.asOf)
        let open = Set(result.findings.filter { $0.state == .open }.map(\.id))
        #expect(Set(evaluated.open["qemu"] ?? []) == open)
        for id in Self.fixedIDs { #expect(!(evaluated.open["qemu"] ?? []).contains(id), "\(id) is fixed by backport") }
        // The live host (same packages, same changelog) concludes the same.
        let live = try check(root: DirectoryHostRoot.live, tree: tree)
        #expect(live.finding.observed == finding.observed)
        #expect(live.finding.outcome == finding.outcome)
        #expect(live.result.findings.map(\.state) == result.findings.map(\.state))
    }

    @Test(.enabled(if: Tool.hasFile(OfflineBackportTests.changelog), "needs qemu-system-x86's changelog.Debian.gz (.ci/run installs it)"))
    func snapshotCarriesTheChangelogAndGivesTheSameAnswer() async throws {
        let tree = try await Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: tree.dir) }
        let base = DirectoryHostRoot(directory: tree.dir)
        // What `bulkhead snapshot` does: one collection serving every stage's needs.
        let evidence = HostInspector(root: base).collectEvidence(EvidencePlan.needs(catalog: Support.catalog), now: Support.asOf)
        let recorded = evidence.files.records
        let real = try Self.read(Self.changelog, limit: 8 << 20)
        #expect(recorded[Self.changelog]?.content == [UInt8](real))
        #expect(recorded["/etc/os-release"]?.content != nil)
        // Only the changelog the check reads: qemu-system-common shares qemu-system-x86's source version.
        #expect(recorded.keys.filter { $0.hasPrefix("/usr/share/doc/") }.sorted() == [Self.changelog], "\(recorded.keys.sorted())")
        let archive = tree.dir + "/host.tar.gz"
        _ = try SnapshotWriter(bulkheadVersion: "test").write(evidence, to: archive)
        let snapshot = try SnapshotHostRoot(path: archive)
        let (offline, result) = try check(root: snapshot, tree: tree)
        let (direct, _) = try check(root: base, tree: tree)
        #expect(offline.observed == direct.observed)
        #expect(offline.outcome == direct.outcome)
        for id in Self.fixedIDs {
            #expect(result.findings.first { $0.cves.contains(id) }?.state == .fixedByBackport, "\(id) offline from the snapshot")
        }
    }

    @Test(.enabled(if: Tool.hasFile(OfflineBackportTests.changelog), "needs qemu-system-x86's changelog.Debian.gz (.ci/run installs it)"))
    func truncatedChangelogIsAProblemNotAPass() async throws {
        let real = FileManager.default.fileExists(atPath: Self.changelog) ? try Self.read(Self.changelog, limit: 8 << 20) : Data()
        let tree = try await Self.makeTree(changelogBytes: real.prefix(real.count / 2))
        defer { try? FileManager.default.removeItem(atPath: tree.dir) }
        let (finding, result) = try check(root: DirectoryHostRoot(directory: tree.dir), tree: tree)
        #expect(result.problems.contains { $0.subject == Self.changelog && $0.message.contains("corrupt") }, "\(result.problems)")
        #expect(!result.findings.contains { $0.state == .fixedByBackport })
        #expect(finding.observed?.contains("backports not fully read") == true, "\(finding.observed ?? "")")
    }

    @Test(.enabled(if: Tool.hasFile(OfflineBackportTests.changelog), "needs qemu-system-x86's changelog.Debian.gz (.ci/run installs it)"))
    func missingChangelogIsNamed() async throws {
        let tree = try await Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: tree.dir) }
        try FileManager.default.removeItem(atPath: tree.dir + Self.changelog)
        let (finding, result) = try check(root: DirectoryHostRoot(directory: tree.dir), tree: tree)
        #expect(result.problems.contains { $0.message.contains("no changelog.Debian.gz for qemu-system-x86") }, "\(result.problems)")
        #expect(result.count(.fixedByBackport) == 0)
        #expect(finding.observed?.contains("0 fixed by backport") == true)
    }

    @Test func offlineRootWithoutPackagesSaysSo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-adv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("a.sqlite").path
        _ = try AdvisoryDatabase(path: db)
        let findings = AdvisoryFindings.findings(
            mechanisms: [Self.qemu], packages: [], aliases: AdvisoryAliases.all(Support.catalog), databasePath: db,
            root: DirectoryHostRoot(directory: dir.path), now: Support.asOf)
        guard case .inconclusive(let reason)? = findings.first?.outcome else {
            Issue.record("expected inconclusive without packages")
            return
        }
        #expect(reason.contains("no installed Debian or RPM package of QEMU"))
    }
}

/// RPM hosts: the %changelog of the installed header in a REAL rpmdb.sqlite (built by rpmbuild and
/// rpm at test time), read through a directory root and through a snapshot of it.
@Suite struct RPMBackportTests {
    @Test(.enabled(if: Tool.runs("rpmbuild", "rpm"), "needs rpmbuild and rpm (.ci/run installs rpm)"))
    func rpmChangelogBackportsOfflineAndFromASnapshot() async throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-rpm-backports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        _ = try RealRPM.build(in: tree)
        let database = tree + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: database)
        _ = try await AdvisoryImporter.run(["cve5", "nvd2", "kev"].map { OfflineBackportTests.advisoryFixtures + "/" + $0 }, into: db)
        let root = DirectoryHostRoot(directory: tree)
        // The package inventory reads the rpm database; a snapshot records it while doing so.
        let evidence = HostInspector(root: root).collectEvidence(EvidencePlan.needs(catalog: Support.catalog), now: Support.asOf)
        let packages = evidence.facts.packages
        let pkg = try #require(packages.first { $0.name == "qemu-kvm" && $0.manager == "rpm" })
        #expect(pkg.version == "17:7.2.0-3.el9")
        let aliases = AdvisoryAliases.all(Support.catalog)
        let qemu = try #require(aliases.first { $0.product == "qemu" })
        let archive = tree + "/host.tar.gz"
        _ = try SnapshotWriter(bulkheadVersion: "test").write(evidence, to: archive)
        let snapshot = try SnapshotHostRoot(path: archive)

        var observed: [String?] = []
        for host in [root as any HostRoot, snapshot] {
            var reader = BackportReader(root: host, packages: packages, aliases: [qemu], mechanisms: [OfflineBackportTests.qemu])
            let backports = reader.backports(for: pkg)
            #expect(backports.problems.count == 1, "one problem: the versionless entry; \(backports.problems)")
            #expect(backports.fixes.keys.sorted() == ["CVE-2020-14364", "CVE-2021-3682", "CVE-2024-7409"], "\(host.label)")
            #expect(backports.fixes["CVE-2024-7409"]?.file == "/var/lib/rpm/rpmdb.sqlite (qemu-kvm %changelog)")
            let installed = InstalledProduct(product: "qemu", package: pkg.name, version: pkg.version, manager: "rpm")
            let result = try AdvisoryCheck.run(installed, aliases: qemu, database: db, backports: backports, now: Support.asOf)
            #expect(result.findings.first { $0.cves.contains("CVE-2024-7409") }?.state == .fixedByBackport, "\(host.label)")
            let finding = try #require(
                AdvisoryFindings.findings(
                    mechanisms: [OfflineBackportTests.qemu], packages: packages, aliases: AdvisoryAliases.all(Support.catalog),
                    databasePath: database, root: host, now: Support.asOf
                )
                .first)
            if case .inconclusive(let reason) = finding.outcome { Issue.record("RPM host inconclusive: \(reason)") }
            #expect(finding.observed?.contains("3 fixed by backport") == true, "\(finding.observed ?? "")")
            observed.append(finding.observed)
        }
        #expect(observed.count == 2 && observed[0] == observed[1])
        // A reader built without aliases (the `advisories check` command) loads what it is asked for.
        var bare = BackportReader(root: root, packages: packages, aliases: [], mechanisms: [])
        #expect(bare.backports(for: pkg).fixes.count == 3)
        let other = InstalledPackage(name: "kernel", version: "6.1-1", manager: "rpm")
        #expect(bare.backports(for: other).problems.first?.message.contains("no rpm database header for kernel") == true)
        #expect(bare.backports(for: pkg).fixes.count == 3, "still there after the reload")
    }

    @Test func rpmPackageWithoutDatabaseIsAProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-rpm-none-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pkg = InstalledPackage(name: "qemu-kvm", version: "17:7.2.0-3.el9", manager: "rpm")
        var reader = BackportReader(
            root: DirectoryHostRoot(directory: dir), packages: [pkg], aliases: AdvisoryAliases.all(Support.catalog),
            mechanisms: [OfflineBackportTests.qemu])
        let evidence = reader.backports(for: pkg)
        #expect(evidence.fixes.isEmpty)
        #expect(evidence.problems.first?.message.contains("no rpm sqlite database") == true, "\(evidence.problems)")
    }
}

/// The Debian security tracker beside the advisory database, with the release codename read from the
/// root's /etc/os-release (fixture: VulnerableCode's vendored slice of the export, see its PROVENANCE.md).
@Suite struct SecurityTrackerBackportTests {
    static let fixture = OfflineBackportTests.advisoryFixtures + "/debian-security-tracker/debian.json"

    func root(osRelease: String?) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-tracker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        if let osRelease { try Data(osRelease.utf8).write(to: URL(fileURLWithPath: dir + "/etc/os-release")) }
        return dir
    }

    @Test func trackerBesideTheDatabaseAndCodenameFromTheRoot() throws {
        let dir = try root(osRelease: "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nVERSION_CODENAME=buster\nID=debian\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: dir + "/debian-security-tracker.json")
        let (tracker, problems) = BackportReader.trackerBeside(databasePath: dir + "/advisories.sqlite")
        #expect(problems.isEmpty)
        let t = try #require(tracker)
        var reader = BackportReader(root: DirectoryHostRoot(directory: dir), packages: [], aliases: [], mechanisms: [])
        #expect(reader.releaseCodename() == "buster")
        // Keyed by source package: a binary package with Source: mimetex and a binNMU suffix.
        let pkg = InstalledPackage(name: "mimetex-bin", version: "1.76-1+b1", manager: "dpkg", sourcePackage: "mimetex")
        let evidence = reader.trackerFixes(t, for: pkg)
        #expect(evidence.fixes.keys.sorted() == ["CVE-2009-1382", "CVE-2009-2459"])
        #expect(evidence.fixes["CVE-2009-1382"]?.file == dir + "/debian-security-tracker.json")
        // Without a tracker file there is nothing (and no problem).
        #expect(BackportReader.trackerBeside(databasePath: "/nonexistent/advisories.sqlite").tracker == nil)
    }

    @Test func noCodenameOrBadTrackerIsAProblem() throws {
        let dir = try root(osRelease: "ID=debian\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try DebianSecurityTracker.load(path: Self.fixture)
        var reader = BackportReader(root: DirectoryHostRoot(directory: dir), packages: [], aliases: [], mechanisms: [])
        let evidence = reader.trackerFixes(t, for: InstalledPackage(name: "mimetex", version: "1.76-1", manager: "dpkg"))
        #expect(evidence.fixes.isEmpty)
        #expect(evidence.problems.first?.message.contains("no VERSION_CODENAME") == true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: dir + "/debian-security-tracker.json"))
        let (bad, problems) = BackportReader.trackerBeside(databasePath: dir + "/advisories.sqlite")
        #expect(bad == nil)
        #expect(problems.first?.message.contains("security tracker not used") == true)
    }
}
