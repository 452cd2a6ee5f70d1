import Foundation
import Tensor

// LoRA (Hu et al. 2021, arXiv 2106.09685) as PEFT implements it: a targeted Linear computes
// y = W x + s · B(A · dropout(x)) with A [r, in], B [out, r], s = alpha / r. The base W is
// frozen; A and B live in the adapter's own contiguous buffer (+ a gradient buffer of the
// same layout), so the optimizer and checkpoints treat them like the base parameters.

/// The projections LoRA can target (PEFT `target_modules` names).
public enum LoRATarget: String, CaseIterable, Sendable, Codable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// The HF submodule holding the projection.
    public var module: String {
        switch self {
        case .q, .k, .v, .o: "self_attn"
        case .gate, .up, .down: "mlp"
        }
    }

    /// (in, out) features of the projection.
    public func features(_ cfg: LlamaConfiguration) -> (input: Int, output: Int) {
        let c = cfg.hiddenSize, f = cfg.intermediateSize
        let hd = cfg.headCount * cfg.headDim, kvd = cfg.kvHeadCount * cfg.headDim
        switch self {
        case .q: return (c, hd)
        case .k, .v: return (c, kvd)
        case .o: return (hd, c)
        case .gate, .up: return (c, f)
        case .down: return (f, c)
        }
    }
}

/// LoRA hyper-parameters (PEFT `LoraConfig`).
public struct LoRAConfiguration: Sendable, Equatable, Codable {
    public var rank: Int
    public var alpha: Float
    /// Dropout on the adapter's input during training (0 disables).
    public var dropout: Float
    public var targets: [LoRATarget]
    /// Seeds the A initialisation and the dropout masks.
    public var seed: UInt64

    public var scaling: Float { alpha / Float(rank) }

    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0, targets: [LoRATarget] = LoRATarget.allCases, seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = LoRATarget.allCases.filter(targets.contains)
        self.seed = seed
    }
}

/// Where one (layer, projection) pair's A and B sit in the adapter buffer.
struct LoRASlot {
    var a: Int, b: Int, input: Int, output: Int
}

/// A LoRA adapter for one model shape: weights, gradients, saved activations.
public final class LoRAAdapter: @unchecked Sendable {
    public let configuration: LoRAConfiguration
    public let modelConfiguration: LlamaConfiguration
    /// Every A and B, in `tensors` order.
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    /// PEFT-named views (`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`).
    public let tensors: [ParameterTensor]
    let slots: [[LoRATarget: LoRASlot]]
    /// Per (layer, target): u = A·x (N, r) and, with dropout, the mask (N, in).
    let saved = FloatBuffer(count: 0)
    let scratch = FloatBuffer(count: 0)
    private var savedOffsets: [[LoRATarget: (u: Int, mask: Int?)]] = []
    private var rows = 0
    private var dropoutActive = false
    private var rng: SeededRandom

    /// A fresh adapter with PEFT's default initialisation: A ~ U(−1/√in, 1/√in)
    /// (kaiming_uniform with a = √5), B = 0, so the adapted model starts equal to the base.
    public init(model cfg: LlamaConfiguration, configuration: LoRAConfiguration) {
        self.configuration = configuration
        modelConfiguration = cfg
        var tensors: [ParameterTensor] = [], slots: [[LoRATarget: LoRASlot]] = []
        var offset = 0
        for l in 0..<cfg.layerCount {
            var layer: [LoRATarget: LoRASlot] = [:]
            for t in configuration.targets {
                let (input, output) = t.features(cfg)
                let base = "base_model.model.model.layers.\(l).\(t.module).\(t.rawValue)"
                let a = offset, b = offset + configuration.rank * input
                tensors.append(ParameterTensor(name: base + ".lora_A.weight", ggufName: "", offset: a, shape: [configuration.rank, input]))
                tensors.append(ParameterTensor(name: base + ".lora_B.weight", ggufName: "", offset: b, shape: [output, configuration.rank]))
                layer[t] = LoRASlot(a: a, b: b, input: input, output: output)
                offset = b + output * configuration.rank
            }
            slots.append(layer)
        }
        self.tensors = tensors
        self.slots = slots
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        rng = SeededRandom(seed: configuration.seed)
        for layer in slots {
            for t in configuration.targets {
                let s = layer[t]!
                let bound = 1 / Float(s.input).squareRoot()
                for i in 0..<(configuration.rank * s.input) {
                    parameters[s.a + i] = (2 * rng.nextFloat() - 1) * bound
                }
            }
        }
    }

    /// Restarts the dropout generator (reproduces a step's masks exactly).
    public func reseed(_ seed: UInt64) { rng = SeededRandom(seed: seed) }

    /// The dropout generator's state: a training checkpoint saves it so a resumed run draws
    /// the masks the uninterrupted run would have drawn.
    public var dropoutRandom: SeededRandom {
        get { rng }
        set { rng = newValue }
    }

    /// Sizes the saved activations for `rows` packed rows and draws no masks yet.
    func prepare(rows n: Int, training: Bool) {
        rows = n
        dropoutActive = training && configuration.dropout > 0
        var offset = 0
        savedOffsets = slots.map { layer in
            var entry: [LoRATarget: (u: Int, mask: Int?)] = [:]
            for t in configuration.targets {
                let s = layer[t]!
                let u = offset
                offset += n * configuration.rank
                var mask: Int? = nil
                if dropoutActive {
                    mask = offset
                    offset += n * s.input
                }
                entry[t] = (u, mask)
            }
            return entry
        }
        saved.reserve(offset)
        let widest = LoRATarget.allCases.map { $0.features(modelConfiguration).input }.max()!
        scratch.reserve(n * (configuration.rank + widest))
    }

    /// out (N, ldOut) += s · B(A · dropout(x)) for one projection; x (N, ldx).
    func forward(layer l: Int, _ target: LoRATarget, x: UnsafePointer<Float>, ldx: Int,
                 out: UnsafeMutablePointer<Float>, ldOut: Int, rows n: Int) {
        guard let s = slots[l][target], let off = savedOffsets[l][target] else { return }
        let r = configuration.rank, p = parameters.pointer
        var input = x, ldInput = ldx
        if let maskOffset = off.mask {
            // Inverted dropout (PyTorch `nn.Dropout`): keep with prob 1 − p, scale by 1/(1 − p).
            let mask = saved.pointer + maskOffset, xd = scratch.pointer + n * r
            let keep = 1 / (1 - configuration.dropout)
            for i in 0..<(n * s.input) { mask[i] = rng.nextFloat() < configuration.dropout ? 0 : keep }
            for row in 0..<n {
                for i in 0..<s.input { xd[row * s.input + i] = x[row * ldx + i] * mask[row * s.input + i] }
            }
            input = UnsafePointer(xd)
            ldInput = s.input
        }
        let u = saved.pointer + off.u
        gemm(transA: false, transB: true, m: n, n: r, k: s.input, a: input, lda: ldInput, b: p + s.a, ldb: s.input, beta: 0, c: u, ldc: r)
        gemm(transA: false, transB: true, m: n, n: s.output, k: r, alpha: configuration.scaling, a: u, lda: r,
             b: p + s.b, ldb: r, beta: 1, c: out, ldc: ldOut)
    }

    /// Backward of `forward`: dB += s·dOutᵀ·u, du = s·dOut·B, dA += duᵀ·dropout(x),
    /// dx (N, ldDx) += (du·A) ⊙ mask. dOut (N, ldDout) is the projection's output gradient.
    func backward(layer l: Int, _ target: LoRATarget, x: UnsafePointer<Float>, ldx: Int,
                  dOut: UnsafePointer<Float>, ldDout: Int, dx: UnsafeMutablePointer<Float>?, ldDx: Int, rows n: Int) {
        guard let s = slots[l][target], let off = savedOffsets[l][target] else { return }
        let r = configuration.rank, p = parameters.pointer, g = gradients.pointer, scale = configuration.scaling
        let u = saved.pointer + off.u, du = scratch.pointer, wide = scratch.pointer + n * r
        gemm(transA: true, transB: false, m: s.output, n: r, k: n, alpha: scale, a: dOut, lda: ldDout, b: u, ldb: r,
             beta: 1, c: g + s.b, ldc: r)
        gemm(transA: false, transB: false, m: n, n: r, k: s.output, alpha: scale, a: dOut, lda: ldDout, b: p + s.b, ldb: r,
             beta: 0, c: du, ldc: r)
        if let maskOffset = off.mask {
            let mask = saved.pointer + maskOffset
            for row in 0..<n {
                for i in 0..<s.input { wide[row * s.input + i] = x[row * ldx + i] * mask[row * s.input + i] }
            }
            gemm(transA: true, transB: false, m: r, n: s.input, k: n, a: du, lda: r, b: wide, ldb: s.input,
                 beta: 1, c: g + s.a, ldc: s.input)
            guard let dx else { return }
            gemm(transA: false, transB: false, m: n, n: s.input, k: r, a: du, lda: r, b: p + s.a, ldb: s.input,
                 beta: 0, c: wide, ldc: s.input)
            for row in 0..<n {
                for i in 0..<s.input { dx[row * ldDx + i] += wide[row * s.input + i] * mask[row * s.input + i] }
            }
        } else {
            gemm(transA: true, transB: false, m: r, n: s.input, k: n, a: du, lda: r, b: x, ldb: ldx,
                 beta: 1, c: g + s.a, ldc: s.input)
            guard let dx else { return }
            gemm(transA: false, transB: false, m: n, n: s.input, k: r, a: du, lda: r, b: p + s.a, ldb: s.input,
                 beta: 1, c: dx, ldc: ldDx)
        }
    }
}
