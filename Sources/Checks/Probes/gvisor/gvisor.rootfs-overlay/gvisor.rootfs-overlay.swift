import BulkheadModel
import Foundation

// gvisor.rootfs-overlay: its words are in gvisor.rootfs-overlay.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// The first runsc release whose default is --overlay2=root:self (google/gvisor 38750cded, "Make self-backed
    /// rootfs overlay the default configuration for runsc", in release-20230313.0); before it the default was none.
    static let runscRootOverlayDefaultSince = 20_230_313

    static let gvisorRootfsOverlay = Check.on("gvisor.rootfs-overlay", .gvisor, \.gvisor) { ctx, s, c in
        // The legacy --overlay (all mounts, memory-backed) still works and overlays the root file system too.
        if c.overlay == true, c.overlay2 == nil {
            return .pass("--overlay (deprecated; --overlay2=all:memory)", ctx.guestEvidence(s, "--overlay"))
        }
        if runscFlag(c, "overlay") != nil && c.overlay == nil {
            return .inconclusive("--overlay=\(runscFlag(c, "overlay") ?? "") is not a boolean runsc accepts", ctx.guestEvidence(s, "--overlay"))
        }
        guard let value = c.overlay2 else {
            if let release = runscReleaseDate(s.mechanism.version), release < runscRootOverlayDefaultSince {
                return .fail(
                    "no --overlay2, and runsc \(s.mechanism.version ?? "") predates root:self as the default (release-20230313.0): container writes go to the host's root file system through the gofer",
                    ctx.guestEvidence(s, "no --overlay2 (runsc \(s.mechanism.version ?? ""))"))
            }
            return .pass(
                "no --overlay2: runsc's default root:self", ctx.guestEvidence(s, "no --overlay2 (default root:self since release-20230313.0)"))
        }
        let evidence = ctx.guestEvidence(s, "--overlay2=\(value)")
        // Format (runsc/config/flags.go): none, or {mount}:{medium}[,size=…] with mount root|all and medium
        // memory|self|dir=/abs/path.
        if value == "none" {
            return .fail("--overlay2=none: container writes to the root file system go to the host through the gofer", evidence)
        }
        let spec = value.split(separator: ",", maxSplits: 1).first ?? ""
        guard let colon = spec.firstIndex(of: ":") else {
            return .inconclusive("--overlay2=\(value) is not none or {mount}:{medium}", evidence)
        }
        let mount = spec[..<colon]
        let medium = spec[spec.index(after: colon)...]
        guard mount == "root" || mount == "all", medium == "memory" || medium == "self" || medium.hasPrefix("dir=/") else {
            return .inconclusive("--overlay2=\(value) is not a mount (root, all) and medium (memory, self, dir=/path) runsc accepts", evidence)
        }
        return .pass("--overlay2=\(value): the root file system is overlaid inside the sandbox", evidence)
    }
}
