public import Advisories
import BulkheadModel
public import Checks
public import Discovery
import Foundation
public import HostInspection
public import VendorEvidence

/// The needs of every stage after the collection, in the order the collection serves them: discovery
/// (binaries, guest and daemon configuration), the hardening checks' observed files, and the backport
/// sources of installed packages. `bulkhead assess`, `checks run`, `advisories check` and `snapshot` all
/// collect with these, so a snapshot holds exactly what an assessment reads.
public enum EvidencePlan {
    public static func needs(catalog: Catalog, discovery: DiscoveryOptions = DiscoveryOptions()) -> [any EvidenceNeed] {
        [
            DiscoveryEngine(options: discovery), CheckEvidenceNeed(), JailPathEvidenceNeed(),
            BackportEvidenceNeed(aliases: AdvisoryAliases.all(catalog)),
            PatchEvidenceNeed(listing: true), PatchEvidenceNeed(),
        ] + DnfMetadataNeed.all
    }
}

/// What the logging, integrity, KSM, host-OS and lifecycle checks read, and the daemon configurations
/// (libvirt's qemu.conf, Xen's xl.conf, Kata's configuration.toml).
public struct CheckEvidenceNeed: EvidenceNeed {
    /// Bound per observed file: configuration files, not logs.
    public static let limit = 1 << 20

    public init() {}

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        for path in HostObservations.wantedFiles { request.read(path, limit: Self.limit) }
        for path in HostObservations.wantedExistence { request.kind(path) }
        for (directory, suffix) in HostObservations.wantedDirectories {
            request.list(directory, readingEntriesEndingWith: suffix, limit: Self.limit)
        }
        for paths in CheckInputs.daemonPaths {
            for path in paths { request.kind(path) }
            request.readFirstExisting(paths, limit: CheckInputs.daemonLimit)
        }
        // ISM-1604's administrative interfaces: the daemons' open sockets, engine sockets, container mounts.
        let admin = AdminInterfaces.wanted(evidence.facts.processes)
        for (path, limit) in admin.files { request.read(path, limit: limit) }
        for path in admin.stats { request.stat(path) }
        for directory in admin.descriptorDirectories { request.readLinks(in: directory, maxEntries: AdminInterfaces.maxDescriptors) }
        for path in admin.links { request.readLink(path) }
        for path in JailPaths.wantedLinks(evidence.facts.processes) { request.readLink(path) }
        return request
    }

    /// The observed files, from the evidence.
    public static func observations(_ evidence: HostEvidence) -> HostObservations {
        let files = evidence.files
        var obs = HostObservations(observedAt: evidence.collectedAt, source: evidence.source)
        func state(_ path: String) -> HostObservations.State {
            do {
                return .content(try files.readText(path, limit: limit))
            } catch {
                return error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for path in HostObservations.wantedFiles { obs.files[path] = state(path) }
        let admin = AdminInterfaces.wanted(evidence.facts.processes)
        for (path, limit) in admin.files {
            do {
                obs.files[path] = .content(try files.readText(path, limit: limit))
            } catch {
                // A path no collection asked about (a snapshot from an older Bulkhead) stays unobserved.
                guard files.paths.contains(path) else { continue }
                obs.files[path] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        // The admin interfaces' and the jails' stats and links; a path no collection asked about (a snapshot from
        // an older Bulkhead) stays unobserved.
        let jails = JailPathEvidenceNeed.jails(evidence)
        for path in admin.stats + JailPaths.statPaths(jails) {
            do {
                let m = try files.metadata(of: path)
                obs.stats[path] = .stat(.init(kind: m.kind.rawValue, mode: m.mode, uid: m.uid, gid: m.gid))
            } catch {
                guard files.paths.contains(path) else { continue }
                obs.stats[path] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for path in admin.links + JailPaths.wantedLinks(evidence.facts.processes) {
            do {
                obs.links[path] = .target(try files.readLink(path))
            } catch {
                guard files.paths.contains(path) else { continue }
                obs.links[path] = .unreadable(error.message)
            }
        }
        for directory in admin.descriptorDirectories {
            do {
                let names = try files.list(directory)
                obs.listed[directory] = .present
                for name in names {
                    let path = "\(directory)/\(name)"
                    do {
                        obs.links[path] = .target(try files.readLink(path))
                    } catch {
                        if error.code != .notFound || files.paths.contains(path) { obs.links[path] = .unreadable(error.message) }
                    }
                }
            } catch {
                guard files.paths.contains(directory) else { continue }
                obs.listed[directory] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for path in HostObservations.wantedExistence { obs.files[path] = files.exists(path) ? .present : .absent }
        for (directory, suffix) in HostObservations.wantedDirectories {
            do {
                let names = try files.list(directory)
                obs.listed[directory] = .present
                for name in names.sorted() where name.hasSuffix(suffix) {
                    obs.files["\(directory)/\(name)"] = state("\(directory)/\(name)")
                }
            } catch {
                guard files.paths.contains(directory) else { continue }
                obs.listed[directory] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        return obs
    }
}

/// The backport sources of every installed package a catalog product maps to: its Debian changelog
/// (bounded, still compressed), the rpm database (already read by the package inventory) and
/// /etc/os-release (the release codename for the security tracker).
public struct BackportEvidenceNeed: EvidenceNeed {
    public let aliases: [Advisories.ProductAliases]

    public init(aliases: [Advisories.ProductAliases]) {
        self.aliases = aliases
    }

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        request.read("/etc/os-release", limit: BackportReader.osReleaseLimit)
        for alias in aliases {
            // A kernel product is checked through the running kernel's package (`RunningKernel`); the
            // product's own packages stay for criterion 5's fix dates.
            var packages = BackportReader.packagesToCheck(of: alias, in: evidence.facts.packages)
            if RunningKernel.isKernelProduct(alias), let running = RunningKernel.target(evidence.facts).package,
                running.manager != RunningKernel.unpackagedManager
            {
                packages.append(running)
            }
            for pkg in packages {
                if pkg.manager == "rpm" {
                    for path in BackportReader.rpmDatabasePaths { request.read(path, limit: BackportReader.rpmDatabaseLimit) }
                } else {
                    request.readFirstExisting(DebianChangelog.candidatePaths(forPackage: pkg.name), limit: DebianChangelog.maxCompressedSize)
                }
            }
        }
        return request
    }
}

/// The owners and modes of each Firecracker jail's paths (`firecracker.jail-paths`): served after
/// `CheckEvidenceNeed`, which reads each jailed Firecracker's `/proc/PID/root`, so the chroot it names (and
/// every directory above it) is what gets stat'ed, not a guess.
public struct JailPathEvidenceNeed: EvidenceNeed {
    public init() {}

    /// The jails, from the process table and the `/proc/PID/root` links already collected.
    static func jails(_ evidence: HostEvidence) -> [JailPaths.Jail] {
        JailPaths.jails(evidence.facts.processes) { path in try? evidence.files.readLink(path) }
    }

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        for path in JailPaths.statPaths(Self.jails(evidence)) { request.stat(path) }
        return request
    }
}
