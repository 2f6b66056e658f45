import BulkheadModel
import Checks
import Foundation
import Testing

/// Each check is one unit, like an OpenSSF Scorecard probe: `Sources/Checks/Probes/<family>/<id>/` holds its
/// definition, its implementation and its good and bad configurations, and every fixture gives its
/// outcome through the real parsers and `CheckRunner`.
@Suite struct ProbeUnitTests {
    /// Checks that lack a good or a bad real configuration, with the side that is missing. Each one's
    /// `fixtures/README.md` says why. The list may only shrink: a new gap, or a gap closed without removing
    /// it here, fails `everyProbeHasAGoodAndABadFixture`.
    static let exceptions: [String: Set<ProbeFixture.Expectation>] = [:]

    @Test func everyProbeFolderHoldsOneCheck() throws {
        let folders = try ProbeFolder.all()
        #expect(folders.count >= 50, "\(folders.count) probe folders under \(ProbeFolder.root.path)")
        let catalog = try CheckCatalog.standard()
        for folder in folders {
            let entries = Set(try ProbeFiles.entries(folder.url))
            let expected: Set<String> = ["\(folder.id).json", "\(folder.id).swift", "fixtures"]
            #expect(entries == expected, "\(folder.id): holds \(entries.sorted()), expected \(expected.sorted())")
            let definition = catalog.definition(folder.id)
            #expect(definition != nil, "\(folder.id): \(folder.id).json is not in the shipped catalog")
            #expect(definition?.family == folder.family, "\(folder.id): family \(definition?.family ?? "-") in a \(folder.family) folder")
            let source = (try? ProbeFiles.text(folder.url.appendingPathComponent("\(folder.id).swift"))) ?? ""
            #expect(source.contains("(\"\(folder.id)\""), "\(folder.id).swift does not declare the check \(folder.id)")
        }
    }

    @Test func definitionsImplementationsAndFoldersAreTheSameSet() throws {
        let folders = Set(try ProbeFolder.all().map(\.id))
        let definitions = Set(try CheckCatalog.standard().definitions.map(\.id))
        let implementations = CheckLibrary.all.map(\.id)
        #expect(Set(implementations).count == implementations.count, "an id is implemented twice")
        #expect(definitions.subtracting(folders).isEmpty, "definitions with no probe folder: \(definitions.subtracting(folders).sorted())")
        #expect(folders.subtracting(definitions).isEmpty, "probe folders with no shipped definition: \(folders.subtracting(definitions).sorted())")
        let implemented = Set(implementations)
        #expect(
            folders.subtracting(implemented).isEmpty,
            "probe folders with no implementation in CheckLibrary.all: \(folders.subtracting(implemented).sorted())")
        #expect(implemented.subtracting(folders).isEmpty, "implementations with no probe folder: \(implemented.subtracting(folders).sorted())")
        // Package.swift ships each definition as a resource and keeps each fixtures/ out of the target.
        let manifest = try ProbeFiles.text(
            ProbeFolder.root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Package.swift"))
        let listed = Self.checkProbes(inManifest: manifest)
        #expect(
            listed == folders,
            "Package.swift checkProbes differs: missing \(folders.subtracting(listed).sorted()), extra \(listed.subtracting(folders).sorted())")
    }

    /// The quoted ids of `let checkProbes = [ … ]` in Package.swift.
    static func checkProbes(inManifest text: String) -> Set<String> {
        guard let start = text.range(of: "let checkProbes = ["), let end = text[start.upperBound...].firstIndex(of: "]") else { return [] }
        return Set(text[start.upperBound..<end].split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
    }

    @Test func everyImplementationLivesInItsProbeFolder() throws {
        let checks = ProbeFolder.root.deletingLastPathComponent()
        let ids = try ProbeFolder.all().map(\.id)
        guard let walker = FileManager.default.enumerator(atPath: checks.path) else {
            Issue.record("cannot list \(checks.path)")
            return
        }
        var swiftFiles = 0
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            swiftFiles += 1
            let text = try ProbeFiles.text(checks.appendingPathComponent(relative))
            for id in ids where text.contains("(\"\(id)\"") {
                #expect(relative == "Probes/\(id.prefix { $0 != "." })/\(id)/\(id).swift", "\(relative) declares \(id) outside its probe folder")
            }
        }
        #expect(swiftFiles > ids.count)
    }

    @Test func everyProbeHasAGoodAndABadFixture() throws {
        var missing: [String: Set<ProbeFixture.Expectation>] = [:]
        for folder in try ProbeFolder.all() {
            let sides = Set(ProbeFixture.of(folder).map(\.expectation))
            let absent = Set([ProbeFixture.Expectation.good, .bad]).subtracting(sides)
            if !absent.isEmpty { missing[folder.id] = absent }
        }
        #expect(missing == Self.exceptions, "checks without a good/bad pair: \(missing.mapValues { $0.map(\.rawValue).sorted() })")
        for (id, sides) in Self.exceptions {
            let folder = try ProbeFolder.named(id)
            let readme = (try? ProbeFiles.text(folder.fixtures.appendingPathComponent("README.md"))) ?? ""
            for side in sides {
                #expect(readme.contains("no \(side.rawValue) "), "\(id): fixtures/README.md does not say why there is no \(side.rawValue) fixture")
            }
        }
    }

    @Test func everyFixtureHasProvenance() throws {
        for folder in try ProbeFolder.all() {
            let fixtures = ProbeFixture.of(folder)
            guard !fixtures.isEmpty else { continue }
            let provenance = (try? ProbeFiles.text(folder.fixtures.appendingPathComponent("PROVENANCE.md"))) ?? ""
            for fixture in fixtures {
                #expect(provenance.contains("`\(fixture.name)`"), "\(folder.id): fixtures/PROVENANCE.md does not name `\(fixture.name)`")
            }
        }
    }

    @Test(arguments: ProbeFixture.all)
    func fixtureGivesItsOutcome(_ fixture: ProbeFixture) throws {
        let input = try FixtureRunner.input(fixture)
        let report = CheckRunner(catalog: Fixture.catalog).run(input, selection: CheckSelection(only: [fixture.checkID]))
        let findings = report.findings.filter { $0.checkID == fixture.checkID }
        #expect(!findings.isEmpty, "\(fixture.testDescription) gave no \(fixture.checkID) finding")
        let described = findings.map { "\($0.subject) \($0.outcome.label): \($0.observed ?? "") \($0.reason ?? "")" }.joined(separator: "; ")
        switch fixture.expectation {
        case .good:
            // Every subject of a good configuration passes.
            #expect(findings.allSatisfy { $0.outcome == .pass }, "\(fixture.testDescription) should pass: \(described)")
        case .bad:
            // A bad configuration fails for at least one subject (a file may also hold a hardened one).
            #expect(findings.contains { $0.outcome == .fail }, "\(fixture.testDescription) should fail: \(described)")
        }
    }
}
