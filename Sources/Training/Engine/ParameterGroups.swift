import Foundation
import Llama

/// Several flat parameter blocks trained together — the backbone (`TrainableParameters`) and
/// one or more scalar heads (reward head, value head) — each with its own AdamW state and
/// learning-rate multiplier, one global-norm clip over all gradients, and one checkpoint
/// file holding every block back to back (the heads are tiny, so the concatenation is cheap)
/// and the LoRA adapter's dropout generator.
public final class ParameterGroups {
    public struct Group {
        public var name: String
        public var params: UnsafeMutablePointer<Float>
        public var grads: UnsafeMutablePointer<Float>
        public var count: Int
        public var optimizer: AdamW
        /// This group's learning rate = schedule × multiplier.
        public var learningRateMultiplier: Double
    }

    public private(set) var groups: [Group] = []
    public let kind: TrainableParameters.Kind
    /// The attached adapter, whose dropout masks come from a generator the checkpoint keeps.
    private let adapter: LoRAAdapter?

    /// The model's trainable weights (adapter or every weight) as the first group.
    public init(model: LlamaModel, weightDecay: Double) throws {
        let backbone = TrainableParameters(model: model)
        kind = backbone.kind
        adapter = model.adapter
        let optimizer = try AdamW(count: backbone.count, parameters: .init(weightDecay: weightDecay))
        optimizer.noDecay = backbone.noDecay
        groups.append(Group(name: "backbone", params: backbone.params, grads: backbone.grads, count: backbone.count,
                            optimizer: optimizer, learningRateMultiplier: 1))
    }

    /// Adds a scalar head (no weight decay on its bias).
    public func add(head: ScalarHead, name: String, learningRateMultiplier: Double = 1, weightDecay: Double) throws {
        let optimizer = try AdamW(count: head.parameters.count, parameters: .init(weightDecay: weightDecay))
        optimizer.noDecay = [head.width..<(head.width + 1)]
        groups.append(Group(name: name, params: head.parameters.pointer, grads: head.gradients.pointer,
                            count: head.parameters.count, optimizer: optimizer, learningRateMultiplier: learningRateMultiplier))
    }

    public var count: Int { groups.reduce(0) { $0 + $1.count } }

    /// Clips the global gradient norm over every group; returns the norm before clipping.
    public func clip(maxNorm: Double) -> Double {
        GradientClipping.clip(groups.map { UnsafeMutableBufferPointer(start: $0.grads, count: $0.count) }, maxNorm: maxNorm).norm
    }

    /// One AdamW step of every group.
    public func update(lr: Double) {
        for g in groups { g.optimizer.update(params: g.params, grads: g.grads, lr: lr * g.learningRateMultiplier) }
    }

    public var step: Int { groups.first?.optimizer.step ?? 0 }

    /// Writes every group's weights and moments, and the dropout generator, into one checkpoint.
    public func save(step: Int, cursor: Int, runKey: String, extra: [String: String], to url: URL) throws {
        let (p, m, v) = (concatenated(\.params), concatenated { $0.optimizer.m }, concatenated { $0.optimizer.v })
        defer { p.deallocate(); m.deallocate(); v.deallocate() }
        try Checkpoint.write(.init(step: step, cursor: cursor, kind: kind, count: count, runKey: runKey, extra: extra,
                                   dropoutRandom: adapter?.dropoutRandom),
                             params: p, m: m, v: v, to: url)
    }

    /// Restores weights, moments, step counters and the dropout generator from `url`; returns
    /// the header. A checkpoint without the generator (format 1) is refused when the adapter
    /// draws dropout masks: the rest of the run could not match an uninterrupted one.
    public func restore(from url: URL, runKey: String) throws -> Checkpoint.Header {
        let n = count
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)), m = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
        let v = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
        defer { p.deallocate(); m.deallocate(); v.deallocate() }
        let header = try Checkpoint.read(from: url, expectedCount: n, runKey: runKey, params: p, m: m, v: v)
        if let adapter {
            if let random = header.dropoutRandom {
                adapter.dropoutRandom = random
            } else if adapter.configuration.dropout > 0 {
                throw Checkpoint.CheckpointError.noDropoutState(path: url.path)
            }
        }
        var at = 0
        for g in groups {
            g.params.update(from: p + at, count: g.count)
            g.optimizer.m.update(from: m + at, count: g.count)
            g.optimizer.v.update(from: v + at, count: g.count)
            g.optimizer.step = header.step
            at += g.count
        }
        return header
    }

    private func concatenated(_ pointer: (Group) -> UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        var at = 0
        for g in groups {
            (out + at).update(from: pointer(g), count: g.count)
            at += g.count
        }
        return out
    }
}
