public import BulkheadModel
public import Formats
import Foundation

/// Parses a Kata Containers `configuration.toml` with Bulkhead's TOML 1.0 reader (`Formats.TOMLReader`). The input
/// is bounded (`ParseLimits.maxBytes`, strict UTF-8) before it is parsed. A document that is not TOML is an
/// error with its line, as Kata itself refuses it. The tables are flattened into dotted paths: scalars
/// (strings unquoted, booleans, numbers) into `values`, arrays of scalars into `lists`. What Kata never uses
/// and a flat path cannot hold — arrays of tables, nested arrays, dates and times, keys that are not plain
/// (`[A-Za-z0-9_-]`, so a dotted path stays unambiguous) — is a problem naming the path, and skipped.
public enum KataConfigParser: TextConfigurationParser {
    public static func parse(text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<KataRuntimeConfiguration>
    {
        guard text.utf8.count <= limits.maxBytes else {
            throw ConfigParseError(
                .tooLarge, source: source, message: "the file is \(text.utf8.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        // TOML forbids control characters; the reader refuses them too, but a NUL is named here with its line.
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw ConfigParseError(.malformed, source: source, line: line, message: "not valid TOML: a NUL character")
        }
        let table: [String: TOMLValue]
        do {
            table = try TOMLReader.parse(text, maxDepth: limits.maxDepth, maxElements: limits.maxElements)
        } catch {
            throw ConfigParseError(.malformed, source: source, line: error.line, message: "not valid TOML: \(error.message)")
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

        mutating func add(_ table: [String: TOMLValue], prefix: String, depth: Int) {
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
                switch value {
                case .table(let nested):
                    add(nested, prefix: path, depth: depth + 1)
                case .array(let array):
                    var items: [String] = []
                    for item in array {
                        guard let text = scalar(item) else {
                            if case .table = item {
                                skip(path, "an array of tables is not a Kata setting")
                            } else {
                                skip(path, "an array holding \(item.kind) items")
                            }
                            items = []
                            break
                        }
                        items.append(text)
                    }
                    if items.count == array.count { config.lists[path] = items }
                default:
                    if let text = scalar(value) {
                        config.values[path] = text
                    } else {
                        skip(path, "a \(value.kind) value is not a Kata setting")
                    }
                }
            }
        }

        /// A string (as it is, unquoted), boolean, integer or float as text; nil for anything else.
        func scalar(_ value: TOMLValue) -> String? {
            switch value {
            case .string(let s): s
            case .bool(let b): b ? "true" : "false"
            case .integer(let n): String(n)
            case .float(let d): String(d)
            default: nil
            }
        }
    }
}
