public import BulkheadModel
public import Formats
public import Foundation
import TOMLKit

/// Parses a Kata Containers `configuration.toml` with TOMLKit (a full TOML 1.0 parser, toml++). The input
/// is bounded (`ParseLimits.maxBytes`, strict UTF-8) before it is parsed. A document that is not TOML is an
/// error with its line, as Kata itself refuses it. The tables are flattened into dotted paths: scalars
/// (strings unquoted, booleans, numbers) into `values`, arrays of scalars into `lists`. What Kata never uses
/// and a flat path cannot hold — arrays of tables, nested arrays, dates and times, keys that are not plain
/// (`[A-Za-z0-9_-]`, so a dotted path stays unambiguous) — is a problem naming the path, and skipped.
public enum KataConfigParser {
    public static func parse(_ data: Data, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<KataRuntimeConfiguration>
    {
        let text = try ParseSupport.text(data, source: source, limits: limits)
        return try parse(text: text, source: source, limits: limits)
    }

    public static func parse(text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<KataRuntimeConfiguration>
    {
        guard text.utf8.count <= limits.maxBytes else {
            throw ConfigParseError(
                .tooLarge, source: source, message: "the file is \(text.utf8.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        // TOML forbids control characters; toml++ reads a C string and would stop at a NUL, so whatever
        // follows one would be silently ignored.
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw ConfigParseError(.malformed, source: source, line: line, message: "not valid TOML: a NUL character")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigParseError(
                .malformed, source: source, line: error.source.begin.line, message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigParseError(.malformed, source: source, message: "not valid TOML", underlying: "\(error)")
        }
        var flattener = Flattener(source: source, limits: limits)
        flattener.add(table, prefix: "", depth: 0)
        return Parsed(value: flattener.config, problems: flattener.problems)
    }

    struct Flattener {
        let source: String
        let limits: ParseLimits
        var config = KataRuntimeConfiguration()
        var problems: [Problem] = []
        var elements = 0

        init(source: String, limits: ParseLimits) {
            self.source = source
            self.limits = limits
        }

        mutating func skip(_ path: String, _ why: String) {
            problems.append(ParseSupport.problem(source, path, "\(why); skipped"))
        }

        mutating func add(_ table: TOMLTable, prefix: String, depth: Int) {
            guard depth < limits.maxDepth else {
                skip(prefix, "tables nested deeper than \(limits.maxDepth)")
                return
            }
            for (key, value) in table.sorted(by: { $0.0 < $1.0 }) {
                elements += 1
                guard elements <= limits.maxElements else {
                    skip(prefix.isEmpty ? key : prefix, "more than \(limits.maxElements) settings")
                    return
                }
                let path = prefix.isEmpty ? key : prefix + "." + key
                guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                    skip(path, "key '\(key.prefix(60))' is not a plain TOML key")
                    continue
                }
                if let nested = value.table {
                    add(nested, prefix: path, depth: depth + 1)
                } else if let array = value.array {
                    var items: [String] = []
                    for item in array {
                        guard let text = scalar(item) else {
                            skip(path, item.table != nil ? "an array of tables is not a Kata setting" : "an array holding \(item.type) items")
                            items = []
                            break
                        }
                        items.append(text)
                    }
                    if items.count == array.count { config.lists[path] = items }
                } else if let text = scalar(value) {
                    config.values[path] = text
                } else {
                    skip(path, "a \(value.type) value is not a Kata setting")
                }
            }
        }

        /// A string (as it is, unquoted), boolean, integer or float as text; nil for anything else.
        func scalar(_ value: any TOMLValueConvertible) -> String? {
            switch value.type {
            case .string: value.string
            case .bool: value.bool.map { $0 ? "true" : "false" }
            case .int: value.int.map { String($0) }
            case .double: value.double.map { String($0) }
            default: nil
            }
        }
    }
}
