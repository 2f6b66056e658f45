#ifndef BULKHEAD_CCPUID_H
#define BULKHEAD_CCPUID_H

#include <stdint.h>

/// The four registers one CPUID instruction returns.
typedef struct {
    uint32_t eax;
    uint32_t ebx;
    uint32_t ecx;
    uint32_t edx;
} bulkhead_cpuid_regs;

/// Executes CPUID for `leaf`/`subleaf` and returns the registers by value (no pointers cross into
/// Swift). On a CPU other than x86/x86-64 every register is zero, and `bulkhead_cpuid_supported()`
/// says so.
static inline bulkhead_cpuid_regs bulkhead_cpuid(uint32_t leaf, uint32_t subleaf) {
    bulkhead_cpuid_regs r = {0, 0, 0, 0};
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("cpuid"
                         : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                         : "a"(leaf), "c"(subleaf));
#else
    (void)leaf;
    (void)subleaf;
#endif
    return r;
}

/// 1 when this build can execute CPUID (x86 or x86-64), else 0.
static inline int bulkhead_cpuid_supported(void) {
#if defined(__x86_64__) || defined(__i386__)
    return 1;
#else
    return 0;
#endif
}

#endif
