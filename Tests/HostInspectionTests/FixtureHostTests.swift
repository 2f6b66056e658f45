import BulkheadModel
import Formats
import Foundation
import Testing

@testable import HostInspection

@Suite("HostInspector on a fixture tree of real captured files")
struct FixtureHostTests {
    @Test("collects processes, packages, kernel, CPU and virtualization from the fixture tree")
    func collectsFixture() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        let facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect()

        #expect(facts.hostname == "fixture-host")
        #expect(facts.source == "root \(dir.url.standardizedFileURL.path)")

        let cat = try #require(facts.processes.first { $0.pid == Int32(FixtureHost.pid) })
        #expect(cat.name == "cat")
        #expect(cat.ppid == 2759)
        #expect(cat.arguments == ["cat", "/proc/self/cmdline"])
        #expect(cat.executable == "/usr/bin/cat")
        #expect(cat.programName == "cat")
        #expect(cat.confinement.uid == 0)
        #expect(cat.confinement.gid == 0)
        #expect(cat.confinement.seccomp == 0)
        #expect(cat.confinement.noNewPrivs == false)
        #expect(cat.confinement.capEff == "000001fffeffffff")
        #expect(cat.confinement.namespaces["net"] == "net:[4026531833]")
        #expect(cat.confinement.namespaces.count == 10)
        #expect(cat.confinement.cgroups.count == 10)
        #expect(cat.confinement.cgroups.contains("0::/"))
        #expect(cat.confinement.threadSeccomp.isEmpty, "cat is not an isolation program")

        // Only /proc/PID/stat readable: comm and ppid come from it.
        let statOnly = try #require(facts.processes.first { $0.pid == Int32(FixtureHost.statOnlyPid) })
        #expect(statOnly.name == "cat")
        #expect(statOnly.ppid == 2948)
        #expect(statOnly.confinement.uid == nil)

        #expect(facts.packages.count == 7)
        let qemu = try #require(facts.package("qemu-system-x86"))
        #expect(qemu.version == "1:7.2+dfsg-7+deb12u18+b3")
        #expect(qemu.sourcePackage == "qemu")
        #expect(qemu.architecture == "amd64")
        #expect(qemu.manager == "dpkg")
        #expect(facts.package("bsdutils")?.version == "1:2.38.1-5+deb12u3")
        #expect(facts.package("bsdutils")?.sourcePackage == "util-linux")
        #expect(facts.package("bubblewrap")?.sourcePackage == nil)

        #expect(facts.kernel.release == "6.18.44-fc-v669")
        #expect(facts.kernel.commandLine.contains("console=ttyS0"))
        #expect(facts.kernel.lockdown == nil)
        #expect(facts.kernel.modules.isEmpty)

        #expect(facts.cpu.vendor == "AuthenticAMD")
        #expect(facts.cpu.modelName == "AMD EPYC")
        #expect(facts.cpu.logicalCPUs == 2)
        #expect(facts.cpu.flags.contains("hypervisor"))
        #expect(facts.cpu.flags.contains("svm") == facts.cpu.hasHardwareVirtualization)
        #expect(facts.cpu.vulnerabilities.count == 3)
        #expect(facts.cpu.vulnerabilities["spectre_v2"]?.hasPrefix("Mitigation:") == true)
        #expect(facts.cpu.smtControl == "notsupported")

        #expect(facts.kvm == nil)
        #expect(facts.iommu.groupCount == 0)

        #expect(facts.virtualization.isGuest == true)
        #expect(facts.virtualization.hypervisor == "KVM")
        #expect(facts.virtualization.evidence.contains { $0.claim.contains("kvm-clock") })
        #expect(facts.virtualization.evidence.contains { $0.claim.contains("hypervisor") })
        #expect(facts.problems.isEmpty, "unexpected problems: \(facts.problems)")
    }

    @Test("a process whose /proc entry is incomplete is kept; an unparsable stat is a problem naming it")
    func hostileProcEntries() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        try dir.write("proc/77/stat", "77 no-parens R 1")
        try dir.write("proc/78/status", Array("Name:\tx\nUid:\tgarbage\nSeccomp:\t\u{1}\n".utf8) + [0xFF, 0xFE])
        try dir.mkdir("proc/79")  // exited: nothing inside
        let facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect()
        #expect(facts.problems.contains { $0.subject == "/proc/77/stat" && $0.message.contains("unrecognised") })
        let p78 = try #require(facts.processes.first { $0.pid == 78 })
        #expect(p78.name == "x")
        #expect(p78.confinement.uid == nil)
        #expect(p78.confinement.seccomp == nil)
        #expect(!facts.processes.contains { $0.pid == 79 }, "a vanished process is skipped")
    }

    @Test("a command line or a thread list over its bound is cut to the bound, with a problem saying so")
    func argumentAndThreadBounds() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        try dir.write("proc/90/cmdline", Array("qemu-system-x86_64\0-name\0g\0-m\0512\0".utf8))
        try dir.write("proc/90/status", "Name:\tqemu-system-x86\nPPid:\t1\nSeccomp:\t2\n")
        try dir.link("proc/90/exe", to: "/usr/bin/qemu-system-x86_64")
        for tid in [90, 91, 92] { try dir.write("proc/90/task/\(tid)/status", "Name:\tqemu-system-x86\nSeccomp:\t2\n") }
        var options = InspectionOptions()
        options.maxArguments = 3
        options.maxThreadsPerProcess = 2
        let facts = HostInspector(root: DirectoryHostRoot(directory: dir.path), options: options).collect()
        let qemu = try #require(facts.processes.first { $0.pid == 90 })
        #expect(qemu.arguments == ["qemu-system-x86_64", "-name", "g"])
        let messages = Dictionary(facts.problems.map { ($0.subject, $0.message) }) { first, _ in first }
        #expect(messages["/proc/90/cmdline"] == "5 arguments, over the bound of 3; the rest were dropped")
        #expect(messages["/proc/90/task"] == "3 threads, over the bound of 2; the rest were not read")
    }

    @Test("dpkg: only `install ok installed` paragraphs, epochs kept, Source name without version")
    func dpkgStates() throws {
        let real = try Fixtures.text("dpkg-status.txt")
        // The real crun paragraph, marked removed-with-config-files as dpkg writes it after `apt remove`.
        let edited = real.replacingOccurrences(
            of: "Package: crun\nStatus: install ok installed", with: "Package: crun\nStatus: deinstall ok config-files")
        #expect(edited != real)
        let (packages, problems) = DpkgStatus.parse(edited)
        #expect(problems.isEmpty)
        #expect(packages.count == 6)
        #expect(!packages.contains { $0.name == "crun" })
        #expect(packages.first { $0.name == "runsc" }?.sourcePackage == "golang-gvisor-gvisor")

        let broken = DpkgStatus.parse("Status: install ok installed\nVersion: 1\n\nPackage: a\nStatus: install ok installed\nVersion: 2\n")
        #expect(broken.packages.map(\.name) == ["a"])
        #expect(broken.problems.count == 1)
        #expect(broken.problems.first?.subject == "/var/lib/dpkg/status:1")
    }

    @Test("a dpkg status over the bound is a problem, not a truncated inventory")
    func dpkgBound() throws {
        let dir = try FixtureHost.build()
        defer { dir.remove() }
        var options = InspectionOptions()
        options.dpkgStatusLimit = 1000
        let facts = HostInspector(root: DirectoryHostRoot(directory: dir.path), options: options).collect()
        #expect(facts.packages.isEmpty)
        #expect(facts.problems.contains { $0.subject == "/var/lib/dpkg/status" && $0.message.contains("over the read bound") })
    }

    @Test("parsers: lockdown mode, stat with parentheses in comm, NUL splitting, isolation program patterns")
    func parsers() {
        // Format from the kernel's Documentation/ABI/testing/lockdown.
        #expect(HostInspector.selectedMode("none [integrity] confidentiality\n") == "integrity")
        #expect(HostInspector.selectedMode("[none] integrity confidentiality") == "none")
        #expect(HostInspector.selectedMode("none integrity") == nil)
        let stat = ProcessScanner.parseStat("12 (a (b) c) S 7 12 12 0")
        #expect(stat?.comm == "a (b) c")
        #expect(stat?.ppid == 7)
        #expect(ProcessScanner.splitNUL(Array("a\u{0}\u{0}b\u{0}".utf8)) == ["a", "", "b"])
        #expect(ProcessScanner.splitNUL([]) == [])
        #expect(ProcessScanner.effectiveID("1000\t0\t0\t0") == 0)
        let options = InspectionOptions()
        #expect(options.isIsolationProgram("qemu-system-x86_64"))
        #expect(options.isIsolationProgram("runsc-gofer"))
        #expect(options.isIsolationProgram("containerd-shim-runc-v2"))
        #expect(!options.isIsolationProgram("qemu-img"))
        #expect(!options.isIsolationProgram("bash"))
    }

    @Test("virtualization fingerprints: DMI and ACPI names, Xen dom0 is not a guest")
    func virtualizationFingerprints() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("sys/class/dmi/id/sys_vendor", "Amazon EC2\n")
        try dir.write("sys/class/dmi/id/product_name", "m5.large\n")
        try dir.write("sys/devices/system/clocksource/clocksource0/available_clocksource", "kvm-clock tsc acpi_pm \n")
        var facts = HostInspector(root: DirectoryHostRoot(directory: dir.path)).collect()
        #expect(facts.virtualization.isGuest == true)
        #expect(facts.virtualization.hypervisor == "KVM")
        #expect(facts.virtualization.platform == "Amazon EC2")

        let dom0 = try TempDir()
        defer { dom0.remove() }
        try dom0.write("sys/hypervisor/type", "xen\n")
        try dom0.write("proc/xen/capabilities", "control_d\n")
        facts = HostInspector(root: DirectoryHostRoot(directory: dom0.path)).collect()
        #expect(facts.virtualization.isGuest == false)
        #expect(facts.virtualization.hypervisor == "Xen")

        let empty = try TempDir()
        defer { empty.remove() }
        facts = HostInspector(root: DirectoryHostRoot(directory: empty.path)).collect()
        #expect(facts.virtualization.isGuest == nil, "nothing readable: unknown, not `false`")
    }
}
