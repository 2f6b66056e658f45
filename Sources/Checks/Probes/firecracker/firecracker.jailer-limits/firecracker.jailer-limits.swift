import BulkheadModel
import Foundation

// firecracker.jailer-limits: its words are in firecracker.jailer-limits.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    /// What bounds each resource the jailer can limit: the cgroup files (v1 and v2 names) that Firecracker's
    /// production guide lists, and `--resource-limit fsize` for disk.
    enum JailerResource: String, CaseIterable {
        case memory, cpu, disk, pids
    }

    /// The resource a `--cgroup FILE=VALUE` bounds, or nil when the file bounds none of them or the value is
    /// the unlimited one (`max`, `-1`).
    static func jailerCgroupBound(_ file: String, _ value: String) -> JailerResource? {
        let v = value.trimmingCharacters(in: .whitespaces)
        let unlimited = v.isEmpty || v == "max" || v == "-1"
        switch file {
        case "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.max", "memory.high": return unlimited ? nil : .memory
        case "cpu.cfs_quota_us": return unlimited ? nil : .cpu
        // cgroup v2 `cpu.max` is "QUOTA PERIOD"; a quota of max is no bound.
        case "cpu.max": return v.split(separator: " ").first.map { $0 == "max" } ?? true ? nil : .cpu
        case "cpu.shares", "cpu.weight", "cpu.weight.nice", "cpuset.cpus": return v.isEmpty ? nil : .cpu
        case "io.max": return v.isEmpty ? nil : .disk
        case _ where file.hasPrefix("blkio.throttle."): return v.isEmpty ? nil : .disk
        case "pids.max": return unlimited ? nil : .pids
        default: return nil
        }
    }

    static let firecrackerJailerLimits = Check.on("firecracker.jailer-limits", .firecracker, \.firecracker) { ctx, s, c in
        guard let j = c.jailer else {
            let why =
                startedByJailer(c)
                ? "Firecracker carries --start-time-us (started by the jailer), but the jailer's argv was not observed"
                : "no jailer argv observed (Firecracker does not appear to be started by the jailer; see firecracker.jailer)"
            return .inconclusive(why + ": its --cgroup and --resource-limit values are unknown")
        }
        let evidence = ctx.guestEvidence(s, "jailer " + j.raw.dropFirst().prefix(40).joined(separator: " "))
        var bound: [JailerResource: [String]] = [:]
        for setting in j.cgroups {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let r = jailerCgroupBound(parts[0], parts[1]) else { continue }
            bound[r, default: []].append("--cgroup " + String(setting.prefix(60)))
        }
        var fsize: String?
        var noFile: String?
        for limit in j.resourceLimits {
            let parts = limit.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "fsize", UInt64(parts[1]) != nil { fsize = parts[1] }
            if parts[0] == "no-file" { noFile = String(parts[1].prefix(20)) }
        }
        if let fsize { bound[.disk, default: []].append("--resource-limit fsize=\(fsize)") }
        let names = ctx.strings("required")
        let unknown = names.filter { JailerResource(rawValue: $0) == nil }
        guard unknown.isEmpty else {
            return .inconclusive(
                "tailoring names no jailer resource " + unknown.map { String($0.prefix(20)) }.joined(separator: ", ")
                    + " (memory, cpu, disk, pids)", evidence + ctx.tailoring("required"))
        }
        let required = names.compactMap(JailerResource.init(rawValue:))
        let missing = required.filter { bound[$0] == nil }
        let seen = JailerResource.allCases.compactMap { r in bound[r].map { "\(r.rawValue): " + $0.joined(separator: ", ") } }
        let noFileNote = "no-file " + (noFile.map { "= \($0)" } ?? "at the jailer's default (2048)")
        let observed = (seen.isEmpty ? "no cgroup or fsize limit in the jailer argv" : seen.joined(separator: "; ")) + "; " + noFileNote
        if missing.isEmpty { return .pass(observed, evidence + ctx.tailoring("required")) }
        // cgroup v2 with --parent-cgroup and no --cgroup: the jailer moves Firecracker into a cgroup the operator
        // configured beforehand (jailer.md), whose limits are not in the argv.
        if j.cgroups.isEmpty, j.cgroupVersion == "2", let parent = j.parentCgroup {
            return .inconclusive(
                "the jailer moves Firecracker into the pre-configured cgroup \(parent.prefix(80)) (cgroup v2, no --cgroup), whose limits were not observed",
                evidence)
        }
        return .fail(observed + "; no " + missing.map(\.rawValue).joined(separator: ", ") + " limit", evidence + ctx.tailoring("required"))
    }
}
