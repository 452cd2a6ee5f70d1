// Decode-time products of compact Q4_1/Q8_0/int8x16 weights with int8-quantized activations, through
// the AVX-512 VNNI kernels of Sources/CKernels/qdot.c (llama.cpp's Q8 activation path). The
// weights stay exact; each activation row is rounded per block of 32 to int8 with scale
// max|x|/127, so a product differs from the fp32 one by at most Σ|w|·dx/2 per block.
// Chosen at run time: on a CPU without AVX-512 VNNI (or with ROUNDS_EXACT_DECODE=1) decode
// keeps the fp32 path of CompactMatmul.swift, which reproduces sgemm on the decoded weights.
//
// Legend: M rows (≤ 16), C input channels (a multiple of 32), OC output channels.

import CKernels
import Foundation

/// Whether decode products run on quantized activations here: the CPU has AVX-512 VNNI and
/// ROUNDS_EXACT_DECODE is not 1.
public let integerDecodeKernels: Bool =
    rounds_has_vnni512() != 0 && ProcessInfo.processInfo.environment["ROUNDS_EXACT_DECODE"] != "1"

/// out (M,OC) (= or += when `accumulate`) inp (M,C) · weightᵀ on int8 activations; `weight`
/// must be Q4_1, Q8_0 or int8x16, and the CPU must have AVX-512 VNNI (`rounds_has_vnni512`).
public func integerMatmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: CompactMatrix,
    m: Int, accumulate: Bool = false, ldOut: Int? = nil, ldInp: Int? = nil
) {
    precondition(weight.format.hasIntegerProducts, "integer decode takes Q4_1, Q8_0 or int8x16 weights")
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
    rounds_quantize_activations(inp, Int32(m), Int32(c), Int32(ldi), q4 ? 1 : 0, xq, dx, xsum, q4 ? nil : correction)
    if groupOffsets { rounds_group_sums16(inp, Int32(m), Int32(c), Int32(ldi), xsum16) }
    let quants = UnsafePointer(weight.quants.assumingMemoryBound(to: UInt8.self))
    let workers = m * c * oc < 65_536 ? 1 : min(Threads.count, oc)
    let run = { (w: Int) in
        let rows = chunkRange(oc, workers: workers, index: w)
        guard !rows.isEmpty else { return }
        if q4 {
            rounds_q4_1_matmul_vnni(quants, weight.scales, weight.offsets, Int32(blocks), Int32(rows.lowerBound),
                                    Int32(rows.upperBound), xq, dx, xsum, Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        } else {
            // One byte per weight: Q8_0 (scale per 32) or int8x16 (scale and offset per 16).
            rounds_byte_matmul_vnni(quants, weight.scales, groupOffsets ? weight.offsets : nil, weight.format == .int8x16 ? 16 : 32,
                                    Int32(blocks), Int32(rows.lowerBound), Int32(rows.upperBound), xq, dx, correction, xsum16,
                                    Int32(m), out, Int32(ldo), accumulate ? 1 : 0)
        }
    }
    if workers == 1 {
        run(0)
    } else {
        parallelFor(workers, run)
    }
}
