import CCPUID
import FoundationEssentials

enum CPUID {
    /// Four bytes of a register as ASCII, little-endian; non-printable bytes are dropped.
    static func ascii(_ values: [UInt32]) -> String {
        var scalars = String.UnicodeScalarView()
        for value in values {
            for shift in stride(from: 0, to: 32, by: 8) {
                let byte = UInt8(truncatingIfNeeded: value >> UInt32(shift))
                if byte >= 0x20 && byte < 0x7f { scalars.append(Unicode.Scalar(byte)) }
            }
        }
        return String(scalars)
    }

    static func collect() -> CPUReport {
        var report = CPUReport()
        guard bulkhead_cpuid_supported() == 1 else { return report }
        report.cpuidAvailable = true
        let leaf0 = bulkhead_cpuid(0, 0)
        report.vendor = ascii([leaf0.ebx, leaf0.edx, leaf0.ecx])
        if leaf0.eax >= 1 {
            let leaf1 = bulkhead_cpuid(1, 0)
            report.hypervisorBit = leaf1.ecx & (1 << 31) != 0
            report.vmx = leaf1.ecx & (1 << 5) != 0
        }
        let extended = bulkhead_cpuid(0x8000_0000, 0)
        if extended.eax >= 0x8000_0001 {
            report.svm = bulkhead_cpuid(0x8000_0001, 0).ecx & (1 << 2) != 0
        }
        // Leaf 0x40000000 is defined only when a hypervisor is present; real CPUs may answer with
        // the highest basic leaf's values, so it is read only with the hypervisor bit set.
        if report.hypervisorBit {
            let hv = bulkhead_cpuid(0x4000_0000, 0)
            report.maxHypervisorLeaf = hv.eax
            let vendor = ascii([hv.ebx, hv.ecx, hv.edx])
            report.hypervisorVendor = vendor.isEmpty ? nil : vendor
        }
        return report
    }
}
