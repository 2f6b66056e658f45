public import Formats
public import Foundation

/// A parser of a configuration file's text. Its `parse(_:source:limits:)` of the file's bytes is this one: the bytes
/// are bounded and decoded as strict UTF-8 (`ParseSupport.text`) once, for every such parser, before the text is parsed.
public protocol TextConfigurationParser {
    /// What a parsed file is.
    associatedtype Value: Hashable, Sendable
    /// Parses the file's `text`; `source` names it in problems and errors.
    static func parse(text: String, source: String, limits: ParseLimits) throws(ConfigParseError) -> Parsed<Value>
}

extension TextConfigurationParser {
    /// Parses the file's bytes: bounded and decoded as strict UTF-8, then parsed as text.
    public static func parse(_ data: Data, source: String, limits: ParseLimits = .standard) throws(ConfigParseError) -> Parsed<Value> {
        let text = try ParseSupport.text(data, source: source, limits: limits)
        return try parse(text: text, source: source, limits: limits)
    }
}
