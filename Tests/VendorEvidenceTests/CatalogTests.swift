import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import VendorEvidence

@Suite struct CatalogTests {
    static let discoverableIDs: [ProductID] = [
        "kvm", "qemu", "libvirt", "xen", "firecracker", "cloud-hypervisor", "crosvm", "gvisor", "kata-containers",
        "runc", "crun", "youki", "docker", "containerd", "podman", "lxc", "bubblewrap",
    ]
    static let catalogOnlyIDs: [ProductID] = [
        "vmware-esxi", "hyper-v", "xenserver", "virtualbox", "nutanix-ahv", "proxmox-ve", "bhyve", "acrn", "sel4",
        "libkrun", "hyperlight", "apple-containerization", "openvmm",
    ]

    @Test func bundledCatalogLoadsWithoutProblems() {
        let c = Fixture.catalog
        #expect(c.problems.isEmpty, "catalog problems: \(c.problems)")
        #expect(c.products.count == 35)
        for id in Self.discoverableIDs + Self.catalogOnlyIDs {
            #expect(c.product(id) != nil, "catalog has no \(id)")
        }
    }

    @Test func everyFactHasASourceAndADate() throws {
        // Read the raw source files (SwiftPM does not re-copy a changed file inside a `.copy` resource
        // folder), so a fact without a source or date cannot hide behind decoding or a stale build.
        let dir = Fixture.repositoryRoot.appendingPathComponent("Sources/VendorEvidence/Catalog")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == 35)
        var facts = 0
        for file in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let list = try #require(json["facts"] as? [[String: Any]], "\(file): no facts array")
            #expect(!list.isEmpty, "\(file) has no facts")
            for (i, f) in list.enumerated() {
                let source = f["source"] as? [String: Any]
                let url = source?["url"] as? String ?? ""
                #expect(url.hasPrefix("http") || url.hasPrefix("file:") || url.hasPrefix("doc:"), "\(file) facts[\(i)] has no source")
                let observed = f["observed"] as? String ?? ""
                #expect(CalendarDate.parse(observed) != nil, "\(file) facts[\(i)] has no observed date")
                facts += 1
            }
        }
        #expect(facts > 200)
        let fromSource = Catalog.load(directory: dir)
        #expect(fromSource.problems.isEmpty, "catalog source problems: \(fromSource.problems)")
        #expect(fromSource.products.count == 35)
        for p in fromSource.products {
            for f in p.facts {
                guard case .document(let url, _) = f.evidence.source else {
                    Issue.record("\(p.id): fact \(f.aspect) has a non-document source")
                    continue
                }
                #expect(!url.isEmpty)
                #expect(f.evidence.observedAt > Fixture.date("2020-01-01"), "\(p.id) \(f.aspect) has no plausible date")
            }
        }
    }

    @Test func notFoundStaysUnknownNeverNo() throws {
        // products.md: "no evidence found" for Broadcom's pledge; it must be unknown, not no.
        let esxi = try #require(Fixture.catalog.product("vmware-esxi"))
        let pledge = try #require(esxi.facts.first { $0.aspect == .pledge })
        #expect(pledge.value == .unknown)
        let e = ISM1460Evaluator(asOf: Fixture.asOf).evaluate(esxi)
        #expect(e.result(.sbdCommitment)?.outcome == .met)  // published SDL, not the pledge
        #expect(e.result(.memorySafeLanguages)?.outcome == .unknown)  // closed source: unknown, not notMet
        #expect(e.status == .partiallySatisfied)
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema"), "needs python3 with jsonschema (.ci/run installs python3-jsonschema)"))
    func catalogValidatesAgainstItsJSONSchema() throws {
        let python = try #require(Tool.python(importing: "jsonschema"), "python3 with jsonschema is missing")
        let schema = Fixture.repositoryRoot.appendingPathComponent("Sources/VendorEvidence/Catalog/schema/product.schema.json")
        let dir = Fixture.repositoryRoot.appendingPathComponent("Sources/VendorEvidence/Catalog")
        let script = """
            import json, sys, glob, os
            try:
                import jsonschema
            except ImportError:
                print("MISSING jsonschema"); sys.exit(3)
            s = json.load(open(sys.argv[1])); jsonschema.Draft202012Validator.check_schema(s)
            v = jsonschema.Draft202012Validator(s); bad = 0; n = 0
            for f in sorted(glob.glob(os.path.join(sys.argv[2], "*.json"))):
                n += 1
                for e in v.iter_errors(json.load(open(f))):
                    bad += 1; print(os.path.basename(f), "/".join(map(str, e.path)), e.message[:300])
            print("checked", n); sys.exit(1 if bad else 0)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, schema.path, dir.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "schema validation failed:\n\(text)")
        #expect(text.contains("checked 35"))
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema"), "needs python3 with jsonschema (.ci/run installs python3-jsonschema)"))
    func schemaRejectsAFactWithoutAnObservedDate() throws {
        let python = try #require(Tool.python(importing: "jsonschema"), "python3 with jsonschema is missing")
        // The schema itself must be able to fail: a good entry passes, the same entry without a date fails.
        let schema = Fixture.repositoryRoot.appendingPathComponent("Sources/VendorEvidence/Catalog/schema/product.schema.json")
        let bad = Self.good.replacingOccurrences(of: #""observed":"2026-11-01","#, with: "")
        let script = """
            import json, sys, jsonschema
            s = json.load(open(sys.argv[1]))
            jsonschema.validate(json.loads(sys.argv[2]), s)
            try:
                jsonschema.validate(json.loads(sys.argv[3]), s); print("BAD ACCEPTED")
            except jsonschema.ValidationError as e:
                print("REJECTED", e.message)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, schema.path, Self.good, bad]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(text.contains("REJECTED") && text.contains("observed"), "\(text)")
    }

    @Test func aliasesFindProductsByBinaryAndPackage() {
        let c = Fixture.catalog
        #expect(c.lookup("runsc")?.id == "gvisor")
        #expect(c.lookup("bwrap")?.id == "bubblewrap")
        #expect(c.lookup("qemu-system-x86")?.id == "qemu")
        #expect(c.lookup("docker.io")?.id == "docker")
        #expect(c.lookup("no-such-thing") == nil)
        #expect(c.product("qemu")?.aliases.cpe.contains("qemu:qemu") == true)
    }

    // MARK: - Malformed catalog entries name the file and the field

    static let good = """
        {"schemaVersion":1,"id":"demo","name":"Demo","vendor":"V","role":"vmm","summary":"s","aliases":{},
         "components":[{"id":"vmm","name":"VMM","languages":["Rust"],"layer":"mechanism","isolationCritical":true}],
         "facts":[{"criterion":"sbdCommitment","aspect":"pledge","claim":"c","value":"yes",
                   "source":{"url":"https://example.test"},"observed":"2026-11-01","confidence":"low"}]}
        """

    func decodeError(_ text: String, file: String = "demo.json") -> VendorEvidenceError? {
        do throws(VendorEvidenceError) {
            _ = try Catalog.decodeProduct(Data(text.utf8), file: file)
            return nil
        } catch { return error }
    }

    @Test func goodEntryDecodes() throws {
        let p = try Catalog.decodeProduct(Data(Self.good.utf8), file: "demo.json")
        #expect(p.id == "demo" && p.facts.count == 1)
        #expect(p.facts[0].origin == .catalog(file: "demo.json"))
    }

    @Test(arguments: [
        (#""observed":"2026-11-01","#, "", "facts[0].observed", "required field is missing"),
        (#""observed":"2026-11-01""#, #""observed":"2026-13-01""#, "facts[0].observed", "not a date"),
        (#""aspect":"pledge""#, #""aspect":"fuzzing""#, "facts[0].aspect", "belongs to criterion"),
        (#""value":"yes""#, #""value":"maybe""#, "facts[0].value", "not one of yes"),
        (#""source":{"url":"https://example.test"}"#, #""source":{"url":""}"#, "facts[0].source.url", "must not be empty"),
        (#""confidence":"low""#, #""confidence":"certain""#, "facts[0].confidence", ""),
        (#""claim":"c","#, #""claim":"c","obseved":"2026-11-01","#, "facts[0].obseved", "unknown field \"obseved\""),
        (#""layer":"mechanism""#, #""layer":"userland""#, "components[0].layer", ""),
        (#""id":"demo""#, #""id":"Demo!""#, "id", "not a product id"),
    ])
    func malformedEntryNamesFileAndField(find: String, replace: String, field: String, message: String) throws {
        #expect(Self.good.contains(find), "test setup: \(find) not in the good entry")
        let err = try #require(decodeError(Self.good.replacingOccurrences(of: find, with: replace)))
        #expect(err.file == "demo.json")
        #expect(err.field == field, "got field \(err.field ?? "nil"): \(err)")
        #expect(err.description.contains("demo.json"))
        if !message.isEmpty { #expect(err.description.contains(message), "\(err)") }
    }

    @Test func idMustMatchFileNameAndComponentsMustExist() throws {
        let e1 = try #require(decodeError(Self.good, file: "other.json"))
        #expect(e1.field == "id" && e1.description.contains("demo.json"))
        let withComponent = Self.good.replacingOccurrences(of: #""aspect":"pledge","#, with: #""aspect":"pledge","component":"nope","#)
        let e2 = try #require(decodeError(withComponent))
        #expect(e2.field == "facts[0].component" && e2.description.contains("\"nope\""))
        let share = Self.good.replacingOccurrences(
            of: #""criterion":"sbdCommitment","aspect":"pledge","#, with: #""criterion":"memorySafeLanguages","aspect":"memorySafeShare","#)
        let e3 = try #require(decodeError(share))
        #expect(e3.field == "facts[0].component" && e3.description.contains("must name the component"))
        let notJSON = try #require(decodeError("{\"schemaVersion\": 1, "))
        #expect(notJSON.code == .malformed && notJSON.description.contains("not valid JSON"))
    }

    @Test func badFileInADirectoryIsReportedAndTheRestLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.good.utf8).write(to: dir.appendingPathComponent("demo.json"))
        try Data(
            Self.good.replacingOccurrences(of: #""id":"demo""#, with: #""id":"broken""#).replacingOccurrences(
                of: "\"2026-11-01\"", with: "\"yesterday\""
            ).utf8
        )
        .write(to: dir.appendingPathComponent("broken.json"))
        let c = Catalog.load(directory: dir)
        #expect(c.products.map(\.id) == ["demo"])
        #expect(c.problems.count == 1)
        #expect(c.problems.first?.file == "broken.json" && c.problems.first?.field == "facts[0].observed")
        // A second file with an id already in the catalog is a problem too.
        var bundled = Fixture.catalog
        let dup = dir.appendingPathComponent("dup")
        try FileManager.default.createDirectory(at: dup, withIntermediateDirectories: true)
        try Data(Self.good.replacingOccurrences(of: #""id":"demo""#, with: #""id":"qemu""#).utf8).write(to: dup.appendingPathComponent("qemu.json"))
        bundled.merge(Catalog.load(directory: dup))
        #expect(bundled.problems.contains { $0.description.contains("already in the catalog") })
    }

    @Test func oversizedFileIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-big-\(UUID().uuidString).json")
        try Data(repeating: 0x20, count: Catalog.fileLimit + 1).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: VendorEvidenceError.self) { try readBounded(url, limit: Catalog.fileLimit, file: "big.json") }
    }

    @Test func templateForAnUnknownProductIsAValidCatalogFile() throws {
        let text = CatalogTemplate.file(product: "mystery-vmm", name: "Mystery VMM")
        // The template has placeholders; after filling the date and URL it must decode.
        let filled = text.replacingOccurrences(of: "YYYY-MM-DD", with: "2026-11-28").replacingOccurrences(
            of: "https://…", with: "https://example.test")
        let p = try Catalog.decodeProduct(Data(filled.utf8), file: "mystery-vmm.json")
        #expect(p.id == "mystery-vmm" && p.facts.count == 2)
    }
}
