import Foundation

/// How QEMU accelerates the guest.
public enum Accelerator: String, Codable, Hashable, Sendable, CaseIterable {
    /// KVM when a short KVM boot actually completes here, else TCG.
    case auto
    case tcg
    case kvm
}

/// A launch configuration for one mechanism.
public struct LabVariant: Sendable, Hashable {
    public var name: String
    public var summary: String

    public static func known(for mechanism: LabMechanism) -> [LabVariant] {
        switch mechanism {
        case .qemu:
            [
                LabVariant(name: "baseline", summary: "q35, -nodefaults, qemu64 without VMX/SVM, no shares"),
                LabVariant(name: "floppy", summary: "baseline + an ISA floppy controller (-device isa-fdc)"),
                LabVariant(name: "virtfs", summary: "baseline + a read-only 9p share of a host directory (-virtfs)"),
                LabVariant(name: "nested", summary: "baseline with -cpu max (VMX/SVM exposed)"),
                LabVariant(name: "pc-defaults", summary: "QEMU's default i440fx PC machine with its default devices"),
            ]
        case .bwrap:
            [
                LabVariant(name: "baseline", summary: "--unshare-all --ro-bind / / --dev /dev --proc /proc"),
                LabVariant(name: "minimal-root", summary: "--unshare-all with a private root holding only the probe"),
                LabVariant(name: "share-net", summary: "baseline + --share-net (host network namespace)"),
                LabVariant(name: "share-pid", summary: "every namespace unshared except pid (host PID namespace)"),
                LabVariant(name: "cap-sys-admin", summary: "baseline + --cap-add CAP_SYS_ADMIN"),
            ]
        case .runsc:
            [LabVariant(name: "baseline", summary: "runsc --rootless --network=none do (host root shared read-only)")]
        case .crun:
            [
                LabVariant(name: "baseline", summary: "OCI bundle: minimal rootfs, default capabilities, seccomp denylist, no_new_privs"),
                LabVariant(name: "privileged", summary: "OCI bundle with every capability and no seccomp"),
            ]
        }
    }
}

/// A prepared launch: the argument array and how to read its output.
struct Launch: Sendable {
    var argv: [String]
    var timeout: Duration
    var marker: String
    var canaryText: String?
    var accelerator: String?
    /// Run after the process ends (delete sandbox state); argument arrays.
    var cleanup: [[String]] = []
    var currentDirectory: String?
    /// Something a reader of the report should know about how the mechanism was started.
    var note: String?
}

enum Launchers {
    static func marker() -> String { UUID().uuidString.lowercased() }

    static func beginMarker(_ tag: String) -> String { "@@BULKHEAD-PROBE-BEGIN-\(tag)@@" }
    static func endMarker(_ tag: String) -> String { "@@BULKHEAD-PROBE-END-\(tag)@@" }

    /// Plants the canary file a probe should not be able to read.
    static func plantCanary(_ ws: LabWorkspace) throws(LabError) -> (path: String, text: String) {
        let text = "bulkhead-canary-" + UUID().uuidString.lowercased()
        try ws.write("canary", text + "\n")
        return (ws.file("canary"), text)
    }

    /// Copies the probe, stripped when `strip` is available (smaller initramfs, faster boot).
    static func installProbe(_ probe: String, into ws: LabWorkspace, at relative: String) async throws(LabError) {
        if let strip = LabTools.find("strip") {
            let run = try await BoundedProcess.run(
                [strip, "-o", ws.file(relative), probe], timeout: .seconds(60), outputLimit: 64 * 1024)
            if run.exitStatus == 0 {
                _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ws.file(relative))
                return
            }
            try? FileManager.default.removeItem(atPath: ws.file(relative))
        }
        try ws.copy(probe, to: relative)
    }

    static func requireStatic(_ probe: String, for what: String) throws(LabError) {
        if LabTools.isDynamicELF(probe) == true {
            throw LabError(
                .artifactMissing,
                "\(probe) is dynamically linked; \(what) needs the static probe that `swift build --product bulkhead-probe` links (-static-executable)"
            )
        }
    }

    // MARK: QEMU

    static func qemu(
        variant: String, accelerator: String, probe: String, kernel: String, ws: LabWorkspace, timeout: Duration?
    ) async throws(LabError) -> Launch {
        let qemu = try LabTools.require("qemu-system-x86_64", package: "qemu-system-x86")
        let cpio = try LabTools.require("cpio", package: "cpio")
        guard let busybox = ["/bin/busybox", "/usr/bin/busybox"].first(where: { LabTools.isDynamicELF($0) == false })
        else { throw LabError(.programMissing, "a static busybox is needed for the initramfs; install busybox-static") }
        try requireStatic(probe, for: "the QEMU initramfs")
        let tag = marker()
        for dir in ["initramfs/bin", "initramfs/proc", "initramfs/sys", "initramfs/dev", "initramfs/mnt", "share"] {
            try ws.makeDirectory(dir)
        }
        try ws.copy(busybox, to: "initramfs/bin/busybox")
        try await installProbe(probe, into: ws, at: "initramfs/probe")
        try ws.write(
            "initramfs/init",
            """
            #!/bin/busybox sh
            /bin/busybox mount -t proc proc /proc
            /bin/busybox mount -t sysfs sysfs /sys
            /bin/busybox mount -t devtmpfs devtmpfs /dev
            /probe --marker \(tag)
            /bin/busybox poweroff -f

            """, mode: 0o755)
        // cpio -o -H newc reads the file list on stdin.
        let names = [".", "./init", "./probe", "./bin", "./bin/busybox", "./proc", "./sys", "./dev", "./mnt"]
        try ws.write("initramfs.list", names.joined(separator: "\n") + "\n")
        let archive = try await BoundedProcess.run(
            [cpio, "--quiet", "-o", "-H", "newc"], timeout: .seconds(60), outputLimit: 0,
            currentDirectory: ws.file("initramfs"), stdinFile: ws.file("initramfs.list"), stdoutFile: ws.file("initrd.cpio"))
        guard archive.exitStatus == 0 else {
            throw LabError(.buildFailed, "cpio failed to build the initramfs", cause: String(decoding: archive.stderr, as: UTF8.self))
        }
        try? FileManager.default.removeItem(atPath: ws.file("initramfs"))

        var argv = [qemu, "-accel", accelerator]
        switch variant {
        case "pc-defaults": argv += ["-machine", "pc", "-cpu", "qemu64,-svm,-vmx,+rdrand"]
        case "nested": argv += ["-machine", "q35", "-nodefaults", "-cpu", "max"]
        default:
            argv += ["-machine", "q35", "-nodefaults", "-cpu", accelerator == "kvm" ? "host,-vmx,-svm" : "qemu64,-svm,-vmx,+rdrand"]
        }
        argv += [
            "-m", "256", "-smp", "1", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
            "-kernel", kernel, "-initrd", ws.file("initrd.cpio"),
            // random.trust_cpu=on with RDRAND: the probe's first getrandom() would otherwise block ~2 s
            // under TCG until the kernel's entropy pool initialises.
            // cryptomgr.notests and the initcall blacklist skip the slowest initcalls under TCG (crypto
            // self-tests, kprobe trace setup, certificate loading), about half the guest's boot time;
            // none of them matters to a throw-away guest that only runs the probe.
            "-append",
            "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init random.trust_cpu=on cryptomgr.notests "
                + "initcall_blacklist=crypto_algapi_init,init_kprobe_trace,load_system_certificate_list,crypto_kdf108_init",
        ]
        switch variant {
        case "floppy": argv += ["-device", "isa-fdc"]
        case "virtfs":
            try ws.write("share/host-file", "a file on the host\n")
            argv += ["-virtfs", "local,path=\(ws.file("share")),mount_tag=hostshare,security_model=none,readonly=on"]
        default: break
        }
        return Launch(
            argv: argv, timeout: timeout ?? .seconds(180), marker: tag, canaryText: nil, accelerator: accelerator)
    }

    // MARK: sandboxes

    static func runsc(variant: String, probe: String, ws: LabWorkspace, timeout: Duration?) async throws(LabError) -> Launch {
        let runsc = try LabTools.require("runsc", package: "runsc")
        let tag = marker()
        let canary = try plantCanary(ws)
        try ws.makeDirectory("runsc-state")
        let state = ws.file("runsc-state")
        let argv = [
            runsc, "--rootless", "--network=none", "--ignore-cgroups", "--root", state, "do", "-quiet", probe, "--marker", tag,
            "--canary", canary.path,
        ]
        return Launch(
            argv: argv, timeout: timeout ?? .seconds(60), marker: tag, canaryText: canary.text, accelerator: nil,
            cleanup: [], currentDirectory: ws.path)
    }

    static func bwrap(variant: String, probe: String, ws: LabWorkspace, timeout: Duration?) async throws(LabError) -> Launch {
        let bwrap = try LabTools.require("bwrap", package: "bubblewrap")
        let tag = marker()
        let canary = try plantCanary(ws)
        var argv = [bwrap, "--die-with-parent"]
        var inside = probe
        switch variant {
        case "share-pid":
            argv += ["--unshare-user-try", "--unshare-ipc", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        case "share-net": argv += ["--unshare-all", "--share-net"]
        default: argv += ["--unshare-all"]
        }
        // Run as root, bwrap keeps every capability unless told otherwise.
        argv += ["--cap-drop", "ALL"]
        if variant == "cap-sys-admin" { argv += ["--cap-add", "CAP_SYS_ADMIN"] }
        if variant == "minimal-root" {
            for dir in ["rootfs/dev", "rootfs/proc", "rootfs/tmp"] { try ws.makeDirectory(dir) }
            try await installProbe(probe, into: ws, at: "rootfs/probe")
            try requireStatic(probe, for: "the minimal-root variant")
            argv += ["--ro-bind", ws.file("rootfs"), "/"]
            inside = "/probe"
        } else {
            argv += ["--ro-bind", "/", "/"]
        }
        argv += ["--dev", "/dev", "--proc", "/proc"]
        argv += ["--", inside, "--marker", tag, "--canary", canary.path]
        return Launch(argv: argv, timeout: timeout ?? .seconds(30), marker: tag, canaryText: canary.text, accelerator: nil)
    }

    static func crun(variant: String, probe: String, ws: LabWorkspace, timeout: Duration?) async throws(LabError) -> Launch {
        let crun = try LabTools.require("crun", package: "crun")
        try requireStatic(probe, for: "the crun rootfs")
        let tag = marker()
        let canary = try plantCanary(ws)
        for dir in ["bundle/rootfs/proc", "bundle/rootfs/dev", "bundle/rootfs/sys", "bundle/rootfs/tmp", "crun-state"] {
            try ws.makeDirectory(dir)
        }
        try await installProbe(probe, into: ws, at: "bundle/rootfs/probe")
        let privileged = variant == "privileged"
        let config = OCIConfig.make(
            args: ["/probe", "--marker", tag, "--canary", canary.path], privileged: privileged)
        try ws.write("bundle/config.json", config)
        let id = "bulkhead-lab-" + tag.prefix(8)
        let state = ws.file("crun-state")
        var argv = [crun, "--cgroup-manager=disabled", "--root", state, "run", "--bundle", ws.file("bundle"), id]
        var note: String?
        // crun refuses a hybrid cgroup layout whose v2 hierarchy has controllers ("cgroups in hybrid mode
        // not supported"). There, crun is started in a private mount namespace (bwrap, no other
        // unsharing) where that v2 mount is covered by an empty tmpfs; the container's own isolation is
        // still entirely crun's.
        if hybridCgroupWithV2Controllers(), let bwrap = LabTools.find("bwrap") {
            argv =
                [
                    bwrap, "--die-with-parent", "--bind", "/", "/", "--dev-bind", "/dev", "/dev", "--proc", "/proc", "--tmpfs",
                    "/sys/fs/cgroup/unified", "--",
                ] + argv
            note =
                "host has a hybrid cgroup layout with controllers in /sys/fs/cgroup/unified, which crun refuses; crun was started in a private mount namespace (bwrap, which also sets no_new_privs) with that mount hidden"
        }
        return Launch(
            argv: argv, timeout: timeout ?? .seconds(30), marker: tag, canaryText: canary.text, accelerator: nil,
            cleanup: [[crun, "--root", state, "delete", "--force", id]], note: note)
    }

    static func hybridCgroupWithV2Controllers() -> Bool {
        guard let handle = FileHandle(forReadingAtPath: "/sys/fs/cgroup/unified/cgroup.controllers") else { return false }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 4096)) ?? nil
        return data.map { !String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? false
    }
}
