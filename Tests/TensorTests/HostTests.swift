import CHost
import Foundation
import Testing
@testable import Tensor

// The BLAS kernels this process runs: the CPU's best unless the environment named others, and
// correct on a reference product either way (Sources/CHost/blas.c).

@Test func blasKernelsAreTheCPUsBestUnlessTheEnvironmentNamesThem() throws {
    let cpu = HostCPU.current, blas = BLASStatus.current
    #expect(!blas.library.isEmpty, "OpenBLAS was not opened: \(blas.warning)")
    #expect(blas.checkPassed, "the kernels in use failed the reference product: \(blas.warning)")
    #expect(BLASStatus.referenceError() < 1e-4)
    #expect(blas.kernelLevel >= 0, "unknown OpenBLAS kernel name \(blas.kernel)")
    if blas.coretypeSetBy == "user" {
        #expect(blas.kernel.lowercased() == blas.coretype.lowercased())
        if blas.kernelLevel < cpu.levelRank { #expect(!blas.warning.isEmpty, "an older kernel named by the environment is reported") }
    } else if rounds_blas_preferred_core(Int32(cpu.levelRank), cpu.vendor) != nil {
        #expect(blas.kernelLevel >= cpu.levelRank,
                "OpenBLAS runs \(blas.kernel) kernels (level \(blas.kernelLevel)) on a \(cpu.level) CPU")
    }
}

@Test func kernelNamesOrderedByVectorLevel() {
    #expect(rounds_blas_core_level("Prescott") == 0)
    #expect(rounds_blas_core_level("sandybridge") == 1)
    #expect(rounds_blas_core_level("Haswell") == 2)
    #expect(rounds_blas_core_level("ZEN") == 2)
    #expect(rounds_blas_core_level("SkylakeX") == 3)
    #expect(rounds_blas_core_level("Cooperlake") == 3)
    #expect(rounds_blas_core_level("NoSuchCore") == -1)
    #expect(String(cString: rounds_blas_preferred_core(3, "GenuineIntel")!) == "SkylakeX")
    #expect(String(cString: rounds_blas_preferred_core(2, "AuthenticAMD")!) == "Zen")
    #expect(String(cString: rounds_blas_preferred_core(2, "GenuineIntel")!) == "Haswell")
    #expect(rounds_blas_preferred_core(0, "GenuineIntel") == nil)
}

@Test func cpuFeaturesAreConsistentWithTheLevel() {
    let cpu = HostCPU.current
    #expect(!cpu.vendor.isEmpty)
    // /proc/cpuinfo is another reading of the same cpuid bits.
    let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
    if !flags.isEmpty {
        for (ours, linux) in [("avx2", "avx2"), ("fma", "fma"), ("avx512f", "avx512f"), ("avx512bw", "avx512bw"), ("avx512_vnni", "avx512_vnni")] {
            #expect(cpu.has(ours) == flags.contains(linux), "\(ours): cpuid says \(cpu.has(ours)), /proc/cpuinfo says \(flags.contains(linux))")
        }
    }
    if cpu.levelRank >= 3 { #expect(cpu.has("avx512f") && cpu.has("avx512bw") && cpu.has("avx512vl")) }
    if cpu.levelRank >= 2 { #expect(cpu.has("avx2") && cpu.has("fma")) }
}
