import FeedbackStore
import Foundation
import Generation
import Training

/// The nightly run's settings, read from a JSON file the team edits (`feedback/nightly.json`).
/// Every key is optional (the defaults below suit SmolLM2-135M on a 2-core CPU); an unknown
/// key is an error naming it, so a misspelt gate never silently falls back to its default.
public struct NightlyConfig: Codable, Equatable, Sendable {
    /// How the policy is updated: `auto` = DPO when there are enough comparisons, else KTO when
    /// there are enough judgments; or always `dpo`, `kto` or `ppo` (against the new reward model).
    public enum Method: String, Codable, Sendable, CaseIterable { case auto, dpo, kto, ppo }

    /// What the candidate must show to be promoted (every gate). Each gate is a statistic of
    /// held-out evidence with n and a 95% interval (`GateReport`), and decides on the bound
    /// that is unfavourable to the candidate, never on the point estimate. A gate with fewer
    /// than its minimum n FAILS ("not enough evidence"); a minimum of 0 switches it off.
    public struct Gates: Codable, Equatable, Sendable {
        /// Implicit-reward accuracy on held-out comparisons (ties count half): the LOWER Wilson
        /// bound must be above this. 0.5 = chance, i.e. the parent (whose implicit reward
        /// against itself is 0): the candidate must agree with clinicians demonstrably more
        /// often than a coin.
        public var minPairAccuracy = 0.5
        /// The same on held-out correct / incorrect judgments (sign of log π/π_parent).
        public var minJudgmentAccuracy = 0.5
        /// The reward model's preference for the candidate's fresh answer over the parent's on
        /// the same held-out prompt, σ(r_candidate − r_parent) (its Bradley–Terry probability,
        /// 0.5 = no preference), mean over prompts: the LOWER bootstrap bound must be at least
        /// this. A non-inferiority screen in units that mean the same whatever scale the night's
        /// reward model learned (a threshold in reward units did not: the three-night benchmark's
        /// score differences had SDs of 1.1, 2.1 and 2.9). 0.35 with `freshPrompts` 24: a
        /// candidate the reward model rates equal to its parent passes 62–80% of the time (per-
        /// prompt SD 0.33–0.27, as measured on those nights), one it rates 0.3 fails more than
        /// 99% (simulated, percentile bootstrap). The clinicians' blind A/B decides promotion;
        /// this only screens.
        public var minRewardPreference = 0.35
        /// Loss on the SFT validation set, candidate minus parent (nats per token): the UPPER
        /// bootstrap bound must be at most this. 0.05 nats/token ≈ 5% perplexity: forgetting
        /// smaller than the spread between SFT runs of different seeds.
        public var maxValidationLossIncrease = 0.05
        /// KL(candidate ‖ parent) per answer (nats) on the candidate's fresh answers, summed
        /// token by token exactly over the vocabulary: the UPPER bootstrap bound must be at most
        /// this. 8 nats per answer of up to `freshMaxTokens` tokens: a step that stays near the
        /// parent (PPO and DPO keep KL in single digits).
        public var maxKL = 8.0
        /// Fewest held-out comparisons (distinct answer pairs) for the pair-accuracy gate. At 20
        /// a Wilson lower bound above 0.5 needs ≥ 15 right (75%); fewer is a coin-flip's noise.
        public var minHeldOutPairs = 20
        /// Fewest held-out judgments (distinct answers) for the judgment-accuracy gate.
        public var minHeldOutJudgments = 20
        /// Fewest held-out prompts answered fresh by both policies (reward-preference and KL
        /// gates); below 10 a bootstrap interval of a mean is unreliable.
        public var minFreshAnswers = 10
        /// Fewest SFT validation examples for the forgetting gate.
        public var minValidationExamples = 20
        /// Bootstrap resamples per interval (percentile method, seeded with `seed`).
        public var bootstrapRounds = 2000
        public init() {}

        /// Settings stored by a nightly run started before a gate existed decode with that
        /// gate's default (the run resumes with them; the file loader fills every key itself).
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Gates()
            func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
            minPairAccuracy = try value(.minPairAccuracy, d.minPairAccuracy)
            minJudgmentAccuracy = try value(.minJudgmentAccuracy, d.minJudgmentAccuracy)
            minRewardPreference = try value(.minRewardPreference, d.minRewardPreference)
            maxValidationLossIncrease = try value(.maxValidationLossIncrease, d.maxValidationLossIncrease)
            maxKL = try value(.maxKL, d.maxKL)
            minHeldOutPairs = try value(.minHeldOutPairs, d.minHeldOutPairs)
            minHeldOutJudgments = try value(.minHeldOutJudgments, d.minHeldOutJudgments)
            minFreshAnswers = try value(.minFreshAnswers, d.minFreshAnswers)
            minValidationExamples = try value(.minValidationExamples, d.minValidationExamples)
            bootstrapRounds = try value(.bootstrapRounds, d.bootstrapRounds)
        }
    }

    /// Optimizer settings of one trainer. A trainer passes over every training-split row of
    /// the night's snapshot `epochs` times (batches of `batchSize`), or until `maxSeconds`.
    /// Smaller batches and warm-up than the jobs' own defaults suit a night's few dozen rows;
    /// the learning rates, β and the adapter shape are the jobs' defaults.
    public struct Trainer: Codable, Equatable, Sendable {
        public var epochs = 1
        public var batchSize: Int
        public var learningRate: Double
        public var warmupSteps = 2
        public var beta = DPO.Parameters().beta
        /// Time budget in seconds (0: none). When it runs out the trainer stops after the step
        /// in progress; the manifest records it (`stopped_by_time_budget`, `epochs_run`).
        public var maxSeconds = 0.0
        public init(epochs: Int = 1, batchSize: Int, learningRate: Double) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
        }
    }

    public struct PPOSettings: Codable, Equatable, Sendable {
        public var iterations = 8
        public var promptsPerIteration = 8
        public var klCoef = PPO.Parameters().klCoef
        public var maxNewTokens = 96
        public var learningRate = PPOTrainer.Parameters.learningRates.lora
        /// Time budget in seconds (0: none); PPO stops after the iteration in progress.
        public var maxSeconds = 0.0
        public init() {}
    }

    /// What is evaluated (on held-out data only) and what is queued for the morning.
    public struct Evaluation: Codable, Equatable, Sendable {
        /// Held-out prompts answered fresh by candidate and parent (scored by the reward model;
        /// the two answers are queued for the clinicians' blind A/B too). 24: enough for the
        /// reward-preference gate to pass an equal candidate (see `minRewardPreference`) and
        /// for the clinicians' sequential test to gather pairs in a few nights.
        public var freshPrompts = 24
        public var freshMaxTokens = 128
        /// SFT validation file (relative to the working folder) and how many examples to score.
        public var validationFile = "feedback/seed/sft-heldout.jsonl"
        public var validationExamples = 24
        /// At most this many held-out comparisons and as many held-out judgments are scored
        /// (by the gates and by the reward model's held-out accuracy and AUC).
        public var maxHeldOut = 64
        public init() {}
    }

    public struct Sampling: Codable, Equatable, Sendable {
        /// Training-split prompts answered by the new policy for the next review queue.
        public var prompts = 12
        public var answersPerPrompt = 2
        public var maxTokens = 160
        public var temperature: Float = 0.7
        public var topP: Float = 0.9
        /// Reviewers wanted per queued item.
        public var overlap = 2
        public init() {}
    }

    /// What the night does with the ratings of a reviewer flagged by their gold accuracy
    /// (`rounds stats`, Gold/Calibration.swift in the store).
    public struct Calibration: Codable, Equatable, Sendable {
        /// 0–1. A flagged reviewer's vote counts this much in each item's majority, and each
        /// of their ratings the majority keeps is trained on with this probability (a stable
        /// draw per rating), so on average a rating of theirs weighs this much. 0.5: one
        /// unflagged reviewer outvotes them, and half their ratings still teach. 1 switches
        /// down-weighting off; 0 leaves their ratings out.
        public var flaggedWeight = 0.5
        public init() {}
    }

    public var method = Method.auto
    /// Fewest new comparisons (with a preference) for DPO, and judgments for KTO, under `auto`.
    public var minComparisons = 8
    public var minJudgments = 8
    public var reward = Trainer(batchSize: 2, learningRate: RewardTrainer.Parameters.learningRates.lora)
    public var dpo = Trainer(batchSize: 2, learningRate: DPOTrainer.Parameters.learningRates.lora)
    public var kto = Trainer(batchSize: 4, learningRate: KTOTrainer.Parameters.learningRates.lora)
    public var ppo = PPOSettings()
    public var loraRank = PolicyRun.Weights().lora.rank
    public var loraAlpha = PolicyRun.Weights().lora.alpha
    /// QLoRA for the reward model, DPO and KTO (PPO samples, which needs the fp32 base).
    public var qlora = false
    public var maxLength = 448
    public var maxPromptLength = 256
    public var gates = Gates()
    /// Who promotes a candidate that passes the gates: the clinicians (default) or the gates.
    public var promotion = PromotionSettings()
    public var evaluation = Evaluation()
    public var sampling = Sampling()
    public var calibration = Calibration()
    /// Severe harm, "both bad" and corrections as training signals (FeedbackSignals.swift).
    public var signals = FeedbackSignals()
    /// Statistics report written at the end (relative to the working folder).
    public var report = "feedback/reports/stats.html"
    public var seed: UInt64 = 0
    public var threads = 2

    /// Where `rounds` reads the settings unless told otherwise.
    public static let defaultPath = "feedback/nightly.json"

    public init() {}

    public enum ConfigError: LocalizedError, Equatable {
        case unreadable(path: String, reason: String)
        case unknownKey(path: String, key: String, known: [String])
        case replacedKey(path: String, key: String, replacement: String)
        case invalid(path: String, field: String, reason: String)

        public var errorDescription: String? {
            switch self {
            case let .unreadable(path, reason):
                return "\(path): not a valid nightly configuration: \(reason). Fix the JSON or delete the file to use the defaults."
            case let .unknownKey(path, key, known):
                return "\(path): unknown key '\(key)'. Known keys here: \(known.joined(separator: ", "))."
            case let .replacedKey(path, key, replacement):
                return "\(path): '\(key)' is no longer read: \(replacement)"
            case let .invalid(path, field, reason):
                return "\(path): \(field) \(reason)."
            }
        }
    }

    /// Reads `url`; a missing file gives the defaults.
    public static func load(_ url: URL) throws -> NightlyConfig {
        guard FileManager.default.fileExists(atPath: url.path) else { return NightlyConfig() }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ConfigError.unreadable(path: url.path, reason: error.localizedDescription) }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConfigError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        // Reject unknown keys at every level by comparing with the defaults' own encoding.
        let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(NightlyConfig()))
        try checkKeys(json, against: defaults, path: url.path, at: "")
        var config = NightlyConfig()
        do {
            let merged = merge(defaults, json)
            config = try JSONDecoder().decode(NightlyConfig.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw ConfigError.invalid(path: url.path, field: context.codingPath.map(\.stringValue).joined(separator: "."),
                                      reason: "has the wrong type (\(context.debugDescription))")
        } catch {
            throw ConfigError.unreadable(path: url.path, reason: "\(error)")
        }
        try config.validate(path: url.path)
        return config
    }

    func validate(path: String) throws {
        func positive(_ value: Double, _ field: String) throws {
            guard value > 0 else { throw ConfigError.invalid(path: path, field: field, reason: "must be positive") }
        }
        for (name, t) in [("reward", reward), ("dpo", dpo), ("kto", kto)] {
            try positive(Double(t.epochs), "\(name).epochs")
            guard t.maxSeconds >= 0 else { throw ConfigError.invalid(path: path, field: "\(name).maxSeconds", reason: "must be 0 (no budget) or positive") }
            try positive(Double(t.batchSize), "\(name).batchSize")
            try positive(t.learningRate, "\(name).learningRate")
            try positive(t.beta, "\(name).beta")
        }
        if kto.batchSize < 2 { throw ConfigError.invalid(path: path, field: "kto.batchSize", reason: "must be at least 2 (the KL reference point mismatches prompts within a batch)") }
        try positive(Double(loraRank), "loraRank")
        try positive(Double(threads), "threads")
        try positive(Double(sampling.answersPerPrompt), "sampling.answersPerPrompt")
        guard maxPromptLength > 0, maxPromptLength < maxLength else {
            throw ConfigError.invalid(path: path, field: "maxPromptLength", reason: "must be between 1 and maxLength − 1")
        }
        for (value, field) in [(gates.minPairAccuracy, "gates.minPairAccuracy"), (gates.minJudgmentAccuracy, "gates.minJudgmentAccuracy"),
                               (gates.minRewardPreference, "gates.minRewardPreference")] where !(0...1).contains(value) {
            throw ConfigError.invalid(path: path, field: field, reason: "must be between 0 and 1")
        }
        try promotion.validate(path: path)
        guard (0...1).contains(calibration.flaggedWeight) else {
            throw ConfigError.invalid(path: path, field: "calibration.flaggedWeight", reason: "must be between 0 (leave flagged reviewers out) and 1 (no down-weighting)")
        }
        try signals.validate(path: path)
        try positive(Double(gates.bootstrapRounds), "gates.bootstrapRounds")
        // A minimum n the evaluation can never reach would fail its gate every night.
        for (minimum, field, cap, capField) in [
            (gates.minHeldOutPairs, "gates.minHeldOutPairs", evaluation.maxHeldOut, "evaluation.maxHeldOut"),
            (gates.minHeldOutJudgments, "gates.minHeldOutJudgments", evaluation.maxHeldOut, "evaluation.maxHeldOut"),
            (gates.minFreshAnswers, "gates.minFreshAnswers", evaluation.freshPrompts, "evaluation.freshPrompts"),
            (gates.minValidationExamples, "gates.minValidationExamples", evaluation.validationExamples, "evaluation.validationExamples"),
        ] {
            guard minimum >= 0 else { throw ConfigError.invalid(path: path, field: field, reason: "must be 0 (gate off) or positive") }
            guard minimum <= cap else {
                throw ConfigError.invalid(path: path, field: field, reason: "is \(minimum) but \(capField) is \(cap), so the gate could never have enough evidence; raise \(capField) or lower \(field)")
            }
        }
    }

    /// Keys earlier versions read, and what to write instead.
    static let replacedKeys = [
        "gates.minRewardGain": "the reward gate is now 'gates.minRewardPreference', the reward model's probability (0–1) that the "
            + "candidate's answer is preferred to the parent's (default 0.35); a threshold in reward units meant something "
            + "different for every night's reward model. Replace the key.",
    ]

    private static func checkKeys(_ value: Any, against defaults: Any, path: String, at prefix: String) throws {
        guard let object = value as? [String: Any], let known = defaults as? [String: Any] else { return }
        for (key, child) in object {
            guard let reference = known[key] else {
                if let replacement = replacedKeys[prefix + key] { throw ConfigError.replacedKey(path: path, key: prefix + key, replacement: replacement) }
                throw ConfigError.unknownKey(path: path, key: prefix + key, known: known.keys.sorted().map { prefix + $0 })
            }
            try checkKeys(child, against: reference, path: path, at: prefix + key + ".")
        }
    }

    /// The file's values over the defaults, object by object.
    private static func merge(_ defaults: Any, _ value: Any) -> Any {
        guard var base = defaults as? [String: Any], let over = value as? [String: Any] else { return value }
        for (key, child) in over { base[key] = merge(base[key] as Any, child) }
        return base
    }
}

extension NightlyConfig {
    /// How the night samples answers to queue: `answers` per prompt of `split`, with the
    /// configured sampling settings and seed.
    func samplingOptions(split: Split, answers: Int) -> QueueSampler.Options {
        var o = QueueSampler.Options()
        o.samplesPerPrompt = answers
        o.split = split
        o.overlap = sampling.overlap
        o.sampling = SamplingParameters(temperature: sampling.temperature, topP: sampling.topP, maxNewTokens: sampling.maxTokens, seed: seed)
        return o
    }
}
