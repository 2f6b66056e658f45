public import BulkheadModel
import Foundation
import SafeFiles

/// Organisation-specific values and exclusions (docs/tailoring.md):
///
/// ```json
/// { "version": 1,
///   "title": "Web tier: single tenant",
///   "values": { "host.smt": { "allowed": true, "reason": "no untrusted tenants" } },
///   "skip": [ { "id": "host.ksm", "reason": "KSM needed for density; accepted by ISM risk register R-12" } ] }
/// ```
///
/// Every value and skip carries a reason, which is shown with the findings it changes.
public struct Tailoring: Hashable, Sendable {
    public struct Value: Hashable, Sendable {
        public var checkID: String
        public var parameter: String
        public var value: ParameterValue
        public var reason: String
    }
    public struct Skip: Codable, Hashable, Sendable {
        public var id: String
        public var reason: String
    }

    public var title: String?
    /// Where the tailoring was read from (a path), for evidence.
    public var source: String
    public var values: [Value] = []
    public var skip: [Skip] = []

    /// The largest tailoring file read.
    public static let maxFileBytes = 1 << 20

    /// Reads a tailoring file the user named (`--tailoring FILE`, at most 1 MiB) and parses it.
    public static func load(path: String, catalog: CheckCatalog) throws(ChecksError) -> Tailoring {
        let data: Data
        do {
            // A FIFO or device is refused before it is opened (SafeFile): it would block or have effects.
            data = try SafeFile.readRegular(path, limit: maxFileBytes)
        } catch {
            if error.code == .tooLarge { throw ChecksError(.badTailoring, "the tailoring file \(path) is over 1 MiB") }
            throw ChecksError(.badTailoring, "cannot read the tailoring file \(path)", cause: error)
        }
        return try parse(Array(data), source: path, catalog: catalog)
    }

    /// Parses and validates a tailoring document against the catalog: unknown keys, checks or parameters,
    /// wrong types and missing reasons are errors naming the field.
    public static func parse(_ bytes: [UInt8], source: String, catalog: CheckCatalog) throws(ChecksError) -> Tailoring {
        let raw: RawDocument
        if let dup = JSONDuplicateKeys.first(in: bytes) {
            throw ChecksError(.badTailoring, "\(source): key \"\(dup.key)\" appears twice in \(dup.path); a tailoring file must not repeat a key")
        }
        do {
            raw = try JSONDecoder().decode(RawDocument.self, from: Data(bytes))
        } catch let error as ChecksError {
            throw ChecksError(error.code, "\(source): \(error.message)")
        } catch {
            throw ChecksError(.badTailoring, "\(source): not a valid tailoring document", cause: error)
        }
        if let version = raw.version, version != 1 {
            throw ChecksError(.badTailoring, "\(source): version must be 1 (found \(version))")
        }
        var result = Tailoring(title: raw.title, source: source)
        for (checkID, fields) in (raw.values ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let definition = catalog.definition(checkID) else {
                throw ChecksError(.badTailoring, "\(source): values.\(checkID): no such check (see `bulkhead checks list`)")
            }
            guard case .string(let reason)? = fields["reason"], !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ChecksError(
                    .badTailoring, "\(source): values.\(checkID) needs a \"reason\" string (why this differs from the default)")
            }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) where name != "reason" {
                guard let parameter = definition.parameters.first(where: { $0.name == name }) else {
                    let known = definition.parameters.map(\.name)
                    throw ChecksError(
                        .badTailoring,
                        "\(source): values.\(checkID).\(name): \(checkID) has no parameter \"\(name)\""
                            + (known.isEmpty ? " (it takes none)" : " (it takes \(known.joined(separator: ", ")))"))
                }
                guard value.type == parameter.type else {
                    throw ChecksError(
                        .badTailoring,
                        "\(source): values.\(checkID).\(name) must be of type \(parameter.type.rawValue), found \(value.type.rawValue)")
                }
                result.values.append(Value(checkID: checkID, parameter: name, value: value, reason: reason))
            }
        }
        for (i, item) in (raw.skip ?? []).enumerated() {
            guard catalog.definition(item.id) != nil else {
                throw ChecksError(.badTailoring, "\(source): skip[\(i)]: no such check \"\(item.id)\"")
            }
            guard !item.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ChecksError(.badTailoring, "\(source): skip[\(i)] (\(item.id)) needs a non-empty \"reason\"")
            }
            result.skip.append(item)
        }
        return result
    }

    struct RawDocument: Decodable {
        var version: Int?
        var title: String?
        var values: [String: [String: ParameterValue]]?
        var skip: [Skip]?

        enum CodingKeys: String, CodingKey, CaseIterable { case version, title, values, skip }
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let all = try decoder.container(keyedBy: AnyKey.self)
            for key in all.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
                throw ChecksError(
                    .badTailoring, "unknown key \"\(key.stringValue)\" (expected version, title, values, skip)")
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            version = try c.decodeIfPresent(Int.self, forKey: .version)
            title = try c.decodeIfPresent(String.self, forKey: .title)
            values = try c.decodeIfPresent([String: [String: ParameterValue]].self, forKey: .values)
            skip = try c.decodeIfPresent([Skip].self, forKey: .skip)
        }
    }
}

/// `--only` / `--skip`: patterns are a check id (`qemu.sandbox`), a family wildcard (`qemu.*`), `*`, or an
/// ISM control (`ISM-1605`, every check supporting it).
public struct CheckSelection: Hashable, Sendable {
    public var only: [String]
    public var skip: [String]

    public init(only: [String] = [], skip: [String] = []) {
        self.only = only
        self.skip = skip
    }

    public static let all = CheckSelection()

    static func matches(_ pattern: String, _ d: CheckDefinition) -> Bool { matches(pattern, id: d.id, controls: d.controls) }

    static func matches(_ pattern: String, id: String, controls: [ControlID]) -> Bool {
        if pattern == "*" { return true }
        if pattern.uppercased().hasPrefix("ISM-") { return controls.contains(ControlID(rawValue: pattern)) }
        if pattern.hasSuffix(".*") { return id.hasPrefix(String(pattern.dropLast(1))) }
        if pattern.hasSuffix("*") { return id.hasPrefix(String(pattern.dropLast())) }
        return id == pattern
    }

    /// Whether a check decided outside the probe catalog (the advisory stage's `advisories.patched`) is
    /// selected: `--only host.*` leaves it out, `--only ISM-1606` keeps it, `--skip advisories.*` drops it.
    public func selects(id: String, controls: [ControlID]) -> Bool {
        if !only.isEmpty && !only.contains(where: { Self.matches($0, id: id, controls: controls) }) { return false }
        return !skip.contains { Self.matches($0, id: id, controls: controls) }
    }

    /// Rejects a pattern that matches no check (a typo would otherwise silently select nothing).
    public func validate(against catalog: CheckCatalog) throws(ChecksError) {
        for pattern in only + skip where !catalog.definitions.contains(where: { Self.matches(pattern, $0) }) {
            throw ChecksError(.unknownCheck, "no check matches \"\(pattern)\" (see `bulkhead checks list`)")
        }
    }

    /// Nil when selected; else why not.
    public func exclusion(of d: CheckDefinition) -> String? {
        if !only.isEmpty && !only.contains(where: { Self.matches($0, d) }) { return "not selected by --only" }
        if let p = skip.first(where: { Self.matches($0, d) }) { return "skipped by --skip \(p)" }
        return nil
    }
}
