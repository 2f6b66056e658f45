import BulkheadModel
public import Foundation

/// A coding key for any string, used to find fields that a strict decoder does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Rejects fields that are not in `allowed`: a misspelt field (`obseved`) must not pass silently.
func rejectUnknownKeys(in decoder: any Decoder, allowed: [String]) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for key in c.allKeys where !allowed.contains(key.stringValue) {
        throw DecodingError.dataCorruptedError(
            forKey: key, in: c,
            debugDescription: "unknown field \"\(key.stringValue)\"; allowed here: \(allowed.joined(separator: ", "))")
    }
}

/// The keyed container of a strictly decoded value: fields not in `allowed` are refused first.
func strictContainer<K: CodingKey>(_ decoder: any Decoder, _ keys: K.Type, allowed: [String]) throws -> KeyedDecodingContainer<K> {
    try rejectUnknownKeys(in: decoder, allowed: allowed)
    return try decoder.container(keyedBy: keys)
}

/// Decodes one JSON file of `kind` (a catalog file, an evidence file): a repeated key is refused first (the
/// decoder would keep one of the two silently), then a decoding error names the file and the field.
func decodeStrictly<T: Decodable>(_ type: T.Type, from data: Data, file: String, kind: String) throws(VendorEvidenceError) -> T {
    if let dup = JSONDuplicateKeys.first(in: data) {
        throw VendorEvidenceError(
            .malformed, file: file, message: "key \"\(dup.key)\" appears twice in \(dup.path); \(kind) must not repeat a key")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let e as DecodingError {
        throw VendorEvidenceError.decoding(e, file: file)
    } catch {
        throw VendorEvidenceError(.malformed, file: file, message: "could not decode", cause: error)
    }
}

/// Calendar dates (`2026-11-27`) as midnight UTC.
public enum CalendarDate {
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? c.timeZone
        return c
    }()

    /// Parses exactly `YYYY-MM-DD`; nil for anything else (including 2026-02-30).
    public static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = calendar.date(from: comps) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == y, back.month == m, back.day == d else { return nil }
        return date
    }

    public static func format(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Decodes a required `YYYY-MM-DD` field.
    static func decode<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Date {
        let text = try c.decode(String.self, forKey: key)
        guard let date = parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c, debugDescription: "\"\(text)\" is not a date in the form YYYY-MM-DD")
        }
        return date
    }
}

/// Decodes a required non-empty string, trimmed.
func decodeNonEmpty<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> String {
    let s = try c.decode(String.self, forKey: key).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !s.isEmpty else {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must not be empty")
    }
    return s
}

/// Product ids: lower-case letters, digits and hyphens, starting with a letter.
func isValidProductID(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, ("a"..."z").contains(first), s.count <= 64 else { return false }
    return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
}
