/// The one terminal sanitiser: every string that reaches a terminal or a text report (tables, `report.txt`,
/// problem messages, error lines, a snapshot's or bundle's host name) passes through it, so text a tenant
/// controls (a host name, a package version, the contents of a /sys file, a guest name) cannot clear the
/// screen, set the window title, move the cursor, forge lines or reorder what is shown.
///
/// Unsafe, and shown as `?`: C0 controls (ESC, CR, BEL, backspace …), DEL, C1 controls (U+0080–U+009F, which
/// include the 8-bit CSI and OSC), and the Unicode bidirectional controls (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069) that make a terminal display text in another order than it is.
public enum TerminalText {
    /// True for a scalar that must never reach a terminal raw.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return true }
        return v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// One field (a table cell, a name, a version): every unsafe scalar, newlines included, becomes `?`;
    /// longer than `max` scalars is cut and ends in `…`.
    public static func field(_ text: String, max: Int = 240) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == max {
                out += "…"
                break
            }
            out.unicodeScalars.append(isUnsafe(scalar) ? "?" : scalar)
            count += 1
        }
        return out
    }

    /// One line (an error message, a diagnostic): line breaks and tabs become single spaces, every other
    /// unsafe scalar `?`.
    public static func line(_ text: String) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" || scalar == " " {
                if !lastWasSpace && !out.isEmpty { out.unicodeScalars.append(" ") }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            out.unicodeScalars.append(isUnsafe(scalar) ? "?" : scalar)
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// A whole rendered text (a table, `report.txt`): newlines and tabs are kept, every other unsafe scalar
    /// becomes `?`. The last line of defence at the point of output; fields are sanitised where they are
    /// rendered, so a newline inside a host name cannot forge a line either. With `colour`, Bulkhead's own
    /// colour codes survive: a complete SGR sequence (`ESC [` digits and `;`, then `m`), which can change
    /// only the colour and weight of what follows — never move the cursor, clear or retitle the terminal.
    public static func document(_ text: String, colour: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) && $0 != "\n" && $0 != "\t" }) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = ""
        out.unicodeScalars.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if colour, scalar == "\u{1B}", let end = sgrEnd(scalars, from: index) {
                out.unicodeScalars.append(contentsOf: scalars[index...end])
                index = end + 1
                continue
            }
            out.unicodeScalars.append(isUnsafe(scalar) && scalar != "\n" && scalar != "\t" ? "?" : scalar)
            index += 1
        }
        return out
    }

    /// The index of the `m` ending an SGR sequence that starts at `start` (an ESC), or nil.
    static func sgrEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 2 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var index = start + 2
        while index < scalars.count, index - start <= 32 {
            let scalar = scalars[index]
            if scalar == "m" { return index }
            guard scalar == ";" || ("0"..."9").contains(scalar) else { return nil }
            index += 1
        }
        return nil
    }
}
