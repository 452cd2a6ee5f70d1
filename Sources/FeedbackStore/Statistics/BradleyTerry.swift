import Foundation

/// Bradley-Terry strengths of policy versions from pairwise comparisons, on the Elo scale
/// Chatbot Arena reports (P(i beats j) = 1 / (1 + 10^((R_j − R_i)/400)), mean rating 1000).
/// Ties and both-bad count as half a win for each side, as in Arena's `compute_mle_elo`,
/// which duplicates the battles and gives each side one tie-win.
public enum BradleyTerry {
    public static let scale = 400.0
    public static let base = 10.0
    public static let meanRating = 1000.0

    public struct Rating: Hashable, Sendable, Codable {
        /// Elo-scale rating; nil when the MLE does not exist for this version (it never won
        /// or never lost, so its strength runs off to ±infinity).
        public var rating: Double?
        /// Bootstrap 95% interval (2.5% and 97.5% quantiles), when bootstrapped.
        public var lower: Double?
        public var upper: Double?
    }

    /// Maximum-likelihood ratings by Hunter's MM algorithm (Hunter 2004, Annals of
    /// Statistics 32:384, eq. 3): p_i ← W_i / Σ_j N_ij / (p_i + p_j).
    /// `wins[i][j]`: (fractional) wins of i over j; games N_ij = wins[i][j] + wins[j][i].
    public static func fit(wins: [[Double]], start: [Double]? = nil) -> [Double?] {
        let k = wins.count
        var p = start.map { $0.map { $0.isFinite ? pow(base, ($0 - meanRating) / scale) : 1 } } ?? [Double](repeating: 1, count: k)
        let totalWins = wins.map { $0.reduce(0, +) }
        for _ in 0..<10_000 {
            var next = [Double](repeating: 0, count: k)
            for i in 0..<k {
                var denominator = 0.0
                for j in 0..<k where j != i {
                    let games = wins[i][j] + wins[j][i]
                    if games > 0 { denominator += games / (p[i] + p[j]) }
                }
                next[i] = denominator > 0 ? totalWins[i] / denominator : p[i]
            }
            // Fix the scale: geometric mean 1 over versions with a finite strength.
            let logs = next.filter { $0 > 0 && $0.isFinite }.map { log($0) }
            let shift = logs.isEmpty ? 0 : exp(logs.reduce(0, +) / Double(logs.count))
            next = next.map { $0 / shift }
            let change = zip(p, next).map { abs(log(max($0, 1e-300)) - log(max($1, 1e-300))) }.max() ?? 0
            p = next
            if change < 1e-12 { break }
        }
        // A version that never won (or never lost) has no finite MLE.
        return (0..<k).map { i in
            let games = (0..<k).reduce(0.0) { $0 + ($1 == i ? 0 : wins[i][$1] + wins[$1][i]) }
            guard games > 0, totalWins[i] > 0, totalWins[i] < games else { return nil }
            return scale * log(p[i]) / log(base) + meanRating
        }
    }

    /// The half-win matrix of a list of battles among `count` versions.
    public static func winMatrix(_ battles: [Battle], count: Int) -> [[Double]] {
        var wins = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
        for b in battles where b.first != b.second {
            switch b.outcome {
            case .firstWins: wins[b.first][b.second] += 1
            case .secondWins: wins[b.second][b.first] += 1
            case .tie, .bothBad: wins[b.first][b.second] += 0.5; wins[b.second][b.first] += 0.5
            }
        }
        return wins
    }

    /// Ratings with percentile-bootstrap 95% intervals: battles are resampled with
    /// replacement `rounds` times and refitted, as Arena does. A battle only matters
    /// through its (first, second, outcome) type, so a round draws how many of each type
    /// its resample holds (a multinomial over the type counts, the same distribution as
    /// drawing battle indices) and refits from that small tally. Round r draws from its
    /// own generator seeded by (seed, r), so the intervals do not depend on how rounds are
    /// spread over threads.
    public static func ratings(_ battles: [Battle], count: Int, rounds: Int = 1000, seed: UInt64 = 42) -> [Rating] {
        let point = fit(wins: winMatrix(battles, count: count))
        guard rounds > 0, !battles.isEmpty else { return point.map { Rating(rating: $0) } }
        var typeCounts: [Battle: Int] = [:]
        for b in battles { typeCounts[b, default: 0] += 1 }
        // A fixed order of types, so a seed gives the same intervals in every process.
        let types = typeCounts.keys.sorted { ($0.first, $0.second, $0.outcome.rawValue) < ($1.first, $1.second, $1.outcome.rawValue) }
        let counts = types.map { typeCounts[$0]! }
        let start = point.map { $0 ?? meanRating }
        let refits = UnsafeMutableBufferPointer<Double>.allocate(capacity: rounds * count)
        defer { refits.deallocate() }
        nonisolated(unsafe) let out = refits
        DispatchQueue.concurrentPerform(iterations: rounds) { round in
            var rng = SeededGenerator(seed: seed ^ (UInt64(round + 1) &* 0x9E37_79B9_7F4A_7C15))
            let tally = rng.multinomial(battles.count, counts: counts)
            var wins = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
            for (t, n) in tally.enumerated() where n > 0 {
                let b = types[t], w = Double(n)
                switch b.outcome {
                case .firstWins: wins[b.first][b.second] += w
                case .secondWins: wins[b.second][b.first] += w
                case .tie, .bothBad: wins[b.first][b.second] += w / 2; wins[b.second][b.first] += w / 2
                }
            }
            let refit = fit(wins: wins, start: start)
            for i in 0..<count { out[round * count + i] = refit[i] ?? .nan }
        }
        return (0..<count).map { i in
            // Rounds where the MLE did not exist for this version are left out.
            let sorted = (0..<rounds).map { refits[$0 * count + i] }.filter { !$0.isNaN }.sorted()
            return Rating(rating: point[i], lower: Stats.quantile(sorted: sorted, 0.025), upper: Stats.quantile(sorted: sorted, 0.975))
        }
    }
}
