/// Reads the XML that configuration files use into an `XMLElement` tree, in one pass over UTF-8 bytes.
///
/// What it reads: elements and attributes (either quote), namespaces (`xmlns`, `xmlns:p`, resolved for
/// elements; attribute prefixes dropped), character data with XML's five predefined entities and character
/// references, CDATA sections, comments and processing instructions (skipped), line ends normalised as XML
/// says (CR LF and CR to LF; tab, CR and LF in attribute values to spaces).
/// What it refuses, with the line and column: every markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`,
/// `<!ATTLIST` — so there is no entity expansion at all), undefined entities, unclosed or mismatched tags,
/// duplicate attributes, `<` in an attribute value, text outside the root element, and anything past the
/// limits (bytes, depth, elements). Content after the root element is reported as a problem, not read.
///
/// It replaced Foundation's XMLParser (libxml2 behind a delegate), which took most of the discovery time of
/// a host with many libvirt guests; `XMLReaderTests` checks it gives the same tree on every real document in
/// the fixtures.
struct XMLReader {
    /// The document, or, fed in pieces (`feed`), the part of it not yet read: the token being read and what follows.
    var bytes: [UInt8]
    let source: String
    let limits: ParseLimits
    var position = 0
    /// The line at `lineCounted` (line numbers are counted lazily, forwards).
    var lineCounted = 0
    var lineAtCounted = 1

    // Reading a document fed in pieces. `bytes[0]` is the document's byte `base`, on line `baseLine`; the pieces before
    // were read and dropped. Only whole tokens are read: a token that starts before the last `<` in `bytes` ends before
    // it (a tag holds no `<`, a text run ends at one), and a comment, CDATA section or processing instruction is read
    // once its terminator is there. With `final` set (the whole document, or its last piece, is in `bytes`), everything is.
    var final = true
    var base = 0
    var baseLine = 1
    /// The offset of the last `<` in `bytes` (-1: none).
    var lastOpen = -1
    /// Bytes below this offset were checked for the characters XML refuses.
    var checked = 0
    /// The terminator of the token at `position` is not before this offset (a long comment is searched once).
    var searchFrom: Int?
    var started = false
    var hadByteOrderMark = false
    var root: XMLElement?
    /// Set once the root element has closed and more content follows (the rest is checked, not read).
    var result: XMLTree.Result?

    var stack: [Open] = []
    /// Namespace bindings in scope, innermost last; each open element records how many it added.
    var bindings: [(prefix: String, uri: String)] = []
    var elements = 0
    /// The attribute names of the start tag being read (kept between tags so its storage is reused).
    var seenAttributes: [ArraySlice<UInt8>] = []
    /// When set, each child of the root element is handed here once it closes and is not kept in the tree
    /// (`XMLTree.stream`): a document of many records is read holding one record at a time.
    var onRecord: ((XMLElement) -> Void)?

    struct Open {
        var element: XMLElement
        var qualifiedName: ArraySlice<UInt8>
        var bindingsAdded: Int
    }

    init(bytes: [UInt8], source: String, limits: ParseLimits) {
        self.bytes = bytes
        self.source = source
        self.limits = limits
    }

    // MARK: The document

    mutating func document() throws(ConfigParseError) -> XMLTree.Result {
        final = true
        return try finish()
    }

    /// Reads a document fed in pieces (`final` false): appends `piece` and reads every whole token it completes, then
    /// drops what was read, so only the token being read and the piece are held.
    mutating func feed(_ piece: Span<UInt8>) throws(ConfigParseError) {
        compact()
        let start = bytes.count
        bytes.append(addingCapacity: piece.count) { out in
            for i in piece.indices { out.append(piece[i]) }
        }
        var i = bytes.count - 1
        while i >= start {
            if bytes[i] == UInt8(ascii: "<") {
                lastOpen = i
                break
            }
            i -= 1
        }
        try checkCharacters()
        try run()
    }

    /// The end of the document: reads what is left and returns the root.
    mutating func finish() throws(ConfigParseError) -> XMLTree.Result {
        final = true
        try checkCharacters()
        try run()
        if let result { return result }
        if let open = stack.last {
            throw malformed(
                at: bytes.count, "the document ends inside <\(String(decoding: open.qualifiedName, as: UTF8.self))> (line \(open.element.line))")
        }
        guard let root else { throw malformed(at: bytes.count, "no root element") }
        return XMLTree.Result(root: root, problem: nil)
    }

    /// XML 1.0's Char production: no C0 control other than tab, line feed and carriage return, and neither U+FFFE nor
    /// U+FFFF, anywhere in the document (libxml2 refuses them too; found by Fuzz/xml-diff). Whole documents are checked
    /// before anything is read; pieces as they come (the last two bytes of a piece with the next one).
    mutating func checkCharacters() throws(ConfigParseError) {
        let end = final ? bytes.count : max(checked, bytes.count - 2)
        var i = checked
        while i < end {
            let b = bytes[i]
            if b < 0x20 || b == 0xEF {
                if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D {
                    throw malformed(at: i, "control character 0x\(String(b, radix: 16)) (XML allows only tab, line feed and carriage return)")
                }
                if b == 0xEF, i + 2 < bytes.count, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF {
                    throw malformed(at: i, "U+FFFE or U+FFFF, which XML does not allow")
                }
            }
            i += 1
        }
        checked = end
    }

    /// Drops the bytes already read (after the root, those already checked) and rebases the offsets kept.
    mutating func compact() {
        let cut = result != nil ? checked : min(position, checked)
        guard cut > 0 else { return }
        baseLine = line(at: cut)
        lineCounted = 0
        // The open elements' names are slices of `bytes`: copied out, so the dropped bytes are freed.
        for i in stack.indices { stack[i].qualifiedName = ArraySlice(Array(stack[i].qualifiedName)) }
        bytes.removeSubrange(0..<cut)
        position = max(0, position - cut)
        checked -= cut
        lastOpen = max(-1, lastOpen - cut)
        searchFrom = searchFrom.map { max(0, $0 - cut) }
        base += cut
    }

    /// Reads every whole token in `bytes`.
    mutating func run() throws(ConfigParseError) {
        if !started {
            guard final || bytes.count >= 3 else { return }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // a UTF-8 byte-order mark
                position = 3
                hadByteOrderMark = true
            }
            started = true
        }
        while result == nil, position < (final ? bytes.count : lastOpen) {
            let byte = bytes[position]
            if byte != UInt8(ascii: "<") {
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "<") { position += 1 }
                if stack.isEmpty {
                    guard isWhitespace(start..<position) else {
                        if let root {
                            result = afterRoot(root, at: start)
                            return
                        }
                        throw malformed(at: start, "text outside the root element")
                    }
                } else {
                    try appendText(start..<position)
                }
                continue
            }
            let next = position + 1 < bytes.count ? bytes[position + 1] : 0
            switch next {
            case UInt8(ascii: "?"):
                guard try processingInstruction() else { return }
            case UInt8(ascii: "!"):
                if starts(with: "<!--") {
                    guard try skip(past: Array("-->".utf8), what: "comment") else { return }
                } else if starts(with: "<![CDATA[") {
                    let start = position
                    guard let end = find(Array("]]>".utf8), from: start + 9) else {
                        if final { throw malformed(at: start, "unterminated CDATA section") }
                        return
                    }
                    guard !stack.isEmpty else { throw malformed(at: start, "CDATA outside the root element") }
                    appendRaw((start + 9)..<end)
                    position = end + 3
                } else {
                    throw declaration(at: position)
                }
            case UInt8(ascii: "/"):
                if stack.isEmpty, let root {
                    result = afterRoot(root, at: position)
                    return
                }
                let closed = try endTag()
                if stack.isEmpty { root = closed } else { add(closed) }
            default:
                if stack.isEmpty, let root {
                    result = afterRoot(root, at: position)
                    return
                }
                if let empty = try startTag() {
                    if stack.isEmpty { root = empty } else { add(empty) }
                }
            }
            searchFrom = nil
        }
    }

    /// A closed element goes into its parent, or, streaming, a child of the root goes to `onRecord`.
    mutating func add(_ closed: XMLElement) {
        if stack.count == 1, let onRecord {
            onRecord(closed)
        } else {
            stack[stack.count - 1].element.children.append(closed)
        }
    }

    /// The root element closed and more markup or text follows: the root is kept, the rest reported.
    mutating func afterRoot(_ root: XMLElement, at offset: Int) -> XMLTree.Result {
        let (line, _) = location(offset)
        return XMLTree.Result(
            root: root, problem: "line \(line): content after the root element; only the first <\(root.name)> was read")
    }

    // MARK: Tags

    /// A start tag; returns the element when it is empty (`<x/>`), else pushes it.
    mutating func startTag() throws(ConfigParseError) -> XMLElement? {
        let tagStart = position
        position += 1
        let name = try readName(what: "element name")
        try requireQualifiedName(name, at: tagStart + 1)
        elements += 1
        if elements > limits.maxElements {
            throw ConfigParseError(.tooLarge, source: source, line: location(tagStart).line, message: "more than \(limits.maxElements) elements")
        }
        if stack.count >= limits.maxDepth {
            throw ConfigParseError(
                .tooLarge, source: source, line: location(tagStart).line, message: "elements nested deeper than \(limits.maxDepth) levels")
        }
        var attributes: [String: String] = [:]
        seenAttributes.removeAll(keepingCapacity: true)
        var added = 0
        while true {
            let hadSpace = skipWhitespace()
            guard position < bytes.count else { throw malformed(at: tagStart, "unterminated start tag") }
            let byte = bytes[position]
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { break }
            guard hadSpace else { throw malformed(at: position, "expected a space before the attribute") }
            let attributeStart = position
            let attribute = try readName(what: "attribute name")
            try requireQualifiedName(attribute, at: attributeStart)
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw malformed(at: position, "expected = after the attribute \(String(decoding: attribute, as: UTF8.self))")
            }
            position += 1
            skipWhitespace()
            let value = try readAttributeValue()
            if seenAttributes.contains(where: { $0.elementsEqual(attribute) }) {
                throw malformed(at: attributeStart, "the attribute \(String(decoding: attribute, as: UTF8.self)) appears twice")
            }
            seenAttributes.append(attribute)
            if attribute.elementsEqual("xmlns".utf8) {
                bindings.append((prefix: "", uri: value))
                added += 1
            } else if attribute.starts(with: "xmlns:".utf8) {
                bindings.append((prefix: String(decoding: attribute.dropFirst(6), as: UTF8.self), uri: value))
                added += 1
            } else {
                let local = attribute.lastIndex(of: UInt8(ascii: ":")).map { attribute[($0 + 1)...] } ?? attribute
                let key = String(decoding: local, as: UTF8.self)
                // An unprefixed attribute wins over a prefixed one of the same local name, in either order: a
                // foreign-namespace `x:type` never stands in for the element's own `type`.
                if local.count == attribute.count || attributes[key] == nil { attributes[key] = value }
            }
        }
        // The names are slices of `bytes`: not held past the tag (a fed document's bytes are cut between pieces).
        seenAttributes.removeAll(keepingCapacity: true)
        let (prefix, local) = split(name)
        let uri = namespace(for: prefix)
        let element = XMLElement(
            name: String(decoding: local, as: UTF8.self), namespace: (uri?.isEmpty ?? true) ? nil : uri, attributes: attributes,
            children: [], text: "", line: line(at: tagStart))
        if bytes[position] == UInt8(ascii: "/") {
            position += 1
            guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw malformed(at: position, "expected > after /") }
            position += 1
            bindings.removeLast(added)
            return element
        }
        position += 1
        stack.append(Open(element: element, qualifiedName: name, bindingsAdded: added))
        return nil
    }

    /// An end tag: pops and returns the element it closes.
    mutating func endTag() throws(ConfigParseError) -> XMLElement {
        let tagStart = position
        position += 2
        let name = try readName(what: "element name")
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw malformed(at: tagStart, "unterminated end tag") }
        position += 1
        guard let open = stack.popLast() else {
            throw malformed(at: tagStart, "</\(String(decoding: name, as: UTF8.self))> closes no open element")
        }
        guard open.qualifiedName.elementsEqual(name) else {
            throw malformed(
                at: tagStart,
                "</\(String(decoding: name, as: UTF8.self))> does not close <\(String(decoding: open.qualifiedName, as: UTF8.self))> (opened at line \(open.element.line))"
            )
        }
        bindings.removeLast(open.bindingsAdded)
        return open.element
    }

    func namespace(for prefix: ArraySlice<UInt8>?) -> String? {
        let wanted = prefix.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if wanted == "xml" { return "http://www.w3.org/XML/1998/namespace" }
        return bindings.last { $0.prefix == wanted }?.uri
    }

    /// Namespaces in XML 1.0 §4: an element or attribute name is `local` or `prefix:local`, each part a name
    /// without a colon. libxml2 only warns about other names and reads them otherwise than the text says (for
    /// `<::a>` the name `a`; found by Fuzz/xml-diff), so they are refused.
    mutating func requireQualifiedName(_ name: ArraySlice<UInt8>, at offset: Int) throws(ConfigParseError) {
        guard Self.isQualifiedName(name) else {
            throw malformed(
                at: offset, "\(String(decoding: name, as: UTF8.self)) is not a qualified name (prefix:local, each a name without a colon)")
        }
    }

    /// At most one colon, and the name and the part after its colon each start with a name-start byte other than
    /// a colon (split at the colons, every part non-empty and starting so), judged without splitting (this runs
    /// for every element and attribute).
    static func isQualifiedName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first, isNameStart(first), first != UInt8(ascii: ":") else { return false }
        guard let colon = name.firstIndex(of: UInt8(ascii: ":")) else { return true }
        let local = name[(colon + 1)...]
        guard let localFirst = local.first, isNameStart(localFirst), localFirst != UInt8(ascii: ":") else { return false }
        return !local.contains(UInt8(ascii: ":"))
    }

    func split(_ name: ArraySlice<UInt8>) -> (prefix: ArraySlice<UInt8>?, local: ArraySlice<UInt8>) {
        guard let colon = name.firstIndex(of: UInt8(ascii: ":")) else { return (nil, name) }
        return (name[name.startIndex..<colon], name[(colon + 1)...])
    }

    // MARK: Names, values, text

    mutating func readName(what: String) throws(ConfigParseError) -> ArraySlice<UInt8> {
        let start = position
        guard position < bytes.count, Self.isNameStart(bytes[position]) else { throw malformed(at: start, "expected an \(what)") }
        position += 1
        while position < bytes.count, Self.isNameByte(bytes[position]) { position += 1 }
        return bytes[start..<position]
    }

    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
            || b == UInt8(ascii: ":") || b >= 0x80
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        isNameStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    mutating func readAttributeValue() throws(ConfigParseError) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
            throw malformed(at: position, "expected a quoted attribute value")
        }
        let quote = bytes[position]
        position += 1
        let start = position
        var plain = true
        while position < bytes.count, bytes[position] != quote {
            switch bytes[position] {
            case UInt8(ascii: "<"): throw malformed(at: position, "< inside an attribute value")
            case UInt8(ascii: "&"), 0x09, 0x0A, 0x0D: plain = false
            default: break
            }
            position += 1
        }
        guard position < bytes.count else { throw malformed(at: start - 1, "unterminated attribute value") }
        let range = start..<position
        position += 1
        if plain { return String(decoding: bytes[range], as: UTF8.self) }
        return try decode(range, attribute: true)
    }

    mutating func appendText(_ range: Range<Int>) throws(ConfigParseError) {
        let top = stack.count - 1
        guard stack[top].element.text.utf8.count < 1 << 20 else { return }
        if bytes[range].contains(where: { $0 == UInt8(ascii: "&") || $0 == 0x0D }) {
            stack[top].element.text += try decode(range, attribute: false)
        } else {
            stack[top].element.text += String(decoding: bytes[range], as: UTF8.self)
        }
    }

    mutating func appendRaw(_ range: Range<Int>) {
        let top = stack.count - 1
        guard stack[top].element.text.utf8.count < 1 << 20 else { return }
        stack[top].element.text += String(decoding: bytes[range], as: UTF8.self)
    }

    /// Character data or an attribute value with its references replaced and line ends normalised.
    mutating func decode(_ range: Range<Int>, attribute: Bool) throws(ConfigParseError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "&"):
                guard let semicolon = bytes[i..<range.upperBound].firstIndex(of: UInt8(ascii: ";")), semicolon - i <= 12 else {
                    throw malformed(at: i, "& not followed by an entity reference (write &amp;)")
                }
                let reference = bytes[(i + 1)..<semicolon]
                guard let scalar = Self.resolve(reference) else {
                    throw malformed(at: i, "undefined entity &\(String(decoding: reference, as: UTF8.self));")
                }
                out.append(contentsOf: String(Character(scalar)).utf8)
                i = semicolon + 1
                continue
            case 0x0D:
                out.append(attribute ? 0x20 : 0x0A)
                if i + 1 < range.upperBound, bytes[i + 1] == 0x0A { i += 1 }
            case 0x09, 0x0A:
                out.append(attribute ? 0x20 : b)
            default:
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// XML's predefined entities and character references; nil for anything else.
    static func resolve(_ reference: ArraySlice<UInt8>) -> Unicode.Scalar? {
        switch String(decoding: reference, as: UTF8.self) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case let numeric where numeric.hasPrefix("#"):
            let digits = numeric.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, !digits.isEmpty, !digits.hasPrefix("+"), !digits.hasPrefix("-"),
                value == 0x09 || value == 0x0A || value == 0x0D || value >= 0x20, value != 0xFFFE, value != 0xFFFF
            else { return nil }
            return Unicode.Scalar(value)
        default: return nil
        }
    }

    // MARK: Scanning

    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
        return position > start
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    func isWhitespace(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy(Self.isSpace) }

    func starts(with literal: String) -> Bool { bytes[position...].starts(with: literal.utf8) }

    /// The offset of `needle` at or after `start` (or where an earlier search for the same token stopped). Not found
    /// in a piece, the search resumes next time where this one could not match.
    mutating func find(_ needle: [UInt8], from start: Int) -> Int? {
        var i = max(start, searchFrom ?? 0)
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        searchFrom = max(start, last + 1)
        return nil
    }

    /// `<?target …?>`, skipped. Its target must be a name followed by white space or `?>`; the target `xml`, in
    /// any case, is reserved for the XML declaration, which may only open the document (XML 1.0 §2.6 and §2.8).
    /// libxml2 refuses the same documents (found by Fuzz/xml-diff: a `<?xml …?>` inside an element's text).
    /// False when a piece ends before its `?>` (nothing read).
    mutating func processingInstruction() throws(ConfigParseError) -> Bool {
        let start = position
        if !final, find(Array("?>".utf8), from: start + 2) == nil { return false }
        position += 2
        let target = try readName(what: "processing instruction target")
        if target.count == 3, target.map({ $0 | 0x20 }).elementsEqual("xml".utf8) {
            let documentStart = hadByteOrderMark ? 3 : 0
            guard base + start == documentStart, target.elementsEqual("xml".utf8) else {
                throw malformed(at: start, "an XML declaration (<?xml …?>) is allowed only at the very start of the document")
            }
        }
        guard position < bytes.count, isWhitespace(position..<(position + 1)) || starts(with: "?>") else {
            throw malformed(at: position, "expected a space or ?> after the processing instruction target")
        }
        position = start
        return try skip(past: Array("?>".utf8), what: "processing instruction")
    }

    /// Skips past `terminator`; false when a piece ends before it (nothing read).
    mutating func skip(past terminator: [UInt8], what: String) throws(ConfigParseError) -> Bool {
        let start = position
        guard let end = find(terminator, from: start + 2) else {
            if final { throw malformed(at: start, "unterminated \(what)") }
            return false
        }
        position = end + terminator.count
        return true
    }

    // MARK: Errors and locations

    /// The line and column (1-based) of `offset`.
    mutating func location(_ offset: Int) -> (line: Int, column: Int) {
        let offset = min(offset, bytes.count)
        let line = line(at: offset)
        var lineStart = offset
        while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
        return (line, offset - lineStart + 1)
    }

    /// The line (1-based) of `offset`, counted forwards from the last offset asked about: each element's line is
    /// found without scanning back to the start of its line (a document on one long line is read in linear time).
    mutating func line(at offset: Int) -> Int {
        let offset = min(offset, bytes.count)
        if offset < lineCounted {
            lineCounted = 0
            lineAtCounted = baseLine
        }
        while lineCounted < offset {
            if bytes[lineCounted] == 0x0A { lineAtCounted += 1 }
            lineCounted += 1
        }
        return lineAtCounted
    }

    mutating func malformed(at offset: Int, _ what: String) -> ConfigParseError {
        let (line, column) = location(offset)
        return ConfigParseError(
            .malformed, source: source, line: line,
            message: "malformed XML at line \(line), column \(column): \(what); check the file is complete")
    }

    /// `<!` that opens neither a comment nor CDATA: a markup declaration, refused.
    mutating func declaration(at offset: Int) -> ConfigParseError {
        let word = bytes[(offset + 2)...].prefix { Self.isNameByte($0) }.prefix(16)
        let line = location(offset).line
        return ConfigParseError(
            .forbiddenConstruct, source: source, line: line,
            message:
                "the document contains a \(String(decoding: word, as: UTF8.self).uppercased()) declaration; configuration XML never needs one and it is refused to rule out entity expansion"
        )
    }
}
