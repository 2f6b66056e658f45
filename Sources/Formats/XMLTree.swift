import Foundation

/// A small element tree for configuration documents (libvirt domain XML and its kin), read by `XMLReader`
/// in one pass over the UTF-8 bytes. Refuses DOCTYPE and every other markup declaration (a libvirt document
/// never needs one: no entity other than XML's five predefined ones and character references is ever
/// expanded, so entity bombs and external entities cannot happen), and caps size, depth and element count.
package struct XMLElement: Sendable {
    package var name: String
    package var namespace: String?
    /// Attributes by local name. An unprefixed attribute (the element's own vocabulary: libvirt's `type`, SVG's
    /// `version`) wins over a prefixed one with the same local name (`inkscape:version`, `x:type`), whatever their
    /// order, as libvirt reads its documents; among prefixed ones only, the first in the document.
    package var attributes: [String: String]
    package var children: [XMLElement]
    package var text: String
    package var line: Int

    package func child(_ n: String) -> XMLElement? { children.first { $0.name == n } }
    package func all(_ n: String) -> [XMLElement] { children.filter { $0.name == n } }
    package subscript(attr: String) -> String? { attributes[attr] }
    /// The text without leading and trailing white space (Unicode's White_Space, newlines included).
    package var trimmedText: String {
        guard let first = text.unicodeScalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = text.unicodeScalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(text.unicodeScalars[first...last])
    }
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
        // Markup declarations (DOCTYPE, ENTITY, ELEMENT, ATTLIST) are refused by the reader where they occur.
        var reader = XMLReader(bytes: Array(text.utf8), source: source, limits: limits)
        return try reader.document()
    }

    /// Reads a document of records (rpm-md's `primary.xml`, `updateinfo.xml`: tens of MB) from its UTF-8 bytes,
    /// handing each child of the root element to `record` as soon as it closes; only the root (without those
    /// children) is returned. The same checks and refusals as `parse`; `limits.maxElements` counts every element.
    package static func stream(
        _ bytes: [UInt8], source: String, limits: ParseLimits, record: @escaping (XMLElement) -> Void
    ) throws(ConfigParseError) -> Result {
        if bytes.count > limits.maxBytes {
            throw ConfigParseError(.tooLarge, source: source, message: "XML document larger than \(limits.maxBytes) bytes")
        }
        // The encoding is declared at the start; NUL and other control bytes are refused by the reader anywhere.
        try checkEncoding(String(decoding: bytes.prefix(512), as: UTF8.self), source: source)
        var reader = XMLReader(bytes: bytes, source: source, limits: limits)
        reader.onRecord = record
        return try reader.document()
    }

    /// Reads a document of records as `stream` does, fed in pieces (a decompressor's output blocks): only the
    /// token being read, the piece and the record being built are held, never the whole document. `feed` keeps the
    /// first error and ignores what follows it; `finish` throws it, or returns the root.
    package struct Stream {
        var reader: XMLReader
        var failure: ConfigParseError?
        /// The document's first bytes, held until the encoding can be checked (512 bytes, or its end).
        var head: [UInt8] = []
        var headChecked = false
        /// Bytes fed so far, against `limits.maxBytes`.
        package private(set) var fed = 0
        /// The most bytes the reader held at once (the piece and the unread rest of the one before).
        package private(set) var largestHeld = 0

        package init(source: String, limits: ParseLimits, record: @escaping (XMLElement) -> Void) {
            reader = XMLReader(bytes: [], source: source, limits: limits)
            reader.final = false
            reader.onRecord = record
        }

        package mutating func feed(_ piece: Span<UInt8>) {
            guard failure == nil else { return }
            fed += piece.count
            guard fed <= reader.limits.maxBytes else {
                failure = ConfigParseError(
                    .tooLarge, source: reader.source, message: "XML document larger than \(reader.limits.maxBytes) bytes")
                return
            }
            do {
                if headChecked {
                    try reader.feed(piece)
                } else {
                    head.append(addingCapacity: piece.count) { out in
                        for i in piece.indices { out.append(piece[i]) }
                    }
                    guard head.count >= 512 else { return }
                    try checkHead()
                }
                largestHeld = max(largestHeld, reader.bytes.count)
            } catch {
                failure = error
            }
        }

        mutating func checkHead() throws(ConfigParseError) {
            headChecked = true
            try checkEncoding(String(decoding: head.prefix(512), as: UTF8.self), source: reader.source)
            let held = head
            head = []
            try reader.feed(held.span)
        }

        package mutating func finish() throws(ConfigParseError) -> Result {
            if let failure { throw failure }
            if !headChecked { try checkHead() }
            return try reader.finish()
        }
    }

    /// The offset of the first NUL byte, if any.
    static func firstNUL(_ bytes: Span<UInt8>) -> Int? {
        for i in bytes.indices where bytes[i] == 0 { return i }
        return nil
    }

    /// Only UTF-8 (and its subset ASCII) is parsed: a document in UTF-16/UTF-32 without a byte-order mark
    /// (detected from the NUL bytes of their ASCII characters) or with another `encoding=` declaration (UTF-7,
    /// EBCDIC …) is refused with that reason rather than read as garbled UTF-8 (issue 19 #5: libxml2, used before,
    /// honoured such encodings and saw a DOCTYPE the text checks could not).
    package static func checkEncoding(_ text: String, source: String) throws(ConfigParseError) {
        let bytes = text.utf8
        if let offset = firstNUL(bytes.span) {
            throw ConfigParseError(
                .forbiddenConstruct, source: source,
                message:
                    "NUL byte at offset \(offset): the document is UTF-16 or UTF-32 (or not text); only UTF-8 configuration XML is read")
        }
        for bom: [UInt8] in [[0xFE, 0xFF], [0xFF, 0xFE], [0x2B, 0x2F, 0x76]] where bytes.starts(with: bom) {
            throw ConfigParseError(.forbiddenConstruct, source: source, message: "the document starts with a non-UTF-8 byte-order mark")
        }
        // The XML declaration, if any, must name UTF-8 or ASCII. Most documents have none: that is judged on the
        // bytes (a text whose bytes do not begin with `<?xml`, after a byte-order mark, has no first characters
        // `<?xml` either), without cutting 512 characters.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let start = bytes.starts(with: bom) ? bytes.index(bytes.startIndex, offsetBy: 3) : bytes.startIndex
        guard bytes[start...].starts(with: "<?xml".utf8) else { return }
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
}
