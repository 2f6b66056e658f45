/// The fields of an os-release file (`/etc/os-release`, `/usr/lib/os-release`): `KEY=value` lines, the value
/// optionally in single or double quotes, as os-release(5) describes. The one reader of it: the ISM-1743 host
/// OS judgement, the distribution lifecycle and `lifecycle.host-os` all take the host's release from here.
public struct OSRelease: Hashable, Sendable {
    public var fields: [String: String]

    /// `ID`, lower-cased and limited to what an os-release ID may hold (`a-z0-9._-`, at most 64); nil otherwise.
    public var id: String? {
        guard let raw = fields["ID"] else { return nil }
        let id = raw.lowercased()
        guard !id.isEmpty, id.utf8.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { return nil }
        return id
    }

    public var versionID: String? { fields["VERSION_ID"] }
    public var versionCodename: String? { fields["VERSION_CODENAME"] }

    /// Reads `text`; lines without `=` and comments are skipped, the first value of a repeated key is replaced
    /// by the last (as a shell sourcing the file would).
    public init(_ text: String) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            var value = Substring(line[line.index(after: eq)...])
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                let quote = value.first
                value = value.dropFirst().dropLast()
                // Inside double quotes os-release(5) allows the shell's escapes of \ " $ `.
                if quote == "\"", value.contains("\\") {
                    var out = ""
                    var escaped = false
                    for ch in value {
                        if !escaped, ch == "\\" {
                            escaped = true
                            continue
                        }
                        if escaped, !"\\\"$`".contains(ch) { out.append("\\") }
                        out.append(ch)
                        escaped = false
                    }
                    value = Substring(out)
                }
            }
            fields[String(line[..<eq])] = String(value)
        }
        self.fields = fields
    }
}
