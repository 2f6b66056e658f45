import Assessment
import BulkheadModel
import Discovery
import Foundation
import Reporting
import Testing
import VendorEvidence

/// Issue 19 #6: a tenant-controlled host name, package version, problem message (the contents of
/// /sys/kernel/security/lockdown) or guest name cannot reach the terminal with an escape sequence, a C1
/// control or a bidirectional override — in the table, report.txt or the discovery text.
@Suite struct TerminalInjectionTests {
    /// Clear screen, set the title (OSC, BEL-terminated), 8-bit CSI (U+009B), a carriage return that
    /// overwrites the line, and a right-to-left override that reorders what follows.
    static let attacks = [
        "\u{1B}[2J\u{1B}[H", "\u{1B}]0;pwned\u{07}", "\u{9B}31m", "\u{9D}0;title\u{9C}", "ok\rFORGED", "\u{202E}txt.exe", "\u{2066}x\u{2069}",
    ]
    static let hostile = attacks.joined()

    static func unsafeScalars(_ text: String) -> [UInt32] {
        text.unicodeScalars.filter { TerminalText.isUnsafe($0) && $0 != "\n" }.map(\.value)
    }

    func hostileReport() -> AssessmentReport {
        let at = Date(timeIntervalSince1970: 1_795_824_000)
        let discovery = DiscoveryResult(
            hostname: "host" + Self.hostile, source: "live host", collectedAt: at, virtualization: HostVirtualization(),
            mechanisms: [
                IsolationMechanism(
                    product: "qemu", name: "QEMU" + Self.hostile, version: "8.2.2" + Self.hostile, role: .vmm, state: .running,
                    guests: [Guest(name: "guest" + Self.hostile, running: true)],
                    evidence: [
                        Evidence(claim: "claim" + Self.hostile, source: .file(path: "/usr/bin/qemu", sha256: nil), observedAt: at, confidence: .high)
                    ])
            ],
            problems: [Problem(subject: "/sys/kernel/security/lockdown", message: "unexpected contents " + Self.hostile)])
        return Assessor(catalog: Catalog.bundled(), asOf: at).assess(discovery)
    }

    @Test func reportTextAndTableCarryNoControlSequence() throws {
        let report = hostileReport()
        let text = AssessmentText.render(report)
        #expect(Self.unsafeScalars(text).isEmpty, "\(Self.unsafeScalars(text).map { String($0, radix: 16) })")
        #expect(text.contains("unexpected contents"))
        let file = String(decoding: try ReportWriter.render(report, format: .table), as: UTF8.self)
        #expect(Self.unsafeScalars(file).isEmpty)
        // No forged line: the carriage return inside the problem message is not a line break either.
        #expect(!file.split(separator: "\n").contains { $0.hasPrefix("FORGED") })
    }

    @Test func sanitiserForms() {
        for attack in Self.attacks {
            #expect(Self.unsafeScalars(TerminalText.field(attack)).isEmpty, "\(attack.debugDescription)")
            #expect(Self.unsafeScalars(TerminalText.line(attack)).isEmpty)
            #expect(Self.unsafeScalars(TerminalText.document(attack)).isEmpty)
        }
        #expect(TerminalText.field("a\nb") == "a?b")
        #expect(TerminalText.line("a\n\tb") == "a b")
        #expect(TerminalText.document("a\nb\u{1B}c") == "a\nb?c")
        // With colour (the table on a terminal), Bulkhead's own SGR codes survive and nothing else does: no
        // cursor movement, screen clearing, title or hyperlink, even written to look like colour.
        let red = "\u{1B}[31mFAIL\u{1B}[0m"
        #expect(TerminalText.document(red, colour: true) == red)
        #expect(TerminalText.document(red) == "?[31mFAIL?[0m")
        for attack in ["\u{1B}[2J", "\u{1B}]0;owned\u{07}", "\u{1B}[1;31H", "\u{1B}[31", "\u{1B}[" + String(repeating: "1;", count: 40) + "m"] {
            #expect(!TerminalText.document(attack, colour: true).contains("\u{1B}"), "\(attack.debugDescription)")
        }
        for attack in Self.attacks {
            let kept = TerminalText.document(attack, colour: true)
            #expect(Self.unsafeScalars(kept.replacing(/\x{1B}\[[0-9;]*m/, with: "")).isEmpty, "\(attack.debugDescription)")
        }
        // Ordinary non-ASCII text is kept.
        #expect(TerminalText.field("Zürich — ✓ …") == "Zürich — ✓ …")
        // The older helpers are the one sanitiser.
        #expect(TextTable.sanitise("\u{202E}x") == "?x")
        #expect(StoreText.clean("\u{1B}]0;t\u{07}") == "?]0;t?")
    }
}
