import Foundation
import Testing

@testable import Advisories

/// `DebianChangelog.parse` reads bytes (issue 18: assess < 1 s). These tests hold it to the
/// `Character`/Foundation parser it replaced, kept here as the reference, on every Debian changelog of
/// this machine (the kernel's is ~100,000 lines) and on hand-made edge cases.
struct ChangelogParseEquivalenceTests {
    /// The parser before issue 18's second round, verbatim apart from its name.
    static func referenceParse(_ text: String) -> [ChangelogEntry] {
        let trailerDate: DateFormatter = {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
            return f
        }()
        var out: [ChangelogEntry] = []
        var current: ChangelogEntry?
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.count > 4096 ? raw.prefix(4096) : raw[...]
            if let first = line.first, !first.isWhitespace, let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")"),
                line[..<open].hasSuffix(" ")
            {
                if let c = current { out.append(c) }
                let src = line[..<open].trimmingCharacters(in: .whitespaces)
                let version = String(line[line.index(after: open)..<close])
                current = ChangelogEntry(source: src, version: version, line: lineNo, date: nil, mentions: [])
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix(" -- ") {
                if let r = line.range(of: ">  ") {
                    current?.date = trailerDate.date(from: String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces))
                }
                continue
            }
            for id in DebianChangelog.cveIDs(in: line) where !(current?.mentions.contains { $0.cve == id } ?? true) {
                current?.mentions.append(.init(cve: id, line: lineNo, text: line.trimmingCharacters(in: .whitespaces)))
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    static var machineChangelogs: [String] {
        let doc = "/usr/share/doc"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: doc)) ?? []
        return names.sorted().flatMap { name in
            ["changelog.Debian.gz", "changelog.gz"].map { "\(doc)/\(name)/\($0)" }.filter {
                FileManager.default.fileExists(atPath: $0)
            }
        }
    }

    @Test(.enabled(if: !machineChangelogs.isEmpty, "needs Debian changelogs under /usr/share/doc"))
    func sameEntriesAsTheReferenceOnEveryChangelogOfThisMachine() throws {
        var compared = 0
        var mentions = 0
        for path in Self.machineChangelogs {
            // CRLF text: "\r\n" is one `Character`, so the reference never split such lines; the byte parser
            // does (4 upstream changelogs on this machine, none a Debian one): those are left out.
            guard let text = try? DebianChangelog.load(path: path), !text.utf8.contains(0x0D) else { continue }
            let fast = DebianChangelog.parse(text)
            let reference = Self.referenceParse(text)
            #expect(fast == reference, "\(path)")
            compared += 1
            mentions += fast.reduce(0) { $0 + $1.mentions.count }
        }
        #expect(compared > 50)
        #expect(mentions > 1000)
    }

    @Test func edgeCasesAgreeWithTheReference() {
        let texts = [
            "",
            "\n\n",
            "qemu (1:7.2+dfsg-7+deb12u1) bookworm-security; urgency=medium\n\n  * Fix CVE-2024-7409 and CVE-2024-7409, CVE-2023-1 CVE-20X4-1234\n\n -- Jane <j@x>  Sun, 25 May 2026 12:00:00 +0300\n",
            // Weekday that does not match the date, single-digit day, negative offset, leap day, no trailer gap.
            "p (1.0) u; urgency=low\n  * CVE-2020-12345\n -- A <a@b>  Mon, 25 May 2026 12:00:00 +0300\n"
                + "p (0.9) u; urgency=low\n  * CVE-2020-12346\n -- A <a@b>  Tue, 5 May 2026 12:00:00 +0300\n"
                + "p (0.8) u; urgency=low\n -- A <a@b>  Thu, 29 Feb 2024 23:59:59 -0930\n"
                + "p (0.7) u; urgency=low\n -- A <a@b>  Fri, 30 Feb 2024 23:59:59 -0930\n"
                + "p (0.6) u; urgency=low\n -- A <a@b> Thu, 29 Feb 2024 23:59:59 -0930\n"
                + "p (0.5) u; urgency=low\n -- A <a@b>  Thu, 01 Jan 1970 00:00:00 +0000\n",
            // Header shapes: leading space, no space before "(", no ")", non-ASCII first character, tab.
            " p (1.0) x\nq(1.0) x\nr (1.0 x\nÉ (2.0) x\n\tz (3.0) x\n  * CVE-2021-0001\u{2003}CVE-2021-00022\n",
            // A line over 4,096 characters with a multi-byte character across the cut and a CVE past it.
            "p (1.0) u\n  " + String(repeating: "é", count: 4100) + " CVE-2022-12345\n  " + String(repeating: "a", count: 4092)
                + "CVE-2022-54321\n",
            // A CVE id with 8 digits, with 3, at the end of the text without a newline.
            "p (1.0) u\n  * CVE-2023-12345678 CVE-2023-123 CVE-2023-1234",
        ]
        for text in texts {
            #expect(DebianChangelog.parse(text) == Self.referenceParse(text), "\(text.prefix(80))")
        }
        let parsed = DebianChangelog.parse(texts[2])
        #expect(parsed.first?.mentions.map(\.cve) == ["CVE-2024-7409"])
        #expect(parsed.first?.date == Date(timeIntervalSince1970: 1_779_699_600))
    }
}
