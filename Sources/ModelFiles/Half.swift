// Half-precision helpers shared by the dequantizers and writers.
// IEEE binary16 (F16) is converted through Swift's Float16; bfloat16 (BF16) is the top
// half of a Float32, so widening is a shift (truncation when narrowing is rounded to
// nearest-even, as PyTorch does).

/// Reads a little-endian binary16 at `offset` (no alignment needed) as Float.
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
}

/// Every binary16 bit pattern widened to Float, so bulk F16 conversion is one load per
/// element (the baseline x86-64 target has no F16C instructions; the library call per
/// element is several times slower).
let halfToFloatTable: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

/// bfloat16 bits → Float.
@inline(__always)
func bf16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Float → bfloat16 bits, rounding to nearest, ties to even; NaN stays a (quiet) NaN.
@inline(__always)
func floatToBF16(_ x: Float) -> UInt16 {
    if x.isNaN { return 0x7FC0 | UInt16(x.bitPattern >> 16 & 0x8000) }
    let bits = x.bitPattern
    let rounding = 0x7FFF + (bits >> 16 & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
}

/// Float → binary16 bits (round to nearest even, overflow to ±inf).
@inline(__always)
func floatToHalf(_ x: Float) -> UInt16 {
    Float16(x).bitPattern
}
