import Foundation
@testable import ModelFiles

// Helpers to build ggml blocks byte by byte in tests.

/// Little-endian bytes of a binary16 value.
func halfBytes(_ x: Float) -> [UInt8] {
    let bits = Float16(x).bitPattern
    return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
}

/// Runs the public dequantizer on `bytes` and returns the floats.
func dequantized(_ bytes: [UInt8], _ type: GGMLType, count: Int) throws -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    try bytes.withUnsafeBytes { raw in
        try out.withUnsafeMutableBufferPointer { try dequantize(raw, type: type, count: count, into: $0.baseAddress!) }
    }
    return out
}

/// `a` and `b` agree element-wise within `tol` (absolute); reports the first mismatch.
func close(_ a: [Float], _ b: [Float], tol: Float, _ label: String = "") -> Bool {
    guard a.count == b.count else {
        print("\(label): length \(a.count) vs \(b.count)")
        return false
    }
    for i in a.indices where !(abs(a[i] - b[i]) <= tol) {
        print("\(label): [\(i)] \(a[i]) vs \(b[i]) (tol \(tol))")
        return false
    }
    return true
}
