/// Every check Bulkhead ships: one per folder `Probes/<family>/<id>/`, which holds the check's definition
/// (`<id>.json`), its implementation (`<id>.swift`, the `Check` named here) and its good and bad
/// configurations (`fixtures/`). ChecksTests fails when a folder, a definition, an implementation or a
/// fixture pair is missing.
public enum CheckLibrary {
    public static let all: [Check] = [
        // cloud-hypervisor
        MicroVMChecks.cloudHypervisorAPISocket, MicroVMChecks.cloudHypervisorLandlock, MicroVMChecks.cloudHypervisorSeccomp,
        // crosvm
        MicroVMChecks.crosvmSandbox,
        // firecracker
        MicroVMChecks.firecrackerAPISocket, MicroVMChecks.firecrackerGuestSMT, MicroVMChecks.firecrackerJailer, MicroVMChecks.firecrackerMMDS,
        MicroVMChecks.firecrackerSeccomp,
        MicroVMChecks.firecrackerJailerLimits, MicroVMChecks.firecrackerJailPaths, MicroVMChecks.firecrackerUID,
        // gvisor
        SandboxChecks.gvisorNetworkHost, SandboxChecks.gvisorPlatform, SandboxChecks.gvisorUnsafeFlags, SandboxChecks.gvisorDirectfs,
        SandboxChecks.gvisorRootfsOverlay,
        // host
        HostChecks.cpuVulnerabilities, HostChecks.iommu, HostChecks.ksm, HostChecks.kvmDevice, HostChecks.kvmIgnoreMSRs, HostChecks.lockdown,
        HostChecks.lsmEnforcing, HostChecks.mitigationsOff,
        HostChecks.nestedVirtualisation, HostChecks.smt, HostChecks.swap, HostChecks.vfioUnsafeInterrupts,
        // kata
        KataChecks.annotations, KataChecks.debug, KataChecks.guestSeccomp, KataChecks.hypervisor, KataChecks.sharedFS, KataChecks.vmmSandbox,
        // libvirt
        LibvirtChecks.clearCapabilities, LibvirtChecks.domainType, LibvirtChecks.graphicsExposure, LibvirtChecks.graphicsListen,
        LibvirtChecks.graphicsPassword,
        LibvirtChecks.hostdev, LibvirtChecks.legacyDevices, LibvirtChecks.namespaces, LibvirtChecks.qemuCommandline, LibvirtChecks.qemuUser,
        LibvirtChecks.adminInterface, LibvirtChecks.requireConfined, LibvirtChecks.dynamicOwnership, LibvirtChecks.migrateTLS,
        LibvirtChecks.polkitManage,
        LibvirtChecks.schedCore, LibvirtChecks.seccompSandbox, LibvirtChecks.seclabelNone, LibvirtChecks.securityDriver,
        // lifecycle
        LifecycleChecks.hostOSSupport, LifecycleChecks.mechanismSupport,
        // logging
        LoggingChecks.auditCoverage, LoggingChecks.centralLogging, LoggingChecks.integrityMonitoring,
        // qemu
        QEMUChecks.accelerator, QEMUChecks.displayExposure, QEMUChecks.legacyDevices, QEMUChecks.machineType, QEMUChecks.monitorNetwork,
        QEMUChecks.nonRoot, QEMUChecks.sandbox,
        // runtime
        SandboxChecks.runtimeEngineAPI, SandboxChecks.runtimeEngineSocket, SandboxChecks.runtimeEngineSocketMount,
        SandboxChecks.runtimeHostNamespaces, SandboxChecks.runtimeKernelFSWritable, SandboxChecks.runtimeLSMProfile, SandboxChecks.runtimePrivileged,
        SandboxChecks.runtimeUserNamespace,
        // xen
        SandboxChecks.xenDeviceModel, SandboxChecks.xenstoredSocket, SandboxChecks.xenDeviceNodes, SandboxChecks.xenDisplay,
        SandboxChecks.xenPCIPermissive,
        SandboxChecks.xenSpecCtrl, SandboxChecks.xenXSM, SandboxChecks.xenDom0Mem,
        SandboxChecks.xenToolstackConfig, SandboxChecks.xenDriverDomains,
    ]
}
