import BulkheadModel
import Checks
import Discovery
import Foundation
import HostInspection
import Testing

@Suite struct KataConfigParserTests {
    @Test func readsSectionsScalarsAndMultiLineArrays() throws {
        let text = try Fixture.text("kata/configuration-clh-hardened.toml")
        let parsed = try KataConfigParser.parse(text: text, source: "clh.toml")
        let c = parsed.value
        #expect(parsed.problems.isEmpty, "\(parsed.problems)")
        #expect(c.values["hypervisor.clh.path"] == "/opt/kata/bin/cloud-hypervisor")
        #expect(c.lists["hypervisor.clh.enable_annotations"] == ["enable_iommu", "kernel_params"])
        #expect(c.bool("runtime.disable_guest_seccomp") == false)
        #expect(c.hypervisors == ["clh"])
    }

    @Test func keepsHashesInsideStringsAndLiteralStrings() throws {
        let parsed = try KataConfigParser.parse(
            text: "[a]\nx = \"not # a comment\" # a comment\ny = 'C:\\\\raw'\nz = 42\n", source: "t")
        #expect(parsed.value.values["a.x"] == "not # a comment")
        #expect(parsed.value.values["a.y"] == "C:\\\\raw")
        #expect(parsed.value.values["a.z"] == "42")
    }

    @Test func constructsKataDoesNotUseAreProblemsNotCrashes() throws {
        let parsed = try KataConfigParser.parse(
            text: "[[array.of.tables]]\nk = 1\n[ok]\ninline = { a = 1 }\n\"quoted.key\" = 1\nwhen = 1979-05-27\nnested = [[1], [2]]\nv = true\n",
            source: "t")
        // An array of tables, a key with a dot in it, a date and a nested array: reported by path, skipped.
        #expect(Set(parsed.problems.map(\.subject)) == ["t array.of.tables", "t ok.quoted.key", "t ok.when", "t ok.nested"], "\(parsed.problems)")
        #expect(parsed.value.values["ok.v"] == "true")
        #expect(parsed.value.values["array.of.tables.k"] == nil)
        // An inline table is a table like any other.
        #expect(parsed.value.values["ok.inline.a"] == "1")
    }

    @Test func aDocumentThatIsNotTOMLIsAnErrorWithItsLine() {
        for (text, line) in [("[ok]\nv = true\nnot a pair\n", 3), ("[a]\nx = 1\n[a]\ny = 2\n", 3), ("[a]\nx = 1\n\u{0}y = 2\n", 3)] {
            do {
                _ = try KataConfigParser.parse(text: text, source: "bad.toml")
                Issue.record("accepted: \(text.debugDescription)")
            } catch {
                #expect(error.code == .malformed)
                #expect(error.line == line, "\(text.debugDescription): \(error)")
            }
        }
    }

    @Test func theInputIsBoundedBeforeItIsParsed() {
        let text = "[a]\n" + String(repeating: "# padding\n", count: 500_000)
        do {
            _ = try KataConfigParser.parse(Data(text.utf8), source: "big.toml")
            Issue.record("parsed a 5 MB document")
        } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test func brokenStringsAndArraysAreErrorsWithTheLine() {
        for text in ["[a]\nx = \"unterminated\n", "[a]\nx = [\"a\", \"b\"\n", "[a]\nx = [\"open]\n"] {
            do {
                _ = try KataConfigParser.parse(text: text, source: "bad.toml")
                Issue.record("accepted: \(text.debugDescription)")
            } catch {
                #expect(error.code == .malformed)
                #expect(error.line == 2)
            }
        }
    }
}

@Suite struct KataChecksTests {
    func outcomes(_ fixture: String?, problems: [Problem] = []) throws -> [String: Outcome] {
        var settings: DaemonConfiguration.Settings?
        if let fixture {
            settings = .kata(try KataConfigParser.parse(text: try Fixture.text("kata/\(fixture)"), source: fixture).value)
        }
        let daemon = DaemonConfiguration(
            product: "kata-containers", path: "/etc/kata-containers/configuration.toml", settings: settings, problems: problems)
        let report = CheckRunner(catalog: Fixture.catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), daemons: [daemon]),
            selection: CheckSelection(only: ["kata.*"]))
        return Dictionary(uniqueKeysWithValues: report.findings.map { ($0.checkID, $0.outcome) })
    }

    @Test func shippedDefaultsFailWhereKataIsNotHardenedByDefault() throws {
        let o = try outcomes("configuration-qemu-defaults.toml")
        #expect(o["kata.debug"] == .pass)
        #expect(o["kata.annotations"] == .pass)
        #expect(o["kata.guest-seccomp"] == .fail)  // disable_guest_seccomp = true is Kata's default
        #expect(o["kata.vmm-sandbox"] == .fail)  // seccompsandbox="" ships empty
        #expect(o["kata.hypervisor"] == .fail)  // QEMU is written in C
        #expect(o["kata.shared-fs"] == .pass)
    }

    @Test func aHardenedCloudHypervisorClassPasses() throws {
        let o = try outcomes("configuration-clh-hardened.toml")
        for id in ["kata.debug", "kata.annotations", "kata.guest-seccomp", "kata.hypervisor", "kata.shared-fs"] {
            #expect(o[id] == .pass, "\(id): \(String(describing: o[id]))")
        }
        #expect(o["kata.vmm-sandbox"] == .notApplicable)
    }

    @Test func debugPathAnnotationsAndNinePFail() throws {
        let o = try outcomes("configuration-debug-9p.toml")
        for id in ["kata.debug", "kata.annotations", "kata.vmm-sandbox", "kata.hypervisor", "kata.shared-fs"] {
            #expect(o[id] == .fail, "\(id): \(String(describing: o[id]))")
        }
        // disable_guest_seccomp unset means Kata's default (true): seccomp not applied in the guest.
        #expect(o["kata.guest-seccomp"] == .fail)
    }

    /// The QEMU sandbox as each Kata runtime reads it: the Go runtime's `seccompsandbox` (its templates' key) and the
    /// Rust runtime's `seccomp_sandbox` (kata-types SecurityInfo, flattened into [hypervisor.qemu]), with the value
    /// both document ("on,obsolete=deny,spawn=deny,resourcecontrol=deny").
    @Test func theRustRuntimesSeccompSandboxKeyIsRead() throws {
        let documented = "\"on,obsolete=deny,spawn=deny,resourcecontrol=deny\""
        func judge(_ lines: String) throws -> Finding? {
            let text = "[hypervisor.qemu]\npath = \"/usr/bin/qemu-system-x86_64\"\n" + lines + "\n"
            let daemon = DaemonConfiguration(
                product: "kata-containers", path: "/opt/kata/share/defaults/kata-containers/runtime-rs/configuration-qemu-runtime-rs.toml",
                settings: .kata(try KataConfigParser.parse(text: text, source: "runtime-rs.toml").value))
            return CheckRunner(catalog: Fixture.catalog).run(
                CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), daemons: [daemon]),
                selection: CheckSelection(only: ["kata.vmm-sandbox"])
            ).findings.first
        }
        let rust = try #require(try judge("seccomp_sandbox = \(documented)"))
        #expect(rust.outcome == .pass, "\(rust.outcome.label) \(rust.observed ?? "")")
        #expect(rust.observed?.contains("Rust runtime") == true)
        let go = try #require(try judge("seccompsandbox = \(documented)"))
        #expect(go.outcome == .pass && go.observed?.contains("Go runtime") == true)
        #expect(try judge("seccompsandbox = \(documented)\nseccomp_sandbox = \(documented)")?.outcome == .pass)
        // The two keys disagree: one of the runtimes starts QEMU without -sandbox.
        let split = try #require(try judge("seccompsandbox = \(documented)\nseccomp_sandbox = \"\""))
        #expect(split.outcome == .fail && split.observed?.contains("seccomp_sandbox") == true)
        #expect(try judge("seccomp_sandbox = \"off\"")?.outcome == .fail)
        #expect(try judge("")?.outcome == .fail)
    }

    @Test func anUnreadableConfigurationIsInconclusiveNeverPass() throws {
        let o = try outcomes(nil, problems: [Problem(subject: "/etc/kata-containers/configuration.toml", message: "permission denied")])
        #expect(o.count == KataChecks.count)
        for (id, outcome) in o {
            guard case .inconclusive(let reason) = outcome else {
                Issue.record("\(id) is \(outcome.label) on an unreadable configuration")
                continue
            }
            #expect(reason.contains("permission denied"))
        }
    }
}

enum KataChecks { static let count = 6 }
