import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import Reporting
import Testing

@Suite struct HTMLTests {
    let report = ReportSupport.report()

    @Test func escapesEveryHostString() {
        let html = HTMLRenderer.render(report)
        #expect(!html.contains(ReportSupport.hostile))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        // Self-contained: no external resources.
        for needle in ["<link", "src=", "@import", "url("] { #expect(!html.contains(needle), "found \(needle)") }
        // Summary before evidence.
        let summary = html.range(of: "id=\"verdicts\"")?.lowerBound
        let evidence = html.range(of: "id=\"evidence\"")?.lowerBound
        #expect(summary != nil && evidence != nil && summary! < evidence!)
    }

    /// The manager's first page: the posture chart (inline SVG), the ranked fixes, the trend, then the annex.
    @Test func firstPageHasPostureChartFixesTrendThenAnnex() throws {
        let trend = [
            TrendPoint(label: "2026-11-01", fail: 5, inconclusive: 2, pass: 9), TrendPoint(label: "<b>x</b>", fail: 3, inconclusive: 2, pass: 11),
        ]
        let html = HTMLRenderer.render(report, trend: trend)
        let order = ["id=\"posture\"", "<svg", "id=\"verdict-lines\"", "id=\"trend\"", "id=\"evidence\""].map { html.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        let positions = order.compactMap { $0 }
        #expect(positions == positions.sorted())
        #expect(html.contains("Trend (last 3 assessments)"))
        #expect(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x</b>"))
        #expect(!HTMLRenderer.render(report).contains("Trend (last"))
    }

    @Test func escapeHelper() {
        #expect(Escape.html("<a href='x'>&\"") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;")
        #expect(Escape.html("a\u{1B}[2Jb\u{0}c") == "a\u{FFFD}[2Jb\u{FFFD}c")
        #expect(Escape.html("line\nnext\ttab é 🚀") == "line\nnext\ttab é 🚀")
        #expect(Escape.html("") == "")
        #expect(Escape.html("\u{202E}exe.txt \u{2066}x\u{2069} \u{202A}") == "\u{FFFD}exe.txt \u{FFFD}x\u{FFFD} \u{FFFD}")
    }

    /// Renders the page in headless Chromium: screenshot, DOM and console.
    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func rendersInHeadlessChromium() throws {
        let chromium = try #require(Tool.find("chromium") ?? Tool.find("chromium-browser"), "chromium is not installed")
        let page = ReportSupport.temp("report.html")
        defer { try? FileManager.default.removeItem(at: page.deletingLastPathComponent()) }
        try Data(HTMLRenderer.render(report).utf8).write(to: page)
        let shot = page.deletingLastPathComponent().appendingPathComponent("report.png")
        let profile = page.deletingLastPathComponent().appendingPathComponent("profile").path
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile)", "--enable-logging=stderr", "--v=0",
        ]
        let s = try ReportSupport.run(chromium, common + ["--screenshot=\(shot.path)", "--window-size=1280,1600", page.absoluteString])
        #expect(!s.timedOut, "chromium timed out")
        let png = try Data(contentsOf: shot)
        #expect(png.count > 20_000, "screenshot is only \(png.count) bytes")
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        let d = try ReportSupport.run(chromium, common + ["--dump-dom", page.absoluteString])
        #expect(d.status == 0, "chromium --dump-dom failed: \(d.stderr.suffix(1500))")
        let dom = d.stdout
        #expect(dom.contains("<table id=\"verdicts\">"))
        #expect(dom.contains("<figure id=\"posture\"><svg"))
        #expect(dom.contains("Partially satisfied"))
        // The hostile guest name is text in the DOM, not an element.
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!dom.contains("<script>alert(1)"))
        for log in [s.stderr, d.stderr] {
            #expect(!log.contains("Uncaught"), "console error: \(log.suffix(1500))")
            #expect(!log.contains("ERROR:CONSOLE"), "console error: \(log.suffix(1500))")
            #expect(!log.contains("Content Security Policy"), "CSP violation: \(log.suffix(1500))")
        }
        if let keep = ProcessInfo.processInfo.environment["BULKHEAD_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep))
        }
    }
}
