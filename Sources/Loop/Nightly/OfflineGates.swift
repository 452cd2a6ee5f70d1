import FeedbackStore
import Foundation
import Generation
import Tensor
import Tokenizer
import Training

/// The offline gates, one code path for the nightly run and `rounds policy evaluate`: loads
/// a candidate and the policy it is compared with, scores both on held-out data only
/// (`CandidateEvaluator`) and decides (`GateReport`). Fresh answers to held-out prompts are
/// sampled through the review queue, so they are stored and queued for clinicians like any
/// other answer, and an evaluation run again reuses them instead of sampling anew.
public struct OfflineGates {
    let store: FeedbackStore
    let registry: PolicyRegistry
    let config: NightlyConfig
    /// Folder that relative paths in the configuration are resolved against.
    let root: URL
    let log: (String) -> Void

    public init(store: FeedbackStore, registry: PolicyRegistry, config: NightlyConfig, root: URL, log: @escaping (String) -> Void) {
        self.store = store
        self.registry = registry
        self.config = config
        self.root = root
        self.log = log
    }

    /// The reward model that scores `candidate`'s fresh answers: the one its manifest names
    /// (`reward_model`, recorded by the nightly run), else `CANDIDATE-rm` when it exists.
    public func rewardModel(for candidate: String) throws -> String? {
        if let named = try registry.manifest(candidate).parameters["reward_model"] { return named }
        return registry.contains("\(candidate)-rm") ? "\(candidate)-rm" : nil
    }

    /// Evaluates `candidate` against `parent` (default: the candidate's parent in its manifest).
    public func evaluate(candidate: String, against parent: String? = nil, rewardModel: String? = nil) throws -> GateReport {
        Threads.set(config.threads)
        let manifest = try registry.manifest(candidate)
        guard let parent = parent ?? manifest.parent else {
            throw GateError.noParent(candidate: candidate)
        }
        // Each part says what it scored and how long it took (the parts run a minute or more).
        var started = Date()
        func finished(_ what: String) {
            log(String(format: "evaluation: %@ (%.1f s)", what, Date().timeIntervalSince(started)))
            started = Date()
        }
        let c = try PolicyLoader.load(candidate, registry: registry)
        let p = try PolicyLoader.load(parent, registry: registry)
        for m in [c.model, p.model] where m.adapter != nil { m.mergeAdapterForSampling() }
        finished("loaded \(candidate) and \(parent)")
        let template = try ChatTemplate.forTokenizer(c.tokenizer, override: nil)
        let evaluator = CandidateEvaluator(candidate: c, parent: p, template: template, config: config, log: log)
        var e = CandidateEvaluation()
        try evaluator.implicitRewards(try NightlyFeedback(heldOutFrom: store).heldOutSample(config), into: &e)
        finished("held-out comparisons (\(e.pairMargins.count)) and judgments (\(e.judgmentMargins.count)) scored by both policies")
        let file = config.evaluation.validationFile
        try evaluator.validationLoss(file: file.hasPrefix("/") ? URL(fileURLWithPath: file) : root.appendingPathComponent(file), into: &e)
        finished("SFT validation loss of both policies (\(e.validationTokens.count) examples)")
        // Fresh answers of both policies to the first held-out prompts.
        let prompts = try store.prompts(split: .heldout, limit: config.evaluation.freshPrompts)
        if !prompts.isEmpty {
            var options = config.samplingOptions(split: .heldout, answers: 1)
            options.sampling.maxNewTokens = config.evaluation.freshMaxTokens
            let sampler = QueueSampler(store: store)
            var parentOptions = options
            parentOptions.queuePairs = false  // the candidate's answers are paired with these below
            try sampler.run(policy: parent, chat: ChatModel(model: p.model, tokenizer: p.tokenizer, template: template),
                            baseline: nil, options: parentOptions, prompts: prompts)
            try sampler.run(policy: candidate, chat: ChatModel(model: c.model, tokenizer: c.tokenizer, template: template),
                            baseline: parent, options: options, prompts: prompts)
            finished("fresh answers of both policies to held-out prompts (\(prompts.count))")
            let ids = prompts.map { $0.id! }
            let mine = Dictionary(grouping: try store.samples(policy: candidate, promptIDs: ids), by: \.promptID)
            let theirs = Dictionary(grouping: try store.samples(policy: parent, promptIDs: ids), by: \.promptID)
            let answers = prompts.compactMap { prompt -> (prompt: [Tokenizer.ChatMessage], candidate: String, parent: String)? in
                guard let a = mine[prompt.id!]?.first, let b = theirs[prompt.id!]?.first else { return nil }
                return (NightlyFeedback.messages(prompt.messages), a.text, b.text)
            }
            let rewardName = try rewardModel ?? self.rewardModel(for: candidate)
            if rewardName == nil { log("evaluation: no reward model for \(candidate); the reward-preference gate has no evidence") }
            // A QLoRA-trained reward model loads on its 4-bit base, as it trained (with the
            // candidate and the parent in fp32 a 1.5B night otherwise needed more than 24 GiB here).
            let reward = try rewardName.map { try RewardModel.load($0, registry: registry).reward }
            try evaluator.freshAnswers(answers, reward: reward, into: &e)
            finished("\(rewardName.map { "\($0) scored the answer pairs (\(e.rewardGains.count)); " } ?? "")KL to the parent on the candidate's answers (\(e.kl.count))")
        }
        return GateReport(candidate: candidate, parent: parent, evaluation: e, gates: config.gates, seed: config.seed)
    }

    public enum GateError: LocalizedError, Equatable {
        case noParent(candidate: String)
        public var errorDescription: String? {
            switch self {
            case let .noParent(candidate):
                return "\(candidate) has no parent in its manifest: name the policy to compare it with."
            }
        }
    }
}
