import BulkheadModel
import Foundation

// gvisor.directfs: its words are in gvisor.directfs.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// The first runsc release whose default is --directfs=true (google/gvisor 6b317756e, "Make directfs the
    /// default in runsc", in release-20230522.0).
    static let runscDirectfsDefaultSince = 20_230_522

    static let gvisorDirectfs = Check.on("gvisor.directfs", .gvisor, \.gvisor) { ctx, s, c in
        let given = runscFlag(c, "directfs")
        if given != nil && c.directfs == nil {
            return .inconclusive(
                "--directfs=\(given ?? "") is not a boolean runsc accepts", ctx.guestEvidence(s, "--directfs=\(given ?? "")"))
        }
        let release = runscReleaseDate(s.mechanism.version)
        let on: Bool
        let how: String
        if let directfs = c.directfs {
            on = directfs
            how = "--directfs=\(directfs)"
        } else if let release, release < runscDirectfsDefaultSince {
            on = false
            how = "no --directfs; runsc \(s.mechanism.version ?? "") predates directfs as the default (release-20230522.0)"
        } else {
            on = true
            how = "no --directfs (runsc's default is true since release-20230522.0)"
        }
        var evidence = ctx.guestEvidence(s, how)
        if !on {
            return .pass(
                "\(how): the sandbox runs with stricter seccomp filters and fewer capabilities; the gofer does its file operations", evidence)
        }
        if ctx.bool("allowed") {
            evidence += ctx.tailoring("allowed")
            return .pass("\(how): directfs on (allowed by tailoring)", evidence)
        }
        return .fail("\(how): the sandbox (Sentry) opens the container's files itself and \"runs with higher privileges\"", evidence)
    }
}
