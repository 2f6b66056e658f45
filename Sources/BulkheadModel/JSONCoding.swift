public import Foundation

/// The one JSON configuration of Bulkhead: sorted keys, ISO 8601 dates, slashes unescaped, so the same
/// value always gives the same bytes. Every document, report, cache file, manifest and stored row is
/// written with `JSONCoding.encoder()`; stored rows use `.compact` (no indentation).
public enum JSONCoding {
    public enum Layout: Sendable {
        /// Indented, for files and standard output.
        case pretty
        /// One line, for database columns.
        case compact
    }

    public static func encoder(_ layout: Layout = .pretty) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            layout == .pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// Reads what `encoder()` writes (ISO 8601 dates).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A value as a pretty JSON document ending in a newline.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self) + "\n"
    }
}
