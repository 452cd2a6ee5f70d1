// Decode-time products of compact Q4_1/Q8_0/int8x16 weights with int8-quantized activations, through
// the integer kernels of Sources/CKernels (llama.cpp's Q8 activation path): AVX-512 VNNI
// (qdot.c, vpdpbusd) where the CPU has it, else AVX2 (qdot_avx2.c, vpmaddubsw). The weights
// stay exact; each activation row is rounded per block of 32 to int8 with scale max|x|/127, so a
// product differs from the fp32 one by at most Σ|w|·dx/2 per block, and the two kernel sets
// give the same products up to float summation order.
// Chosen at run time: ROUNDS_EXACT_DECODE=1 keeps decode on the fp32 path of
// CompactMatmul.swift, which reproduces sgemm on the decoded weights; ROUNDS_INTEGER_KERNELS=avx2
// takes the AVX2 kernels on a CPU that also has AVX-512 VNNI (to compare them).
//
// Legend: M rows (≤ 16), C input channels (a multiple of 32), OC output channels.

import CKernels
import Foundation

/// The instructions an integer decode product runs on.
public enum IntegerKernels: String, Sendable, Codable, CaseIterable {
    /// vpdpbusd on 512-bit registers (qdot.c).
    case avx512vnni = "AVX-512 VNNI"
    /// vpmaddubsw and vpmaddwd on 256-bit registers (qdot_avx2.c).
    case avx2 = "AVX2"

    /// The kernel sets this CPU runs, fastest first.
    public static let supported: [IntegerKernels] =
        (rounds_has_vnni512() != 0 ? [.avx512vnni] : []) + (rounds_has_avx2() != 0 ? [.avx2] : [])

    /// The set decode uses: the fastest supported, `ROUNDS_INTEGER_KERNELS=avx2` for the AVX2
    /// set where both run, none with `ROUNDS_EXACT_DECODE=1` or on a CPU without AVX2.
    public static let chosen: IntegerKernels? = {
        let environment = ProcessInfo.processInfo.environment
        if environment["ROUNDS_EXACT_DECODE"] == "1" { return nil }
        if environment["ROUNDS_INTEGER_KERNELS"]?.lowercased() == "avx2", supported.contains(.avx2) { return .avx2 }
        return supported.first
    }()
}

/// Whether decode products run on quantized activations here (`IntegerKernels.chosen`).
public let integerDecodeKernels: Bool = IntegerKernels.chosen != nil

/// out (M,OC) (= or += when `accumulate`) inp (M,C) · weightᵀ on int8 activations; `weight`
/// must be Q4_1, Q8_0 or int8x16, and `kernels` one of `IntegerKernels.supported`.
public func integerMatmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: CompactMatrix,
    m: Int, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil,
    kernels: IntegerKernels? = IntegerKernels.chosen
) {
    precondition(weight.format.hasIntegerProducts, "integer decode takes Q4_1, Q8_0 or int8x16 weights")
    guard let kernels, IntegerKernels.supported.contains(kernels) else {
        fatalError("integer decode kernels \(kernels?.rawValue ?? "none") do not run on this CPU")
    }
    let vnni = kernels == .avx512vnni
    let c = weight.columns, oc = weight.rows, blocks = c / 32, pairs = blocks / 2
    guard m > 0, oc > 0 else { return }
    let ldo = ldOut ?? oc, ldi = ldInp ?? c
    let q4 = weight.format == .q4_1
    // 64-byte aligned: the kernels load each row's block pairs as whole 64-byte registers.
    let xqRaw = UnsafeMutableRawPointer.allocate(byteCount: m * c, alignment: 64)
    let xq = xqRaw.bindMemory(to: Int8.self, capacity: m * c)
    let dx = UnsafeMutablePointer<Float>.allocate(capacity: m * blocks)
    let xsum = UnsafeMutablePointer<Float>.allocate(capacity: m * blocks)
    let correction = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, m * pairs * 16))
    let groupOffsets = weight.format == .int8x16 && weight.hasOffsets
    let xsum16 = UnsafeMutablePointer<Float>.allocate(capacity: groupOffsets ? m * c / 16 : 1)
    defer { xqRaw.deallocate(); dx.deallocate(); xsum.deallocate(); correction.deallocate(); xsum16.deallocate() }
    // Only the VNNI byte kernel starts from lane corrections (it needs unsigned weights).
    rounds_quantize_activations(inp, Int32(m), Int32(c), Int32(ldi), q4 ? 1 : 0, xq, dx, xsum, q4 || !vnni ? nil : correction)
    if groupOffsets { rounds_group_sums16(inp, Int32(m), Int32(c), Int32(ldi), xsum16) }
    let quants = UnsafePointer(weight.quants.assumingMemoryBound(to: UInt8.self))
    let workers = m * c * oc < 65_536 ? 1 : min(Threads.count, oc)
    let run = { (w: Int) in
        let rows = chunkRange(oc, workers: workers, index: w)
        guard !rows.isEmpty else { return }
        let (first, last, group) = (Int32(rows.lowerBound), Int32(rows.upperBound), Int32(weight.format == .int8x16 ? 16 : 32))
        let offsets = groupOffsets ? weight.offsets : nil
        switch (q4, vnni) {
        case (true, true):
            rounds_q4_1_matmul_vnni(quants, weight.scales, weight.offsets, Int32(blocks), first, last, xq, dx, xsum,
                                    Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        case (true, false):
            rounds_q4_1_matmul_avx2(quants, weight.scales, weight.offsets, Int32(blocks), first, last, xq, dx, xsum,
                                    Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        case (false, true):
            // One byte per weight: Q8_0 (scale per 32) or int8x16 (scale and offset per 16).
            rounds_byte_matmul_vnni(quants, weight.scales, offsets, group, Int32(blocks), first, last, xq, dx, correction,
                                    xsum16, Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        case (false, false):
            rounds_byte_matmul_avx2(quants, weight.scales, offsets, group, Int32(blocks), first, last, xq, dx, xsum16,
                                    Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        }
    }
    if workers == 1 {
        run(0)
    } else {
        parallelFor(workers, run)
    }
}
