import Foundation

extension Stats {
    /// Percentile bootstrap interval (Efron & Tibshirani 1993, §13.3) of the weighted mean
    /// Σ wᵢxᵢ / Σ wᵢ: `rounds` resamples of the n items with replacement, the 2.5% and 97.5%
    /// quantiles of the resampled means. Seeded, so the same data always give the same
    /// interval. Unit weights give the plain mean; token counts as weights give a per-token
    /// mean that resamples whole examples. nil when empty or the weights sum to 0.
    public static func bootstrapMeanInterval(_ values: [Double], weights: [Double]? = nil, rounds: Int = 2000, seed: UInt64,
                                             level: Double = 0.95) -> (mean: Double, lower: Double, upper: Double)? {
        let w = weights ?? [Double](repeating: 1, count: values.count)
        precondition(w.count == values.count, "one weight per value")
        let n = values.count
        let total = w.reduce(0, +)
        guard n > 0, total > 0, rounds > 0 else { return nil }
        let mean = zip(values, w).reduce(0) { $0 + $1.0 * $1.1 } / total
        var rng = SeededGenerator(seed: seed)
        var means: [Double] = []
        means.reserveCapacity(rounds)
        for _ in 0..<rounds {
            var sum = 0.0, weight = 0.0
            for _ in 0..<n {
                let i = rng.index(below: n)
                sum += values[i] * w[i]
                weight += w[i]
            }
            means.append(weight > 0 ? sum / weight : mean)
        }
        means.sort()
        let tail = (1 - level) / 2
        return (mean, quantile(sorted: means, tail)!, quantile(sorted: means, 1 - tail)!)
    }
}
