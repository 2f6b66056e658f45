import BulkheadModel
import Foundation

// runtime.kernel-fs-writable: its words are in runtime.kernel-fs-writable.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// The paths Docker, containerd, Podman and the OCI runtimes' default specs (`runc spec`, `crun spec`) mask.
    static let defaultMaskedPaths: Set<String> = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
        "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    /// One mount of a /proc/PID/mountinfo: its mount point (octal escapes decoded), per-mount options and type.
    struct MountEntry {
        var mountPoint: String
        var options: Set<Substring>
        var type: Substring
        var readOnly: Bool { options.contains("ro") }
    }

    /// The mounts of a mountinfo text, in order; nil when a line is not `ID PARENT MAJ:MIN ROOT POINT OPTS … - TYPE …`.
    static func mountEntries(_ text: String) -> [MountEntry]? {
        var out: [MountEntry] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 8, let dash = f.firstIndex(of: "-"), dash >= 6, dash + 1 < f.count else { return nil }
            out.append(MountEntry(mountPoint: AdminInterfaces.unescapeMount(f[4]), options: Set(f[5].split(separator: ",")), type: f[dash + 1]))
        }
        return out
    }

    /// What a container's mount table leaves writable of the kernel's own filesystems, or an empty list.
    static func writableKernelFilesystems(_ mounts: [MountEntry]) -> [String] {
        // The last mount at a point is the one the container sees.
        var top: [String: MountEntry] = [:]
        for m in mounts { top[m.mountPoint] = m }
        var wrong: [String] = []
        if let sys = top["/sys"], sys.type == "sysfs", !sys.readOnly { wrong.append("/sys (sysfs) is mounted read-write") }
        if let proc = top["/proc"], proc.type == "proc", !proc.readOnly {
            if top["/proc/sys"]?.readOnly != true { wrong.append("/proc/sys is writable (no read-only /proc/sys mount over a read-write /proc)") }
            let masked = defaultMaskedPaths.filter { top[$0] != nil }
            if masked.isEmpty {
                wrong.append("no /proc path is masked (none of /proc/kcore, /proc/keys, /proc/timer_list, /proc/acpi … has a mount over it)")
            }
        }
        return wrong
    }

    static let runtimeKernelFSWritable = Check.guest("runtime.kernel-fs-writable") { ctx, s in
        // A Kata container runs on its own guest kernel: the host-side process's mounts are not the container's.
        guard containerRuntimes.contains(s.mechanism.product.rawValue), s.mechanism.product != "kata-containers" else { return nil }
        return judgeContainerMounts(
            ctx, s, passing: { _ in "the kernel's /sys and /proc/sys are read-only and /proc paths are masked in the container" }
        ) { p, text in
            guard let mounts = mountEntries(text) else { return nil }
            let found = writableKernelFilesystems(mounts)
            let ro = mounts.filter { $0.readOnly && ($0.mountPoint == "/sys" || $0.mountPoint.hasPrefix("/proc/")) }.map(\.mountPoint)
            return (
                found.map { "process \(p.pid) (\(p.programName)): \($0)" },
                found.isEmpty ? "read-only or masked: " + ro.joined(separator: ", ") : found.joined(separator: "; ")
            )
        }
    }
}
