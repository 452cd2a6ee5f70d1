import FeedbackStore
import Foundation
import Testing

/// The percentile bootstrap of a (weighted) mean and the Wilson interval with half successes:
/// the intervals the promotion gates decide on.
@Suite struct BootstrapTests {
    @Test func bootstrapIntervalOfAMeanIsSeededAndHasTheNormalWidth() throws {
        // 200 values around 1 with a standard deviation of about 2 (2√2 · sin i).
        let values = (0..<200).map { 1 + 2 * 2.0.squareRoot() * sin(Double($0)) }
        let mean = values.reduce(0, +) / 200
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 199).squareRoot()
        let a = try #require(Stats.bootstrapMeanInterval(values, seed: 7))
        #expect(abs(a.mean - mean) < 1e-12 && abs(sd - 2) < 0.05)
        // The standard error is sd / √200 ≈ 0.141: a 95% interval of about ±0.277.
        #expect(abs((a.upper - a.lower) / 2 - 1.96 * sd / 200.0.squareRoot()) < 0.03)
        #expect(a.lower < mean && a.upper > mean)
        // The same seed gives the same interval; another seed another one.
        let b = try #require(Stats.bootstrapMeanInterval(values, seed: 7))
        #expect(a == b)
        #expect(try #require(Stats.bootstrapMeanInterval(values, seed: 8)).lower != a.lower)
        // Constant data: a point interval.
        let c = try #require(Stats.bootstrapMeanInterval([0.5, 0.5, 0.5], seed: 1))
        #expect(c == (0.5, 0.5, 0.5))
        #expect(Stats.bootstrapMeanInterval([], seed: 1) == nil)
    }

    @Test func weightsGiveAPerTokenMeanOverWholeExamples() throws {
        // Two examples: 1 nat over 10 tokens and 3 nats over 30 tokens → 0.1 nats/token each.
        let perToken = [1.0 / 10, 3.0 / 30]
        let r = try #require(Stats.bootstrapMeanInterval(perToken, weights: [10, 30], seed: 1))
        #expect(abs(r.mean - 0.1) < 1e-12 && abs(r.lower - 0.1) < 1e-12 && abs(r.upper - 0.1) < 1e-12)
        let skewed = try #require(Stats.bootstrapMeanInterval([0, 1], weights: [1, 3], seed: 1))
        #expect(skewed.mean == 0.75 && skewed.lower == 0 && skewed.upper == 1)
    }

    @Test func wilsonTakesHalfSuccesses() throws {
        let half = try #require(Stats.wilsonInterval(successes: 2.5, total: 5))
        let two = try #require(Stats.wilsonInterval(successes: 2, total: 5))
        let three = try #require(Stats.wilsonInterval(successes: 3, total: 5))
        #expect(two.lower < half.lower && half.lower < three.lower)
        // Symmetric around one half.
        #expect(abs(half.lower + half.upper - 1) < 1e-12)
        #expect(Stats.wilsonInterval(successes: 5.5, total: 5) == nil)
    }
}
