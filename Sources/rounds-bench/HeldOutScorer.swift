// What the loop benchmark measures of one policy on held-out data only: its answers to the
// held-out prompts (several per prompt, the same seed and random stream per prompt for every
// policy, so identical policies give identical answers and two policies are compared on
// common random numbers), the scripted triage rule's verdict on each answer to a triage
// prompt (judged against the prompt's red-flag label, never by a reward model), its loss on
// the SFT held-out examples, and its KL to sft-v1 on its own answers.
import FeedbackStore
import Foundation
import Generation
import Llama
import Loop
import RoundsSimulation
import Support
import Tokenizer
import Training

struct HeldOutScore {
    var policy: String
    /// Answers per held-out prompt, in the order of `LoopWorld.heldOut`.
    var answers: [[String]]
    /// Per held-out prompt: answers that satisfy the triage rule (triage prompts only, else nil).
    var ruleSuccesses: [Int?]
    /// Mean negative log-likelihood per token of feedback/seed/sft-heldout.jsonl.
    var validationLoss: Double
    /// KL(policy ‖ sft-v1) per answer: the mean over its own held-out answers of each token's
    /// divergence summed, exact over the vocabulary (`CompletionScoring.divergences`, as the KL
    /// gate); 0 for sft-v1.
    var klToReference: Double

    /// Rule-satisfying answers and answers judged, over the triage prompts.
    var ruleTotals: (successes: Int, total: Int) {
        zip(ruleSuccesses, answers).reduce((0, 0)) { t, p in p.0.map { (t.0 + $0, t.1 + p.1.count) } ?? t }
    }

    /// Rule-satisfying answers and answers judged per triage cell ("en red flag", "ja benign",
    /// …) of `heldOut` (the prompts these answers are to): where the policy gets the rule wrong.
    func ruleByCell(_ heldOut: [LoopWorld.LabelledPrompt]) -> [String: [Int]] {
        var cells: [String: [Int]] = [:]
        for (i, prompt) in heldOut.enumerated() where i < ruleSuccesses.count {
            guard let successes = ruleSuccesses[i], let redFlag = prompt.red_flag else { continue }
            let key = "\(prompt.language) \(redFlag ? "red flag" : "benign")"
            let counts = cells[key] ?? [0, 0]
            cells[key] = [counts[0] + successes, counts[1] + answers[i].count]
        }
        return cells
    }

    /// `ruleByCell` as one line: "en red flag 5/16, en benign 12/16, …".
    static func cellsLine(_ cells: [String: [Int]]?) -> String {
        guard let cells, !cells.isEmpty else { return "–" }
        return cells.keys.sorted().map { "\($0) \(cells[$0]![0])/\(cells[$0]![1])" }.joined(separator: ", ")
    }
}

final class HeldOutScorer {
    let world: LoopWorld
    let config: NightlyConfig
    let answersPerPrompt: Int
    let seed: UInt64
    let validationFile: URL
    let reference: String
    let log: (String) -> Void
    private var cache: [String: HeldOutScore] = [:]
    private var referenceModel: LoadedPolicy?

    init(world: LoopWorld, config: NightlyConfig, answersPerPrompt: Int, seed: UInt64, validationFile: URL, reference: String,
         log: @escaping (String) -> Void) {
        self.world = world
        self.config = config
        self.answersPerPrompt = answersPerPrompt
        self.seed = seed
        self.validationFile = validationFile
        self.reference = reference
        self.log = log
    }

    func score(_ name: String) throws -> HeldOutScore {
        if let cached = cache[name] { return cached }
        let loaded = try PolicyLoader.load(name, registry: world.registry)
        let chat = try loaded.chatModel(forSampling: true)
        let template = chat.template
        let prompts = world.heldOut
        let n = answersPerPrompt
        let parameters = SamplingParameters(temperature: config.sampling.temperature, topP: config.sampling.topP,
                                            maxNewTokens: config.sampling.maxTokens, seed: seed)
        let reporter = ProgressReporter("held-out answers of \(name)", total: prompts.count * n, unit: "answers")
        var answered = 0, tokens = 0
        // Up to 16 sequences decode together (continuous batching); each prompt's stream is its id.
        let out = try chat.generate(
            conversations: prompts.map { $0.stored!.messages.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) } },
            samplesPerPrompt: n, parameters: parameters, streams: prompts.map { UInt64(bitPattern: $0.stored!.id!) },
            onPrompt: { _, answers in
                answered += answers.count
                tokens += answers.reduce(0) { $0 + $1.tokenCount }
                reporter.update(answered, detail: "\(tokens) tokens")
            })
        let samples = prompts.indices.map { Array(out[($0 * n)..<($0 * n + n)]) }  // in prompt, then sample order
        reporter.finish(detail: "\(tokens) tokens")

        let rule = ScriptedReviewer.triageRule()
        let ruleSuccesses = zip(prompts, samples).map { prompt, answers -> Int? in
            guard prompt.isTriage, let redFlag = prompt.red_flag else { return nil }
            return answers.filter { rule.judge(prompt: prompt.prompt, redFlag: redFlag, answer: $0.text) }.count
        }

        var dataset = try SFTDataset.load(validationFile, tokenizer: loaded.tokenizer, template: template,
                                          maxLength: config.maxLength, overLength: .truncate)
        dataset.examples = Array(dataset.examples)
        let validationLoss = try SFTTrainer.evaluate(model: loaded.model, dataset: dataset, batchSize: 4)

        var kl = 0.0
        if name != reference {
            let sequences = try zip(prompts, samples).flatMap { prompt, answers in
                let ids = try chat.promptIDs(prompt.stored!.messages.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) })
                return answers.map { CompletionSequence(prompt: ids, completion: $0.tokenIDs) }
            }
            let perAnswer = try CompletionScoring.divergences(model: loaded.model, reference: try referencePolicy().model,
                                                              sequences: sequences, batchSize: 4)
            kl = perAnswer.reduce(0, +) / Double(max(1, sequences.count))
        }
        let score = HeldOutScore(policy: name, answers: samples.map { $0.map(\.text) }, ruleSuccesses: ruleSuccesses,
                                 validationLoss: validationLoss, klToReference: kl)
        cache[name] = score
        let totals = score.ruleTotals
        log(String(format: "held-out %@: rule %d/%d, validation loss %.4f, KL to %@ %.3f", name, totals.successes, totals.total,
                   validationLoss, reference, kl))
        return score
    }

    private func referencePolicy() throws -> LoadedPolicy {
        if let referenceModel { return referenceModel }
        let loaded = try PolicyLoader.load(reference, registry: world.registry)
        if loaded.model.adapter != nil { loaded.model.mergeAdapterForSampling() }
        referenceModel = loaded
        return loaded
    }
}
