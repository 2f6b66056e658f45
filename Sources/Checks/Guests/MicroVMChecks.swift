import BulkheadModel
import Foundation

/// Firecracker (docs/prod-host-setup.md, jailer.md, seccomp.md, mmds), Cloud Hypervisor (docs/seccomp.md,
/// landlock.md) and crosvm (appendix/minijail.md, sandboxing.md).
enum MicroVMChecks {
    static let all: [Check] = [
        firecrackerJailer, firecrackerUID, firecrackerSeccomp, firecrackerMMDS, firecrackerGuestSMT,
        cloudHypervisorSeccomp, cloudHypervisorLandlock, crosvmSandbox,
    ]

    // MARK: firecracker.jailer

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

    // MARK: firecracker.uid

    static let firecrackerUID = Check.on("firecracker.uid", .firecracker, \.firecracker) { ctx, s, c in
        var evidence = ctx.guestEvidence(
            s, c.jailer.map { "jailer --uid \($0.uid.map(String.init) ?? "?") --gid \($0.gid.map(String.init) ?? "?")" } ?? "no jailer argv")
        var uid: Int? = c.jailer?.uid
        var gid: Int? = c.jailer?.gid
        if let conf = s.guest.confinement, let pid = s.guest.pid, let u = conf.uid {
            uid = Int(u)
            gid = conf.gid.map(Int.init) ?? gid
            evidence.append(ctx.process(pid, "status:Uid", "Uid: \(u) Gid: \(conf.gid.map(String.init) ?? "?")"))
        }
        guard let uid else { return .inconclusive("neither the process uid nor the jailer's --uid was observed", evidence) }
        if uid == 0 || gid == 0 { return .fail("microVM runs with uid \(uid) gid \(gid.map(String.init) ?? "?")", evidence) }
        // One uid per microVM: another guest of the same mechanism with the same uid shares a principal.
        let sharing = s.mechanism.guests.filter { other in
            other.name != s.guest.name
                && (other.confinement?.uid.map(Int.init)
                    ?? {
                        if case .firecracker(let oc)? = other.configuration { return oc.jailer?.uid }
                        return nil
                    }()) == uid
        }.map(\.name)
        if !sharing.isEmpty { return .fail("uid \(uid) is shared with \(sharing.joined(separator: ", "))", evidence) }
        return .pass("uid \(uid) gid \(gid.map(String.init) ?? "?"), not shared with another microVM", evidence)
    }

    // MARK: firecracker.seccomp

    static let firecrackerSeccomp = Check.on("firecracker.seccomp", .firecracker, \.firecracker) { ctx, s, c in
        var evidence = ctx.guestEvidence(
            s, c.noSeccomp ? "--no-seccomp" : c.seccompFilter.map { "--seccomp-filter \($0)" } ?? "default seccomp filters")
        if c.noSeccomp { return .fail("--no-seccomp: Firecracker runs without seccomp filters", evidence) }
        let threads = ctx.threadSeccomp(s)
        evidence += threads.evidence
        if threads.observed && !threads.offenders.isEmpty {
            return .fail(
                "\(threads.offenders.count) of \(threads.threads) threads without a filter: " + threads.offenders.prefix(5).joined(separator: ", "),
                evidence)
        }
        if let custom = c.seccompFilter {
            return .fail("--seccomp-filter \(custom): a custom filter replaces Firecracker's default (not recommended for production)", evidence)
        }
        guard threads.observed else {
            return .inconclusive(
                "the argv keeps the default filters, but per-thread Seccomp was not observed (debug builds ship no filter)",
                observed: "default seccomp filters requested", evidence)
        }
        return .pass("Seccomp: 2 on all \(threads.threads) threads", evidence)
    }

    // MARK: firecracker.mmds-v1

    static let firecrackerMMDS = Check.on("firecracker.mmds-v1", .firecracker, \.firecracker) { ctx, s, c in
        guard let vm = c.vm else {
            return .inconclusive("no --config-file was read (MMDS may be configured through the API socket)", ctx.guestEvidence(s, "no config file"))
        }
        let evidence = ctx.guestEvidence(
            s, vm.mmds.map { "mmds-config version \($0.version)\($0.versionExplicit ? "" : " (default)")" } ?? "no mmds-config")
        guard let mmds = vm.mmds else { return .notApplicable("MMDS not configured", evidence) }
        if mmds.version.uppercased() == "V1" {
            return .fail("MMDS \(mmds.version)" + (mmds.versionExplicit ? "" : " (no version given: V1 is the default)"), evidence)
        }
        return .pass("MMDS \(mmds.version)", evidence)
    }

    // MARK: firecracker.guest-smt

    static let firecrackerGuestSMT = Check.on("firecracker.guest-smt", .firecracker, \.firecracker) { ctx, s, c in
        guard let vm = c.vm else {
            return .inconclusive(
                "no --config-file was read (machine-config may be set through the API socket)", ctx.guestEvidence(s, "no config file"))
        }
        let smt = vm.machine?.smt
        let evidence = ctx.guestEvidence(s, "machine-config.smt = \(smt.map(String.init) ?? "absent (default false)")")
        if smt == true {
            if ctx.bool("allowed") { return .pass("guest SMT on (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail("machine-config.smt = true", evidence)
        }
        return .pass("guest SMT off" + (smt == nil ? " (default)" : ""), evidence)
    }

    // MARK: cloud-hypervisor.seccomp

    static let cloudHypervisorSeccomp = Check.on("cloud-hypervisor.seccomp", .cloudHypervisor, \.cloudHypervisor) { ctx, s, c in
        var evidence = ctx.guestEvidence(s, "--seccomp \(c.seccomp.rawValue)\(c.seccompExplicit ? "" : " (default)")")
        switch c.seccomp {
        case .disabled: return .fail("--seccomp false: no seccomp filters", evidence)
        case .log: return .fail("--seccomp log: filters only log (debug mode)", evidence)
        case .enabled: break
        }
        let threads = ctx.threadSeccomp(s)
        evidence += threads.evidence
        guard threads.observed else {
            return .inconclusive("seccomp is on in the argv, but per-thread Seccomp was not observed", observed: "--seccomp true", evidence)
        }
        if !threads.offenders.isEmpty {
            return .fail(
                "\(threads.offenders.count) of \(threads.threads) threads without a filter: " + threads.offenders.prefix(5).joined(separator: ", "),
                evidence)
        }
        return .pass("Seccomp: 2 on all \(threads.threads) threads", evidence)
    }

    // MARK: cloud-hypervisor.landlock

    static let cloudHypervisorLandlock = Check.on("cloud-hypervisor.landlock", .cloudHypervisor, \.cloudHypervisor) { ctx, s, c in
        let evidence = ctx.guestEvidence(s, c.landlock ? "--landlock (\(c.landlockRules.count) extra rules)" : "no --landlock")
        if c.landlock { return .pass("--landlock" + (c.landlockRules.isEmpty ? "" : " with \(c.landlockRules.count) --landlock-rules"), evidence) }
        return .fail("no --landlock: the VMM can open any host path its uid can", evidence)
    }

    // MARK: crosvm.sandbox

    static let crosvmSandbox = Check.on("crosvm.sandbox", .crosvm, \.crosvm) { ctx, s, c in
        var found: [String] = []
        if c.disableSandbox { found.append("--disable-sandbox") }
        if c.unmapGuestMemoryOnFork { found.append("--unmap-guest-memory-on-fork (requires --disable-sandbox)") }
        if c.seccompLogFailures { found.append("--seccomp-log-failures (violations logged, not fatal)") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "sandbox on (default)" : found.joined(separator: " "))
        if !found.isEmpty { return .fail(found.joined(separator: "; "), evidence) }
        return .pass("multiprocess minijail sandbox on (no --disable-sandbox)", evidence)
    }
}
