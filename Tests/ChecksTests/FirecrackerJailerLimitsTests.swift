import BulkheadModel
import Checks
import Discovery
import Foundation
import Testing

/// firecracker.jailer-limits on the jailer command lines that go wrong: unlimited values, cgroup v2 names,
/// a pre-configured parent cgroup, no jailer argv at all, and the tailored resource list.
@Suite struct FirecrackerJailerLimitsTests {
    let catalog = Fixture.catalog
    let id = "firecracker.jailer-limits"
    let head = ["jailer", "--id", "vm1", "--exec-file", "/usr/bin/firecracker", "--uid", "123", "--gid", "100"]

    func judge(_ c: FirecrackerConfiguration, tailoring: String? = nil) throws -> Finding? {
        let t = try tailoring.map { try Tailoring.parse(Array($0.utf8), source: "t.json", catalog: catalog) }
        let m = IsolationMechanism(
            product: "firecracker", name: "firecracker", role: .vmm, state: .running,
            guests: [Guest(name: "vm1", pid: nil, running: false, configuration: .firecracker(c))])
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), mechanisms: [m]),
            selection: CheckSelection(only: [id]), tailoring: t)
        return report.findings.first { $0.checkID == id }
    }

    func jailer(_ options: [String], tailoring: String? = nil) throws -> Finding? {
        try judge(try FirecrackerParser.parseJailer(head + options).value, tailoring: tailoring)
    }

    @Test func limitsFromTheArgv() throws {
        // cgroup v1 names from Firecracker's production guide.
        #expect(try jailer(["--cgroup", "memory.limit_in_bytes=536870912", "--cgroup", "cpu.cfs_quota_us=50000"])?.outcome == .pass)
        // cgroup v2 names.
        let v2 = try jailer(["--cgroup-version", "2", "--cgroup", "memory.max=536870912", "--cgroup", "cpu.max=50000 100000"])
        #expect(v2?.outcome == .pass && v2?.observed?.contains("no-file at the jailer's default (2048)") == true)
        // The unlimited values bound nothing.
        let unlimited = try jailer(["--cgroup-version", "2", "--cgroup", "memory.max=max", "--cgroup", "cpu.max=max 100000"])
        #expect(unlimited?.outcome == .fail && unlimited?.observed?.contains("no memory, cpu limit") == true)
        #expect(try jailer(["--cgroup", "memory.limit_in_bytes=-1", "--cgroup", "cpu.shares=512"])?.outcome == .fail)
        // A period alone is no bound; a soft limit is not a memory limit.
        #expect(try jailer(["--cgroup", "memory.soft_limit_in_bytes=1", "--cgroup", "cpu.cfs_period_us=100000"])?.outcome == .fail)
        // Resource limits only: no cgroup bound.
        let rlimits = try jailer(["--resource-limit", "fsize=250000000", "--resource-limit", "no-file=1024"])
        #expect(rlimits?.outcome == .fail && rlimits?.observed?.contains("disk: --resource-limit fsize=250000000") == true)
        #expect(rlimits?.observed?.contains("no-file = 1024") == true)
    }

    @Test func unseenLimitsAreNeverPassed() throws {
        // Firecracker alone, or with --start-time-us but no jailer argv.
        let bare = try judge(try FirecrackerParser.parseArgv(["firecracker", "--api-sock", "/run/fc.sock"]).value)
        #expect(bare?.outcome.label == "inconclusive")
        let jailed = try judge(try FirecrackerParser.parseArgv(["firecracker", "--id", "vm1", "--start-time-us", "1"]).value)
        #expect(jailed?.outcome.label == "inconclusive" && jailed?.reason?.contains("--start-time-us") == true)
        // cgroup v2, a parent cgroup and no --cgroup: the jailer moves Firecracker into a cgroup set up beforehand.
        let parent = try jailer(["--cgroup-version", "2", "--parent-cgroup", "microvms/vm1"])
        #expect(parent?.outcome.label == "inconclusive" && parent?.reason?.contains("microvms/vm1") == true)
        // With --cgroup, the jailer makes a child of the parent: what the argv sets is judged.
        #expect(try jailer(["--cgroup-version", "2", "--parent-cgroup", "microvms", "--cgroup", "cpu.weight=2"])?.outcome == .fail)
    }

    @Test func tailoredResources() throws {
        let memoryCPU = ["--cgroup", "memory.limit_in_bytes=536870912", "--cgroup", "cpuset.cpus=0-1"]
        func tailored(_ names: String) -> String { #"{"values": {"firecracker.jailer-limits": {"required": \#(names), "reason": "r"}}}"# }
        #expect(try jailer(memoryCPU, tailoring: tailored(#"["memory", "cpu", "disk"]"#))?.outcome == .fail)
        #expect(try jailer(memoryCPU + ["--resource-limit", "fsize=1048576"], tailoring: tailored(#"["memory", "cpu", "disk"]"#))?.outcome == .pass)
        #expect(try jailer(memoryCPU + ["--cgroup", "pids.max=64"], tailoring: tailored(#"["pids"]"#))?.outcome == .pass)
        #expect(try jailer(memoryCPU, tailoring: tailored(#"["disks"]"#))?.outcome.label == "inconclusive")
    }
}
