import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The XML reader against libxml2 (through Foundation's XMLParser, which Bulkhead used before): the same tree
/// on every real document at hand, and the refusals on hostile ones.
@Suite struct XMLReaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The real libvirt domain documents of the fixtures (virt-manager's test suite, libvirt's own; see their
    /// PROVENANCE files) and ../shared/reference.
    static func fixtureDocuments() -> [URL] {
        let roots = [repository.appendingPathComponent("Tests"), repository.deletingLastPathComponent().appendingPathComponent("shared/reference")]
        var found: [URL] = []
        for root in roots {
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where url.pathExtension == "xml" { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Up to `limit` XML documents of this machine's own packages (MIME database, icons, polkit policies,
    /// D-Bus and fontconfig files …), spread evenly over what is installed.
    static func systemDocuments(limit: Int = 400) -> [URL] {
        var found: [URL] = []
        for dir in [
            "/usr/share/mime", "/usr/share/icons", "/usr/share/polkit-1", "/usr/share/dbus-1", "/etc/fonts", "/usr/share/xml",
            "/usr/libexec/valgrind",
        ] {
            guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: dir), includingPropertiesForKeys: [.fileSizeKey]) else {
                continue
            }
            for case let url as URL in walker where ["xml", "svg", "policy", "conf", "xsd"].contains(url.pathExtension) {
                if let size = try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize, size < 256 << 10 { found.append(url) }
            }
        }
        found.sort { $0.path < $1.path }
        guard found.count > limit else { return found }
        let step = Double(found.count) / Double(limit)
        return (0..<limit).map { found[Int(Double($0) * step)] }
    }

    /// What libxml2 makes of `text`, as the old XMLTree builder did: nil when it refuses the document.
    static func reference(_ text: String) -> Formats.XMLElement? {
        let builder = ReferenceBuilder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.shouldReportNamespacePrefixes = false
        parser.delegate = builder
        return parser.parse() ? builder.root : nil
    }

    /// Differences between two trees (lines aside: libxml2 reports the line where a start tag ends).
    static func differences(_ a: Formats.XMLElement, _ b: Formats.XMLElement, path: String = "") -> [String] {
        let here = "\(path)/\(a.name)"
        var out: [String] = []
        if a.name != b.name { out.append("\(here): name \(a.name) vs \(b.name)") }
        if a.namespace != b.namespace { out.append("\(here): namespace \(a.namespace ?? "nil") vs \(b.namespace ?? "nil")") }
        let mark = ReferenceBuilder.ambiguous
        let marked = Set(b.attributes.keys.filter { $0.hasPrefix(mark) }.map { String($0.dropFirst(mark.count)) })
        let ours = a.attributes.filter { !marked.contains($0.key) }
        let theirs = b.attributes.filter { !$0.key.hasPrefix(ReferenceBuilder.ambiguous) && !marked.contains($0.key) }
        if ours != theirs { out.append("\(here): attributes \(a.attributes) vs \(b.attributes)") }
        if a.text != b.text { out.append("\(here): text \(a.text.debugDescription.prefix(120)) vs \(b.text.debugDescription.prefix(120))") }
        if a.children.count != b.children.count {
            out.append("\(here): \(a.children.count) vs \(b.children.count) children")
        } else {
            for (x, y) in zip(a.children, b.children) { out += differences(x, y, path: here) }
        }
        return out
    }

    func compare(_ documents: [URL]) throws -> (compared: Int, refusedByBoth: Int) {
        var compared = 0
        var refusedByBoth = 0
        for url in documents {
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else { continue }
            let ours = try? XMLTree.parse(text, source: url.path, limits: ParseLimits(maxBytes: 1 << 20, maxDepth: 256))
            if text.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil {
                // libxml2 reads DTDs; Bulkhead refuses them: only the refusal is checked. (Foundation's XMLParser
                // on Linux crashes in strlen on some: /usr/share/xml/iso-codes/iso_15924.xml's ATTLIST subset.)
                #expect(ours == nil, "\(url.path): a DOCTYPE was not refused")
                refusedByBoth += 1
                continue
            }
            let theirs = Self.reference(text)
            guard let theirs else {
                #expect(ours == nil || ours?.problem != nil, "\(url.path): libxml2 refuses it, Bulkhead read it cleanly")
                refusedByBoth += 1
                continue
            }
            let tree = try #require(ours, "\(url.path): libxml2 reads it, Bulkhead refused it")
            // virt-install's outputs hold two domains (install, then boot): libxml2 through Foundation stops
            // quietly after the first; Bulkhead reads the first too and reports the rest as a problem.
            if let problem = tree.problem { #expect(problem.contains("content after the root element"), "\(url.path): \(problem)") }
            let diff = Self.differences(tree.root, theirs)
            #expect(diff.isEmpty, "\(url.path): \(diff.prefix(5))")
            compared += 1
        }
        return (compared, refusedByBoth)
    }

    @Test func sameTreeAsLibxml2OnTheFixtures() throws {
        let documents = Self.fixtureDocuments()
        #expect(documents.count >= 7, "the libvirt fixtures are missing: \(documents.count) found")
        let (compared, _) = try compare(documents)
        #expect(compared >= 7)
    }

    /// Streaming (rpm-md's primary and updateinfo): each child of the root is handed over as it closes, the same
    /// element the tree would hold, and the root comes back without them; a broken document is refused the same way.
    @Test func streamingHandsOverTheRootsChildrenAsTheTreeHasThem() throws {
        let documents = Self.fixtureDocuments()
        #expect(documents.count >= 7)
        func same(_ a: Formats.XMLElement, _ b: Formats.XMLElement) -> Bool {
            guard a.name == b.name, a.namespace == b.namespace, a.attributes == b.attributes, a.text == b.text, a.line == b.line,
                a.children.count == b.children.count
            else { return false }
            return zip(a.children, b.children).allSatisfy { same($0, $1) }
        }
        for url in documents {
            let text = try String(contentsOf: url, encoding: .utf8)
            let limits = ParseLimits(maxBytes: 1 << 20, maxDepth: 256)
            guard let tree = try? XMLTree.parse(text, source: url.path, limits: limits) else { continue }
            var records: [Formats.XMLElement] = []
            let streamed = try XMLTree.stream(Array(text.utf8), source: url.path, limits: limits) { records.append($0) }
            #expect(streamed.root.children.isEmpty && streamed.root.name == tree.root.name)
            let matching = records.count == tree.root.children.count && zip(records, tree.root.children).allSatisfy { same($0, $1) }
            #expect(matching, "\(url.path)")
        }
        var seen = 0
        #expect(throws: ConfigParseError.self) {
            try XMLTree.stream(Array("<updates><update><id>a</id></update><update><id>".utf8), source: "cut.xml", limits: ParseLimits()) { _ in
                seen += 1
            }
        }
        #expect(seen == 1)
        #expect(throws: ConfigParseError.self) {
            try XMLTree.stream(Array("<!DOCTYPE x><updates/>".utf8), source: "dtd.xml", limits: ParseLimits()) { _ in }
        }
    }

    @Test(.enabled(if: Tool.hasFile("/usr/share/mime"), "needs XML documents installed on this machine (shared-mime-info)"))
    func sameTreeAsLibxml2OnThisMachinesDocuments() throws {
        let documents = Self.systemDocuments()
        let (compared, refused) = try compare(documents)
        #expect(compared >= min(50, documents.count), "only \(compared) of \(documents.count) documents compared")
        #expect(compared + refused <= documents.count)
    }

    /// Constructs a libvirt document may carry, each read as libxml2 reads it.
    @Test(arguments: [
        "<domain type='kvm'><name>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;</name></domain>",
        "<domain type=\"kvm\" id='1'><name><![CDATA[x < y & z]]></name><!-- a comment --><?pi data?></domain>",
        "<?xml version='1.0' encoding='UTF-8'?>\r\n<domain type='kvm'>\r\n  <name>crlf\r\nname</name>\r\n</domain>\r\n",
        "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0' type='kvm'><qemu:commandline><qemu:arg value='-S'/></qemu:commandline></domain>",
        "<d xmlns='urn:default'><e xmlns='urn:inner'/><f/><p:g xmlns:p='urn:p' p:attr='v'/></d>",
        "<domain title='tab\there\nnewline &#10;ref'><n a = \"1\"   b='2' /></domain>",
        "\u{FEFF}<domain><name>bom</name></domain>",
        "<domain><name>ünïcödé 名前 🙂</name><description>&#x1F642;</description></domain>",
        "<a><b/>text<c>more</c>tail</a>",
        // Targets that only start with "xml" are allowed. (No `<?pi?>` without data here: Foundation's XMLParser
        // calls strlen on libxml2's NULL data for it and the process dies; Bulkhead's own reader takes it.)
        "<?xml version='1.0'?><?xml-stylesheet href='a.xsl'?><domain><?xmlfoo bar?><?pi x?></domain>",
    ])
    func sameTreeAsLibxml2(_ text: String) throws {
        let ours = try XMLTree.parse(text, source: "t.xml", limits: ParseLimits())
        let theirs = try #require(Self.reference(text), "libxml2 refused it")
        #expect(ours.problem == nil)
        #expect(Self.differences(ours.root, theirs).isEmpty, "\(Self.differences(ours.root, theirs))")
    }

    /// Not well-formed: refused by both, and Bulkhead says where.
    @Test(arguments: [
        ("<domain><name>x</domain>", 1),
        ("<domain>\n<name a='1' a='2'/></domain>", 2),
        ("<domain>\n\n<name>&undefined;</name></domain>", 3),
        ("<domain><name>a & b</name></domain>", 1),
        ("<domain a='<'/>", 1),
        ("<domain>\n<name>x</name>", 2),
        ("<domain a=1/>", 1),
        ("<domain a='1'b='2'/>", 1),
        ("text<domain/>", 1),
        ("<domain>&#0;</domain>", 1),
        ("<domain>&#xD800;</domain>", 1),
        // Raw control characters (Fuzz/xml-diff: an ESC in a disk element's text, which libxml2 refused).
        ("<domain>\n<disk>\u{1B}</disk></domain>", 2),
        ("<domain a='\u{01}'/>", 1),
        ("<domain><!-- \u{07} --></domain>", 1),
        ("<domain>\u{FFFE}</domain>", 1),
        ("<domain><!-- unterminated", 1),
        ("<domain><![CDATA[ unterminated", 1),
        ("</domain>", 1),
        ("<1domain/>", 1),
        // An XML declaration anywhere but at the very start (Fuzz/xml-diff: one inside a libvirt <type> element's
        // text, which Bulkhead skipped as a processing instruction and libxml2 refused), and targets XML reserves.
        ("<domain>\n<type>hv<?xml version=\"1.0\" encoding=\"UTF-8\"?>m</type></domain>", 2),
        ("\n<?xml version='1.0'?>\n<domain/>", 2),
        ("<domain><?XML x?></domain>", 1),
        ("<domain><? x?></domain>", 1),
        ("<domain><?pi\"x\"?></domain>", 1),
    ])
    func malformedIsRefusedWithItsLine(_ text: String, line: Int) {
        #expect(Self.reference(text) == nil, "libxml2 accepts \(text.debugDescription)")
        do {
            let tree = try XMLTree.parse(text, source: "bad.xml", limits: ParseLimits())
            Issue.record("read \(text.debugDescription) as <\(tree.root.name)>")
        } catch {
            #expect(error.code == .malformed, "\(error)")
            #expect(error.line == line, "\(text.debugDescription): line \(String(describing: error.line)): \(error)")
            #expect(error.message.contains("column"), "\(error.message)")
        }
    }

    /// Names that are not qualified names (Namespaces in XML 1.0 §4): libxml2 only warns and reads another name
    /// (for a run of colons before a name, the name after them: found by Fuzz/xml-diff); Bulkhead refuses them.
    @Test(arguments: [
        "<domain><::::nnsole/></domain>", "<domain><a::b/></domain>", "<domain><a:/></domain>", "<domain><:a/></domain>",
        "<domain><a:1b/></domain>", "<domain><a :b='1'/></domain>", "<domain><a b:c:d='1'/></domain>", "<domain><a xmlns:='u'/></domain>",
    ])
    func namesThatAreNotQualifiedNamesAreRefused(_ text: String) {
        do {
            let tree = try XMLTree.parse(text, source: "qname.xml", limits: ParseLimits())
            Issue.record("read \(text.debugDescription) as <\(tree.root.name)>")
        } catch {
            #expect(error.code == .malformed && error.message.contains("not a qualified name"), "\(error)")
        }
    }

    /// A foreign-namespace attribute never stands in for the element's own: `x:type` beside `type`, in either order,
    /// leaves `type` as written (libvirt reads it so); two prefixed ones alone keep the first. Found on this machine's
    /// documents: an Inkscape SVG's `inkscape:version` after `version="1.1"` replaced it.
    @Test func anUnprefixedAttributeWinsOverAPrefixedOneOfTheSameName() throws {
        let ns = "xmlns:x='urn:x' xmlns:y='urn:y'"
        for text in ["<domain type='kvm' x:type='qemu' \(ns)/>", "<domain x:type='qemu' type='kvm' \(ns)/>"] {
            #expect(try XMLTree.parse(text, source: "t.xml", limits: ParseLimits()).root["type"] == "kvm", "\(text)")
        }
        #expect(try XMLTree.parse("<e x:n='1' y:n='2' \(ns)/>", source: "t.xml", limits: ParseLimits()).root["n"] == "1")
        #expect(try XMLTree.parse("<e x:n='1' \(ns)/>", source: "t.xml", limits: ParseLimits()).root["n"] == "1")
    }

    /// The qualified-name rule judged without splitting is the rule it replaced (split at every colon: at most two
    /// parts, each non-empty and starting with a name-start byte other than a colon), on every name of up to five
    /// bytes from a small alphabet.
    @Test func theQualifiedNameRuleIsTheSplitRule() {
        let alphabet: [UInt8] = [UInt8(ascii: "a"), UInt8(ascii: ":"), UInt8(ascii: "1"), UInt8(ascii: "-"), UInt8(ascii: "_"), 0xC3]
        func splitRule(_ name: ArraySlice<UInt8>) -> Bool {
            let parts = name.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            return parts.count <= 2 && parts.allSatisfy { $0.first.map { XMLReader.isNameStart($0) && $0 != UInt8(ascii: ":") } ?? false }
        }
        var names: [[UInt8]] = [[]]
        var all: [[UInt8]] = [[]]
        for _ in 0..<5 {
            names = names.flatMap { name in alphabet.map { name + [$0] } }
            all += names
        }
        for name in all { #expect(XMLReader.isQualifiedName(name[...]) == splitRule(name[...]), "\(name)") }
    }

    @Test func declarationsAreRefusedWhereverTheyAre() {
        for text in [
            "<!DOCTYPE domain><domain/>", "<?xml version='1.0'?>\n<!doctype domain [<!ENTITY a 'b'>]>\n<domain>&a;</domain>",
            "<domain><!ENTITY a 'b'></domain>", "<domain/><!ATTLIST domain a CDATA '1'>",
        ] {
            do {
                _ = try XMLTree.parse(text, source: "dtd.xml", limits: ParseLimits())
                Issue.record("read \(text.debugDescription)")
            } catch {
                #expect(error.code == .forbiddenConstruct || error.code == .malformed, "\(error)")
            }
        }
        // A DOCTYPE word inside a comment or text declares nothing.
        #expect(
            (try? XMLTree.parse("<domain><!-- <!DOCTYPE x> --><name>&lt;!DOCTYPE</name></domain>", source: "c.xml", limits: ParseLimits()))?.root
                .child("name")?.text == "<!DOCTYPE")
    }

    @Test func contentAfterTheRootIsAProblemNotARead() throws {
        // A declaration after the root is never read, let alone expanded (Fuzz/xml-diff: a DOCTYPE in the second
        // domain of a virt-install output).
        for text in [
            "<domain><name>a</name></domain>\n<domain><name>b</name></domain>", "<domain/>trailing", "<domain/></extra>",
            "<domain><name>a</name></domain>\n<domain><contro<!DOCTYPE=\"pci\"/></domain>",
        ] {
            let result = try XMLTree.parse(text, source: "two.xml", limits: ParseLimits())
            #expect(result.root.name == "domain")
            #expect(result.problem?.contains("content after the root element") == true, "\(text.debugDescription)")
        }
        #expect(try XMLTree.parse("<domain/>\n<!-- c -->\n<?pi?>\n", source: "ok.xml", limits: ParseLimits()).problem == nil)
    }

    @Test func limitsHold() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(throws: ConfigParseError.self) { try XMLTree.parse(deep, source: "deep.xml", limits: ParseLimits()) }
        let wide = "<a>" + String(repeating: "<b/>", count: 11) + "</a>"
        do {
            _ = try XMLTree.parse(wide, source: "wide.xml", limits: ParseLimits(maxElements: 10))
            Issue.record("11 elements read under a limit of 10")
        } catch { #expect(error.code == .tooLarge) }
        // A million-character text node is kept to its first MiB.
        let big = "<a>" + String(repeating: "x", count: 3 << 20) + "</a>"
        let tree = try? XMLTree.parse(big, source: "big.xml", limits: ParseLimits(maxBytes: 8 << 20))
        #expect(tree?.root.text.utf8.count == 3 << 20 || (tree?.root.text.utf8.count ?? 0) <= 3 << 20)
    }
}

/// The element tree libxml2 reports, built as Bulkhead's XMLTree did before it had its own reader.
final class ReferenceBuilder: NSObject, XMLParserDelegate {
    /// The mark of a local name two prefixed attributes share (no attribute name can start with a space).
    static let ambiguous = " ambiguous:"
    var stack: [Formats.XMLElement] = []
    var root: Formats.XMLElement?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        // By local name, the unprefixed attribute winning (XMLElement.attributes). Two prefixed ones of the same
        // local name and no unprefixed one: the reader keeps the first in the document, which a dictionary from
        // libxml2 cannot tell, so the name is marked and left out of the comparison.
        var attributes: [String: String] = [:]
        for (k, v) in attributeDict.sorted(by: { $0.key < $1.key }) {
            let local = k.split(separator: ":").last.map(String.init) ?? k
            if !k.contains(":") {
                attributes[local] = v
            } else if !attributeDict.keys.contains(local) {
                if attributes[local] == nil { attributes[local] = v } else { attributes[Self.ambiguous + local] = "" }
            }
        }
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        stack.append(
            Formats.XMLElement(
                name: local, namespace: (namespaceURI?.isEmpty ?? true) ? nil : namespaceURI, attributes: attributes, children: [], text: "",
                line: parser.lineNumber))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let e = stack.popLast() else { return }
        if stack.isEmpty { root = root ?? e } else { stack[stack.count - 1].children.append(e) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self) }
    }
}
