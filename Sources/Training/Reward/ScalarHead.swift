import Foundation
import ModelFiles
import Support
import Tensor

/// A scalar head on a transformer's final hidden states, `r = w·h + b` (TRL's
/// `AutoModelForSequenceClassification` score head with num_labels = 1, plus a bias; the
/// InstructGPT reward model and the PPO value head have this shape). Weights and gradients
/// live in ONE buffer each, laid out [w (C) | b], so the optimizer, clipping and checkpoints
/// treat the head as one flat block. Legend: C hidden width, R rows scored.
public final class ScalarHead: @unchecked Sendable {
    public let width: Int
    /// C + 1 floats: w then b.
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer

    /// A head with w ~ N(0, std²) and b = 0 (HF's `_init_weights` with initializer_range; TRL's
    /// value head uses the same).
    public init(width: Int, seed: UInt64, std: Float = 0.02) {
        self.width = width
        parameters = FloatBuffer(count: width + 1)
        gradients = FloatBuffer(count: width + 1)
        var rng = SeededRandom(seed: seed)
        rng.fillNormal(UnsafeMutableBufferPointer(start: parameters.pointer, count: width), mean: 0, std: std)
    }

    /// A head with the given weights.
    public init(weight: [Float], bias: Float) {
        width = weight.count
        parameters = FloatBuffer(weight + [bias])
        gradients = FloatBuffer(count: weight.count + 1)
    }

    public var weight: [Float] { parameters.array(offset: 0, count: width) }
    public var bias: Float { parameters[width] }

    /// r_i = w·hidden[row_i] + b, accumulated in Double. `hidden` is packed (N, C).
    public func forward(hidden: [Float], rows: [Int]) -> [Double] {
        let w = parameters.pointer, b = Double(parameters[width])
        return hidden.withUnsafeBufferPointer { h in
            rows.map { row in
                var s = b
                for j in 0..<width { s += Double(w[j]) * Double(h[row * width + j]) }
                return s
            }
        }
    }

    /// Given d loss / d r_i, ADDS d/dw = Σ dr_i·h_i and d/db = Σ dr_i to `gradients` and returns
    /// d loss / d hidden (N, C): dr_i·w on row_i, 0 elsewhere (rows may repeat: summed).
    public func backward(dRewards: [Double], hidden: [Float], rows: [Int]) -> [Float] {
        var dHidden = [Float](repeating: 0, count: hidden.count)
        let w = parameters.pointer, g = gradients.pointer
        for (i, row) in rows.enumerated() {
            let dr = Float(dRewards[i])
            for j in 0..<width {
                g[j] += dr * hidden[row * width + j]
                dHidden[row * width + j] += dr * w[j]
            }
            g[width] += dr
        }
        return dHidden
    }

    // MARK: - Files

    public static let fileName = "reward_head.safetensors"

    /// `score.weight` (1, C) and `score.bias` (1), the names of HF's sequence-classification head.
    public func save(to url: URL) throws {
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        try writer.add("score.weight", weight, shape: [1, width])
        try writer.add("score.bias", [bias], shape: [1])
        try writer.write(to: url)
    }

    /// Reads a head written by `save`; `width` must match the model's hidden size.
    public static func load(from url: URL, width: Int) throws -> ScalarHead {
        let file = try SafetensorsFile(url: url)
        let w = try file.floats("score.weight", shape: [1, width])
        let b = try file.floats("score.bias", shape: [1])
        return ScalarHead(weight: w, bias: b[0])
    }
}
