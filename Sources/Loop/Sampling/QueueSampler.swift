import FeedbackStore
import Foundation
import Generation
import Support
import Tokenizer

/// The sampling step of the loop: answers from a policy to stored prompts, added to the
/// feedback store and queued for review — single answers for correct / incorrect, and pairs
/// against a baseline policy's answers to the same prompts (`rounds sample-answers`, the nightly run).
///
/// Safe to repeat: only prompts still lacking answers from the policy are sampled, each
/// prompt's answers are stored in one transaction, and queueing skips what is queued, so a
/// killed run started again adds nothing twice.
public struct QueueSampler {
    public struct Options: Sendable {
        public var samplesPerPrompt = 2
        /// At most this many prompts (those lacking answers from the policy, oldest first).
        public var promptLimit: Int?
        public var split: Split?
        public var sampling = SamplingParameters(temperature: 0.7, topP: 0.9, maxNewTokens: 256)
        public var overlap = FeedbackStore.defaultOverlap
        /// Queue single answers for judgment / pairs against the baseline.
        public var queueJudgments = true
        public var queuePairs = true
        public init() {}
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var policy: String
        public var prompts = 0
        public var answers = 0
        public var tokens = 0
        public var queuedJudgments = 0
        public var queuedPairs = 0
        public var baseline: String?
        public var description: String {
            "\(answers) answers from \(policy) to \(prompts) prompts; queued \(queuedJudgments) for judgment and \(queuedPairs) pairs"
                + (baseline.map { " against \($0)" } ?? "")
        }
    }

    public let store: FeedbackStore
    public init(store: FeedbackStore) { self.store = store }

    /// Prompts that still need answers from `policy` (under its store name).
    public func todo(policy: String, options: Options) throws -> [Prompt] {
        try store.promptsNeedingSamples(policy: policy, samplesPerPrompt: options.samplesPerPrompt, split: options.split,
                                        limit: options.promptLimit)
    }

    /// Samples `chat` as `policy` for the prompts that need it (of `prompts` when given, else
    /// as `options` select), stores and queues the answers. `baseline`: the policy to pair
    /// against (nil, or not in the store: any other version's unpaired answers, else two of
    /// this policy's own; see `FeedbackStore.enqueuePairs`). The model is loaded only when
    /// some prompt needs answers.
    @discardableResult
    public func run(policy: String, chat: @autoclosure () throws -> ChatModel, baseline: String?, options: Options,
                    prompts: [Prompt]? = nil) throws -> Summary {
        var summary = Summary(policy: policy)
        var todo: [Prompt]
        if let prompts {
            let have = try store.sampleCounts(policy: policy, promptIDs: prompts.map { $0.id! })
            todo = prompts.filter { have[$0.id!, default: 0] < options.samplesPerPrompt }
        } else {
            todo = try self.todo(policy: policy, options: options)
        }
        if !todo.isEmpty {
            let chat = try chat()
            let n = options.samplesPerPrompt
            let reporter = ProgressReporter("sample \(policy)", total: todo.count * n, unit: "answers")
            // A prompt that already has some answers (an earlier run stopped part-way) gets only the rest.
            let have = try store.sampleCounts(policy: policy, promptIDs: todo.map { $0.id! })
            // Up to 8 sequences decode together, a waiting prompt taking the slots of answers
            // that have ended; each prompt's answers are stored as soon as they are all done,
            // and its random stream is its id, so its answers do not depend on which prompts
            // shared the batch.
            _ = try chat.generate(
                conversations: todo.map { $0.messages.map { Tokenizer.ChatMessage(role: $0.role, content: $0.content) } },
                samplesPerPrompt: n, parameters: options.sampling, maxBatch: 8,
                streams: todo.map { UInt64(bitPattern: $0.id!) },
                onPrompt: { index, samples in
                    let prompt = todo[index]
                    let rows = samples.filter { $0.sampleIndex >= have[prompt.id!, default: 0] }.map { s in
                        FeedbackStore.NewSample(
                            promptID: prompt.id!, text: s.text, tokenCount: s.tokenCount, logprobSum: s.logProb,
                            temperature: Double(options.sampling.temperature), topP: Double(options.sampling.topP),
                            topK: options.sampling.topK, seed: Int64(bitPattern: options.sampling.seed))
                    }
                    try store.addSamples(rows, policy: policy)
                    summary.prompts += 1
                    summary.answers += rows.count
                    summary.tokens += samples.reduce(0) { $0 + $1.tokenCount }
                    reporter.update(summary.answers, detail: "\(summary.tokens) tokens")
                })
            reporter.finish(detail: "\(summary.tokens) tokens")
        }
        if options.queueJudgments, try store.policy(named: policy) != nil {
            summary.queuedJudgments = try store.enqueueJudgments(policy: policy, split: options.split, overlap: options.overlap)
        }
        if options.queuePairs, try store.policy(named: policy) != nil {
            let known = try baseline.flatMap { $0 != policy ? try store.policy(named: $0) : nil }
            summary.baseline = known?.name
            summary.queuedPairs = try store.enqueuePairs(newPolicy: policy, baselinePolicy: known?.name, overlap: options.overlap)
        }
        return summary
    }
}
