import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A small element tree built with XMLParser, for configuration documents. Refuses DOCTYPE and
/// entity declarations (a libvirt document never needs one; this rules out entity-expansion bombs and
/// external entities), never resolves external entities, and caps depth and element count.
package struct XMLElement: Sendable {
    package var name: String
    package var namespace: String?
    package var attributes: [String: String]
    package var children: [XMLElement]
    package var text: String
    package var line: Int

    package func child(_ n: String) -> XMLElement? { children.first { $0.name == n } }
    package func all(_ n: String) -> [XMLElement] { children.filter { $0.name == n } }
    package subscript(attr: String) -> String? { attributes[attr] }
    package var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

package enum XMLTree {
    package struct Result {
        package var root: XMLElement
        /// A problem when the document was usable but not clean (e.g. more than one root element).
        package var problem: String?
    }

    package static func parse(_ text: String, source: String, limits: ParseLimits) throws(ConfigParseError) -> Result {
        if text.utf8.count > limits.maxBytes {
            throw ConfigParseError(.tooLarge, source: source, message: "XML document larger than \(limits.maxBytes) bytes")
        }
        try checkEncoding(text, source: source)
        // Refuse DTDs before the parser sees them.
        for marker in ["<!DOCTYPE", "<!ENTITY", "<!ELEMENT", "<!ATTLIST"] {
            if let r = text.range(of: marker, options: .caseInsensitive) {
                let line = text[..<r.lowerBound].reduce(1) { $0 + ($1 == "\n" ? 1 : 0) }
                throw ConfigParseError(
                    .forbiddenConstruct, source: source, line: line,
                    message:
                        "the document contains a \(marker.dropFirst(2)) declaration; configuration XML never needs one and it is refused to rule out entity expansion"
                )
            }
        }
        let delegate = Builder(limits: limits)
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldProcessNamespaces = true
        // At the parser level too: no external entity is ever loaded, and any DTD declaration that got past
        // the text checks aborts the parse (the Builder's declaration callbacks).
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        parser.shouldReportNamespacePrefixes = false
        parser.delegate = delegate
        let ok = parser.parse()
        if let forbidden = delegate.forbidden {
            throw ConfigParseError(.forbiddenConstruct, source: source, line: parser.lineNumber, message: forbidden)
        }
        if let limitError = delegate.limitError {
            throw ConfigParseError(.tooLarge, source: source, line: parser.lineNumber, message: limitError)
        }
        if let root = delegate.root {
            // XMLParser may stop quietly at the end of the root element: look for content after it.
            let after = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(delegate.rootEndLine)
            let trailing = after.contains { line in
                let t = line.trimmingCharacters(in: .whitespaces)
                return !t.isEmpty && !t.hasPrefix("<!--") && !t.hasPrefix("<?")
            }
            if ok, !delegate.extraContent, !trailing { return Result(root: root, problem: nil) }
            // The first root element closed cleanly; what follows is extra content.
            return Result(
                root: root,
                problem:
                    "line \(parser.lineNumber): content after the root element (\(parser.parserError.map { "\($0.localizedDescription)" } ?? "error")); only the first <\(root.name)> was read"
            )
        }
        let err = parser.parserError
        throw ConfigParseError(
            .malformed, source: source, line: parser.lineNumber,
            message: "malformed XML at line \(parser.lineNumber), column \(parser.columnNumber); check the file is complete",
            cause: err)
    }

    /// The longest a document may take to parse (checked in the parser's callbacks; the size and element
    /// bounds make it unreachable for a well-formed libvirt document, which parses in milliseconds).
    package static let maxParseDuration: Duration = .seconds(2)

    /// Only UTF-8 (and its subset ASCII) is parsed: the text checks above read UTF-8, and libxml2 would
    /// otherwise honour UTF-16/UTF-32 without a byte-order mark (detected from the NUL bytes of their ASCII
    /// characters) or an `encoding=` declaration (UTF-7, EBCDIC …) and see a DOCTYPE the checks could not.
    package static func checkEncoding(_ text: String, source: String) throws(ConfigParseError) {
        let bytes = text.utf8
        if let nul = bytes.firstIndex(of: 0) {
            let offset = bytes.distance(from: bytes.startIndex, to: nul)
            throw ConfigParseError(
                .forbiddenConstruct, source: source,
                message:
                    "NUL byte at offset \(offset): the document is UTF-16 or UTF-32 (or not text); only UTF-8 configuration XML is read")
        }
        for bom: [UInt8] in [[0xFE, 0xFF], [0xFF, 0xFE], [0x2B, 0x2F, 0x76]] where bytes.starts(with: bom) {
            throw ConfigParseError(.forbiddenConstruct, source: source, message: "the document starts with a non-UTF-8 byte-order mark")
        }
        // The XML declaration, if any, must name UTF-8 or ASCII.
        var head = Substring(text.prefix(512))
        if head.hasPrefix("\u{FEFF}") { head = head.dropFirst() }
        guard head.hasPrefix("<?xml"), let close = head.range(of: "?>") else { return }
        let declaration = head[..<close.lowerBound]
        guard let at = declaration.range(of: "encoding") else { return }
        let rest = declaration[at.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else {
            throw ConfigParseError(.forbiddenConstruct, source: source, line: 1, message: "the XML declaration's encoding is not quoted")
        }
        let name = rest.dropFirst().prefix { $0 != quote }.lowercased()
        guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(name) else {
            throw ConfigParseError(
                .forbiddenConstruct, source: source, line: 1,
                message: "the XML declaration names encoding \"\(name)\"; only UTF-8 (or ASCII) configuration XML is read")
        }
    }

    final class Builder: NSObject, XMLParserDelegate {
        package let limits: ParseLimits
        package var stack: [XMLElement] = []
        package var root: XMLElement?
        package var count = 0
        package var limitError: String?
        /// Elements after the root element closed (a second document concatenated to the first).
        package var extraContent = false
        package var rootEndLine = 0

        /// A DTD declaration or entity the parser reported (the parse is aborted).
        var forbidden: String?
        let deadline = ContinuousClock.now + XMLTree.maxParseDuration
        var callbacks = 0

        init(limits: ParseLimits) { self.limits = limits }

        /// Every 256 callbacks: past the parse-time bound, abort.
        func overTime(_ parser: XMLParser) -> Bool {
            callbacks += 1
            guard callbacks & 255 == 0, ContinuousClock.now > deadline else { return false }
            limitError = "parsing took longer than \(XMLTree.maxParseDuration) (refused)"
            parser.abortParsing()
            return true
        }

        func refuse(_ parser: XMLParser, _ what: String) {
            forbidden = forbidden ?? "the document declares \(what); configuration XML never needs one and it is refused"
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse(parser, "the entity \(name)")
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refuse(parser, "the external entity \(name)")
        }

        func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
            refuse(parser, "an element type")
        }

        func parser(
            _ parser: XMLParser, foundAttributeDeclarationWithName attributeName: String, forElement elementName: String, type: String?,
            defaultValue: String?
        ) {
            refuse(parser, "an attribute list")
        }

        func parser(
            _ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?, systemID: String?, notationName: String?
        ) {
            refuse(parser, "the unparsed entity \(name)")
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            refuse(parser, "a reference to the external entity \(name)")
            return nil
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            count += 1
            if overTime(parser) { return }
            if count > limits.maxElements {
                limitError = "more than \(limits.maxElements) elements"
                parser.abortParsing()
                return
            }
            if stack.count >= limits.maxDepth {
                limitError = "elements nested deeper than \(limits.maxDepth) levels"
                parser.abortParsing()
                return
            }
            if root != nil, stack.isEmpty {
                extraContent = true
                return
            }
            var attrs: [String: String] = [:]
            for (k, v) in attributeDict {
                // Drop prefixes from attribute names (namespaced attributes are not used by the parsers).
                let key = k.split(separator: ":").last.map(String.init) ?? k
                attrs[key] = v
            }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(
                XMLElement(
                    name: local, namespace: (namespaceURI?.isEmpty ?? true) ? nil : namespaceURI, attributes: attrs,
                    children: [], text: "", line: parser.lineNumber))
        }

        package func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            guard let e = stack.popLast() else { return }
            if stack.isEmpty {
                if root == nil {
                    root = e
                    rootEndLine = parser.lineNumber
                }
            } else {
                stack[stack.count - 1].children.append(e)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if overTime(parser) { return }
            guard !stack.isEmpty else { return }
            if stack[stack.count - 1].text.utf8.count < 1 << 20 { stack[stack.count - 1].text += string }
        }

        package func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty, let s = String(data: CDATABlock, encoding: .utf8) else { return }
            stack[stack.count - 1].text += s
        }
    }
}
