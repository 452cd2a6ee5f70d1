import Foundation
import Llama
import Tensor

/// The weights a run updates, seen as one flat (params, grads) pair so the optimizer,
/// clipping and checkpoints are each one loop: the LoRA adapter's buffer when an adapter
/// is attached and the base is frozen, or every base weight for full fine-tuning.
public struct TrainableParameters {
    public enum Kind: String, Codable, Sendable { case lora, full }

    public let kind: Kind
    public let params: UnsafeMutablePointer<Float>
    public let grads: UnsafeMutablePointer<Float>
    public let count: Int
    /// Ranges exempt from weight decay (norm weights in full fine-tuning).
    public let noDecay: [Range<Int>]

    public init(model: LlamaModel) {
        if let adapter = model.adapter, !model.trainsBase {
            kind = .lora
            params = adapter.parameters.pointer
            grads = adapter.gradients.pointer
            count = adapter.parameters.count
            noDecay = []
        } else {
            model.trainsBase = true
            kind = .full
            params = model.parameters.pointer
            grads = model.gradients!.pointer
            count = model.layout.count
            noDecay = model.layout.tensors.filter { $0.shape.count == 1 }.map { $0.offset..<($0.offset + $0.count) }
        }
    }

    public var gradientBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: grads, count: count) }
    public var parameterBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: params, count: count) }
}
