import BulkheadModel
import Checks
import Discovery
import Foundation
import Testing

/// xen.driver-domains on Xen's own xlexample.hvm (the probe's bad fixture) with one edit each: backend values as
/// libxl resolves them, xl.conf's vif.default.backend, disks judged only when tailored, and what cannot be read.
@Suite struct XenDriverDomainsTests {
    let catalog = Fixture.catalog
    let id = "xen.driver-domains"
    static let fixtures = ProbeFolder.root.appendingPathComponent("xen/xen.driver-domains/fixtures/bad-xen-xlexample-hvm/etc/xen")

    func guestText() throws -> String { try ProbeFiles.text(Self.fixtures.appendingPathComponent("example.hvm.cfg")) }
    func xlConfText() throws -> String { try ProbeFiles.text(Self.fixtures.appendingPathComponent("xl.conf")) }

    /// The guest with its vif (and disk) lines replaced, judged with the given xl.conf text (nil: no xl.conf).
    func judge(
        vif: String? = "vif = [ '' ]", disk: String? = nil, xlConf: String? = nil, daemon: DaemonConfiguration? = nil,
        tailoring: String? = nil
    ) throws -> Finding {
        var text = try guestText()
        text = text.replacingOccurrences(of: "vif = [ '' ]", with: vif ?? "")
        if let disk { text = text.replacingOccurrences(of: "disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]", with: disk) }
        let path = "/etc/xen/example.hvm.cfg"
        let guest = FixtureRunner.guest(ConfigParsers.xen(text, path: path), name: "example.hvm.cfg", path: path)
        var daemons: [DaemonConfiguration] = []
        if let xlConf {
            let parsed = try XenConfigParser.parseToolstack(Data(xlConf.utf8), source: "/etc/xen/xl.conf")
            daemons.append(
                DaemonConfiguration(product: "xen", path: "/etc/xen/xl.conf", settings: .xenToolstack(parsed.value), problems: parsed.problems))
        }
        if let daemon { daemons.append(daemon) }
        let t = try tailoring.map { try Tailoring.parse(Array($0.utf8), source: "t.json", catalog: catalog) }
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(
                facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"),
                mechanisms: [FixtureRunner.mechanism("xen", role: .type1Hypervisor, [guest])], daemons: daemons),
            selection: CheckSelection(only: [id]), tailoring: t)
        let findings = report.findings.filter { $0.checkID == id }
        try #require(findings.count == 1, "\(findings)")
        return findings[0]
    }

    @Test func backendValuesAsLibxlResolvesThem() throws {
        let shipped = try xlConfText()
        // dom0: no backend (xl's default), id 0 in any spelling, an empty value (strtoul gives 0), dom0's name.
        for vif in ["vif = [ '' ]", "vif = [ 'backend=0' ]", "vif = [ 'backend=000' ]", "vif = [ 'backend=' ]", "vif = [ 'backend=Domain-0' ]"] {
            let f = try judge(vif: vif, xlConf: shipped)
            #expect(f.outcome == .fail, "\(vif): \(f.outcome.label) \(f.observed ?? "")")
            #expect(f.observed?.contains("vif 0") == true && f.observed?.contains("served by dom0") == true, "\(vif)")
        }
        let named = try judge(vif: "vif = [ 'mac=00:16:3E:74:3d:76, bridge=xenbr0, backend=domnet' ]", xlConf: shipped)
        #expect(named.outcome == .pass)
        #expect(named.observed?.contains("vif 0 by domnet") == true, "\(named.observed ?? "")")
        // The disk is in dom0 but not judged by default: it is said, not failed.
        #expect(named.observed?.contains("disk xvda (no backend=) is served by dom0") == true, "\(named.observed ?? "")")
        let byID = try judge(vif: "vif = [ 'backend=7' ]", xlConf: shipped)
        #expect(byID.outcome == .pass && byID.observed?.contains("domain id 7") == true)
        // One vif in a driver domain and one in dom0 still fails, naming the second.
        let mixed = try judge(vif: "vif = [ 'backend=domnet', 'bridge=xenbr1' ]", xlConf: shipped)
        #expect(mixed.outcome == .fail && mixed.observed?.contains("vif 1") == true && mixed.observed?.contains("vif 0 (") == false)
        // Not a domain id libxl can hold.
        let huge = try judge(vif: "vif = [ 'backend=99999999999' ]", xlConf: shipped)
        #expect(huge.reason?.contains("32 bits") == true, "\(huge.outcome.label)")
        // No vif: nothing to judge. A single value is not a vif list.
        #expect(try judge(vif: nil, xlConf: shipped).outcome == .notApplicable)
        #expect(try judge(vif: "vif = 'backend=domnet'", xlConf: shipped).reason?.contains("not a list") == true)
    }

    @Test func xlConfDefaultBackend() throws {
        let shipped = try xlConfText()
        // No xl.conf at all: xl's default, dom0.
        let none = try judge()
        #expect(none.outcome == .fail && none.observed?.contains("no /etc/xen/xl.conf") == true, "\(none.observed ?? "")")
        // The shipped xl.conf only comments the setting.
        #expect(try judge(xlConf: shipped).observed?.contains("xl.conf sets no vif.default.backend") == true)
        let viaDefault = shipped.replacingOccurrences(of: "#vif.default.backend=\"0\"", with: "vif.default.backend=\"domnet\"")
        let passes = try judge(xlConf: viaDefault)
        #expect(passes.outcome == .pass && passes.evidence.contains { $0.claim.contains("vif.default.backend = \"domnet\"") })
        // A vif's own backend= wins over xl.conf's default.
        #expect(try judge(vif: "vif = [ 'backend=0' ]", xlConf: viaDefault).outcome == .fail)
        let explicitZero = shipped.replacingOccurrences(of: "#vif.default.backend=\"0\"", with: "vif.default.backend=\"0\"")
        #expect(try judge(xlConf: explicitZero).outcome == .fail)
        // xl.conf unreadable or a list: a vif relying on it is unknown, a vif naming its own backend is not.
        let unreadable = DaemonConfiguration(
            product: "xen", path: "/etc/xen/xl.conf", settings: nil, problems: [Problem(subject: "/etc/xen/xl.conf", message: "permission denied")])
        let unknown = try judge(daemon: unreadable)
        #expect(unknown.reason?.contains("permission denied") == true, "\(unknown.outcome.label)")
        #expect(try judge(vif: "vif = [ 'backend=domnet' ]", daemon: unreadable).outcome == .pass)
        let list = shipped.replacingOccurrences(of: "#vif.default.backend=\"0\"", with: "vif.default.backend=[ \"domnet\" ]")
        #expect(try judge(xlConf: list).reason?.contains("is a list") == true)
    }

    @Test func disksAreJudgedOnlyWhenTailored() throws {
        let judgeDisks = #"{"values": {"xen.driver-domains": {"requireDiskDriverDomain": true, "reason": "storage driver domain stor"}}}"#
        let vif = "vif = [ 'backend=domnet' ]"
        #expect(try judge(vif: vif).outcome == .pass)
        let dom0Disk = try judge(vif: vif, tailoring: judgeDisks)
        #expect(dom0Disk.outcome == .fail && dom0Disk.observed?.contains("disk xvda (no backend=)") == true, "\(dom0Disk.observed ?? "")")
        // backend= anywhere before target=, with the whitespace xl's disk lexer skips.
        for disk in [
            "disk = [ 'backend=stor,/dev/vg/guest-volume,raw,xvda,rw' ]", "disk = [ '/dev/vg/guest-volume,raw,xvda,rw, backend=stor' ]",
            "disk = [ 'format=raw, vdev=xvda, access=rw, backendtype=phy, backend=stor, target=/dev/vg/guest-volume' ]",
        ] {
            let f = try judge(vif: vif, disk: disk, tailoring: judgeDisks)
            #expect(f.outcome == .pass && f.observed?.contains("disk xvda by stor") == true, "\(disk): \(f.outcome.label) \(f.observed ?? "")")
        }
        // target= takes the rest of the spec: a backend= after it is part of the path, so the disk is dom0's.
        let eaten = try judge(vif: vif, disk: "disk = [ 'vdev=xvda, target=/dev/vg/x,backend=stor' ]", tailoring: judgeDisks)
        #expect(eaten.outcome == .fail, "\(eaten.observed ?? "")")
        #expect(try judge(vif: vif, disk: "disk = [ 'backend=0,/dev/vg/x,raw,xvda' ]", tailoring: judgeDisks).outcome == .fail)
        let twice = try judge(vif: vif, disk: "disk = [ 'backend=a,backend=b,/dev/vg/x,raw,xvda' ]", tailoring: judgeDisks)
        #expect(twice.reason?.contains("twice") == true, "\(twice.outcome.label)")
        // A guest with disks only is judged when disks are.
        #expect(try judge(vif: nil, tailoring: judgeDisks).outcome == .fail)
    }

    @Test func dom0BackendsAcceptedByTailoring() throws {
        let t = #"{"values": {"xen.driver-domains": {"allowed": true, "reason": "single-tenant host, no IOMMU"}}}"#
        let f = try judge(tailoring: t)
        #expect(f.outcome == .pass && f.observed?.contains("allowed by tailoring") == true)
        #expect(f.evidence.contains { $0.claim.contains("single-tenant host") })
    }

    @Test func anUnparsableGuestIsInconclusive() throws {
        // An unterminated list: the parser's reason is given, nothing passes.
        let f = try judge(vif: "vif = [ 'backend=domnet'")
        #expect(f.outcome.label == "inconclusive", "\(f.outcome.label) \(f.observed ?? "")")
    }
}
