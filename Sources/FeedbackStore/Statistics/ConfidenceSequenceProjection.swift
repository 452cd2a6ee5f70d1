import Foundation

extension BettingConfidenceSequence {
    /// A projection, not a guarantee: how many more observations the interval needs to move
    /// wholly above (or below) `m` if they keep coming like the ones so far.
    public struct Projection: Sendable, Equatable, Codable {
        /// The side the interval is heading for (`inside`: the mean so far is exactly m, or
        /// there are no observations, so it is heading nowhere).
        public var side: Side
        /// More observations needed; nil when the projection does not get there within `limit`.
        public var more: Int?
        public var limit: Int
    }

    /// Continues both capital processes at `m` with the expected log-growth of a future
    /// observation drawn from the observations so far (their empirical distribution), each
    /// bet sized by the bet rule with today's variance estimate, until the side the mean
    /// points to reaches the threshold, for at most `limit` more observations.
    public func projection(crossing m: Double, limit: Int = 10_000) -> Projection {
        guard let mean, mean != m else { return Projection(side: .inside, more: nil, limit: limit) }
        let side: Side = mean > m ? .above : .below
        let now = logCapital(at: m)
        var capital = side == .above ? now.up + log(Self.hedge) : now.down + log(1 - Self.hedge)
        if capital >= threshold { return Projection(side: side, more: 0, limit: limit) }
        // The empirical distribution: each distinct value with its share.
        let shares = Dictionary(grouping: values, by: { $0 }).map { ($0.key, Double($0.value.count) / Double(count)) }
        let cap = side == .above ? (m > 0 ? Self.truncation / m : .infinity) : (m < 1 ? Self.truncation / (1 - m) : .infinity)
        let sign = side == .above ? 1.0 : -1.0
        let v = variance
        for k in 1...max(1, limit) {
            let lambda = min(bet(at: count + k, variance: v), cap)
            capital += shares.reduce(0) { $0 + $1.1 * log1p(sign * lambda * ($1.0 - m)) }
            if capital >= threshold { return Projection(side: side, more: k, limit: limit) }
        }
        return Projection(side: side, more: nil, limit: limit)
    }
}
