import Foundation

/// Finds a key that appears twice in one JSON object. JSON parsers disagree on which of two equal keys
/// wins (Foundation's decoder, Bulkhead's pull parser, jq, Python), so a configuration or evidence file with
/// one could be read differently by Bulkhead and by the program it describes: such files are refused.
/// (Feeds are read by `JSONPull`, where the last occurrence wins; docs/security.md.)
public enum JSONDuplicateKeys {
    /// The first duplicated key and the path of the object holding it (`$.a.b[2]`), or nil. Malformed
    /// JSON is not judged here (the decoder reports it).
    public static func first(in bytes: some Collection<UInt8>) -> (key: String, path: String)? {
        scan(Array(bytes))
    }

    private struct Level {
        var isObject: Bool
        var keys: Set<String> = []
        var expectKey: Bool
        var index = 0
        var lastKey = ""
    }

    private static func scan(_ b: [UInt8]) -> (key: String, path: String)? {
        var stack: [Level] = []
        var i = 0
        func path() -> String {
            var p = "$"
            for parent in stack.dropLast() { p += parent.isObject ? "." + parent.lastKey : "[\(parent.index)]" }
            return p
        }
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                var j = i + 1
                var escaped = false
                while j < b.count, b[j] != UInt8(ascii: "\"") {
                    if b[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                    j += 1
                }
                guard j < b.count else { return nil }
                // The open object is changed in place: a copy of its level would copy its key set for every key.
                if let top = stack.indices.last, stack[top].isObject, stack[top].expectKey {
                    var key = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                    if escaped, let decoded = try? JSONDecoder().decode(String.self, from: Data(b[i...j])) { key = decoded }
                    if stack[top].keys.contains(key) { return (key, path()) }
                    stack[top].keys.insert(key)
                    stack[top].expectKey = false
                    stack[top].lastKey = key
                }
                i = j + 1
                continue
            case UInt8(ascii: "{"):
                stack.append(Level(isObject: true, expectKey: true))
            case UInt8(ascii: "["):
                stack.append(Level(isObject: false, expectKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if !stack.isEmpty {
                    if stack[stack.count - 1].isObject { stack[stack.count - 1].expectKey = true } else { stack[stack.count - 1].index += 1 }
                }
            default:
                break
            }
            i += 1
        }
        return nil
    }
}
