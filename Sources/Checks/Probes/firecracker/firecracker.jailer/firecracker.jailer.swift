import BulkheadModel
import Foundation

// firecracker.jailer: its words are in firecracker.jailer.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    /// After the jailer execs Firecracker, its argv carries `--start-time-us` (set only by the jailer).
    static func startedByJailer(_ c: FirecrackerConfiguration) -> Bool {
        c.jailer != nil || c.raw.contains { $0.hasPrefix("--start-time-us") }
    }

    static let firecrackerJailer = Check.on("firecracker.jailer", .firecracker, \.firecracker) { ctx, s, c in
        var evidence = ctx.guestEvidence(
            s, c.jailer.map { "started by jailer --id \($0.id ?? "?")" } ?? "argv: " + c.raw.prefix(6).joined(separator: " "))
        if startedByJailer(c) {
            return .pass("started by the jailer" + (c.jailer?.chrootBaseDir.map { " (chroot base \($0))" } ?? ""), evidence)
        }
        // Without a jailer argv, a jail still shows as a separate mount namespace and a non-root uid.
        if let conf = s.guest.confinement, let mnt = conf.namespaces["mnt"],
            let host = ctx.facts.processes.first(where: { $0.pid == 1 })?.confinement.namespaces["mnt"], let pid = s.guest.pid
        {
            evidence.append(ctx.process(pid, "ns/mnt", mnt))
            if mnt != host, let uid = conf.uid, uid != 0 {
                return .pass("no jailer argv seen, but the process has its own mount namespace and runs as uid \(uid)", evidence)
            }
        }
        return .fail("Firecracker was not started by the jailer (no --start-time-us, no jailer parent)", evidence)
    }
}
