public import BulkheadModel
import Foundation

/// Every check with its definition. `CheckCatalog.standard()` loads the definitions shipped as resources
/// and pairs them with `CheckLibrary.all`; a check without a definition (or the reverse) is an error.
public struct CheckCatalog: Sendable {
    public let definitions: [CheckDefinition]
    public let checks: [String: Check]
    private let byID: [String: CheckDefinition]

    public init(definitions: [CheckDefinition], checks: [Check]) throws(ChecksError) {
        var byID: [String: CheckDefinition] = [:]
        for d in definitions {
            if byID[d.id] != nil { throw ChecksError(.definitionMismatch, "two definitions share the id \(d.id)") }
            try Self.validate(d)
            byID[d.id] = d
        }
        var checkByID: [String: Check] = [:]
        for c in checks {
            if checkByID[c.id] != nil { throw ChecksError(.definitionMismatch, "two checks share the id \(c.id)") }
            guard byID[c.id] != nil else {
                throw ChecksError(.definitionMismatch, "check \(c.id) has no definition file (Probes/<family>/\(c.id)/\(c.id).json)")
            }
            checkByID[c.id] = c
        }
        for d in definitions where checkByID[d.id] == nil {
            throw ChecksError(.definitionMismatch, "definition \(d.id) has no check function in CheckLibrary.all")
        }
        self.definitions = definitions.sorted { $0.id < $1.id }
        self.checks = checkByID
        self.byID = byID
    }

    public func definition(_ id: String) -> CheckDefinition? { byID[id] }

    /// The catalog Bulkhead ships.
    public static func standard() throws(ChecksError) -> CheckCatalog {
        try CheckCatalog(definitions: loadBundledDefinitions(), checks: CheckLibrary.all)
    }

    static func validate(_ d: CheckDefinition) throws(ChecksError) {
        let parts = d.id.split(separator: ".")
        guard parts.count == 2, parts[0] == Substring(d.family),
            d.id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "." || $0 == "-" })
        else {
            throw ChecksError(.badDefinition, "\(d.id): ids are `family.name` in lower case, family \"\(d.family)\"")
        }
        guard !d.controls.isEmpty else { throw ChecksError(.badDefinition, "\(d.id): names no ISM control") }
        guard !d.references.isEmpty else { throw ChecksError(.badDefinition, "\(d.id): names no reference") }
        for c in d.controls where !ControlID.virtualisationHardening.contains(c) {
            throw ChecksError(.badDefinition, "\(d.id): \(c) is not a Virtualisation hardening control")
        }
        for p in d.parameters where p.default.type != p.type {
            throw ChecksError(.badDefinition, "\(d.id): parameter \(p.name) default is not a \(p.type.rawValue)")
        }
        if d.scope != .host && d.products.isEmpty {
            throw ChecksError(.badDefinition, "\(d.id): a \(d.scope.rawValue) check must name its products")
        }
    }

    /// Where the definitions are, without SwiftPM's `Bundle.module` (which aborts the process when the
    /// bundle is missing): `$BULKHEAD_CHECKS_DEFINITIONS`, the resource bundle beside the executable (SwiftPM
    /// copies each probe's `<id>.json` to the bundle's top level), or the `Probes` folder of the source tree
    /// this file was built from.
    static func definitionsDirectory() -> URL? {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["BULKHEAD_CHECKS_DEFINITIONS"], !override.isEmpty {
            candidates.append(URL(fileURLWithPath: override))
        }
        var bases = [Bundle.main.bundleURL]
        if let exe = Bundle.main.executableURL {
            bases.append(exe.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for base in bases {
            for bundle in ["Bulkhead_Checks.resources", "Bulkhead_Checks.bundle", "Bulkhead_Checks.bundle/Contents/Resources"] {
                candidates.append(base.appendingPathComponent(bundle))
            }
        }
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Probes"))
        var isDirectory: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue }
    }

    /// The definition files under `root`: `*.json` at its top level (the resource bundle), and
    /// `<family>/<id>/<id>.json` (a probe folder of the source tree). Nothing else is read, so a probe's
    /// `fixtures/` (which hold JSON configurations) and stale files in an old bundle are never taken for
    /// definitions.
    static func definitionFiles(in root: URL) throws -> [URL] {
        let fm = FileManager.default
        func isDirectory(_ url: URL) -> Bool {
            var flag: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
        }
        var out: [URL] = []
        for name in try fm.contentsOfDirectory(atPath: root.path).sorted() {
            let entry = root.appendingPathComponent(name)
            if name.hasSuffix(".json") && !isDirectory(entry) {
                out.append(entry)
                continue
            }
            guard isDirectory(entry) else { continue }
            for probe in try fm.contentsOfDirectory(atPath: entry.path).sorted() {
                let file = entry.appendingPathComponent(probe).appendingPathComponent(probe + ".json")
                if fm.fileExists(atPath: file.path) { out.append(file) }
            }
        }
        return out
    }

    /// Reads every definition (each file bounded to 256 KiB).
    static func loadBundledDefinitions() throws(ChecksError) -> [CheckDefinition] {
        guard let root = definitionsDirectory() else {
            throw ChecksError(
                .badDefinition,
                "the check definitions (Bulkhead_Checks.resources) are not beside the bulkhead executable; install them with it or set BULKHEAD_CHECKS_DEFINITIONS"
            )
        }
        let files: [URL]
        do {
            files = try definitionFiles(in: root)
        } catch {
            throw ChecksError(.badDefinition, "cannot list the check definitions at \(root.path)", cause: error)
        }
        var out: [CheckDefinition] = []
        for url in files {
            out.append(try decodeDefinition(at: url))
        }
        return out
    }

    static func decodeDefinition(at url: URL) throws(ChecksError) -> CheckDefinition {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: 256 * 1024 + 1) ?? Data()
        } catch {
            throw ChecksError(.badDefinition, "cannot read \(url.lastPathComponent)", cause: error)
        }
        guard data.count <= 256 * 1024 else {
            throw ChecksError(.badDefinition, "\(url.lastPathComponent) is over 256 KiB")
        }
        let d: CheckDefinition
        do {
            d = try JSONDecoder().decode(CheckDefinition.self, from: data)
        } catch {
            throw ChecksError(.badDefinition, "\(url.lastPathComponent) is not a valid check definition", cause: error)
        }
        guard url.lastPathComponent == d.id + ".json" else {
            throw ChecksError(.badDefinition, "\(url.lastPathComponent) defines \(d.id); the file must be named \(d.id).json")
        }
        return d
    }

    /// Definitions filtered for `bulkhead checks list`.
    public func list(product: String? = nil, control: ControlID? = nil, family: String? = nil) -> [CheckDefinition] {
        definitions.filter { d in
            (product.map { p in d.products.contains(p) || d.family == p } ?? true)
                && (control.map { d.controls.contains($0) } ?? true)
                && (family.map { d.family == $0 } ?? true)
        }
    }
}
