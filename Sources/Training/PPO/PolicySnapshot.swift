import Foundation
import Llama

/// Frozen copies of a policy that PPO needs besides the trained model:
/// - the REFERENCE (the starting policy: KL penalty target), kept as a copy of the starting
///   adapter (a LoRA run: the base is shared and frozen) or of every weight (full fine-tuning);
/// - a SAMPLING copy of the current weights with the adapter merged in, because the
///   KV-cache decoder reads plain base weights (`LlamaModel.decoderWeights`).
final class PolicySnapshot {
    let policy: LlamaModel
    private let referenceAdapter: LoRAAdapter?
    private let referenceModel: LlamaModel?
    /// The decoder's weights (a LoRA run: base + merged adapter; full: a copy of the weights).
    let sampling: LlamaModel

    /// Call before any training step (or before restoring a checkpoint): the model as it is
    /// now becomes the reference.
    init(policy: LlamaModel) {
        self.policy = policy
        sampling = LlamaModel(config: policy.config)
        if let adapter = policy.adapter, !policy.trainsBase {
            referenceAdapter = Self.copy(adapter)
            referenceModel = nil
        } else {
            referenceAdapter = nil
            let copy = LlamaModel(config: policy.config)
            copy.parameters.pointer.update(from: policy.parameters.pointer, count: policy.parameters.count)
            referenceModel = copy
        }
    }

    static func copy(_ adapter: LoRAAdapter) -> LoRAAdapter {
        let out = LoRAAdapter(model: adapter.modelConfiguration, configuration: adapter.configuration)
        out.parameters.pointer.update(from: adapter.parameters.pointer, count: adapter.parameters.count)
        return out
    }

    /// A forward of the reference (no gradient, no dropout).
    func referenceForward(_ batch: TokenBatch) throws -> ForwardResult {
        if let referenceModel { return try referenceModel.forward(batch, training: false, forBackward: false) }
        let trained = policy.adapter
        policy.adapter = referenceAdapter
        defer { policy.adapter = trained }
        return try policy.forward(batch, training: false, forBackward: false)
    }

    /// Refreshes `sampling` from the policy's current weights.
    func refreshSampling() {
        sampling.parameters.pointer.update(from: policy.parameters.pointer, count: policy.parameters.count)
        if let adapter = policy.adapter, !policy.trainsBase {
            sampling.adapter = Self.copy(adapter)
            sampling.mergeAdapter()
        }
    }
}
