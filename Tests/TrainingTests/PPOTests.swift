import Foundation
import Testing
@testable import Training

@Suite struct PPOTests {
    struct Case {
        let rollout: PPO.Rollout<Float>
        let newLogprobs: [Float], newValues: [Float]
        let parameters: PPO.Parameters
    }

    /// The fixture's inputs (as their fp32 roundings, like the reference run) and hyperparameters.
    static func fixtureCase(placement: PPO.ScorePlacement) throws -> Case {
        let ppo = try Fixture.preference()["ppo"]
        let h = try ppo["hyperparameters"], inputs = try ppo["inputs"]
        var p = PPO.Parameters()
        p.klCoef = try h["kl_coef"].double
        p.klEstimator = try #require(PPO.KLEstimator(rawValue: try h["kl_estimator"].root as? String ?? ""))
        p.gamma = try h["gamma"].double
        p.lam = try h["lam"].double
        p.cliprange = try h["cliprange"].double
        p.cliprangeValue = try h["cliprange_value"].double
        p.vfCoef = try h["vf_coef"].double
        p.scorePlacement = placement
        #expect(try h["INVALID_LOGPROB"].double == PPO.invalidLogprob)
        let lengths = try inputs["lengths"].ints
        let logprobs = try inputs["logprobs_old"].array
        return Case(
            rollout: PPO.Rollout(batch: lengths.count, tokens: try logprobs[0].doubles.count, lengths: lengths,
                                 logprobs: fp32(try inputs["logprobs_old"].flattened),
                                 refLogprobs: fp32(try inputs["ref_logprobs"].flattened),
                                 values: fp32(try inputs["values"].flattened), scores: fp32(try inputs["scores"].doubles)),
            newLogprobs: fp32(try inputs["new_logprobs"].flattened), newValues: fp32(try inputs["new_values"].flattened),
            parameters: p)
    }

    @Test(arguments: [(PPO.ScorePlacement.trl, "trl"), (.lastToken, "variant_score_on_last_token")])
    func reproducesTheFixtureProcedure(placement: PPO.ScorePlacement, key: String) throws {
        let e = try Fixture.preference()["ppo", key]
        let c = try Self.fixtureCase(placement: placement)
        let prep = try PPO.prepare(c.rollout, parameters: c.parameters)
        #expect(prep.tokenMask == (try e["padding_mask"].flattenedBools).map { !$0 })
        #expect(prep.valueMask == (try e["padding_mask_p1"].flattenedBools).map { !$0 })
        #expect(prep.scoreIndex == (try e["actual_end"].ints))
        let perToken: [(String, [Double])] = [
            ("logprobs_masked", prep.logprobs), ("ref_logprobs_masked", prep.refLogprobs),
            ("values_masked", prep.values), ("kl", prep.kl), ("non_score_reward", prep.nonScoreReward),
            ("rewards", prep.rewards), ("advantages_raw", prep.advantagesRaw), ("returns", prep.returns),
            ("advantages", prep.advantages),
        ]
        for (name, actual) in perToken { expectClose(actual, try e[name].flattened, "\(key).\(name)") }
        expectClose(prep.meanKL, try e["mean_kl"].double, "\(key).mean_kl")
        expectClose(prep.meanNonScoreReward, try e["mean_non_score_reward"].double, "\(key).mean_non_score_reward")
        expectClose(prep.rlhfReward, try e["rlhf_reward"].double, "\(key).rlhf_reward")

        let r = try PPO.loss(prep, newLogprobs: c.newLogprobs, newValues: c.newValues, parameters: c.parameters)
        let lossTensors: [(String, [Double])] = [
            ("vpred", r.vpred), ("vpredclipped", r.vpredClipped), ("ratio", r.ratio), ("pg_losses", r.pgLosses),
            ("pg_losses2", r.pgLosses2), ("vf_losses1", r.vfLosses1), ("vf_losses2", r.vfLosses2),
            ("grad_new_logprobs", widened(r.gradNewLogprobs)), ("grad_new_values", widened(r.gradNewValues)),
            ("new_logprobs_masked", zip(r.ratio, prep.logprobs).map { log($0) + $1 }),
        ]
        for (name, actual) in lossTensors { expectClose(actual, try e[name].flattened, "\(key).\(name)") }
        let scalars: [(String, Double)] = [
            ("pg_loss", r.pgLoss), ("pg_clipfrac", r.pgClipfrac), ("vf_loss", r.vfLoss), ("vf_clipfrac", r.vfClipfrac),
            ("loss", r.loss), ("approxkl", r.approxKL),
        ]
        for (name, actual) in scalars { expectClose(actual, try e[name].double, "\(key).\(name)") }
    }

    @Test(arguments: [PPO.ScorePlacement.trl, .lastToken])
    func gradientsMatchFiniteDifferences(placement: PPO.ScorePlacement) throws {
        let c = try Self.fixtureCase(placement: placement)
        let prep = try PPO.prepare(c.rollout, parameters: c.parameters)
        let logp = widened(c.newLogprobs), values = widened(c.newValues)
        let r = try PPO.loss(prep, newLogprobs: logp, newValues: values, parameters: c.parameters)
        let fdLogp = try finiteDifferences(logp, h: 1e-6) {
            try PPO.loss(prep, newLogprobs: $0, newValues: values, parameters: c.parameters).loss
        }
        let fdValues = try finiteDifferences(values, h: 1e-6) {
            try PPO.loss(prep, newLogprobs: logp, newValues: $0, parameters: c.parameters).loss
        }
        expectClose(r.gradNewLogprobs, fdLogp, tol: 1e-7, "d loss/d new logprobs (\(placement))")
        expectClose(r.gradNewValues, fdValues, tol: 1e-7, "d loss/d new values (\(placement))")
        // Both clipping branches occur in the fixture, so some gradients are exactly 0 and some are not.
        #expect(r.gradNewLogprobs.contains(0) && r.gradNewLogprobs.contains { $0 != 0 })
    }

    @Test func minibatchRowsUseTheirOwnMasks() throws {
        // Row 1 alone: the loss must equal the full computation restricted to that row's positions.
        let c = try Self.fixtureCase(placement: .trl)
        let prep = try PPO.prepare(c.rollout, parameters: c.parameters)
        let nT = prep.tokens
        let row = try PPO.loss(prep, rows: [1], newLogprobs: Array(c.newLogprobs[nT...]),
                               newValues: Array(c.newValues[nT...]), parameters: c.parameters)
        let full = try PPO.loss(prep, newLogprobs: c.newLogprobs, newValues: c.newValues, parameters: c.parameters)
        let tokens = (nT..<2 * nT).filter { prep.tokenMask[$0] }
        let expectedPG = tokens.map { max(full.pgLosses[$0], full.pgLosses2[$0]) }.reduce(0, +) / Double(tokens.count)
        expectClose(row.pgLoss, expectedPG, tol: 1e-12, "row 1 pg_loss")
        let fd = try finiteDifferences(widened(Array(c.newLogprobs[nT...])), h: 1e-6) {
            try PPO.loss(prep, rows: [1], newLogprobs: $0, newValues: widened(Array(c.newValues[nT...])), parameters: c.parameters).loss
        }
        expectClose(widened(row.gradNewLogprobs), fd, tol: 1e-7, "row 1 gradient")
    }

    @Test func k3EstimatorAndMissingEOSRules() throws {
        // One response of 1 token, T = 2: logp −1, ref −1.5 ⇒ logr = −0.5,
        // k3 = (e^−0.5 − 1) + 0.5 = 0.10653065971263342; k1 = 0.5.
        var p = PPO.Parameters()
        p.klEstimator = .k3
        p.scorePlacement = .lastToken
        p.missingEOS = .replace(with: -1)
        let rollout = PPO.Rollout<Double>(batch: 1, tokens: 2, lengths: [1], logprobs: [-1, 9], refLogprobs: [-1.5, 9],
                                          values: [0, 0], scores: [0.7], endsWithEOS: [false])
        let prep = try PPO.prepare(rollout, parameters: p)
        expectClose(prep.kl, [0.10653065971263342, 0], tol: 1e-15, "k3")
        #expect(prep.scores == [-1])
        // rewards[0] = −0.05·k3 + (replaced score −1).
        expectClose(prep.rewards[0], -0.05 * 0.10653065971263342 - 1, tol: 1e-15, "shaped reward")
        p.missingEOS = .subtract(0.5)
        expectClose(try PPO.prepare(rollout, parameters: p).scores, [0.2], tol: 1e-15, "subtracted score")
        p.missingEOS = .keep
        #expect(try PPO.prepare(rollout, parameters: p).scores == [0.7])
    }

    @Test func maskedWhitenUsesTheUnbiasedVariance() {
        // x = [1, 2, 3, (100 masked)]: mean 2, Σ(x−2)² = 2, unbiased var = 2/2 = 1 ⇒ [−1, 0, 1]/√(1+1e-8).
        let w = PPO.maskedWhiten([1, 2, 3, 100], mask: [true, true, true, false], shiftMean: true)
        let s = 1 / (1 + 1e-8).squareRoot()
        expectClose(Array(w.prefix(3)), [-s, 0, s], tol: 1e-15, "whitened")
        let kept = PPO.maskedWhiten([1, 2, 3, 100], mask: [true, true, true, false], shiftMean: false)
        expectClose(Array(kept.prefix(3)), [2 - s, 2, 2 + s], tol: 1e-15, "whitened, mean kept")
    }

    @Test func entropyMetrics() throws {
        let c = try Self.fixtureCase(placement: .trl)
        let prep = try PPO.prepare(c.rollout, parameters: c.parameters)
        // Padding entries (1e9) must not count: real tokens are the first 5 of row 0 and 3 of row 1.
        var entropies = [Double](repeating: 1e9, count: 10)
        for i in 0..<10 where prep.tokenMask[i] { entropies[i] = Double(i) }
        #expect(PPO.meanEntropy(entropies, prepared: prep) == Double(0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) / 8)
        #expect(PPO.sampledEntropy(logprobs: entropies.map { -$0 }, prepared: prep) == 3.5)
    }

    @Test func badInputIsRejected() throws {
        let bad = PPO.Rollout<Float>(batch: 1, tokens: 3, lengths: [0], logprobs: [0, 0, 0], refLogprobs: [0, 0, 0],
                                     values: [0, 0, 0], scores: [0])
        #expect(throws: ObjectiveError.self) { try PPO.prepare(bad) }
        let c = try Self.fixtureCase(placement: .trl)
        let prep = try PPO.prepare(c.rollout, parameters: c.parameters)
        #expect(throws: ObjectiveError.countMismatch(field: "newValues", expected: 10, actual: 9)) {
            try PPO.loss(prep, newLogprobs: c.newLogprobs, newValues: Array(c.newValues.dropLast()))
        }
    }
}
