import BulkheadModel
import Foundation

/// A plain-text table for terminals: columns padded to the widest cell, cells sanitised so that a
/// hostile guest name cannot move the cursor or forge lines.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []

    public init(headers: [String]) { self.headers = headers }

    public mutating func append(_ row: [String]) { rows.append(row.map { TextTable.sanitise($0) }) }

    /// Replaces control characters (ESC, CR, LF …) with `?` and caps the length.
    /// (`TerminalText.field`, the one terminal sanitiser.)
    public static func sanitise(_ text: String, max: Int = 200) -> String { TerminalText.field(text, max: max) }

    public func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = Swift.max(widths[i], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, width) in widths.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                parts.append(i == widths.count - 1 ? cell : cell.padding(toLength: width, withPad: " ", startingAt: 0))
            }
            return parts.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(headers) + "\n"
        out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
