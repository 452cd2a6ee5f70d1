import Foundation
import Llama
import Tensor

/// A synthetic triage task small enough for a tiny model to learn in seconds, used to show
/// that every preference method moves a policy toward what reviewers want. A prompt is a
/// few symptom tokens; some symptoms are red flags. An answer opens with a disposition
/// ("emergency department", "GP", "self-care") followed by advice words and an end token.
/// The hidden rule the scripted reviewer applies: an answer is correct when it sends the
/// patient to the emergency department exactly when the prompt has a red-flag symptom.
public struct TriageWorld: Sendable {
    public static let pad: Int32 = 0, promptStart: Int32 = 1, endOfAnswer: Int32 = 2, answerStart: Int32 = 3
    public static let emergency: Int32 = 4, generalPractice: Int32 = 5, selfCare: Int32 = 6

    /// Token id → word, for readable logs.
    public let words: [String]
    public let redFlags: [Int32]
    public let benign: [Int32]
    public let advice: [Int32]
    public let symptomsPerPrompt = 3

    public init() {
        var words = ["<pad>", "<prompt>", "<end>", "<answer>", "emergency-department", "GP", "self-care"]
        let red = ["chest-pain", "sudden-headache", "facial-droop", "breathlessness", "fainting", "stiff-neck-rash"]
        let mild = ["runny-nose", "sore-throat", "mild-cough", "back-ache", "itchy-eyes", "tiredness", "sneezing", "heartburn", "earache", "bruise"]
        let tips = ["rest", "fluids", "paracetamol", "monitor", "call-119", "today", "within-a-week", "if-worse", "steam", "ice"]
        func add(_ names: [String]) -> [Int32] {
            names.map { name in
                words.append(name)
                return Int32(words.count - 1)
            }
        }
        redFlags = add(red)
        benign = add(mild)
        advice = add(tips)
        self.words = words
    }

    public var vocabularySize: Int { words.count }

    /// The shape of the tiny policy used with this world.
    public func modelConfiguration() -> LlamaConfiguration {
        LlamaConfiguration(vocabularySize: vocabularySize, hiddenSize: 48, intermediateSize: 128, layerCount: 2,
                           headCount: 4, kvHeadCount: 2, tieWordEmbeddings: true, contextLength: 32)
    }

    public struct Prompt: Sendable, Equatable {
        public var ids: [Int32]
        public var redFlag: Bool
    }

    /// `count` prompts; about half carry a red flag. Deterministic in `seed`.
    public func prompts(count: Int, seed: UInt64) -> [Prompt] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let red = rng.nextDouble() < 0.5
            var symptoms = (0..<symptomsPerPrompt).map { _ in benign[Int(rng.next() % UInt64(benign.count))] }
            if red { symptoms[Int(rng.next() % UInt64(symptomsPerPrompt))] = redFlags[Int(rng.next() % UInt64(redFlags.count))] }
            return Prompt(ids: [Self.promptStart] + symptoms + [Self.answerStart], redFlag: red)
        }
    }

    /// Supervised examples whose dispositions ignore the prompt (emergency half the time):
    /// the SFT policy learns the answer format but not the rule, so it satisfies the rule
    /// about half the time and leaves preference training something to learn.
    public func sftExamples(count: Int, seed: UInt64) -> [(prompt: [Int32], answer: [Int32])] {
        var rng = SeededRandom(seed: seed ^ 0x5EED)
        return prompts(count: count, seed: seed).map { prompt in
            let disposition = rng.nextDouble() < 0.5 ? Self.emergency : (rng.nextDouble() < 0.5 ? Self.generalPractice : Self.selfCare)
            let n = 2 + Int(rng.next() % 3)
            let tips = (0..<n).map { _ in advice[Int(rng.next() % UInt64(advice.count))] }
            return (prompt.ids, [disposition] + tips + [Self.endOfAnswer])
        }
    }

    /// The hidden rule.
    public func satisfiesRule(_ prompt: Prompt, answer: [Int32]) -> Bool {
        answer.contains(Self.emergency) == prompt.redFlag
    }

    /// The scripted reviewer of this world: the hidden rule applied to rendered text (the
    /// words of `text`), so it rates exactly as `satisfiesRule` does. Without a red-flag label
    /// it looks for a red-flag word in the prompt.
    public var reviewer: ScriptedReviewer {
        let emergencyWord = words[Int(Self.emergency)]
        let redFlagWords = Set(redFlags.map { words[Int($0)] })
        return ScriptedReviewer { prompt, redFlag, answer in
            let flagged = redFlag ?? prompt.split(separator: " ").contains { redFlagWords.contains(String($0)) }
            return answer.split(separator: " ").contains { $0 == emergencyWord } == flagged
        }
    }

    public func text(_ ids: [Int32]) -> String {
        ids.map { Int($0) < words.count ? words[Int($0)] : "<\($0)>" }.joined(separator: " ")
    }

    /// A freshly initialised model of `modelConfiguration()`: N(0, 0.02) weights, unit norms
    /// (the GPT-2 / HF `_init_weights` convention).
    public func initialModel(seed: UInt64) -> LlamaModel {
        let model = LlamaModel(config: modelConfiguration())
        var rng = SeededRandom(seed: seed)
        for t in model.layout.tensors {
            let view = UnsafeMutableBufferPointer(start: model.parameters.pointer + t.offset, count: t.count)
            if t.shape.count == 1 {
                view.update(repeating: 1)
            } else {
                rng.fillNormal(view, mean: 0, std: 0.02)
            }
        }
        return model
    }
}
