import Foundation
import Testing
@testable import Training

@Suite struct RewardLossTests {
    @Test func bradleyTerryAgreesWithFixture() throws {
        let rm = try Fixture.preference()["reward_model"]
        let chosen = fp32(try rm["rewards_chosen"].doubles), rejected = fp32(try rm["rewards_rejected"].doubles)
        let margins = fp32(try rm["margins"].doubles)
        let plain = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected)
        expectClose(plain.loss, try rm["loss_plain"].double, "loss_plain")
        #expect(plain.centeringTerm == 0)
        let margin = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected, margins: margins)
        expectClose(margin.loss, try rm["loss_with_margin"].double, "loss_with_margin")
        // The centering coefficient 0.01 is stated in the fixture's definition of center_term.
        let total = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected, margins: margins, centerCoefficient: 0.01)
        expectClose(total.bradleyTerry, try rm["loss_with_margin"].double, "bradleyTerry part")
        expectClose(total.centeringTerm, try rm["center_term"].double, "center_term")
        expectClose(total.loss, try rm["loss_total"].double, "loss_total")
    }

    @Test func bradleyTerryGradientsMatchFiniteDifferences() throws {
        let rm = try Fixture.preference()["reward_model"]
        let chosen = try rm["rewards_chosen"].doubles, rejected = try rm["rewards_rejected"].doubles
        let margins = try rm["margins"].doubles
        for center in [0.0, 0.01] {
            let r = try RewardLoss.bradleyTerry(chosen: chosen, rejected: rejected, margins: margins, centerCoefficient: center)
            let fdC = try finiteDifferences(chosen) {
                try RewardLoss.bradleyTerry(chosen: $0, rejected: rejected, margins: margins, centerCoefficient: center).loss
            }
            let fdR = try finiteDifferences(rejected) {
                try RewardLoss.bradleyTerry(chosen: chosen, rejected: $0, margins: margins, centerCoefficient: center).loss
            }
            expectClose(r.gradChosen, fdC, tol: 1e-8, "d/dr_c (c = \(center))")
            expectClose(r.gradRejected, fdR, tol: 1e-8, "d/dr_r (c = \(center))")
        }
    }

    @Test func pointwiseHandComputed() throws {
        // r = [1.5, −0.5, 0], correct = [yes, no, yes], positiveWeight 2, negativeWeight 0.5:
        //   2·log(1+e^−1.5) = 0.4028265559655048, 0.5·log(1+e^−0.5) = 0.23703849209005334, 2·ln 2 = 1.3862943611198906
        //   mean 0.6753864697251496
        //   d/dr = −2σ(−1.5)/3 = −0.12161701587090423, 0.5σ(−0.5)/3 = 0.0629234447996909, −2·½/3 = −1/3
        //   accuracy: 1 (1.5 > 0) + 1 (−0.5 < 0) + ½ (r = 0) over 3
        let r = try RewardLoss.pointwise(rewards: [1.5, -0.5, 0.0], correct: [true, false, true],
                                         positiveWeight: 2, negativeWeight: 0.5)
        expectClose(r.loss, 0.6753864697251496, tol: 1e-14, "pointwise loss")
        expectClose(r.gradRewards, [-0.12161701587090423, 0.0629234447996909, -1.0 / 3], tol: 1e-14, "pointwise grad")
        #expect(r.accuracy == 2.5 / 3)
        let fd = try finiteDifferences([1.5, -0.5, 0.0]) {
            try RewardLoss.pointwise(rewards: $0, correct: [true, false, true], positiveWeight: 2, negativeWeight: 0.5).loss
        }
        expectClose(r.gradRewards, fd, tol: 1e-8, "pointwise FD")
    }

    @Test func rocAUCHandComputed() throws {
        // Positives 0.4, 0.8; negatives 0.1, 0.35, 0.4. Pairs (pos > neg):
        //   0.4: beats 0.1, 0.35, ties 0.4 → 2.5;   0.8: beats all three → 3.   AUC = 5.5 / 6.
        let auc = RewardMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8, 0.4], positive: [false, true, false, true, false])
        #expect(auc.map { abs($0 - 5.5 / 6) < 1e-15 } == true)
        // Perfect separation 1, reversed 0, constant scores 0.5, one class only: undefined.
        #expect(RewardMetrics.rocAUC(scores: [1.0, 2, 3], positive: [false, true, true]) == 1)
        #expect(RewardMetrics.rocAUC(scores: [3.0, 2, 1], positive: [false, true, true]) == 0)
        #expect(RewardMetrics.rocAUC(scores: [Float](repeating: 7, count: 4), positive: [true, false, true, false]) == 0.5)
        #expect(RewardMetrics.rocAUC(scores: [1.0, 2], positive: [true, true]) == nil)
    }

    @Test func rocAUCEqualsPairCount() throws {
        // Against the O(n²) definition on fixture rewards (chosen as positives), with a tie added.
        let rm = try Fixture.preference()["reward_model"]
        let scores = try rm["rewards_chosen"].doubles + rm["rewards_rejected"].doubles + [try rm["rewards_chosen"].doubles[0]]
        let positive = [Bool](repeating: true, count: 4) + [Bool](repeating: false, count: 5)
        var wins = 0.0
        for i in scores.indices where positive[i] {
            for j in scores.indices where !positive[j] {
                wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
            }
        }
        #expect(RewardMetrics.rocAUC(scores: scores, positive: positive) == wins / 20)
    }

    @Test func pairwiseAccuracyCountsTiesHalf() {
        // 2 > 1 correct, 0 < 1 wrong, 3 = 3 tie ⇒ (1 + 0 + ½) / 3.
        #expect(RewardMetrics.pairwiseAccuracy(chosen: [2.0, 0, 3], rejected: [1.0, 1, 3]) == 0.5)
    }

    @Test func badInputIsRejected() {
        #expect(throws: ObjectiveError.countMismatch(field: "rejected", expected: 2, actual: 1)) {
            try RewardLoss.bradleyTerry(chosen: [1.0, 2], rejected: [1.0])
        }
        #expect(throws: ObjectiveError.self) { try RewardLoss.bradleyTerry(chosen: [Float](), rejected: []) }
        #expect(throws: ObjectiveError.self) { try RewardLoss.pointwise(rewards: [Float.nan], correct: [true]) }
    }
}
