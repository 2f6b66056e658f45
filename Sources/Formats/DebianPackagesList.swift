/// `Package:` / `Version:` pairs of a Debian `Packages` list, fed in pieces (the blocks an LZ4 list decodes to)
/// and read over bytes (a 50 MB list is never turned into a String): only the `wanted` packages' versions are
/// kept, every stanza is counted. A line cut between two pieces waits in `carry`. Versions are kept as written;
/// the caller parses them in its version scheme (Advisories' `DebianVersion`).
public struct PackageListScanner: Sendable {
    public let wanted: Set<String>?
    /// Each wanted package's `Version:` as written, in list order.
    public private(set) var versions: [(package: String, version: String)] = []
    /// Every stanza of the list (every `Package:` line), wanted or not.
    public private(set) var stanzas = 0
    private var name: String?
    private var carry: [UInt8] = []
    static let package = Array("Package:".utf8)
    static let version = Array("Version:".utf8)

    public init(wanted: Set<String>?) { self.wanted = wanted }

    public mutating func feed(_ chunk: Span<UInt8>) {
        var start = 0
        var i = 0
        let count = chunk.count
        while i < count {
            if chunk[i] == 0x0A {
                if carry.isEmpty {
                    line(chunk, start, i)
                } else {
                    for k in start..<i { carry.append(chunk[k]) }
                    let whole = carry
                    line(whole.span, 0, whole.count)
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            i += 1
        }
        for k in start..<count { carry.append(chunk[k]) }
    }

    /// The last line when the list does not end in a newline.
    public mutating func finish() {
        guard !carry.isEmpty else { return }
        let whole = carry
        line(whole.span, 0, whole.count)
        carry = []
    }

    private mutating func line(_ bytes: Span<UInt8>, _ from: Int, _ to: Int) {
        if from == to {
            name = nil
        } else if Self.starts(bytes, from, to, with: Self.package) {
            let v = Self.value(bytes, from + Self.package.count, to)
            stanzas += 1
            name = wanted.map { $0.contains(v) } ?? true ? v : nil
        } else if let current = name, Self.starts(bytes, from, to, with: Self.version) {
            versions.append((current, Self.value(bytes, from + Self.version.count, to)))
            name = nil
        }
    }

    private static func starts(_ bytes: Span<UInt8>, _ from: Int, _ to: Int, with prefix: [UInt8]) -> Bool {
        guard to - from >= prefix.count else { return false }
        for k in prefix.indices where bytes[from + k] != prefix[k] { return false }
        return true
    }

    /// The field's value without the spaces and tabs around it (decoded as UTF-8, repaired, never trusted).
    private static func value(_ bytes: Span<UInt8>, _ from: Int, _ to: Int) -> String {
        var first = from
        var last = to
        while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
        while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D { last -= 1 }
        var text: [UInt8] = []
        text.reserveCapacity(last - first)
        for k in first..<last { text.append(bytes[k]) }
        return String(decoding: text, as: UTF8.self)
    }
}
