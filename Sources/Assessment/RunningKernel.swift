public import Advisories
public import BulkheadModel
import Foundation
import HostInspection

/// KVM and the kernel are patched when the *running* kernel is (issue 14 §5): their advisories are matched
/// against the kernel release in /proc/sys/kernel/osrelease (read under `--root`, recorded in snapshots),
/// through the installed package that release came from — not against the newest installed package or a
/// meta package such as linux-image-amd64, which say nothing about what runs until a reboot.
public enum RunningKernel {
    /// Products whose packages are the kernel's (the catalog's kvm and linux-kernel entries).
    public static func isKernelProduct(_ alias: ProductAliases) -> Bool {
        alias.debianPackages.contains { $0.hasPrefix("linux-image") }
            || alias.rpmPackages.contains { ["kernel", "kernel-core", "kernel-default"].contains($0) }
    }

    /// The manager name of the stand-in package for a running kernel no installed package provides.
    public static let unpackagedManager = "kernel"

    /// What an assessment checks for a kernel product.
    public struct Target: Sendable, Hashable {
        /// /proc/sys/kernel/osrelease, nil when it was not read.
        public var running: String?
        /// The installed package of the running kernel (linux-image-RELEASE, kernel-core V-R.ARCH); for a
        /// kernel no installed package provides, a stand-in with the release's upstream version and
        /// manager `kernel` (no changelog, no backports).
        public var package: InstalledPackage?
        /// The sentence the ISM-1606 finding carries (what was matched, reboot pending).
        public var note: String
    }

    public static func target(_ facts: HostFacts) -> Target {
        guard let running = facts.kernel.release?.trimmingCharacters(in: .whitespacesAndNewlines), !running.isEmpty else {
            return Target(
                running: nil, package: nil,
                note:
                    "the running kernel release (/proc/sys/kernel/osrelease) was not read; kernel advisories are matched against the running kernel only"
            )
        }
        let packages = facts.packages
        let deb = packages.first { $0.manager == "dpkg" && ($0.name == "linux-image-\(running)" || $0.name == "linux-image-\(running)-unsigned") }
        let rpm = packages.first { p in
            p.manager == "rpm" && ["kernel-core", "kernel", "kernel-default"].contains(p.name)
                && (p.architecture.map { "\(p.version).\($0)" } == running || p.version == running)
        }
        if let pkg = deb ?? rpm {
            return Target(running: running, package: pkg, note: "matched against the running kernel \(running) (package \(pkg.name) \(pkg.version))")
        }
        // A kernel installed by hand or supplied by the VMM: its upstream version, without distribution backports.
        let upstream = String(running.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        guard !upstream.isEmpty else {
            return Target(
                running: running, package: nil,
                note: "the running kernel \(running) is from no installed package and names no upstream version to match advisories against")
        }
        return Target(
            running: running,
            package: InstalledPackage(name: "running kernel \(running)", version: upstream, manager: unpackagedManager),
            note:
                "matched against the running kernel \(running) (upstream \(upstream)); no installed package provides it, so no distribution backports are known"
        )
    }

    /// "reboot pending" when the running kernel is not the newest installed kernel package
    /// (`patch.running-kernel`'s comparison), nil when it is or no kernel package is installed.
    static func rebootPending(_ evidence: HostEvidence) -> String? {
        let f = PatchFindings.runningKernel(evidence: evidence)
        guard f.outcome == .fail, let observed = f.observed else { return nil }
        return observed
    }
}
