import Foundation
import ModelFiles
import Tensor

/// A Llama-architecture causal language model on the CPU: configuration, one flat
/// parameter buffer (`layout` names its views), an optional gradient buffer of the same
/// layout, an optional LoRA adapter, and activation buffers reused across calls.
///
/// Internal layout choices: q/k rows are in the Hugging Face rotate-half order (GGUF files
/// are un-permuted at load); the batch is packed (no padding rows, see `TokenBatch`).
/// Not thread-safe: one forward/backward at a time per model.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfiguration
    public let layout: ParameterLayout
    /// Every base weight, `layout.residentCount` floats (all of them, unless the projections
    /// are a frozen 4-bit base in `frozenBase`).
    public let parameters: FloatBuffer
    /// QLoRA: the projections in a compact encoding, decoded tile by tile inside the products
    /// (FrozenBase.swift); nil when they are fp32 in `parameters`.
    public internal(set) var frozenBase: FrozenBase?
    /// Gradients of the base weights (same layout), present once `trainsBase` was set.
    public private(set) var gradients: FloatBuffer?
    /// The attached LoRA adapter, if any; its weights get gradients, the base does not
    /// unless `trainsBase` is also set.
    public var adapter: LoRAAdapter? {
        didSet {
            state = nil
            if adapter != nil { runtimeAdapter = nil }
        }
    }
    /// The Hugging Face form of the configuration (token ids included when the source file
    /// had them); what an export should write as config.json.
    public let hfConfig: HFConfig
    public let rope: RoPETable
    /// The RoPE table of sliding-window layers (Gemma 3's local base), if the model has them.
    public let localRope: RoPETable?
    let workspace = Workspace()
    /// What the last forward saw (needed by backward and `logits(at:)`).
    var state: ForwardState?

    /// Full fine-tuning switch: when true the backward accumulates into `gradients`
    /// (allocated here, zeroed). When false the base is frozen and its dW GEMMs are skipped.
    public var trainsBase: Bool = false {
        didSet {
            precondition(!trainsBase || frozenBase == nil, "a frozen (QLoRA) base cannot be fine-tuned in full")
            if trainsBase, gradients == nil { gradients = FloatBuffer(count: layout.count) }
            if trainsBase { blockWeights = [:]; runtimeAdapter = nil }
        }
    }

    /// Compact forms of the GGUF's quantized matrices (K-quants, Q5_0, Q8_0) built from
    /// its blocks, by parameter offset; the decoder uses them while they still equal the
    /// fp32 weights (see CompactDecoderWeights.swift). Dropped once the base is trained.
    public internal(set) var blockWeights: [Int: CompactMatrix] = [:]
    /// After `mergeAdapterForSampling`: the base's compact encodings and the merged adapter's
    /// factors, which decode steps read instead of the merged fp32 weights.
    var runtimeAdapter: RuntimeAdapter?

    /// A model with zero weights (fill `parameters` yourself, or use `load(from:)`).
    /// `frozenProjections`: the buffer leaves out the projections, which the loader then
    /// keeps in `frozenBase` (QLoRA).
    public init(config: LlamaConfiguration, hfConfig: HFConfig? = nil, frozenProjections: Bool = false) {
        self.config = config
        self.hfConfig = hfConfig ?? HFConfig(config)
        layout = ParameterLayout(config: config, storesProjections: !frozenProjections)
        parameters = FloatBuffer(count: layout.residentCount)
        let tables = config.architecture.ropeTables(
            headDim: config.headDim, theta: config.ropeTheta, positions: min(config.contextLength, 4096))
        rope = tables.global
        localRope = tables.local
    }

    /// The RoPE table layer `l` uses.
    func ropeTable(layer l: Int) -> RoPETable { config.architecture.isSliding(l) ? localRope ?? rope : rope }

    /// Zeroes the base gradients (if any) and the adapter's.
    public func zeroGrad() {
        gradients?.zero()
        adapter?.gradients.zero()
    }

    /// A view of one named parameter tensor (Hugging Face name).
    public func parameter(_ name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let t = layout.tensor(named: name) else { return nil }
        return UnsafeMutableBufferPointer(start: parameters.pointer + t.offset, count: t.count)
    }

    /// The gradient of one named parameter tensor, if base gradients exist.
    public func gradient(_ name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let t = layout.tensor(named: name), let g = gradients else { return nil }
        return UnsafeMutableBufferPointer(start: g.pointer + t.offset, count: t.count)
    }
}
