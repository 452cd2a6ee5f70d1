// Intervals over held-out prompts for the loop benchmark. Several answers are sampled per
// prompt, so answers to one prompt are not independent: the bootstrap resamples whole prompts
// (the cluster bootstrap, Davison & Hinkley 1997, "Bootstrap Methods and their Application",
// §3.8), and for a difference between two policies it resamples the same prompts for both
// (paired), since both answered every prompt. Intervals are percentile intervals (Efron &
// Tibshirani 1993, ch. 13) at 95%.
import Foundation
import Tensor

struct PromptBootstrap {
    /// Per prompt: a numerator (successes or summed scores) and a count of answers or pairs.
    struct Cluster {
        var value: Double
        var count: Double
    }

    var rounds = 4_000
    var seed: UInt64

    /// 95% interval of Σvalue / Σcount over prompts resampled with replacement.
    func ratio(_ clusters: [Cluster]) -> (lower: Double, upper: Double)? {
        paired(clusters.map { ($0, Cluster(value: 0, count: 1)) }, difference: false)
    }

    /// 95% interval of (Σa.value / Σa.count) − (Σb.value / Σb.count) with prompts resampled
    /// jointly for a and b (`difference: true`), or of the first ratio alone.
    func paired(_ clusters: [(a: Cluster, b: Cluster)], difference: Bool = true) -> (lower: Double, upper: Double)? {
        guard !clusters.isEmpty else { return nil }
        var rng = SeededRandom(seed: seed)
        var stats = [Double]()
        stats.reserveCapacity(rounds)
        for _ in 0..<rounds {
            var (av, ac, bv, bc) = (0.0, 0.0, 0.0, 0.0)
            for _ in clusters.indices {
                let c = clusters[Int(rng.next() % UInt64(clusters.count))]
                av += c.a.value; ac += c.a.count; bv += c.b.value; bc += c.b.count
            }
            guard ac > 0, bc > 0 else { continue }
            stats.append(difference ? av / ac - bv / bc : av / ac)
        }
        guard !stats.isEmpty else { return nil }
        stats.sort()
        func quantile(_ q: Double) -> Double { stats[min(stats.count - 1, max(0, Int((q * Double(stats.count)).rounded(.down))))] }
        return (quantile(0.025), quantile(0.975))
    }
}
