public import BulkheadModel
import Foundation

/// What the host side knows when judging a run: its own namespace ids, what it launched.
public struct HostContext: Sendable, Hashable {
    /// The host's `/proc/1/ns/<name>` link targets (`pid:[4026531836]`).
    public var hostNamespaces: [String: String]
    /// The identification the host expects for this run (`qemu-tcg` when booted with TCG).
    public var expectedIdentification: Set<String>
    /// The canary text planted on the host; a probe that can read it reached the host's files.
    public var canaryText: String?

    public init(hostNamespaces: [String: String], expectedIdentification: Set<String>, canaryText: String?) {
        self.hostNamespaces = hostNamespaces
        self.expectedIdentification = expectedIdentification
        self.canaryText = canaryText
    }
}

/// A threat scenario: words beside one pure function over the probe's observations.
public struct Scenario: Sendable {
    public var id: String
    public var title: String
    public var threat: String
    public var severity: Severity
    public var controls: [ControlID]
    /// (expected, observed, outcome) for a run; never throws, never does I/O.
    var judge: @Sendable (ObservedProbe, LabMechanism, HostContext) -> (String, String, ScenarioOutcome)

    init(
        id: String, title: String, threat: String, severity: Severity, controls: [ControlID],
        appliesTo: Applicability = .all, notApplicable: String = "",
        judge: @escaping @Sendable (ObservedProbe, LabMechanism, HostContext) -> (String, String, ScenarioOutcome)
    ) {
        self.id = id
        self.title = title
        self.threat = threat
        self.severity = severity
        self.controls = controls
        self.appliesTo = appliesTo
        self.notApplicable = notApplicable
        self.judge = judge
    }

    /// The scenario judged on a run; one that does not concern this kind of mechanism is not applicable, with
    /// `notApplicable` as the reason, and its judge is not asked.
    public func evaluate(_ probe: ObservedProbe, _ mechanism: LabMechanism, _ host: HostContext) -> ScenarioResult {
        let (expected, observed, outcome) =
            applies(to: mechanism) ? judge(probe, mechanism, host) : (Scenarios.na, notApplicable, .notApplicable)
        return ScenarioResult(
            id: id, title: title, threat: threat, expected: expected, observed: observed, outcome: outcome,
            controls: controls, severity: severity)
    }

    /// Which kinds of mechanism the scenario concerns.
    public var appliesTo: Applicability
    /// Why the scenario does not concern the other kind ("sandboxes emulate no devices").
    var notApplicable: String

    public enum Applicability: Sendable { case all, virtualMachines, sandboxes }

    public func applies(to mechanism: LabMechanism) -> Bool {
        switch appliesTo {
        case .all: true
        case .virtualMachines: mechanism.isVirtualMachine
        case .sandboxes: !mechanism.isVirtualMachine
        }
    }

    /// The scenario when the probe output could not be used: inconclusive with the reason (or not
    /// applicable, when the scenario does not concern this kind of mechanism).
    public func inconclusive(_ reason: String, for mechanism: LabMechanism) -> ScenarioResult {
        let applicable = applies(to: mechanism)
        return ScenarioResult(
            id: id, title: title, threat: threat, expected: applicable ? "a usable probe report" : "not applicable",
            observed: applicable ? reason : "does not concern a \(mechanism.isVirtualMachine ? "virtual machine" : "sandbox")",
            outcome: applicable ? .inconclusive : .notApplicable, controls: controls, severity: severity)
    }
}

/// Capabilities that let a sandboxed process attack the host kernel or its neighbours.
public let dangerousCapabilities: Set<String> = [
    "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_DAC_READ_SEARCH", "CAP_SYS_RAWIO",
    "CAP_SYS_BOOT", "CAP_BPF", "CAP_PERFMON", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_SYSLOG", "CAP_SYS_TIME",
]

func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ", ") }

public enum Scenarios {
    public static let all: [Scenario] = [
        identification, legacyDevices, hostShare, nested, capabilities, seccomp, hostNamespaces, runtimeSocket,
        riskyMounts,
    ]

    public static func named(_ ids: [String]) throws(LabError) -> [Scenario] {
        if ids.isEmpty { return all }
        var out: [Scenario] = []
        for id in ids {
            guard let s = all.first(where: { $0.id == id }) else {
                throw LabError(
                    .invalidArgument, "unknown scenario \(id); known: \(all.map(\.id).joined(separator: ", "))")
            }
            out.append(s)
        }
        return out
    }

    static let na = "not applicable"

    public static let identification = Scenario(
        id: "identification", title: "The probe identifies the mechanism the host launched",
        threat: "An assessment rests on the wrong mechanism (a different hypervisor, or none) actually isolating the workload.",
        severity: .medium, controls: [.ism1460, .ism1604]
    ) { probe, _, host in
        let expected = host.expectedIdentification.sorted().joined(separator: " or ")
        guard let id = probe.identification else { return (expected, "the probe reported no identification", .inconclusive) }
        let reasons = (id.reasons ?? []).prefix(4).joined(separator: "; ")
        let observed = "\(id.mechanism) (\(id.kind ?? "?"), confidence \(id.confidence ?? "?")): \(reasons)"
        return (expected, observed, host.expectedIdentification.contains(id.mechanism) ? .pass : .fail)
    }

    public static let legacyDevices = Scenario(
        id: "legacy-devices", title: "No legacy device the guest does not need",
        threat:
            "Emulated legacy devices (floppy controller — VENOM, CVE-2015-3456 — USB, sound, parallel port) are attack surface in the VMM reachable from the guest.",
        severity: .high, controls: [.ism1604], appliesTo: .virtualMachines, notApplicable: "sandboxes emulate no devices"
    ) { probe, _, _ in
        guard let devices = probe.devices, let legacy = devices.legacy else {
            return ("no legacy devices", "the probe reported no device list", .inconclusive)
        }
        let seen = legacy.map { "\($0.kind) (\($0.evidence ?? "?"))" }
        return ("no legacy devices", seen.isEmpty ? "none" : list(seen), seen.isEmpty ? .pass : .fail)
    }

    public static let hostShare = Scenario(
        id: "host-share", title: "No host file system share reachable from the guest",
        threat:
            "A host directory shared into the guest (9p, virtio-fs, a bind mount of host paths) lets a compromised guest read or plant host files.",
        severity: .high, controls: [.ism1604]
    ) { probe, mechanism, host in
        let expected = "no host files reachable"
        var seen: [String] = []
        if let canary = probe.canary, let text = host.canaryText, canary.content == text {
            seen.append("read the host canary file \(canary.path)")
        }
        for share in probe.mounts?.hostShares ?? [] {
            seen.append("\(share.fsType ?? "?") mount at \(share.mountPoint)")
        }
        if mechanism.isVirtualMachine {
            for device in probe.devices?.pci ?? []
            where device.vendor == "0x1af4" && (device.device == "0x1009" || device.device == "0x1049" || device.device == "0x105a") {
                seen.append("virtio \(device.device == "0x105a" ? "fs" : "9p") device at PCI \(device.slot)")
            }
            for (name, id) in probe.devices?.virtio ?? [:] where id == "0x0009" || id == "0x001a" {
                seen.append("virtio device \(name) type \(id == "0x0009" ? "9p" : "virtio-fs")")
            }
        }
        if probe.canary == nil && probe.mounts == nil {
            return (expected, "the probe reported neither mounts nor the canary check", .inconclusive)
        }
        return (expected, list(seen), seen.isEmpty ? .pass : .fail)
    }

    public static let nested = Scenario(
        id: "nested-virtualization", title: "Nested virtualisation not exposed to the guest",
        threat:
            "A guest that can run its own hypervisor (VMX/SVM exposed, or /dev/kvm in a sandbox) reaches the host's nested-virtualisation code, a frequent source of escapes.",
        severity: .medium, controls: [.ism1604]
    ) { probe, mechanism, _ in
        if mechanism.isVirtualMachine {
            guard let n = probe.nestedVirtualization else { return ("VMX/SVM hidden", "not reported", .inconclusive) }
            return ("VMX/SVM hidden", n.exposed ? list(n.evidence ?? []) : "hidden", n.exposed ? .fail : .pass)
        }
        guard let kvm = probe.devices?.devKVM else { return ("no /dev/kvm", "not reported", .inconclusive) }
        return ("no /dev/kvm", kvm ? "/dev/kvm present in the sandbox" : "no /dev/kvm", kvm ? .fail : .pass)
    }

    public static let capabilities = Scenario(
        id: "dangerous-capabilities", title: "Dangerous capabilities dropped in the sandbox",
        threat:
            "A sandboxed process holding CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_DAC_READ_SEARCH … can attack the host kernel directly.",
        severity: .high, controls: [.ism1604], appliesTo: .sandboxes,
        notApplicable: "capabilities in a guest are the guest kernel's"
    ) { probe, _, _ in
        let expected = "none of \(dangerousCapabilities.sorted().joined(separator: ", "))"
        guard let names = probe.process?.capEffNames else { return (expected, "capabilities not reported", .inconclusive) }
        let held = names.filter { dangerousCapabilities.contains($0) }.sorted()
        if probe.identification?.mechanism == "gvisor" {
            return (expected, "held against gVisor's user-space kernel, not the host's: \(list(held))", .notApplicable)
        }
        return (expected, "effective: \(list(held))", held.isEmpty ? .pass : .fail)
    }

    public static let seccomp = Scenario(
        id: "seccomp", title: "Seccomp filter enforced",
        threat: "Without a seccomp filter every host system call, including rarely used and vulnerable ones, is reachable from the sandbox.",
        severity: .high, controls: [.ism1604], appliesTo: .sandboxes,
        notApplicable: "system calls in a guest go to the guest kernel"
    ) { probe, _, _ in
        guard let mode = probe.process?.seccomp else { return ("seccomp mode 2 (filter)", "not reported", .inconclusive) }
        if probe.identification?.mechanism == "gvisor" {
            return (
                "system calls served by the Sentry",
                "Seccomp \(mode) inside gVisor; every system call is served by the Sentry (its own host filter is not visible from inside)",
                .notApplicable
            )
        }
        let nnp = probe.process?.noNewPrivs.map { $0 ? "no_new_privs set" : "no_new_privs clear" } ?? "no_new_privs unknown"
        return ("seccomp mode 2 (filter)", "seccomp mode \(mode), \(probe.process?.seccompFilters ?? 0) filter(s), \(nnp)", mode == 0 ? .fail : .pass)
    }

    public static let hostNamespaces = Scenario(
        id: "host-namespaces", title: "Own PID and network namespaces (the host's not shared)",
        threat:
            "A sandbox in the host's PID namespace can see and signal host processes; in the host's network namespace it reaches host-only services.",
        severity: .high, controls: [.ism1604], appliesTo: .sandboxes, notApplicable: "a guest kernel has its own namespaces"
    ) { probe, _, host in
        let expected = "own pid and net namespaces"
        if probe.identification?.mechanism == "gvisor" {
            return (
                expected,
                "namespaces are virtualised by gVisor's Sentry (inside: \(probe.namespaces?["pid"] ?? "?"), \(probe.namespaces?["net"] ?? "?"))",
                .notApplicable
            )
        }
        guard let inside = probe.namespaces, !inside.isEmpty else { return (expected, "namespaces not reported", .inconclusive) }
        var shared: [String] = []
        var compared: [String] = []
        for name in ["pid", "net"] {
            guard let mine = host.hostNamespaces[name], let theirs = inside[name] else { continue }
            compared.append(name)
            if mine == theirs { shared.append("\(name) (\(mine))") }
        }
        guard !compared.isEmpty else { return (expected, "no namespace ids to compare", .inconclusive) }
        return (expected, shared.isEmpty ? "differ from the host's /proc/1/ns" : "shares host \(list(shared))", shared.isEmpty ? .pass : .fail)
    }

    public static let runtimeSocket = Scenario(
        id: "runtime-socket", title: "Container runtime socket not reachable",
        threat: "A reachable docker/containerd/CRI-O socket lets the sandbox start a privileged container: a full host escape.",
        severity: .critical, controls: [.ism1604], appliesTo: .sandboxes, notApplicable: "sockets in a guest are the guest's"
    ) { probe, _, _ in
        guard let mounts = probe.mounts else { return ("no runtime socket", "mounts not reported", .inconclusive) }
        let sockets = (mounts.runtimeSockets ?? []) + (mounts.risky ?? []).filter { $0.mountPoint.hasSuffix(".sock") }.map(\.mountPoint)
        let unique = Array(Set(sockets)).sorted()
        return ("no runtime socket", list(unique), unique.isEmpty ? .pass : .fail)
    }

    public static let riskyMounts = Scenario(
        id: "risky-mounts", title: "Host kernel interfaces not writable",
        threat: "Writable /proc/sys, /sys, core_pattern, sysrq-trigger or a cgroup v1 release_agent lets a sandbox run code on the host.",
        severity: .high, controls: [.ism1604], appliesTo: .sandboxes,
        notApplicable: "kernel interfaces in a guest are the guest kernel's"
    ) { probe, _, _ in
        guard let mounts = probe.mounts else { return ("none writable", "mounts not reported", .inconclusive) }
        var seen = (mounts.risky ?? []).filter { !$0.mountPoint.hasSuffix(".sock") }.map { $0.reason ?? $0.mountPoint }
        seen += (probe.cgroup?.writableReleaseAgents ?? []).map { "writable \($0)" }
        if probe.identification?.mechanism == "gvisor", !seen.isEmpty {
            return ("none writable", "gVisor's own emulated files: \(list(seen))", .notApplicable)
        }
        return ("none writable", list(seen), seen.isEmpty ? .pass : .fail)
    }
}

extension Scenario {
    /// What to do when a scenario fails, and the configuration checks that look at the same property
    /// (whose references the report cites): by scenario id.
    public struct Remedy: Sendable {
        public var text: String
        public var effort: String
        public var relatedChecks: [String]
    }

    public static let remedies: [String: Remedy] = [
        "identification": Remedy(
            text:
                "Find out which mechanism really isolates the workload (`bulkhead discover`, the lab report's identification) and correct the deployment or the assessment's scope.",
            effort: "medium", relatedChecks: []),
        "legacy-devices": Remedy(
            text:
                "Start guests with -nodefaults (libvirt: remove the devices from the domain XML) and add only the devices the workload needs: no floppy, ISA, sound, USB or parallel port.",
            effort: "low", relatedChecks: ["qemu.legacy-devices", "libvirt.legacy-devices"]),
        "host-share": Remedy(
            text:
                "Remove 9p/virtio-fs shares and bind mounts of host paths from the guest or sandbox, or limit them to the workload's own data, read-only where possible.",
            effort: "medium", relatedChecks: ["kata.shared-fs"]),
        "nested-virtualization": Remedy(
            text:
                "Turn nested virtualisation off (`options kvm_intel nested=0` or `options kvm_amd nested=0` in /etc/modprobe.d, then reload the module) unless guests must run hypervisors, and do not pass vmx/svm to guests.",
            effort: "low", relatedChecks: ["host.nested-virt"]),
        "dangerous-capabilities": Remedy(
            text:
                "Drop every capability the workload does not need (`--cap-drop ALL`, then add back only what it needs); never CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE or CAP_NET_ADMIN for untrusted workloads.",
            effort: "low", relatedChecks: ["runtime.privileged"]),
        "seccomp": Remedy(
            text:
                "Enforce the mechanism's seccomp filter: QEMU `-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny`, the runtime's default profile (never unconfined), bwrap `--seccomp`.",
            effort: "low", relatedChecks: ["qemu.sandbox", "libvirt.seccomp-sandbox", "firecracker.seccomp"]),
        "host-namespaces": Remedy(
            text: "Give the sandbox its own PID and network namespaces: no `--pid=host`, `--net=host` or `hostNetwork: true`.",
            effort: "low", relatedChecks: ["runtime.host-namespaces"]),
        "runtime-socket": Remedy(
            text: "Do not mount the container runtime's socket (docker.sock, containerd.sock, crio.sock) into workloads.",
            effort: "low", relatedChecks: ["runtime.privileged"]),
        "risky-mounts": Remedy(
            text:
                "Keep the runtime's masked and read-only paths (/proc/sys, /sys, /proc/sysrq-trigger …) read-only in sandboxes; never mount them read-write or run privileged.",
            effort: "low", relatedChecks: ["runtime.privileged"]),
    ]
}
