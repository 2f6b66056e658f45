import BulkheadTestSupport
import Formats
import Foundation
import Testing

/// Formats' YAML reader (Yams over libyaml, under Formats' bounds) on the repository's real upstream YAML files
/// (log forwarders' configurations in the check fixtures, each with its PROVENANCE line), against PyYAML's composer
/// where it is installed, and on hostile documents: alias expansion, aliases as keys, nesting, size.
@Suite struct YAMLReaderTests {
    /// Every YAML file in the repository's sources and tests (upstream fluent-bit, Vector, Filebeat … files).
    static func repositoryDocuments() -> [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var found: [URL] = []
        for top in ["Sources", "Tests"] {
            guard let walker = FileManager.default.enumerator(at: root.appendingPathComponent(top), includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in walker where ["yml", "yaml"].contains(url.pathExtension) { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// PyYAML's composed nodes (no tags applied, like Bulkhead's tree) as JSON: a scalar its text, a sequence a
    /// list, a mapping a list of [key, value]; nil for a document PyYAML refuses.
    static func reference(_ paths: [String]) throws -> [Any?] {
        let python = try #require(Tool.python(importing: "yaml"))
        let script = """
            import json, sys, yaml
            def conv(n):
                if isinstance(n, yaml.ScalarNode): return n.value
                if isinstance(n, yaml.SequenceNode): return [conv(x) for x in n.value]
                return [[k.value, conv(v)] for k, v in n.value]
            out = []
            for p in sys.argv[1:]:
                try:
                    with open(p, "rb") as f: out.append([conv(d) for d in yaml.compose_all(f)])
                except Exception:
                    out.append(None)
            print(json.dumps(out))
            """
        let data = try Tool.output(python, ["-c", script] + paths)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [Any?]).map { $0 is NSNull ? nil : $0 }
    }

    static func json(_ node: YAMLNode) -> Any {
        switch node {
        case .scalar(let s): s
        case .sequence(let items): items.map(json)
        case .mapping(let entries): entries.map { [$0.key, json($0.value)] as [Any] }
        }
    }

    @Test func readsTheRepositorysUpstreamFiles() throws {
        let files = Self.repositoryDocuments()
        #expect(files.count >= 2, "\(files.map(\.lastPathComponent))")
        for url in files {
            let text = try String(contentsOf: url, encoding: .utf8)
            let node = try YAMLReader.parse(text, source: url.lastPathComponent)
            guard case .mapping(let entries)? = node else {
                Issue.record("\(url.path): not a mapping at the top")
                continue
            }
            #expect(!entries.isEmpty, "\(url.path)")
        }
    }

    @Test(.enabled(if: Tool.runsPython(importing: "yaml")))
    func sameTreeAsPyYAMLOnTheRepositorysFiles() throws {
        let files = Self.repositoryDocuments()
        let reference = try Self.reference(files.map(\.path))
        #expect(reference.count == files.count)
        for (url, expected) in zip(files, reference) {
            let text = try String(contentsOf: url, encoding: .utf8)
            let ours = try YAMLReader.documents(text, source: url.lastPathComponent).map(Self.json)
            let expectedJSON = try JSONSerialization.data(
                withJSONObject: try #require(expected, "\(url.path): PyYAML refused it"), options: .sortedKeys)
            let oursJSON = try JSONSerialization.data(withJSONObject: ours, options: .sortedKeys)
            #expect(expectedJSON == oursJSON, "\(url.path)")
        }
    }

    @Test func readsBlockFlowQuotedAndBlockScalars() throws {
        let text = """
            # a comment
            service:
              flush: 1
              'quoted key': "tab\\there"
            pipeline:
              inputs:
                - name: systemd
                  tag: host.*
              outputs: [{name: forward, match: '*', host: 192.0.2.10}]
            script: |
              line one
              line two
            empty:
            tilde: ~

            """
        let node = try #require(try YAMLReader.parse(text, source: "t.yaml"))
        let expected: YAMLNode = .mapping([
            .init(
                key: "service", value: .mapping([.init(key: "flush", value: .scalar("1")), .init(key: "quoted key", value: .scalar("tab\there"))])),
            .init(
                key: "pipeline",
                value: .mapping([
                    .init(
                        key: "inputs",
                        value: .sequence([.mapping([.init(key: "name", value: .scalar("systemd")), .init(key: "tag", value: .scalar("host.*"))])])),
                    .init(
                        key: "outputs",
                        value: .sequence([
                            .mapping([
                                .init(key: "name", value: .scalar("forward")), .init(key: "match", value: .scalar("*")),
                                .init(key: "host", value: .scalar("192.0.2.10")),
                            ])
                        ])),
                ])),
            .init(key: "script", value: .scalar("line one\nline two\n")),
            .init(key: "empty", value: .scalar("")),
            .init(key: "tilde", value: .scalar("~")),
        ])
        #expect(node == expected)
        #expect(try YAMLReader.parse("", source: "e.yaml") == nil)
        #expect(try YAMLReader.parse("# only a comment\n", source: "e.yaml") == nil)
    }

    /// Aliases where a configuration uses them (a value, an item, a merge key) are copied into the tree.
    @Test func aliasesAsValuesAreExpanded() throws {
        let text = """
            x-logging: &default
              driver: syslog
              options: {syslog-address: "tcp://192.0.2.10:514"}
            services:
              web:
                <<: *default
                image: nginx
              db:
                logging: *default
              list:
                - *default

            """
        let node = try #require(try YAMLReader.parse(text, source: "compose.yaml"))
        guard case .mapping(let top) = node, case .mapping(let services) = top[1].value else {
            Issue.record("\(node)")
            return
        }
        #expect(services[0].value == .mapping([.init(key: "<<", value: top[0].value), .init(key: "image", value: .scalar("nginx"))]))
        #expect(services[1].value == .mapping([.init(key: "logging", value: top[0].value)]))
        #expect(services[2].value == .sequence([top[0].value]))
    }

    @Test func errorsNameTheirLineAndNeverQuoteTheDocument() {
        func failure(_ text: String) -> ConfigParseError? {
            do {
                _ = try YAMLReader.documents(text, source: "f.yaml")
                return nil
            } catch { return error }
        }
        let secret = "password: hunter2-secret\n"
        let cases: [(String, ConfigParseError.Code, Int?)] = [
            (secret + "a:\n\tb: 1\n", .malformed, 3),  // a tab cannot indent
            (secret + "a: [1, 2\n", .malformed, nil),
            (secret + "a: 1\na: 2\n", .malformed, nil),  // duplicate key
            (secret + "a: *missing\n", .malformed, 2),
            (secret + "a: \"\u{1}\"\n", .invalidEncoding, nil),
        ]
        for (text, code, line) in cases {
            let e = failure(text)
            #expect(e?.code == code, "\(text.debugDescription): \(e.map { "\($0)" } ?? "read")")
            if let line { #expect(e?.line == line, "\(text.debugDescription): \(e.map { "\($0)" } ?? "")") }
            #expect(e.map { "\($0)" }?.contains("hunter2") == false)
        }
        #expect(throws: ConfigParseError.self) { try YAMLReader.parse("a: 1\n---\nb: 2\n", source: "two.yaml") }
        #expect((try? YAMLReader.documents("a: 1\n---\nb: 2\n", source: "two.yaml"))?.count == 2)
    }

    /// Hostile documents end at once with an error: each would take minutes, gigabytes or the stack unbounded.
    @Test func hostileDocumentsAreBounded() throws {
        func code(_ text: String, _ limits: YAMLReader.Limits = .init()) -> ConfigParseError.Code? {
            do {
                _ = try YAMLReader.documents(text, source: "h.yaml", limits: limits)
                return nil
            } catch { return error.code }
        }
        // A billion laughs: nine levels of ten aliases, 10^9 nodes once expanded.
        var laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            laughs += "\(name): &\(name)\n" + String(repeating: "  - *\(previous)\n", count: 10)
            previous = name
        }
        #expect(code(laughs) == .tooLarge)
        // The same anchors used as keys: Yams would compare the expansions to find duplicate keys.
        for key in ["? *i\n: 1\n", "*i : 1\n", "k: {*i : 1}\n", "k: {*i}\n", "[*i, *i]: 1\n", "k: {\n  [x,\n  y: *i\n  ]\n}\n", "?\n  - *i\n: 1\n"] {
            #expect(code(laughs + key) == .forbiddenConstruct, "\(key.debugDescription)")
        }
        // A key behind a quoted `#` is still seen; an alias-like word in a comment is not an alias.
        #expect(code(laughs + "\"k #\": {\n  [x,\n  y: *i\n  ]\n}\n") == .forbiddenConstruct)
        #expect(code("# see *note*\na: 1 # and *this*\nb: &x [1]\nc: *x # *y\n") == nil)
        // Nesting: libyaml stops at 1,000 levels, the reader at 64.
        let deepFlow = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(code(deepFlow) == .malformed)
        var deepBlock = ""
        for n in 0..<100 { deepBlock += String(repeating: " ", count: n) + "k\(n):\n" }
        #expect(code(deepBlock) == .tooLarge)
        #expect(code(String(repeating: "- ", count: 2_000) + "x\n") != nil)
        // Size, before anything is read.
        #expect(code(String(repeating: "a: 1\n", count: 100), .init(maxBytes: 100)) == .tooLarge)
        #expect(code(laughs, .init(maxNodes: 10)) == .tooLarge)
    }
}
