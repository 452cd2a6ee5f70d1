import Foundation
import ModelFiles
import Tensor

// QLoRA (Dettmers et al. 2023, arXiv 2305.14314): the base model's projections stay in a
// 4–8-bit encoding and are frozen; only LoRA adapters (fp32) train. A model built with a
// frozen base has no fp32 copy of its seven projection matrices per layer: its parameter
// buffer holds the embedding, the norms, the biases and an untied LM head (fp32, as in
// QLoRA, where they stay in 16/32 bits), and every product with a projection decodes the
// weight tile by tile (Tensor FrozenMatmul.swift). The encoding of each projection:
//   Hugging Face safetensors (fp32/bf16/fp16) → NF4, block 64, fp32 absmax (Tensor NF4Matrix)
//   GGUF Q4_K, Q5_K, Q6_K, Q5_0, Q8_0           → the file's own levels (Tensor CompactLevels)
//   GGUF Q4_1                                   → its own blocks, refitted exactly (CompactMatrix)
//   GGUF F32/F16/BF16 or any other type         → NF4 of the decoded weights
// The adapters trained on such a model are ordinary LoRA adapters of the dequantized base.

/// How a frozen base was encoded, for logs and manifests.
public struct FrozenBaseSummary: Codable, Equatable, Sendable {
    /// Projections per encoding (`nf4`, `q4_1`, `q8_0`, `int8x16`).
    public var encodings: [String: Int]
    /// Bytes of the encoded projections, and what they would take in fp32.
    public var bytes: Int
    public var fp32Bytes: Int

    public var ratio: Double { fp32Bytes > 0 ? Double(bytes) / Double(fp32Bytes) : 0 }
}

/// Every projection of every layer in its compact encoding, plus one tile of scratch.
public final class FrozenBase: @unchecked Sendable {
    let matrices: [[LoRATarget: any FrozenMatrix]]
    let scratch = FloatBuffer(count: 0)

    init(matrices: [[LoRATarget: any FrozenMatrix]]) { self.matrices = matrices }

    public func matrix(layer l: Int, _ target: LoRATarget) -> any FrozenMatrix { matrices[l][target]! }

    public var summary: FrozenBaseSummary {
        var encodings: [String: Int] = [:], bytes = 0, fp32 = 0
        for layer in matrices {
            for m in layer.values {
                let name = (m as? CompactMatrix)?.format.rawValue ?? "nf4"
                encodings[name, default: 0] += 1
                bytes += m.byteCount
                fp32 += 4 * m.rows * m.columns
            }
        }
        return FrozenBaseSummary(encodings: encodings, bytes: bytes, fp32Bytes: fp32)
    }
}

extension ParameterTensor {
    /// (layer, projection) of a projection weight (`model.layers.3.mlp.up_proj.weight`).
    var projection: (layer: Int, target: LoRATarget)? {
        let parts = name.split(separator: ".")
        guard parts.count == 6, parts[0] == "model", parts[1] == "layers", parts[5] == "weight",
              let l = Int(parts[2]), let t = LoRATarget(rawValue: String(parts[4])) else { return nil }
        return (l, t)
    }
}

extension LlamaModel {
    /// Stacked projections of layer `l` in the order of the fused fp32 layout.
    static func fused(_ first: LoRATarget) -> [LoRATarget] {
        switch first {
        case .q: [.q, .k, .v]
        case .gate: [.gate, .up]
        default: [first]
        }
    }

    /// out (N, OC) (= or += when `accumulate`) x (N, C) · Wᵀ for the projection(s) starting at
    /// `first` of layer `l` (q → the fused q|k|v, gate → gate|up), whose fp32 form is at `offset`.
    func projectForward(_ l: Int, _ first: LoRATarget, offset: Int, out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                        n: Int, c: Int, oc: Int, accumulate: Bool = false) {
        guard let frozen = frozenBase else {
            return matmulForward(out, x, parameters.pointer + offset, n: n, c: c, oc: oc, accumulate: accumulate)
        }
        var column = 0
        for t in Self.fused(first) {
            let w = frozen.matrix(layer: l, t)
            frozenMatmulForward(out + column, x, w, n: n, scratch: frozen.scratch, accumulate: accumulate, ldOut: oc)
            column += w.rows
        }
    }

    /// Backward of `projectForward`: dx (N, C) += dOut · W and, for a trainable fp32 base,
    /// dW += dOutᵀ · x. A frozen base has no weight gradient.
    func projectBackward(_ l: Int, _ first: LoRATarget, offset: Int, dx: UnsafeMutablePointer<Float>?,
                         dweight: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>,
                         n: Int, c: Int, oc: Int) {
        guard let frozen = frozenBase else {
            return matmulBackward(dinp: dx, dweight: dweight, dout: dOut, inp: x, weight: parameters.pointer + offset, n: n, c: c, oc: oc)
        }
        guard let dx else { return }
        var column = 0
        for t in Self.fused(first) {
            let w = frozen.matrix(layer: l, t)
            frozenMatmulBackward(dinp: dx, dout: dOut + column, w, n: n, scratch: frozen.scratch, ldDout: oc)
            column += w.rows
        }
    }

    /// The frozen encoding of a projection read from a GGUF (see the table above).
    static func frozenMatrix(_ gguf: GGUFFile, _ t: ParameterTensor) throws -> any FrozenMatrix {
        let type = try gguf.info(t.ggufName).type
        if levelGroupSize(type) != nil, let blocks = try blockMatrix(gguf, t) { return blocks }
        let values = try orderedFloats(gguf, t)
        return values.withUnsafeBufferPointer { v -> any FrozenMatrix in
            if type == .q4_1, let exact = CompactMatrix.exact(v.baseAddress!, rows: t.shape[0], columns: t.shape[1]),
               exact.format == .q4_1 {
                return exact
            }
            return NF4Matrix(v.baseAddress!, rows: t.shape[0], columns: t.shape[1])
        }
    }

    /// A tensor's fp32 values from a GGUF, rows in the model's order.
    static func orderedFloats(_ gguf: GGUFFile, _ t: ParameterTensor) throws -> [Float] {
        let values = try gguf.floats(t.ggufName, shape: t.shape)
        guard let heads = t.permutedHeads else { return values }
        var out = values
        out.withUnsafeMutableBufferPointer { unpermuteRows($0.baseAddress!, values, heads: heads, rows: t.shape[0], columns: t.shape[1]) }
        return out
    }
}
