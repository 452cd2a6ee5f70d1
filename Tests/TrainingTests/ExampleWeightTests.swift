import Foundation
import Testing
@testable import Training

/// Per-example weights (the nightly run's severe-harm weight): a weight w multiplies the
/// example's loss and its gradient, as `KTO.loss` and `RewardLoss.pointwise` document.
@Suite struct ExampleWeightTests {
    /// KTO with β = 0.1, no KL sequences (z = 0): a desirable example with ρ = +1 (weight 1) and
    /// an undesirable one with ρ = −1 rated severely harmful (weight 4). By hand:
    ///   loss_0 = 1 − σ(0.1)           = 0.47502081252106
    ///   loss_1 = 4·(1 − σ(0.1))       = 1.90008325008424
    ///   loss   = 5·(1 − σ(0.1)) / 2   = 1.18755203130265
    ///   d/dρ_0 = −0.1·σ(0.1)·(1 − σ(0.1)) / 2   = −0.012468802009644599
    ///   d/dρ_1 = +4·0.1·σ(0.1)·(1 − σ(0.1)) / 2 = 0.049875208038578395
    @Test func ktoWeightMultipliesTheExamplesLossAndGradient() throws {
        let batch = KTO.Batch<Double>(policy: [-10, -12], reference: [-11, -11], desirable: [true, false],
                                      policyKL: [], referenceKL: [], weights: [1, 4])
        let r = try KTO.loss(batch, parameters: .init(beta: 0.1))
        #expect(abs(r.perExample[0] - 0.47502081252106) < 1e-13)
        #expect(abs(r.perExample[1] - 4 * 0.47502081252106) < 1e-13)
        #expect(abs(r.loss - 1.18755203130265) < 1e-13)
        #expect(abs(r.gradPolicy[0] - -0.012468802009644599) < 1e-15)
        #expect(abs(r.gradPolicy[1] - 0.049875208038578395) < 1e-15)
        // Unweighted, the undesirable example's loss and gradient are a quarter of that.
        let plain = try KTO.loss(KTO.Batch<Double>(policy: [-10, -12], reference: [-11, -11], desirable: [true, false],
                                                   policyKL: [], referenceKL: [], weights: nil), parameters: .init(beta: 0.1))
        #expect(abs(plain.loss - 0.47502081252106) < 1e-13)
        #expect(abs(plain.gradPolicy[1] * 4 - r.gradPolicy[1]) < 1e-15)
        // The gradient is the derivative of the weighted loss (central differences).
        let h = 1e-6
        for i in 0..<2 {
            var up = batch, down = batch
            up.policy[i] += h
            down.policy[i] -= h
            let fd = (try KTO.loss(up, parameters: .init(beta: 0.1)).loss - KTO.loss(down, parameters: .init(beta: 0.1)).loss) / (2 * h)
            #expect(abs(fd - r.gradPolicy[i]) < 1e-9)
        }
    }

    /// Pointwise reward loss, r = [1.5, −0.5], correct = [yes, no], weights [1, 4]:
    ///   loss = (log(1 + e^−1.5) + 4·log(1 + e^−0.5)) / 2 = 1.0488606073515896
    ///   d/dr = [−σ(−1.5)/2, 4·σ(−0.5)/2] = [−0.09121276190317817, 0.7550813375962908]
    @Test func rewardWeightMultipliesTheExamplesLossAndGradient() throws {
        let r = try RewardLoss.pointwise(rewards: [1.5, -0.5], correct: [true, false], weights: [1, 4])
        #expect(abs(r.loss - 1.0488606073515896) < 1e-14)
        #expect(abs(r.gradRewards[0] - -0.09121276190317817) < 1e-14)
        #expect(abs(r.gradRewards[1] - 0.7550813375962908) < 1e-14)
    }

    @Test func weightsMustBePositiveAndOnePerExample() {
        #expect(throws: ObjectiveError.self) {
            try KTO.loss(KTO.Batch<Double>(policy: [0], reference: [0], desirable: [true], policyKL: [], referenceKL: [], weights: [0]))
        }
        #expect(throws: ObjectiveError.self) {
            try KTO.loss(KTO.Batch<Double>(policy: [0, 0], reference: [0, 0], desirable: [true, false], policyKL: [], referenceKL: [], weights: [1]))
        }
        #expect(throws: ObjectiveError.self) { try RewardLoss.pointwise(rewards: [0.0], correct: [false], weights: [.nan]) }
    }

    /// The encoder keeps an example's weight (the trainers read it from the encoded examples).
    @Test func labelledCompletionsCarryTheirWeight() {
        let example = LabelledCompletion(prompt: [Int32(1)], completion: [2], desirable: false, weight: 4)
        #expect(example.weight == 4)
        #expect(LabelledCompletion(prompt: [Int32(1)], completion: [2], desirable: false).weight == 1)
    }
}
