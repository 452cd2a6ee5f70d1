import Foundation
import Testing
@testable import Training

/// The PPO score scale: statistics by hand, the degenerate batch, and the exact round trip
/// through a checkpoint header (a resumed run must use the same scale to the last bit).
@Suite struct ScoreNormalizationTests {
    @Test func meanAndPopulationDeviationByHand() {
        // [1, 2, 3, 6]: mean 3; squared deviations 4, 1, 0, 9 → variance 14/4 = 3.5.
        let n = ScoreNormalization(scores: [1, 2, 3, 6])
        #expect(n.mean == 3)
        #expect(abs(n.standardDeviation - 3.5.squareRoot()) < 1e-15)
        let scaled = n.apply([3, 6, 1])
        #expect(scaled[0] == 0)
        #expect(abs(scaled[1] - 3 / 3.5.squareRoot()) < 1e-15)
        #expect(abs(scaled[2] + 2 / 3.5.squareRoot()) < 1e-15)
    }

    @Test func aConstantBatchOnlyShiftsTheMean() {
        let n = ScoreNormalization(scores: [9.5, 9.5, 9.5])
        #expect(n.standardDeviation == 1)
        #expect(n.apply([10.5, 9.5]) == [1, 0])
    }

    @Test func checkpointFieldsRoundTripExactly() throws {
        let n = ScoreNormalization(scores: [-9.2231, 0.1 + 0.2, 7.77777777777, 1e-7])
        let back = try #require(ScoreNormalization(checkpointFields: n.checkpointFields))
        #expect(back == n)
        #expect(ScoreNormalization(checkpointFields: [:]) == nil)
        #expect(ScoreNormalization(checkpointFields: ["score_mean": "1", "score_std": "not a number"]) == nil)
    }
}
