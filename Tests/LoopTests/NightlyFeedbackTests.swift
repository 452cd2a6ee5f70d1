import FeedbackStore
import Foundation
import Testing
import Tokenizer
@testable import Training
@testable import Loop

/// What the nightly trainers are given: ratings resolved per item, pairs without a preference
/// left out, and a held-out split by prompt that does not move from night to night.
@Suite(.serialized) struct NightlyFeedbackTests {
    typealias World = NightlyRunTests.World

    /// The main job's DPO log once showed a step with logps/chosen = logps/rejected and equal
    /// rewards. Its cause: the same two answers rated by two reviewers (overlap 2) who disagree
    /// became two pairs with chosen and rejected swapped; having the same length, the length
    /// batcher puts them side by side, so a batch of 2 holds both and its means coincide (and
    /// their gradients cancel). The night now resolves ratings per item and trains on neither.
    @Test func reviewersWhoDisagreeAboutTwoAnswersGiveNoTrainingPair() throws {
        let world = try World(prompts: 0, heldOutFraction: 0)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        // Prompts of different lengths, as the seed prompts are.
        for i in 0..<6 {
            try world.store.addPrompt(messages: [.init(role: "user", content: "My child has a fever" + String(repeating: " and a cough", count: i) + ".")],
                                      heldOutFraction: 0)
        }
        try world.queueFixedAnswers(overlap: 2)
        let first = try #require(try world.store.prompts().first)
        // Reviewer one always prefers the urgent answer; reviewer two does too, except on the first prompt.
        try world.rate(reviewers: ["one", "two"]) { reviewer, prompt, answer in
            (answer == World.urgent) != (reviewer == "two" && prompt.id == first.id)
        }
        let snapshot = try world.store.feedbackSnapshot(since: .distantPast, split: .train)
        let records = try world.store.comparisonRecords(split: .train)
        #expect(records.count == 12)

        // The old pair list: one pair per rating, so the first prompt's two ratings are one pair both ways round.
        let loaded = try PolicyLoader.load("v1", registry: world.registry)
        var encoder = PreferenceEncoder(tokenizer: loaded.tokenizer, template: try ChatTemplate.forTokenizer(loaded.tokenizer, override: nil),
                                        maxLength: world.config.maxLength, maxPromptLength: world.config.maxPromptLength)
        let perRating = records.compactMap(\.preferencePair).map {
            Training.PreferencePair(prompt: NightlyFeedback.messages($0.prompt), chosen: NightlyFeedback.answer($0.chosen),
                                    rejected: NightlyFeedback.answer($0.rejected))
        }
        let encoded = try encoder.encode(pairs: perRating, sources: records.map { "comparison \($0.id)" })
        let opposite = records.indices.filter { records[$0].promptID == first.id }
        #expect(opposite.count == 2 && encoded[opposite[0]].chosen == encoded[opposite[1]].rejected)
        // … which the length batcher puts in one batch of 2, where DPO logs the symptom.
        let batcher = LengthBatcher(lengths: encoded.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) }, batchSize: 2, seed: 0)
        let batch = try #require(batcher.batches.first { Set($0) == Set(opposite) }, "the opposite pairs were not batched together")
        let pairs = batch.map { encoded[$0] }
        let reference = try CompletionScoring.logprobs(model: loaded.model, sequences: pairs.flatMap {
            [CompletionSequence(prompt: $0.prompt, completion: $0.chosen), CompletionSequence(prompt: $0.prompt, completion: $0.rejected)]
        }, batchSize: 4)
        let step = try DPOTrainer.accumulate(model: loaded.model, pairs: pairs, reference: [(reference[0], reference[1]), (reference[2], reference[3])],
                                             objective: DPO.Parameters(beta: 0.1))
        // Equal up to float summation: a sequence's log-prob is the same in either row of the
        // batch only as far as sgemm gives a row the same products wherever it sits (bit for bit
        // with OpenBLAS's SkylakeX kernels; 4e-9 apart relative, measured, with its Zen kernels).
        print("opposite pairs: logps/chosen \(step.metrics.logpsChosen) logps/rejected \(step.metrics.logpsRejected)")
        #expect(abs(step.metrics.logpsChosen - step.metrics.logpsRejected) <= 1e-5 * abs(step.metrics.logpsChosen))
        #expect(abs(step.metrics.rewardsChosen - step.metrics.rewardsRejected) <= 1e-5 * abs(step.metrics.logpsChosen))

        // The night's feedback: the disputed item is left out (and counted), the rest kept.
        let feedback = try NightlyFeedback(store: world.store, snapshot: snapshot)
        #expect(feedback.availablePairs == 12 && feedback.pairs.count == 10)
        #expect(Set(feedback.unresolvedPairIDs) == Set(opposite.map { records[$0].id }))
        for (i, a) in feedback.pairs.enumerated() {
            #expect(!feedback.pairs.indices.contains { j in j != i && feedback.pairs[j].prompt == a.prompt && feedback.pairs[j].chosen == a.rejected })
        }
        // A 2–1 majority keeps the two agreeing ratings and drops the outvoted one.
        let votes = RatingVotes([(id: 1, item: "x", vote: "a"), (id: 2, item: "x", vote: "b"), (id: 3, item: "x", vote: "a"),
                                 (id: 4, item: "y", vote: "b")])
        #expect(votes.kept == [1, 3, 4] && votes.representatives == [1, 4])
    }

    /// Two answers that differ only past `maxLength` encode to the same tokens: such a pair is
    /// never trained on, and its row is counted.
    @Test func aPairWhoseAnswersEncodeAlikeIsSkippedAndCounted() throws {
        let world = try World(prompts: 1, heldOutFraction: 0)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let loaded = try PolicyLoader.load("v1", registry: world.registry)
        let template = try ChatTemplate.forTokenizer(loaded.tokenizer, override: nil)
        let prompt = [Tokenizer.ChatMessage(role: "user", content: "Fever for two days?")]
        // Room for 12 answer tokens after the prompt.
        let promptLength = try PreferenceEncoder(tokenizer: loaded.tokenizer, template: template).promptIDs(prompt).count
        var encoder = PreferenceEncoder(tokenizer: loaded.tokenizer, template: template, maxLength: promptLength + 12, maxPromptLength: promptLength)
        let shared = String(repeating: "Drink fluids and rest. ", count: 6)
        let pairs = [Training.PreferencePair(prompt: prompt, chosen: NightlyFeedback.answer(shared + "See a doctor if it lasts."),
                                             rejected: NightlyFeedback.answer(shared + "Ignore it.")),
                     Training.PreferencePair(prompt: prompt, chosen: NightlyFeedback.answer("See a doctor."),
                                             rejected: NightlyFeedback.answer("Ignore it."))]
        let run = try PolicyRun(registry: world.registry, policy: "v1", out: "identical", resume: false, chatTemplate: nil, weights: .init())
        var logged: [String] = []
        let rows = try run.encode(pairs: JobRows(examples: pairs, sources: ["comparison 7", "comparison 8"], ids: [.comparison(7), .comparison(8)]), encoder: &encoder,
                                  log: { logged.append($0) })
        #expect(rows.skipped == [0] && rows.rows == [1] && rows.examples.count == 1)
        #expect(encoder.truncated == ["comparison 7"])
        #expect(logged.count == 1 && logged[0].contains("comparison 7") && !logged[0].contains("comparison 8"))
    }

    /// Held-out means held-out prompts: no prompt is on both sides, the split comes from the
    /// prompt's content hash (not from the order prompts arrive in), and the held-out sample a
    /// night scores is the same set of rows whatever order they are read in.
    @Test func theHeldOutSplitIsByPromptAndStable() throws {
        let world = try World(prompts: 24, heldOutFraction: 0.3)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.queueFixedAnswers(overlap: 1, judgments: true)
        try world.rate(reviewers: ["one"]) { _, _, answer in answer == World.urgent }
        let prompts = try world.store.prompts()
        for p in prompts {
            #expect(p.split == (try PromptKey(messages: p.messages)).split(heldOutFraction: 0.3))
        }
        // The same prompts imported in the opposite order land in the same splits.
        let other = try FeedbackStore(path: world.folder.appendingPathComponent("other.sqlite").path)
        for p in prompts.reversed() { try other.addPrompt(messages: p.messages, heldOutFraction: 0.3) }
        let splitByText = Dictionary(uniqueKeysWithValues: try other.prompts().map { ($0.text, $0.split) })
        #expect(prompts.allSatisfy { splitByText[$0.text] == $0.split })
        #expect(Set(prompts.map(\.split)) == [.train, .heldout])

        let snapshot = try world.store.feedbackSnapshot(since: .distantPast, split: .train)
        let feedback = try NightlyFeedback(store: world.store, snapshot: snapshot)
        let trainPrompts = Set(feedback.pairPromptIDs + feedback.judgmentPromptIDs)
        let heldOutPrompts = Set(feedback.heldOutPairPromptIDs + feedback.heldOutJudgmentPromptIDs)
        #expect(!trainPrompts.isEmpty && !heldOutPrompts.isEmpty && trainPrompts.isDisjoint(with: heldOutPrompts))
        #expect(heldOutPrompts == Set(prompts.filter { $0.split == .heldout }.map { $0.id! }))

        let keys = (0..<40).map { "comparison \($0)" }
        let chosen = Set(NightlyFeedback.stableSubset(keys, limit: 10, seed: 3).map { keys[$0] })
        let shuffled = keys.shuffled()
        #expect(Set(NightlyFeedback.stableSubset(shuffled, limit: 10, seed: 3).map { shuffled[$0] }) == chosen && chosen.count == 10)
    }
}

/// The trainers' run length: every resolved row for the configured epochs, or less when the
/// time budget runs out — recorded in the manifest either way.
@Suite(.serialized) struct NightlyTrainingLengthTests {
    typealias World = NightlyRunTests.World

    @Test func aTimeBudgetStopsAtAStepBoundaryAndIsRecorded() throws {
        var world = try World(prompts: 24, heldOutFraction: 0.3)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        try world.queueFixedAnswers(overlap: 2)
        try world.rate(reviewers: ["one", "two"]) { _, _, answer in answer == World.urgent }
        world.config.method = .dpo
        world.config.dpo = .init(epochs: 3, batchSize: 4, learningRate: 1e-3)
        world.config.dpo.maxSeconds = 1e-6  // used up by the first step
        world.config.reward = .init(epochs: 2, batchSize: 4, learningRate: 1e-3)
        world.config.evaluation.freshPrompts = 0
        world.config.gates.minFreshAnswers = 0
        world.config.sampling.prompts = 0
        let outcome = try world.nightly()
        let dpo = try world.registry.manifest(try #require(outcome.candidate))
        let available = try #require(dpo.metrics["comparisons_available"])
        let dpoRun = try #require(dpo.job?.dpo).metrics.run
        #expect(dpoRun.stoppedByTimeBudget && dpoRun.steps == 1)
        #expect(dpo.data.comparisonIds.count == 4 && Double(dpo.data.comparisonIds.count) < available)
        #expect(dpo.metrics["comparisons_used"] == 4 && dpoRun.epochsRun < 1)
        // The reward model had no budget: two whole epochs over every comparison.
        let reward = try world.registry.manifest(try #require(outcome.rewardModel))
        let rewardRun = try #require(reward.job?.reward).metrics.run
        #expect(!rewardRun.stoppedByTimeBudget && rewardRun.epochsRun == 2)
        #expect(Double(reward.data.comparisonIds.count) == available && reward.metrics["comparisons_used"] == available)
    }
}
