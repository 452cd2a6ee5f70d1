// The reward model against the preference fixture (`reward_model` section: rewards from the
// policy's hidden state at the last completion token, w, b and margins given), a
// finite-difference check of the head + adapter gradient, and a save/load round trip.
import Foundation
import Llama
import Testing
@testable import Training

@Suite(.serialized) struct RewardModelTests {
    func fixtureRewardModel() throws -> (RewardModel, Fixture) {
        let fixture = try Fixture.preference()["reward_model"]
        let model = try TinyPolicy.base()
        model.adapter = try TinyPolicy.fixtureAdapter(for: model)
        let head = ScalarHead(weight: try fixture["w"].doubles.map(Float.init), bias: Float(try fixture["b"].double))
        return (try RewardModel(model: model, head: head), fixture)
    }

    @Test func rewardsAndLossMatchTheFixture() throws {
        let (reward, fixture) = try fixtureRewardModel()
        let pairs = try TinyPolicy.pairs()
        let chosen = try reward.score(pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.chosen) })
        let rejected = try reward.score(pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.rejected) })
        expectClose(chosen, try fixture["rewards_chosen"].doubles, "rewards_chosen")
        expectClose(rejected, try fixture["rewards_rejected"].doubles, "rewards_rejected")
        let margins = try fixture["margins"].doubles
        let bt = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected, margins: margins, centerCoefficient: 0.01)
        expectClose(bt.loss, try fixture["loss_total"].double, "loss_total")
        expectClose(bt.centeringTerm, try fixture["center_term"].double, "center_term")
        let plain = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected)
        expectClose(plain.loss, try fixture["loss_plain"].double, "loss_plain")
    }

    /// The features `scoreWithFeatures` returns are what the head read: w·h + b is each
    /// reward (of the fixture's sequences, in input order whatever the length batching).
    @Test func featuresAreWhatTheHeadReads() throws {
        let (reward, fixture) = try fixtureRewardModel()
        let pairs = try TinyPolicy.pairs()
        let sequences = pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.chosen) }
            + pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.rejected) }
        let (rewards, features) = try reward.scoreWithFeatures(sequences, batchSize: 3)
        #expect(rewards == (try reward.score(sequences, batchSize: 3)))
        expectClose(rewards, try fixture["rewards_chosen"].doubles + fixture["rewards_rejected"].doubles, "rewards")
        let w = try fixture["w"].doubles, b = try fixture["b"].double
        #expect(features.count == sequences.count && features.allSatisfy { $0.count == w.count })
        let fromFeatures = features.map { h in zip(h, w).reduce(b) { $0 + Double($1.0) * $1.1 } }
        expectClose(fromFeatures, rewards, "w·h + b")
    }

    /// loss(θ) = Σ_i c_i r_i(θ) over a batch; analytic d loss / d θ for head weights, the bias
    /// and a spread of adapter weights against central differences (Float forward, h = 1e-2).
    @Test func headAndAdapterGradientsMatchFiniteDifferences() throws {
        let (reward, _) = try fixtureRewardModel()
        let pairs = try TinyPolicy.pairs()
        let sequences = pairs.map { CompletionSequence(prompt: $0.prompt, completion: $0.chosen) }
            + pairs.prefix(2).map { CompletionSequence(prompt: $0.prompt, completion: $0.rejected) }
        let c: [Double] = sequences.indices.map { Double($0 % 3) - 0.7 }
        func loss() throws -> Double {
            zip(try reward.forward(sequences, training: false).rewards, c).reduce(0) { $0 + $1.0 * $1.1 }
        }
        reward.zeroGrad()
        try reward.backward(try reward.forward(sequences, training: false), dRewards: c)
        let adapter = try #require(reward.model.adapter)
        let checks: [(FloatBufferRef, Int)] = [0, 5, reward.head.width - 1, reward.head.width].map { (.head, $0) }
            + stride(from: 0, to: adapter.parameters.count, by: max(1, adapter.parameters.count / 12)).map { (.adapter, $0) }
        for (which, i) in checks {
            let (params, grads) = which == .head ? (reward.head.parameters, reward.head.gradients) : (adapter.parameters, adapter.gradients)
            let h: Float = 1e-2, saved = params[i]
            params[i] = saved + h
            let plus = try loss()
            params[i] = saved - h
            let minus = try loss()
            params[i] = saved
            let numeric = (plus - minus) / Double(2 * h), analytic = Double(grads[i])
            #expect(abs(numeric - analytic) <= 2e-3 + 2e-2 * abs(numeric), "\(which) [\(i)]: analytic \(analytic), numeric \(numeric)")
        }
    }

    enum FloatBufferRef { case head, adapter }

    @Test func headRoundTripsThroughItsFile() throws {
        let head = ScalarHead(width: 16, seed: 3)
        head.parameters[16] = 0.25
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try head.save(to: url)
        let back = try ScalarHead.load(from: url, width: 16)
        #expect(back.weight == head.weight && back.bias == 0.25)
        #expect(throws: (any Error).self) { try ScalarHead.load(from: url, width: 8) }
    }
}
