import BulkheadModel
import Foundation
import Reporting
import Store
import Testing

@Suite struct IntervalReportTests {
    static let evil = "<script>alert(1)</script>"

    /// A store with a quarter's worth of history on two hosts, one named by a hostile guest.
    func populated(_ dir: TempDir) throws -> Store {
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(finished: at(2026, 8, 20, in: sydney)))  // baseline before the interval
        try store.record(sampleRecord(finished: at(2026, 9, 10, in: sydney), qemuName: Self.evil, guestName: Self.evil))
        try store.record(
            sampleRecord(
                finished: at(2026, 10, 10, in: sydney), qemuVersion: "1:8.2.2+ds-0ubuntu1.4", guestName: "web01",
                extraMechanism: true, advisories: ["CVE-2025-0001"]))
        try store.record(sampleRecord(host: "hv02 & <b>friends</b>", finished: at(2026, 9, 15, in: sydney)))
        try store.addWaiver(
            checkID: "qemu.sandbox", host: "hv01", from: at(2026, 10, 1, in: sydney),
            until: try DateInput.endExclusive("2026-12-31", timeZone: sydney), reason: "pending \(Self.evil)", approver: "Sam | CISO",
            recordedAt: at(2026, 10, 1, in: sydney))
        try store.startReview(by: "Alex", notes: "Q3 review", at: at(2026, 9, 30, 9, 0, in: sydney))
        try store.signOffReview(by: "Sam", decisions: "Waive qemu.sandbox until Dec; retest", at: at(2026, 9, 30, 16, 0, in: sydney))
        try store.recordTraining(person: "Kim", topic: "KVM hardening", completedAt: at(2025, 9, 1, in: sydney), recordedAt: at(2025, 9, 1))
        try store.recordTraining(person: "Lee \(Self.evil)", topic: "ISM", completedAt: at(2026, 9, 1, in: sydney), recordedAt: at(2026, 9, 1))
        return store
    }

    func report(_ store: Store) throws -> IntervalReport {
        try store.intervalReport(
            from: try DateInput.start("2026-09-01", timeZone: sydney), to: try DateInput.endExclusive("2026-11-30", timeZone: sydney),
            calendar: cal(sydney), generatedAt: at(2026, 12, 1, 9, 0, in: sydney), bulkheadVersion: "0.1.0")
    }

    @Test func reportGathersReviewsDriftWaiversTrainingAndTimeline() throws {
        let dir = try TempDir()
        let r = try report(try populated(dir))
        #expect(r.hosts.map(\.host) == ["hv01", "hv02 & <b>friends</b>"])
        let hv01 = r.hosts[0]
        #expect(hv01.timeline.map(\.runID) == [2, 3])
        // Run 2 finished before the waiver: its failure counted as fail; run 3 after: waived.
        #expect(hv01.timeline[0].counts["fail"] == 1 && hv01.timeline[0].counts["waived"] == nil)
        #expect(hv01.timeline[1].counts["waived"] == 1 && hv01.timeline[1].counts["fail"] == nil)
        #expect(hv01.timeline[1].counts["pass"] == 1)
        #expect(hv01.drifts.count == 2)  // baseline → #2, #2 → #3
        #expect(hv01.drifts[1].mechanismsAdded.map(\.product) == ["runsc"])
        #expect(hv01.drifts[1].advisoriesNew.map(\.id) == ["CVE-2025-0001"])
        #expect(hv01.waivedFindings.map(\.checkID) == ["qemu.sandbox"])
        #expect(hv01.openFindings.map(\.checkID) == ["host.iommu"])
        #expect(r.reviews.count == 1 && r.reviews[0].signedOffBy == "Sam")
        #expect(r.reviewStatus.state == .current)
        #expect(r.waivers.count == 1)
        #expect(r.training.map(\.due.state) == [.overdue, .current])
    }

    @Test func waiverExpiryShowsInALaterReport() throws {
        let dir = try TempDir()
        let store = try populated(dir)
        let later = try store.intervalReport(
            from: at(2026, 12, 1, in: sydney), to: at(2027, 3, 1, in: sydney), calendar: cal(sydney),
            generatedAt: at(2027, 3, 2, in: sydney))
        let hv01 = try #require(later.hosts.first)
        #expect(hv01.waivedFindings.isEmpty)
        #expect(hv01.openFindings.map(\.checkID).sorted() == ["host.iommu", "qemu.sandbox"])
        #expect(later.reviewStatus.state == .overdue)  // 30 Sep + a quarter = 30 Dec
    }

    @Test func htmlIsSelfContainedAndEscapesEveryHostString() throws {
        let dir = try TempDir()
        let html = IntervalReportRenderer.html(try report(try populated(dir)))
        #expect(!html.contains(Self.evil))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<b>friends"))
        #expect(html.contains("hv02 &amp; &lt;b&gt;friends&lt;/b&gt;"))
        // Nothing fetched: no external URLs, stylesheets, images or frames.
        for needle in ["http://", "https://", "src=", "<link", "<img", "<iframe", "@import", "url("] {
            #expect(!html.lowercased().contains(needle), "HTML contains \(needle)")
        }
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("Reviews held"))
        #expect(html.contains("waived"))
        // Every tag in the document is one the renderer writes itself.
        let allowed: Set<String> = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th",
            "td",
        ]
        var tags: Set<String> = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...].drop { $0 == "/" }
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "!" }.lowercased()
            tags.insert(name)
            rest = rest[rest.index(after: open)...]
        }
        #expect(tags.isSubset(of: allowed), "unexpected tags: \(tags.subtracting(allowed))")
    }

    @Test func markdownEscapesHostStringsAndKeepsTablesIntact() throws {
        let dir = try TempDir()
        let md = IntervalReportRenderer.markdown(try report(try populated(dir)))
        #expect(!md.contains(Self.evil))
        #expect(!md.contains("<script"))
        #expect(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(md.contains("Sam \\| CISO"))
        // Each table row has the same number of unescaped cell separators as its header.
        for line in md.split(separator: "\n") where line.hasPrefix("| ") {
            #expect(!line.contains("\n"))
        }
        #expect(md.contains("# Bulkhead interval report: 2026-09-01 to 2026-11-30"))
        #expect(md.contains("## Reviews held"))
        #expect(md.contains("## Training register"))
    }

    @Test func emptyOrInvertedIntervals() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let empty = try store.intervalReport(from: at(2026, 1, 1), to: at(2026, 4, 1), calendar: cal(utc), generatedAt: at(2026, 4, 2))
        #expect(empty.hosts.isEmpty && empty.reviews.isEmpty)
        #expect(empty.reviewStatus.state == .never)
        #expect(IntervalReportRenderer.markdown(empty).contains("No review was started or signed off"))
        #expect(throws: StoreError.self) { try store.intervalReport(from: at(2026, 4, 1), to: at(2026, 1, 1), calendar: cal(utc)) }
    }
}
