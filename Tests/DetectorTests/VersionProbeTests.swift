import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import Discovery

@Suite struct VersionProbeTests {
    @Test func readsTheVersionWordFromRealOutputs() {
        #expect(VersionProbe.firstVersion(in: "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)\nCopyright") == "7.2.22")
        #expect(VersionProbe.firstVersion(in: "runsc version 0.0~20221219.0\nspec: 1.1.0") == "0.0~20221219.0")
        #expect(VersionProbe.firstVersion(in: "crun version 1.8.1\ncommit: abc") == "1.8.1")
        #expect(VersionProbe.firstVersion(in: "no digits here") == nil)
        #expect(VersionProbe.firstVersion(in: "build 42 only") == nil)
    }

    @Test func aHungProgramIsStoppedAtTheTimeout() async throws {
        var probe = VersionProbe()
        probe.timeout = .milliseconds(300)
        let start = ContinuousClock.now
        let result = await probe.run(["/usr/bin/sleep", "600"])
        // Wall clock from this test, so it includes the time it waits for a thread of the shared pool when
        // the whole suite runs in parallel (125–164 s in CI on two cores); a program that was not stopped would
        // take ten minutes.
        #expect(ContinuousClock.now - start < .seconds(400))
        guard case .failure(let problem) = result else {
            Issue.record("a hung program must fail")
            return
        }
        #expect(problem.message.contains("did not answer"))
    }

    @Test func aMissingProgramIsAProblemNotACrash() async {
        let mechanism = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .installed)
        let filled = await VersionProbe().fill([mechanism], binaries: ["qemu": "/nonexistent/qemu"], now: Date())
        #expect(filled.first?.version == nil)
        #expect(filled.first?.problems.first?.message.contains("could not run") == true)
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func theRealQEMUBinaryAnswers() async throws {
        let binary = try #require(Tool.find("/usr/bin/qemu-system-x86_64"), "qemu-system-x86 is not installed")
        let mechanism = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .installed)
        let filled = await VersionProbe().fill([mechanism], binaries: ["qemu": binary], now: Date())
        let version = try #require(filled.first?.version)
        #expect(version.first?.isNumber == true)
        #expect(filled.first?.evidence.first?.source == .command(argv: [binary, "--version"]))
    }
}
