import Foundation
import Llama
import Tokenizer

/// Per-token log-probabilities of a conversation's last assistant turn under the model —
/// the quantity DPO, KTO and reward models compare.
public struct ScoredTurn: Codable, Equatable, Sendable {
    /// Vocabulary strings of the scored tokens (the turn's content and its end marker).
    public var tokens: [String]
    public var ids: [Int32]
    /// log p(ids[i] | everything before it), full-sequence fp32 forward, no temperature.
    public var logprobs: [Float]
    public var sum: Double
}

extension ChatModel {
    /// Scores the last assistant message of `messages` (one full-sequence forward; the
    /// messages after it, if any, are ignored). `place` names the input in errors.
    public func score(_ messages: [ChatMessage], place: String = "conversation") throws -> ScoredTurn {
        guard let last = messages.lastIndex(where: { $0.role == "assistant" }) else {
            throw GenerationError.noAssistantTurn(place)
        }
        // Spans only on turns from `last` on: exactly the last assistant turn.
        let rendered = try template.render(Array(messages[...last]), addGenerationPrompt: false, trainFrom: last)
        let chat = rendered.tokenize(with: tokenizer)
        guard let end = chat.assistantMask.lastIndex(of: true), let first = chat.assistantMask.firstIndex(of: true), first > 0 else {
            throw GenerationError.noAssistantTurn(place)
        }
        let ids = chat.ids[...end].map { Int32($0) }
        // Position t predicts token t + 1.
        let targetMask = (0..<ids.count).map { t in t + 1 < ids.count && chat.assistantMask[t + 1] }
        let result = try model.forward(try TokenBatch(ids: [ids], targetMask: [targetMask]), forBackward: false)
        var scored = ScoredTurn(tokens: [], ids: [], logprobs: [], sum: 0)
        for t in 0..<ids.count - 1 where targetMask[t] {
            let id = ids[t + 1]
            scored.ids.append(id)
            scored.tokens.append(tokenizer.tokenString(Int(id)))
            scored.logprobs.append(result.logprobs[0][t])
            scored.sum += Double(result.logprobs[0][t])
        }
        return scored
    }
}
