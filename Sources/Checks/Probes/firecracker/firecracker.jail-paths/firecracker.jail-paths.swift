import BulkheadModel
import Foundation

// firecracker.jail-paths: its words are in firecracker.jail-paths.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    /// What a path on a jail's way is, for the rule it is judged by.
    enum JailPathRole {
        /// A directory above the chroot, the exec file or the namespace handle: root's alone to write.
        case directory
        /// The chroot itself: the jailer chowns it to the microVM's user.
        case chroot(uid: UInt32?, gid: UInt32?)
        /// The `--exec-file` the jailer (root) copies into the jail and executes.
        case execFile
        /// The `--netns` handle the jailer joins.
        case netns
    }

    /// Why a non-root user able to write `path` matters, by role.
    static func jailPathWrong(_ path: String, _ st: HostObservations.FileStat, _ role: JailPathRole) -> [String] {
        var wrong: [String] = []
        let what: String
        switch role {
        case .directory: what = "directory \(path) on the jail's path"
        case .chroot: what = "chroot \(path)"
        case .execFile: what = "exec file \(path), which the jailer copies and runs"
        case .netns: what = "network namespace handle \(path)"
        }
        // A link is judged by its owner only: lstat's mode bits of a link mean nothing.
        if st.kind == "symlink" {
            if st.uid != 0 { wrong.append("\(what) is a link owned by uid \(st.uid), not root") }
            return wrong
        }
        let othersWrite = st.mode & 0o002 != 0
        let sticky = st.mode & 0o1000 != 0
        switch role {
        case .chroot(let uid, let gid):
            if st.uid != 0 && st.uid != uid {
                wrong.append("\(what) is owned by uid \(st.uid), neither root nor the microVM's uid \(uid.map(String.init) ?? "?")")
            }
            if othersWrite { wrong.append("\(what) is writable by every local user (mode \(st.octalMode))") }
            if st.mode & 0o020 != 0 && st.gid != 0 && st.gid != gid {
                wrong.append("\(what) is writable by group gid \(st.gid), not the microVM's group \(gid.map(String.init) ?? "?")")
            }
        case .directory, .execFile, .netns:
            if st.uid != 0 { wrong.append("\(what) is owned by uid \(st.uid), not root") }
            // A sticky world-writable directory (/tmp) lets others add entries but not replace root's.
            if othersWrite && !(sticky && st.kind == "directory") {
                wrong.append("\(what) is writable by every local user (mode \(st.octalMode))")
            }
            if st.mode & 0o020 != 0 && st.gid != 0 { wrong.append("\(what) is writable by group gid \(st.gid) (mode \(st.octalMode))") }
        }
        if case .execFile = role, st.kind != "regular" { wrong.append("\(what) is a \(st.kind), not a regular file") }
        return wrong
    }

    static let firecrackerJailPaths = Check.on("firecracker.jail-paths", .firecracker, \.firecracker) { ctx, s, c in
        guard let pid = s.guest.pid else {
            let why =
                startedByJailer(c)
                ? "the jail's paths are judged on a running microVM or jailer; none was observed"
                : "Firecracker does not appear to be started by the jailer (see firecracker.jailer): it has no jail whose paths could be judged"
            return .inconclusive(why, ctx.guestEvidence(s, "argv: " + c.raw.prefix(6).joined(separator: " ")))
        }
        guard let obs = ctx.input.observations else {
            return .inconclusive("no host files were collected from \(ctx.facts.source)", ctx.guestEvidence(s, "no observations"))
        }
        // A jailer still running (--new-pid-ns) or a Firecracker it started (--start-time-us).
        let jails = JailPaths.jails(ctx.facts.processes) { path in
            if case .target(let t)? = obs.links[path] { t } else { nil }
        }
        guard let jail = jails.first(where: { $0.pid == pid }) else {
            let why =
                startedByJailer(c)
                ? "the jail of pid \(pid) could not be told (no usable --id on its command line)"
                : "Firecracker does not appear to be started by the jailer (see firecracker.jailer): it has no jail whose paths could be judged"
            return .inconclusive(why, ctx.guestEvidence(s, "pid \(pid): " + c.raw.prefix(6).joined(separator: " ")))
        }
        var evidence = ctx.guestEvidence(s, "jail learnt from \(jail.source)")
        var wrong: [String] = []
        var unclear = jail.unusable.map { "not judged: \($0)" }
        var seen: [String] = []
        let fromJailer = jail.source == "jailer argv"
        let uid = fromJailer ? jail.uid : s.guest.confinement?.uid
        let gid = fromJailer ? jail.gid : s.guest.confinement?.gid
        var judged: [(String, JailPathRole)] = []
        if !jail.chroot.isEmpty {
            judged.append((jail.chroot, .chroot(uid: uid, gid: gid)))
            judged += JailPaths.ancestors(jail.chroot).map { ($0, .directory) }
        }
        if let exec = jail.execFile { judged += [(exec, .execFile)] + JailPaths.ancestors(exec).map { ($0, .directory) } }
        if let netns = jail.netns { judged += [(netns, .netns)] + JailPaths.ancestors(netns).map { ($0, .directory) } }
        var done = Set<String>()
        for (path, role) in judged where done.insert(path).inserted {
            switch obs.stats[path] {
            case .stat(let st)?:
                seen.append("\(path) \(st.kind) \(st.octalMode) uid \(st.uid) gid \(st.gid)")
                evidence.append(ctx.file(path, "\(st.kind) mode \(st.octalMode), owner uid \(st.uid), group gid \(st.gid)"))
                wrong += jailPathWrong(path, st, role)
            case .absent?: unclear.append("\(path): no such file")
            case .unreadable(let why)?: unclear.append("\(path): \(why)")
            case nil: unclear.append("\(path): not collected")
            }
        }
        let scope =
            !fromJailer
            ? " (the jailer's --exec-file and --netns are not visible once it has exec'd Firecracker; only the jail's directories were judged)"
            : ""
        if !wrong.isEmpty {
            return .fail(
                wrong.joined(separator: "; ")
                    + ": a local user who can write there can replace what the jailer, running as root, copies and executes, or create the jail before it does",
                evidence)
        }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; ") + problems(s), evidence) }
        return .pass("every path of the jail is root's to write, the chroot the microVM user's: " + seen.joined(separator: "; ") + scope, evidence)
    }
}
