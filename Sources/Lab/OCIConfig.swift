import Foundation

/// A minimal OCI runtime configuration (runtime-spec 1.0) for the crun bundle.
enum OCIConfig {
    static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]
    /// System calls a container has no business making (a denylist in the spirit of Docker's default).
    static let deniedSyscalls = [
        "add_key", "bpf", "delete_module", "finit_module", "init_module", "kexec_file_load", "kexec_load", "keyctl",
        "mount", "move_mount", "open_by_handle_at", "perf_event_open", "pivot_root", "ptrace", "reboot",
        "request_key", "setns", "swapoff", "swapon", "umount2", "unshare", "userfaultfd", "fsopen", "fsmount",
    ]

    static func make(args: [String], privileged: Bool) -> String {
        let caps = privileged ? Capabilities.hostBounding() : defaultCapabilities
        var linux: [String: Any] = [
            "namespaces": ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { ["type": $0] },
            "maskedPaths": privileged
                ? [] : ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": privileged
                ? [] : ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        ]
        if !privileged {
            linux["seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                "syscalls": [["names": deniedSyscalls, "action": "SCMP_ACT_ERRNO", "errnoRet": 1]],
            ]
        }
        let config: [String: Any] = [
            "ociVersion": "1.0.2",
            "process": [
                "terminal": false,
                "user": ["uid": 0, "gid": 0],
                "args": args,
                "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                "cwd": "/",
                "capabilities": ["bounding": caps, "effective": caps, "permitted": caps],
                "noNewPrivileges": !privileged,
            ],
            "root": ["path": "rootfs", "readonly": true],
            "hostname": "bulkhead-lab",
            "mounts": [
                ["destination": "/proc", "type": "proc", "source": "proc"],
                [
                    "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
                ],
                [
                    "destination": "/sys", "type": "sysfs", "source": "sysfs",
                    "options": ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"],
                ],
                ["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]],
            ],
            "linux": linux,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

enum Capabilities {
    /// The capabilities in this process's bounding set (a container cannot be given more), read from
    /// /proc/self/status; falls back to the default set when it cannot be read.
    static func hostBounding() -> [String] {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/status") else { return OCIConfig.defaultCapabilities }
        defer { try? handle.close() }
        guard let data = (try? handle.read(upToCount: 64 * 1024)) ?? nil else { return OCIConfig.defaultCapabilities }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("CapBnd:") {
            let hex = line.dropFirst("CapBnd:".count).trimmingCharacters(in: .whitespaces)
            guard let mask = UInt64(hex, radix: 16) else { break }
            return all.enumerated().filter { mask & (UInt64(1) << UInt64($0.offset)) != 0 }.map(\.element)
        }
        return OCIConfig.defaultCapabilities
    }

    static let all = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    ]
}
