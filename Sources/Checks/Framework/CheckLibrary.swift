/// Every check Bulkhead ships. Each id has a definition file under `Definitions/`.
public enum CheckLibrary {
    public static let all: [Check] =
        HostChecks.all + LoggingChecks.all + LifecycleChecks.all + QEMUChecks.all + LibvirtChecks.all
        + MicroVMChecks.all + SandboxChecks.all + KataChecks.all
}
