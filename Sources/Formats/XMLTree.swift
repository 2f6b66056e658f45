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
        parser.shouldResolveExternalEntities = false
        parser.shouldReportNamespacePrefixes = false
        parser.delegate = delegate
        let ok = parser.parse()
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

    final class Builder: NSObject, XMLParserDelegate {
        package let limits: ParseLimits
        package var stack: [XMLElement] = []
        package var root: XMLElement?
        package var count = 0
        package var limitError: String?
        /// Elements after the root element closed (a second document concatenated to the first).
        package var extraContent = false
        package var rootEndLine = 0

        package init(limits: ParseLimits) { self.limits = limits }

        package func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            count += 1
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

        package func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            if stack[stack.count - 1].text.utf8.count < 1 << 20 { stack[stack.count - 1].text += string }
        }

        package func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty, let s = String(data: CDATABlock, encoding: .utf8) else { return }
            stack[stack.count - 1].text += s
        }
    }
}
