import Formats
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Differential: whatever Bulkhead's XML reader accepts, libxml2 (through Foundation's XMLParser) must accept
/// too, and both must see the same tree. Inputs with markup declarations are skipped: Bulkhead refuses them and
/// libxml2 on Linux crashes in strlen on some ATTLIST subsets (see Tests/FormatsTests/XMLReaderTests.swift).
func fuzz(_ data: Data) {
    guard let text = String(data: data, encoding: .utf8) else { return }
    guard let ours = try? XMLTree.parse(text, source: "fuzz.xml", limits: ParseLimits(maxBytes: 1 << 20, maxDepth: 256)) else { return }
    // A markup declaration in what was read is a failure. After the root element nothing is read (the rest is
    // reported as `problem`: virt-install's two-domain outputs), so a declaration there is not accepted.
    if ours.problem == nil, text.contains("<!"),
        text.replacingOccurrences(of: "<!--", with: "").replacingOccurrences(of: "<![CDATA[", with: "").contains("<!")
    {
        fatalError("Bulkhead accepted a document with a markup declaration")
    }
    let builder = ReferenceBuilder()
    let parser = XMLParser(data: data)
    parser.shouldProcessNamespaces = true
    parser.shouldResolveExternalEntities = false
    parser.shouldReportNamespacePrefixes = false
    parser.delegate = builder
    // libxml2 through Foundation stops quietly after the root element; Bulkhead reports the rest as a problem.
    guard parser.parse(), let theirs = builder.root else {
        if ours.problem == nil { fatalError("libxml2 refuses a document Bulkhead read cleanly: \(parser.parserError.map { "\($0)" } ?? "?")") }
        return
    }
    let diff = differences(ours.root, theirs)
    if !diff.isEmpty { fatalError("trees differ: \(diff.prefix(3))") }
}

/// An element as libxml2 reports it.
struct Reference {
    var name: String
    var namespace: String?
    var attributes: [String: String]
    var children: [Reference]
    var text: String
}

func differences(_ a: Formats.XMLElement, _ b: Reference, path: String = "") -> [String] {
    let here = "\(path)/\(a.name)"
    var out: [String] = []
    if a.name != b.name { out.append("\(here): name \(a.name) vs \(b.name)") }
    if a.namespace != b.namespace { out.append("\(here): namespace \(a.namespace ?? "nil") vs \(b.namespace ?? "nil")") }
    if a.attributes != b.attributes { out.append("\(here): attributes \(a.attributes) vs \(b.attributes)") }
    if a.text != b.text { out.append("\(here): text \(a.text.debugDescription.prefix(80)) vs \(b.text.debugDescription.prefix(80))") }
    if a.children.count != b.children.count {
        out.append("\(here): \(a.children.count) vs \(b.children.count) children")
    } else {
        for (x, y) in zip(a.children, b.children) { out += differences(x, y, path: here) }
    }
    return out
}

/// The element tree libxml2 reports (the same builder as the differential unit test).
final class ReferenceBuilder: NSObject, XMLParserDelegate {
    var stack: [Reference] = []
    var root: Reference?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        var attributes: [String: String] = [:]
        for (k, v) in attributeDict { attributes[k.split(separator: ":").last.map(String.init) ?? k] = v }
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        stack.append(
            Reference(name: local, namespace: (namespaceURI?.isEmpty ?? true) ? nil : namespaceURI, attributes: attributes, children: [], text: ""))
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

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
