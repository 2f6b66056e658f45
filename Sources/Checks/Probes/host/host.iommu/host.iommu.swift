import BulkheadModel
import Foundation

// host.iommu: its words are in host.iommu.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let iommu = Check.host("host.iommu") { ctx in
        let facts = ctx.facts
        let args = facts.kernel.commandLine
        guard !args.isEmpty else { return ctx.unobserved("the kernel command line", at: "/proc/cmdline") }
        var evidence = [ctx.file("/proc/cmdline", args.joined(separator: " "))]
        let intel = cmdline(facts, "intel_iommu")
        let amd = cmdline(facts, "amd_iommu")
        let generic = cmdline(facts, "iommu")
        if let off = [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)].first(where: {
            $0.1.map { $0.split(separator: ",").contains("off") } ?? false
        }) {
            return .fail("IOMMU disabled on the kernel command line (\(off.0)=\(off.1 ?? ""))", evidence)
        }
        let problems = ctx.problems(about: "/sys/kernel/iommu_groups")
        if !problems.isEmpty {
            return .inconclusive("IOMMU groups could not be read: " + problems.map(\.description).joined(separator: "; "))
        }
        evidence.append(ctx.file("/sys/kernel/iommu_groups", "\(facts.iommu.groupCount) IOMMU groups"))
        let enabledBy = [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }
            .filter { $0.contains("=on") || $0.contains("force") || $0.hasPrefix("amd_iommu=") || $0 == "iommu=pt" }
        if facts.iommu.groupCount == 0 {
            return .fail(
                "no IOMMU groups"
                    + (enabledBy.isEmpty
                        ? " and no intel_iommu=on/amd_iommu/iommu=force on the command line"
                        : " although \(enabledBy.joined(separator: " ")) is set"),
                evidence)
        }
        let how = enabledBy.isEmpty ? "enabled by the kernel's default" : enabledBy.joined(separator: " ")
        return .pass("\(facts.iommu.groupCount) IOMMU groups (\(how))", evidence)
    }
}
