public import Foundation

/// Validates a JSON document against a JSON Schema with PyPI `jsonschema` (the schema's own draft), as the
/// OSCAL and SARIF tests do. `pattern` is evaluated with the `regex` module because the OSCAL schemas use
/// `\p{L}` classes, which Python's `re` does not support; the schema itself is used unchanged. Tests that
/// call it are enabled by `Tool.runsPython(importing: "jsonschema", "regex")`.
public enum JSONSchemaValidator {
    public static let script = """
        import json, sys
        import regex, jsonschema
        from jsonschema import validators
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        doc = json.load(open(sys.argv[2], encoding="utf-8"))
        base = validators.validator_for(schema)
        def pattern(validator, p, instance, s):
            if validator.is_type(instance, "string") and not regex.search(p, instance):
                yield jsonschema.ValidationError(f"{instance!r} does not match {p!r}")
        V = validators.extend(base, {"pattern": pattern})
        # The schema must itself be valid for its draft (formats unchecked: its patterns are not Python re).
        meta_errors = list(base(base.META_SCHEMA).iter_errors(schema))
        if meta_errors:
            print("schema is invalid: " + meta_errors[0].message[:400]); sys.exit(2)
        errors = sorted(V(schema).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        for e in errors[:25]:
            print("/".join(map(str, e.absolute_path)) + ": " + e.message[:400])
        print(f"{len(errors)} error(s)")
        sys.exit(1 if errors else 0)
        """

    /// The NIST OSCAL 1.1.2 JSON schemas kept beside the worktree (`../shared/reference/schemas/oscal/v1.1.2`).
    public static func oscalSchema(_ model: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/reference/schemas/oscal/v1.1.2/oscal_\(model)_schema.json").standardizedFileURL
    }

    public struct Run: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs the validator (python3 with jsonschema and regex) over `document`; status 0 when valid, the
    /// errors (at most 25) and their count in `output`.
    public static func validate(_ document: Data, schema: URL) throws -> Run {
        guard let python = Tool.python(importing: "jsonschema", "regex") else {
            return Run(status: -1, output: "python3 with jsonschema and regex is missing (.ci/run installs them)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-schema-\(UUID().uuidString).json")
        try document.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, schema.path, file.path]
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = (try? out.fileHandleForReading.readToEnd()) ?? Data()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
