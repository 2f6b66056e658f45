import Foundation

/// Escaping for every string that comes from the host or a guest (names, paths, claims, reasons).
public enum Escape {
    /// HTML text and attribute escaping: `& < > " '` become entities; C0/C1 control characters other than
    /// tab and newline become U+FFFD, so nothing a guest names can open an element, an attribute or a script;
    /// so do the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), so a name
    /// cannot show its text reversed (as the fleet dashboard's escaping does).
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)
                    || (0x2066...0x2069).contains(scalar.value)
                {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Markdown table-cell text: one line, backslash-escaped punctuation that Markdown or GFM would
    /// interpret (`| * _ [ ] < > ` # \`), control characters replaced.
    public static func markdown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "|", "*", "_", "[", "]", "<", ">", "`", "#", "!", "~":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t": out += " "
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// One RFC 4180 CSV field, guarded against formula injection: a cell starting with `= + - @`, tab or
    /// CR is prefixed with `'` so spreadsheets show it as text; fields with `,` `"` CR or LF are quoted.
    public static func csv(_ text: String) -> String {
        var cell = text
        if let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            cell = "'" + cell
        }
        if cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return cell
    }
}
