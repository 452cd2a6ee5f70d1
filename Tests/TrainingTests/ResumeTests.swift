import Foundation
import Llama
import Tensor
import Testing
@testable import Training

/// Checkpoints keep everything a run needs to continue exactly — with LoRA dropout, the
/// dropout generator too — and format 1 files (which predate the generator) still resume
/// runs without dropout and are refused, with the reason, by runs with it. Also: gradient
/// accumulation in the reward trainer adds up to the one-batch gradient.
@Suite(.serialized) struct ResumeTests {
    /// 24 random sequences over the tiny model's vocabulary, loss on the second half.
    static func dataset(vocabulary: Int) -> SFTDataset {
        var rng = SeededRandom(seed: 17)
        let examples = (0..<24).map { i -> SFTDataset.Example in
            let count = 10 + Int(rng.next() % 20)
            let ids = (0..<count).map { _ in Int32(rng.next() % UInt64(vocabulary)) }
            let mask = ids.indices.map { t in t + 1 < count && t + 1 >= count / 2 }
            return SFTDataset.Example(ids: ids, targetMask: mask, source: "random:\(i)")
        }
        return SFTDataset(examples: examples, report: .init(file: "random"))
    }

    static func parameters() -> SFTTrainer.Parameters {
        var p = SFTTrainer.Parameters()
        p.batchSize = 4
        p.epochs = 3
        p.maxSteps = 10
        p.learningRate = 1e-2
        p.warmupSteps = 2
        p.evalEvery = 0
        p.checkpointEvery = 0
        p.seed = 3
        return p
    }

    /// The tiny fixture model with a fresh adapter (`seed` initialises A and seeds dropout).
    static func model(dropout: Float, seed: UInt64 = 7) throws -> LlamaModel {
        let model = try TinyPolicy.base()
        model.adapter = LoRAAdapter(model: model.config, configuration: .init(rank: 4, alpha: 8, dropout: dropout, seed: seed))
        return model
    }

    /// Trains to the end, or (`stopAfter`) stops after that step and leaves a checkpoint.
    @discardableResult
    static func run(_ model: LlamaModel, checkpoint: URL? = nil, resume: Bool = false, stopAfter: Int = .max) throws -> SFTTrainer.Result {
        try SFTTrainer.train(model: model, train: dataset(vocabulary: model.config.vocabularySize), validation: nil,
                             parameters: parameters(), checkpoint: checkpoint, resume: resume, runKey: "resume-test") { $0.step < stopAfter }
    }

    static func weights(_ model: LlamaModel) -> [Float] { model.adapter!.parameters.array() }

    /// A checkpoint's JSON header (layout: magic, UInt64 length, JSON, arrays).
    static func headerJSON(_ url: URL) throws -> (json: Data, data: Data) {
        let data = try Data(contentsOf: url)
        let length = Int(data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) })
        return (data.subdata(in: 16..<(16 + length)), data)
    }

    static func header(_ url: URL) throws -> Checkpoint.Header {
        try JSONDecoder().decode(Checkpoint.Header.self, from: headerJSON(url).json)
    }

    /// The same file with its header edited as a JSON object.
    static func rewriteHeader(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let (json, data) = try headerJSON(url)
        var header = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        edit(&header)
        let edited = try JSONSerialization.data(withJSONObject: header)
        var out = Data(Checkpoint.magic)
        withUnsafeBytes(of: UInt64(edited.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(edited)
        out.append(data.subdata(in: (16 + json.count)..<data.count))
        try out.write(to: url)
    }

    /// A format 1 checkpoint: as written before the dropout generator was kept.
    static func downgrade(_ url: URL) throws {
        try rewriteHeader(url) {
            $0["format"] = 1
            $0["dropoutRandom"] = nil
        }
    }

    func temporaryCheckpoint() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-resume-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("checkpoint.bin")
    }

    @Test func stoppedRunWithDropoutResumesToIdenticalWeights() throws {
        let checkpoint = try temporaryCheckpoint()
        defer { try? FileManager.default.removeItem(at: checkpoint.deletingLastPathComponent()) }
        let straight = try Self.model(dropout: 0.2)
        try Self.run(straight)
        // Dropout changes the trajectory, so matching it below needs the same masks.
        let withoutDropout = try Self.model(dropout: 0)
        try Self.run(withoutDropout)
        #expect(Self.weights(straight) != Self.weights(withoutDropout))

        let first = try Self.model(dropout: 0.2)
        #expect(try Self.run(first, checkpoint: checkpoint, stopAfter: 4).steps == 4)
        let header = try Self.header(checkpoint)
        #expect(header.format == Checkpoint.currentFormat)
        let saved = try #require(header.dropoutRandom)
        #expect(saved == first.adapter!.dropoutRandom)
        #expect(saved != SeededRandom(seed: 7), "four steps drew masks")

        // A fresh process: new model and adapter (another seed), weights and generator from the file.
        let resumed = try Self.model(dropout: 0.2, seed: 99)
        #expect(try Self.run(resumed, checkpoint: checkpoint, resume: true).steps == Self.parameters().maxSteps)
        #expect(Self.weights(resumed) == Self.weights(straight))
    }

    @Test func formatOneCheckpointsResumeWithoutDropoutAndAreRefusedWithIt() throws {
        let checkpoint = try temporaryCheckpoint()
        defer { try? FileManager.default.removeItem(at: checkpoint.deletingLastPathComponent()) }
        // Without dropout a format 1 file holds everything: it resumes bit-identically.
        let straight = try Self.model(dropout: 0)
        try Self.run(straight)
        try Self.run(try Self.model(dropout: 0), checkpoint: checkpoint, stopAfter: 4)
        try Self.downgrade(checkpoint)
        let resumed = try Self.model(dropout: 0)
        try Self.run(resumed, checkpoint: checkpoint, resume: true)
        #expect(Self.weights(resumed) == Self.weights(straight))

        // With dropout it cannot: refused, naming the file and what to do.
        try FileManager.default.removeItem(at: checkpoint)
        try Self.run(try Self.model(dropout: 0.2), checkpoint: checkpoint, stopAfter: 4)
        try Self.downgrade(checkpoint)
        let refused = try Self.model(dropout: 0.2)
        let before = Self.weights(refused)
        #expect(throws: Checkpoint.CheckpointError.noDropoutState(path: checkpoint.path)) {
            try Self.run(refused, checkpoint: checkpoint, resume: true)
        }
        #expect(Self.weights(refused) == before, "a refused checkpoint leaves the model as it was")
        let message = Checkpoint.CheckpointError.noDropoutState(path: checkpoint.path).localizedDescription
        #expect(message.contains(checkpoint.path) && message.contains("dropout") && message.contains("HINT"))

        // A format this version does not know is refused as unreadable.
        try Self.rewriteHeader(checkpoint) { $0["format"] = Checkpoint.currentFormat + 1 }
        #expect(throws: Checkpoint.CheckpointError.self) {
            try Self.run(try Self.model(dropout: 0), checkpoint: checkpoint, resume: true)
        }
    }

    /// Two micro-batches of 2 pairs and 2 judgments give the gradient of one batch of 4 and 4
    /// (the losses are means; the trainer leaves the last step's gradients in place).
    @Test func rewardGradientAccumulationMatchesOneBatch() throws {
        let pairs = try TinyPolicy.pairs(), judgments = Array(try TinyPolicy.labelled().prefix(4))
        func gradients(batchSize: Int, accumulation: Int) throws -> (adapter: [Float], head: [Float], steps: Int) {
            let model = try TinyPolicy.base()
            model.adapter = try TinyPolicy.fixtureAdapter(for: model)
            let reward = try RewardModel(model: model, head: ScalarHead(width: model.config.hiddenSize, seed: 4, std: 0.5))
            var p = RewardTrainer.Parameters()
            p.batchSize = batchSize
            p.gradientAccumulation = accumulation
            p.maxGradNorm = 1e9
            p.centerCoefficient = 0.01
            let result = try RewardTrainer.train(reward: reward, train: .init(pairs: pairs, judgments: judgments), heldOut: nil,
                                                 parameters: p, checkpoint: nil, resume: false, runKey: "r") { _ in true }
            return (model.adapter!.gradients.array(), reward.head.gradients.array(), result.steps)
        }
        let one = try gradients(batchSize: 4, accumulation: 1), two = try gradients(batchSize: 2, accumulation: 2)
        #expect(one.steps == 1 && two.steps == 1)
        #expect(one.head.contains { $0 != 0 } && one.adapter.contains { $0 != 0 })
        #expect(TinyPolicy.relativeError(two.adapter, one.adapter) < 1e-5)
        #expect(TinyPolicy.relativeError(two.head, one.head) < 1e-5)
    }
}
