// The namespaces the probes under Probes/<family>/<id>/ extend: one static `Check` per probe folder, plus the
// helpers several probes of a family share (in the *Support.swift files beside this one).

/// Host posture checks (ISM-1605, and ISM-1461 for cross-guest side channels): pure functions over `HostFacts`.
enum HostChecks {}

/// QEMU (standalone or launched by libvirt/Proxmox), from its command line and its process. Source:
/// qemu docs/system/security.rst and qemu-options.hx.
enum QEMUChecks {}

/// libvirt: domain XML (per guest) and the QEMU driver's qemu.conf (per daemon). Sources: libvirt
/// src/qemu/qemu.conf.in and docs/formatdomain.rst.
enum LibvirtChecks {}

/// Firecracker (docs/prod-host-setup.md, jailer.md, seccomp.md, mmds), Cloud Hypervisor (docs/seccomp.md,
/// landlock.md) and crosvm (appendix/minijail.md, sandboxing.md).
enum MicroVMChecks {}

/// gVisor (runsc/config/flags.go, g3doc production guide), Xen xl.cfg (xl.cfg(5), qemu-deprivilege,
/// SUPPORT.md) and container runtimes (CIS Docker Benchmark 5.4/5.5/5.10/5.16/5.17/5.21 as observable in
/// /proc).
enum SandboxChecks {}

/// Kata Containers runtime configuration (hardening.md §8): debug switches, annotation allow-lists, guest
/// seccomp, the VMM's own sandbox, the hypervisor chosen and the shared file system.
enum KataChecks {}

/// ISM-1607: integrity monitoring and centralised event logging, as observed — never assumed.
enum LoggingChecks {}

/// ISM-1848: the isolation mechanism and the host OS are inside their vendors' support windows.
enum LifecycleChecks {}
