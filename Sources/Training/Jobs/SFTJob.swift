import Foundation
import Support

/// Supervised fine-tuning into a new policy: reads the chat examples with the starting
/// policy's template (a malformed line stops the job before training with file:line), holds
/// some out for validation, trains (`SFTTrainer`) and writes the policy with these parameters
/// and metrics in its manifest. `rounds sft` runs it.
public enum SFTJob {
    public static let method = "sft"

    public struct Parameters: Codable, Equatable, Sendable {
        public var trainer = SFTTrainer.Parameters()
        public var settings = JobSettings()
        /// Longest example in tokens; longer ones are truncated or dropped (`overLength`).
        public var maxLength = 512
        public var overLength = SFTDataset.OverLength.truncate
        /// Drop examples with an assistant turn longer than this many tokens (nil: keep all).
        public var maxAnswerTokens: Int?
        /// Fraction of the data held out for validation when no validation file is given.
        public var heldOutFraction = 0.05
        /// Times each training example of a category is seen per epoch (by the lines'
        /// `"category"` field; categories not named: once). Nil or empty: every example once.
        public var categoryRepeats: [String: Int]?

        public init(full: Bool = false) {
            settings.weights.full = full
            trainer.learningRate = SFTTrainer.Parameters.learningRates.rate(full: full)
        }
    }

    public struct Metrics: Codable, Equatable, Sendable {
        public var run: RunFigures
        public var trainExamples: Int
        public var trainTargetTokens: Int
        public var validationExamples: Int
        public var trainLossFinal: Double
        public var validationLossBefore: Double?
        public var validationLossAfter: Double?
    }

    /// Trains `context.out` from `context.policy` on the examples in `data`, validating on
    /// `validation` (or on `heldOutFraction` of `data`). `context.data` names the files.
    @discardableResult
    public static func run(_ context: JobContext, data: URL, validation: URL?, parameters: Parameters) throws -> PolicyManifest {
        var p = parameters
        let run = try context.open(&p.settings)
        let tokenizer = run.loaded.tokenizer
        var trainSet = try SFTDataset.load(data, tokenizer: tokenizer, template: run.template, maxLength: p.maxLength,
                                           overLength: p.overLength, maxAnswerTokens: p.maxAnswerTokens)
        context.log(trainSet.report.description)
        var heldOut: SFTDataset
        if let validation {
            heldOut = try SFTDataset.load(validation, tokenizer: tokenizer, template: run.template, maxLength: p.maxLength, overLength: p.overLength)
            context.log(heldOut.report.description)
        } else {
            (trainSet, heldOut) = trainSet.split(heldOutFraction: p.heldOutFraction)
        }
        if let repeats = p.categoryRepeats, !repeats.isEmpty {
            let before = trainSet.categoryCounts
            if let missing = repeats.keys.sorted().first(where: { before[$0] == nil }) {
                throw TrainingError.unknownCategory(missing, file: data.path, known: before.keys.filter { $0 != SFTDataset.noCategory }.sorted())
            }
            trainSet = trainSet.repeating(repeats)
            let after = trainSet.categoryCounts
            context.log("repeated by category: " + repeats.keys.sorted().map { "\($0) ×\(repeats[$0]!), \(before[$0]!) → \(after[$0]!)" }.joined(separator: "; "))
        }
        context.log("training on \(trainSet.examples.count) examples (\(trainSet.targetCount) assistant tokens), validating on \(heldOut.examples.count)")
        var key = p
        key.settings = p.settings.resumable
        let budget = TimeBudget(seconds: p.settings.maxSeconds)
        let reporter = StepReporter("sft \(context.out)", budget: budget, log: context.log)
        let r = try SFTTrainer.train(model: run.model, train: trainSet, validation: heldOut, parameters: p.trainer, checkpoint: run.checkpoint,
                                     resume: context.resume, runKey: try context.runKey(run, method: method, key: key)) { progress in
            reporter.step(progress.step, of: progress.totalSteps,
                          detail: String(format: "loss %.4f %.0f tok/s", progress.loss, progress.tokensPerSecond),
                          line: progress.description, force: progress.validationLoss != nil)
        }
        let metrics = Metrics(
            run: RunFigures(steps: r.steps, seconds: r.seconds, trainedTokens: r.trainedTokens, microBatches: r.batchesPerEpoch,
                            perStep: p.trainer.gradientAccumulation, budget: budget),
            trainExamples: trainSet.examples.count, trainTargetTokens: trainSet.targetCount, validationExamples: heldOut.examples.count,
            trainLossFinal: r.finalTrainLoss, validationLossBefore: r.validationLossBefore, validationLossAfter: r.validationLossAfter)
        let manifest = try context.save(run, method: method, job: JobRecord(sft: .init(parameters: p, metrics: metrics)), data: context.data,
                                        full: p.settings.weights.full)
        func format(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
        context.log(String(format: "sft %@: validation loss %@ → %@ over %d steps (%.0f tokens/s); saved %@", context.out,
                           format(r.validationLossBefore), format(r.validationLossAfter), r.steps, metrics.run.tokensPerSecond, run.folder.path))
        return manifest
    }
}

extension PolicyManifest.TrainingData {
    /// Data read from files, each recorded with its SHA-256.
    public init(hashing files: [URL]) throws {
        var hashes: [String: String] = [:]
        for url in files { hashes[url.path] = try SHA256.hex(fileAt: url) }
        self.init(files: hashes)
    }
}
