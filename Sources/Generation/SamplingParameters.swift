import Foundation

/// How to pick each next token and when to stop. The defaults follow Hugging Face
/// `GenerationConfig` conventions: `topK == 0` and `topP == 1` switch those filters off,
/// `temperature == 0` means greedy (argmax).
public struct SamplingParameters: Codable, Equatable, Sendable {
    /// Divides the logits before the softmax; 0 = greedy.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens (0 = all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches `topP`
    /// (Holtzman et al., "The Curious Case of Neural Text Degeneration", arXiv 1904.09751).
    public var topP: Float
    /// At most this many new tokens per sample (the stop token counts as one).
    public var maxNewTokens: Int
    /// Stop when the model emits one of the model's end tokens (EOS / end of turn).
    public var stopAtEndOfTurn: Bool
    /// Further token ids that end a sample (always honoured).
    public var stopTokenIDs: [Int32]
    /// Sample `i` of prompt `p` draws from stream `(seed, p · samplesPerPrompt + i)`, so its
    /// text does not depend on batch size or on the other samples.
    public var seed: UInt64

    public init(temperature: Float = 0.7, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 256,
                stopAtEndOfTurn: Bool = true, stopTokenIDs: [Int32] = [], seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.stopAtEndOfTurn = stopAtEndOfTurn
        self.stopTokenIDs = stopTokenIDs
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)

    public var isGreedy: Bool { temperature <= 0 }

    /// Throws a `SamplingError` naming the field that is out of range.
    public func validate() throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw SamplingError.invalidParameter("temperature", "\(temperature)", "use 0 (greedy) or a positive number such as 0.7")
        }
        guard topK >= 0 else {
            throw SamplingError.invalidParameter("top-k", "\(topK)", "use 0 (off) or a positive count such as 40")
        }
        guard topP > 0, topP <= 1 else {
            throw SamplingError.invalidParameter("top-p", "\(topP)", "use a probability in (0, 1], 1 = off")
        }
        guard maxNewTokens > 0 else {
            throw SamplingError.invalidParameter("max-tokens", "\(maxNewTokens)", "use a positive count such as 256")
        }
    }
}

public enum SamplingError: LocalizedError, Equatable {
    case invalidParameter(String, String, String)

    public var errorDescription: String? {
        switch self {
        case let .invalidParameter(name, value, hint):
            return "sampling parameter \(name) = \(value) is out of range; \(hint)"
        }
    }
}

/// Why a sample ended.
public enum FinishReason: String, Codable, Sendable {
    /// The model emitted an end-of-sequence / end-of-turn token.
    case eos
    /// `maxNewTokens` was reached (or the context is full).
    case length
    /// One of `stopTokenIDs` was emitted.
    case stop
}
