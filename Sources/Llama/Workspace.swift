import Tensor

/// Offsets of the saved activations for N packed rows with `att` attention floats per
/// layer (llm.c `ActivationTensors`). One buffer, grown on demand, reused across calls.
/// The MLP's activation output (silu(gate)·up, N × F, the largest tensor of a layer) is not
/// kept per layer: every layer writes it into one shared region and the backward recomputes
/// it from the saved gate|up (bit for bit the same values), which cuts a training step's
/// activations by about a fifth (1 GiB for a Qwen2.5-1.5B shape at 4 × 256 tokens).
struct ActivationLayout {
    struct Layer {
        var resid = 0, ln1 = 0, rstd1 = 0, qkv = 0, att = 0, attOut = 0, mid = 0, ln2 = 0, rstd2 = 0, gateUp = 0, act = 0
        /// q/k norm: the projections before the norm (= qkv without one) and the per-head rstd.
        var qkvRaw = 0, qkRstd = 0
        /// Sandwich norms: the attention and MLP outputs before their post-norms, and rstds.
        var attnProj = 0, rstdPostAttn = 0, mlpOut = 0, rstdPostFFN = 0
    }

    var layers: [Layer] = []
    var residFinal = 0, lnf = 0, rstdf = 0
    var count = 0

    /// `perLayer`: every layer's activations have their own region (what a backward reads).
    /// Without it (a forward-only pass) all layers share one region, which each layer
    /// overwrites, its output to the residual stream included (the forward writes it in place).
    init(config cfg: LlamaConfiguration, n: Int, att: Int, perLayer: Bool = true) {
        let c = cfg.hiddenSize, f = cfg.intermediateSize
        let hd = cfg.headCount * cfg.headDim, qkv = hd + 2 * cfg.kvHeadCount * cfg.headDim
        let arch = cfg.architecture
        var offset = 0
        func take(_ size: Int) -> Int {
            defer { offset += size }
            return offset
        }
        let sharedAct = take(n * f)
        for _ in 0..<cfg.layerCount {
            if !perLayer, let first = layers.first {
                layers.append(first)
                continue
            }
            var l = Layer()
            l.resid = take(n * c)
            l.ln1 = take(n * c)
            l.rstd1 = take(n)
            l.qkv = take(n * qkv)
            l.att = take(att)
            l.attOut = take(n * hd)
            l.mid = take(n * c)
            l.ln2 = take(n * c)
            l.rstd2 = take(n)
            l.gateUp = take(n * 2 * f)
            l.act = sharedAct
            l.qkvRaw = l.qkv
            if arch.qkNorm {
                l.qkvRaw = take(n * qkv)
                l.qkRstd = take(n * (cfg.headCount + cfg.kvHeadCount))
            }
            if arch.sandwichNorms {
                l.attnProj = take(n * c)
                l.rstdPostAttn = take(n)
                l.mlpOut = take(n * c)
                l.rstdPostFFN = take(n)
            }
            layers.append(l)
        }
        residFinal = take(n * c)
        lnf = take(n * c)
        rstdf = take(n)
        count = offset
    }
}

/// Offsets of the backward's scratch gradients (one layer's worth, reused by every layer).
struct GradientScratchLayout {
    var dres = 0, dln = 0, dattOut = 0, dqkv = 0, dact = 0, dGateUp = 0, datt = 0
    /// Sandwich norms: the gradient of the attention or MLP output before its post-norm.
    var dproj = 0
    var count = 0

    init(config cfg: LlamaConfiguration, n: Int, att: Int) {
        let c = cfg.hiddenSize, f = cfg.intermediateSize
        let hd = cfg.headCount * cfg.headDim, qkv = hd + 2 * cfg.kvHeadCount * cfg.headDim
        dres = 0
        dln = dres + n * c
        dattOut = dln + n * c
        dqkv = dattOut + n * hd
        dact = dqkv + n * qkv
        dGateUp = dact + n * f
        datt = dGateUp + n * 2 * f
        dproj = datt + att
        count = dproj + (cfg.architecture.sandwichNorms ? n * c : 0)
    }
}

/// Buffers reused across forward/backward calls; they only grow.
final class Workspace {
    let activations = FloatBuffer(count: 0)
    let gradients = FloatBuffer(count: 0)
    /// Chunked LM-head scratch, plus per-target lse and log-probs.
    let head = FloatBuffer(count: 0)
    /// The forward's (M, V) logits, kept for the backward of a trainable model when they fit
    /// in `savedLogitsBudget` floats (else the backward recomputes them chunk by chunk).
    let logits = FloatBuffer(count: 0)
    var lse: [Float] = [], logprobs: [Float] = [], dlogprobs: [Float] = []
    var ids: [Int32] = [], positions: [Int32] = [], rows: [Int32] = [], targets: [Int32] = []
}

/// The shape of the last forward, kept for the backward and `logits(at:)`.
struct ForwardState {
    var packing: PackedRows
    var attSize: Int
    var layout: ActivationLayout
    /// For each scored target: (sequence, position).
    var targetIndex: [(Int, Int)]
    var training: Bool
    /// Whether `Workspace.logits` holds this forward's logits.
    var logitsSaved = false
    /// Whether every layer's activations were kept (false: a forward-only pass, no backward).
    var forBackward = true
    /// Packed rows.
    var n: Int { packing.count }
}

/// Floats of LM-head logits a forward keeps for its backward: 512 MiB, e.g. 2,730 scored
/// tokens of SmolLM2's 49,152-entry vocabulary.
let savedLogitsBudget = 128 << 20
