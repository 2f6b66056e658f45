import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

/// `XMLTree.Stream`: a document of records fed in pieces (a decompressor's output blocks) is read as the whole
/// document is, holding only the token being read and a piece; broken and hostile documents are refused the same way.
@Suite struct XMLStreamTests {
    static let updateinfo = XMLReaderTests.repository.appendingPathComponent("Tests/FormatsTests/Fixtures/updateinfo/centos-cefs-updateinfo.xml")

    /// Feeds `bytes` to a stream `size` bytes at a time.
    static func streamed(_ bytes: [UInt8], size: Int, limits: ParseLimits) -> (Result<XMLTree.Result, ConfigParseError>, [Formats.XMLElement], Int) {
        var records: [Formats.XMLElement] = []
        var stream = XMLTree.Stream(source: "doc.xml", limits: limits) { records.append($0) }
        var start = 0
        while start < bytes.count {
            let piece = Array(bytes[start..<min(bytes.count, start + size)])
            stream.feed(piece.span)
            start += size
        }
        let result = Result { () throws(ConfigParseError) -> XMLTree.Result in try stream.finish() }
        return (result, records, stream.largestHeld)
    }

    static func whole(_ bytes: [UInt8], limits: ParseLimits) -> (Result<XMLTree.Result, ConfigParseError>, [Formats.XMLElement]) {
        var records: [Formats.XMLElement] = []
        let result = Result { () throws(ConfigParseError) -> XMLTree.Result in
            try XMLTree.stream(bytes, source: "doc.xml", limits: limits) { records.append($0) }
        }
        return (result, records)
    }

    static func same(_ a: Formats.XMLElement, _ b: Formats.XMLElement) -> Bool {
        guard a.name == b.name, a.namespace == b.namespace, a.attributes == b.attributes, a.text == b.text, a.line == b.line,
            a.children.count == b.children.count
        else { return false }
        return zip(a.children, b.children).allSatisfy { same($0, $1) }
    }

    /// Every real document of the fixtures (libvirt's, virt-manager's, the CentOS updateinfo) cut into pieces of 1, 2,
    /// 3, 7, 64 and 4,096 bytes gives the records, root, lines and problem the whole document gives, or is refused
    /// with the same code and line.
    @Test func piecesOfEverySizeReadAsTheWholeDocument() throws {
        let documents = XMLReaderTests.fixtureDocuments()
        #expect(documents.contains { $0.lastPathComponent == "centos-cefs-updateinfo.xml" })
        let limits = ParseLimits(maxBytes: 1 << 20, maxDepth: 256)
        var compared = 0
        for url in documents {
            let bytes = Array(try Data(contentsOf: url))
            let (whole, wholeRecords) = Self.whole(bytes, limits: limits)
            for size in [1, 2, 3, 7, 64, 4096] {
                let (result, records, _) = Self.streamed(bytes, size: size, limits: limits)
                switch (whole, result) {
                case (.success(let a), .success(let b)):
                    #expect(Self.same(a.root, b.root) && a.problem == b.problem, "\(url.lastPathComponent) in \(size)-byte pieces")
                    #expect(
                        records.count == wholeRecords.count && zip(records, wholeRecords).allSatisfy { Self.same($0, $1) },
                        "\(url.lastPathComponent) in \(size)-byte pieces")
                case (.failure(let a), .failure(let b)):
                    #expect(a.code == b.code && a.line == b.line, "\(url.lastPathComponent) in \(size)-byte pieces: \(a) vs \(b)")
                default:
                    Issue.record("\(url.lastPathComponent) in \(size)-byte pieces: \(whole) vs \(result)")
                }
            }
            compared += 1
        }
        #expect(compared >= 8)
    }

    /// Broken and hostile documents, cut anywhere, are refused with the whole document's code and line: a record cut
    /// off, a DOCTYPE, a control character or U+FFFE split across pieces, a comment, CDATA section or processing
    /// instruction never closed, a declaration after the start, text after the root.
    @Test(arguments: [
        "<updates><update><id>a</id></update><update><id>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><updates/>",
        "<updates>\n<update>\u{1}</update></updates>",
        "<updates><update>\u{FFFE}</update></updates>",
        "<updates><!-- never closed <update/>",
        "<updates><update><![CDATA[ never closed </update>",
        "<updates><?pi never closed </updates>",
        "<updates>\n<?xml version='1.0'?></updates>",
        "<updates><update a='1' a='2'/></updates>",
        "<updates><update a='<'/></updates>",
        "<updates></update>",
        "<updates/>\n<more/>",
        "<updates/>\ntrailing text",
        "\u{FEFF}<?xml version='1.0'?><updates><update/></updates>",
        "<?xml version='1.0' encoding='UTF-16'?><updates/>",
        "",
    ])
    func brokenDocumentsAreRefusedAsWhole(_ text: String) {
        let bytes = Array(text.utf8)
        let limits = ParseLimits()
        let (whole, wholeRecords) = Self.whole(bytes, limits: limits)
        for size in [1, 2, 5, 1000] {
            let (result, records, _) = Self.streamed(bytes, size: size, limits: limits)
            switch (whole, result) {
            case (.success(let a), .success(let b)):
                #expect(Self.same(a.root, b.root) && a.problem == b.problem && records.count == wholeRecords.count, "\(size)")
            case (.failure(let a), .failure(let b)):
                #expect(a.code == b.code && a.line == b.line, "\(size): \(a) vs \(b)")
            default:
                Issue.record("\(size)-byte pieces: \(whole) vs \(result)")
            }
        }
    }

    /// A 24 MB document of 100,000 records, fed in 128 KiB pieces (a zstd block), is read holding about one piece,
    /// not the document; one over `maxBytes` is refused once the bound is passed, the pieces after ignored.
    @Test func aLargeDocumentIsReadHoldingAPieceNotTheWhole() throws {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"100000\">\n"
        for i in 0..<100_000 {
            text += "<package type=\"rpm\"><name>pkg\(i)</name><arch>x86_64</arch><version epoch=\"0\" ver=\"1.\(i)\" rel=\"1.el9\"/>"
            text +=
                "<description>A package description long enough to make the record a realistic size, with &amp; an entity.</description></package>\n"
        }
        text += "</metadata>\n"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 20_000_000)
        var count = 0
        var last = ""
        var stream = XMLTree.Stream(source: "primary.xml", limits: ParseLimits(maxBytes: 64 << 20, maxDepth: 32, maxElements: .max)) {
            count += 1
            last = $0.child("name")?.text ?? ""
        }
        var start = 0
        while start < bytes.count {
            stream.feed(Array(bytes[start..<min(bytes.count, start + 128 * 1024)]).span)
            start += 128 * 1024
        }
        let root = try stream.finish()
        #expect(root.root.name == "metadata" && root.root.children.isEmpty && count == 100_000 && last == "pkg99999")
        #expect(stream.largestHeld <= 128 * 1024 + 4096, "held \(stream.largestHeld) bytes at once")

        var bounded = XMLTree.Stream(source: "primary.xml", limits: ParseLimits(maxBytes: 1 << 20, maxDepth: 32, maxElements: .max)) { _ in }
        start = 0
        while start < bytes.count {
            bounded.feed(Array(bytes[start..<min(bytes.count, start + 128 * 1024)]).span)
            start += 128 * 1024
        }
        #expect(bounded.fed <= (1 << 20) + 128 * 1024)
        #expect(throws: ConfigParseError.self) { try bounded.finish() }
    }

    /// gzip decoded in pieces gives the bytes decompress gives, at most 256 KiB at a time; a truncated or corrupt member
    /// and one over the bound are refused (the bomb counted, never held).
    @Test func gzipIsDecodedInPieces() throws {
        let plain = Array(try Data(contentsOf: Self.updateinfo))
        var big: [UInt8] = []
        for _ in 0..<400 { big += plain }
        let gz = try Gzip.compress(big)
        var out: [UInt8] = []
        var largest = 0
        try Gzip.decode(gz, maxSize: 8 << 20, name: "u.gz") { piece in
            largest = max(largest, piece.count)
            for i in piece.indices { out.append(piece[i]) }
        }
        #expect(out == big && largest <= 256 * 1024)
        #expect(try FileCompression.gzip.decompress(gz, maxSize: 8 << 20, name: "u.gz") == big)
        #expect(throws: FormatError.self) { try Gzip.decode(Array(gz.dropLast(9)), maxSize: 8 << 20, name: "u.gz") { _ in } }
        var flipped = gz
        flipped[gz.count / 2] ^= 0x40
        #expect(throws: FormatError.self) { try Gzip.decode(flipped, maxSize: 8 << 20, name: "u.gz") { _ in } }
        #expect(throws: FormatError.self) { try Gzip.decode(gz + [0, 0, 0, 0], maxSize: 8 << 20, name: "u.gz") { _ in } }
        // 64 MiB of zeros in 65 KB of gzip under a 1 MiB bound: refused after at most the bound and a piece were counted.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 64 << 20))
        var counted = 0
        do {
            try Gzip.decode(bomb, maxSize: 1 << 20, name: "bomb.gz") { counted += $0.count }
            Issue.record("a gzip bomb was not refused")
        } catch {
            #expect(error.code == .tooLarge && "\(error)".contains("cap of 1048576 bytes"))
        }
        #expect(counted <= 1 << 20)
    }
}
