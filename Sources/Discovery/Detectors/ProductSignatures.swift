import BulkheadModel

/// How each product Bulkhead discovers shows itself on a host (its packages, binaries and processes): the data its
/// detector is configured with. The OCI and system container runtimes come last: containers they run share the host
/// kernel, and each running container is seen as a shim or monitor process.
public enum ProductSignatures {
    public static let qemu = ProductSignature(
        product: "qemu", name: "QEMU", role: .vmm,
        packages: ["qemu-system-x86", "qemu-kvm", "qemu-system-x86-core", "qemu-kvm-core", "pve-qemu-kvm"],
        packagePrefixes: ["qemu-system-"],
        binaries: [
            "/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-system-i386", "/usr/bin/qemu-system-aarch64",
            "/usr/libexec/qemu-kvm", "/usr/bin/qemu-kvm", "/usr/bin/kvm",
        ],
        matchesProcess: ProductSignature.programs(["qemu-kvm", "kvm"], prefixes: ["qemu-system-"]))

    public static let libvirt = ProductSignature(
        product: "libvirt", name: "libvirt", role: .management,
        packages: ["libvirt-daemon-system", "libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt"],
        binaries: ["/usr/sbin/libvirtd", "/usr/sbin/virtqemud"],
        matchesProcess: ProductSignature.programs(["libvirtd", "virtqemud", "virtxend", "virtlockd", "virtlogd"]))

    public static let xen = ProductSignature(
        product: "xen", name: "Xen", role: .type1Hypervisor,
        packages: ["xen-hypervisor-common", "xen-utils-common", "xen", "xen-hypervisor"],
        packagePrefixes: ["xen-hypervisor-4", "xen-utils-4"],
        binaries: ["/usr/sbin/xl", "/usr/sbin/xenstored", "/usr/sbin/oxenstored"],
        matchesProcess: ProductSignature.programs(["xenstored", "oxenstored", "xenconsoled", "qemu-dm", "xl"]))

    public static let firecracker = ProductSignature(
        product: "firecracker", name: "Firecracker", role: .vmm,
        packages: ["firecracker"],
        binaries: ["/usr/bin/firecracker", "/usr/local/bin/firecracker", "/usr/bin/jailer", "/usr/local/bin/jailer"],
        matchesProcess: ProductSignature.programs(["firecracker", "jailer"]))

    public static let cloudHypervisor = ProductSignature(
        product: "cloud-hypervisor", name: "Cloud Hypervisor", role: .vmm,
        packages: ["cloud-hypervisor"],
        binaries: ["/usr/bin/cloud-hypervisor", "/usr/local/bin/cloud-hypervisor"],
        matchesProcess: ProductSignature.programs(["cloud-hypervisor"]))

    public static let crosvm = ProductSignature(
        product: "crosvm", name: "crosvm", role: .vmm,
        packages: ["crosvm"],
        binaries: ["/usr/bin/crosvm", "/usr/local/bin/crosvm"],
        matchesProcess: ProductSignature.programs(["crosvm"]))

    public static let gvisor = ProductSignature(
        product: "gvisor", name: "gVisor (runsc)", role: .sandboxKernel,
        packages: ["runsc", "gvisor"],
        binaries: ["/usr/bin/runsc", "/usr/local/bin/runsc", "/usr/bin/containerd-shim-runsc-v1"],
        matchesProcess: ProductSignature.programs(
            ["runsc", "runsc-sandbox", "runsc-gofer", "containerd-shim-runsc-v1"]))

    public static let kata = ProductSignature(
        product: "kata-containers", name: "Kata Containers", role: .containerRuntime,
        packages: ["kata-containers", "kata-runtime", "kata-containers-bin"],
        binaries: [
            "/usr/bin/kata-runtime", "/usr/bin/containerd-shim-kata-v2", "/opt/kata/bin/kata-runtime",
            "/opt/kata/bin/containerd-shim-kata-v2",
        ],
        matchesProcess: ProductSignature.programs(["containerd-shim-kata-v2", "kata-runtime"]))

    public static let bubblewrap = ProductSignature(
        product: "bubblewrap", name: "bubblewrap", role: .namespaceSandbox,
        packages: ["bubblewrap"],
        binaries: ["/usr/bin/bwrap"],
        matchesProcess: ProductSignature.programs(["bwrap"]))

    public static let runc = ProductSignature(
        product: "runc", name: "runc", role: .containerRuntime,
        packages: ["runc", "containerd.io"],
        binaries: ["/usr/bin/runc", "/usr/sbin/runc", "/usr/local/bin/runc", "/usr/local/sbin/runc"],
        matchesProcess: ProductSignature.programs(["runc"]))

    public static let crun = ProductSignature(
        product: "crun", name: "crun", role: .containerRuntime,
        packages: ["crun"],
        binaries: ["/usr/bin/crun", "/usr/local/bin/crun"],
        matchesProcess: ProductSignature.programs(["crun"]))

    public static let youki = ProductSignature(
        product: "youki", name: "youki", role: .containerRuntime,
        packages: ["youki"],
        binaries: ["/usr/bin/youki", "/usr/local/bin/youki"],
        matchesProcess: ProductSignature.programs(["youki"]))

    public static let docker = ProductSignature(
        product: "docker", name: "Docker Engine", role: .containerRuntime,
        packages: ["docker-ce", "docker.io", "moby-engine", "docker"],
        binaries: ["/usr/bin/dockerd", "/usr/sbin/dockerd"],
        matchesProcess: ProductSignature.programs(["dockerd"]))

    public static let containerd = ProductSignature(
        product: "containerd", name: "containerd", role: .containerRuntime,
        packages: ["containerd", "containerd.io"],
        binaries: ["/usr/bin/containerd", "/usr/local/bin/containerd"],
        matchesProcess: ProductSignature.programs(["containerd"], prefixes: ["containerd-shim-runc"]))

    public static let podman = ProductSignature(
        product: "podman", name: "Podman", role: .containerRuntime,
        packages: ["podman"],
        binaries: ["/usr/bin/podman"],
        matchesProcess: ProductSignature.programs(["podman", "conmon"]))

    public static let lxc = ProductSignature(
        product: "lxc", name: "LXC", role: .containerRuntime,
        packages: ["lxc", "liblxc1", "lxc-libs"],
        binaries: ["/usr/bin/lxc-start", "/usr/sbin/lxc-start"],
        matchesProcess: ProductSignature.programs(["lxc-start", "lxc-monitord"]))
}
