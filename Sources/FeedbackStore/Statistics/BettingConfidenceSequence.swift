import Foundation

/// An anytime-valid confidence sequence for the mean of observations in [0, 1]: the hedged
/// capital process with predictable plug-in bets of Waudby-Smith & Ramdas, "Estimating means
/// of bounded random variables by betting", JRSS-B 86(1):1–27 (2024; online 2023;
/// arXiv:2010.09686), with the defaults of the authors' confseq package (`betting_cs`:
/// θ = ½, trunc_scale = ½, one fake observation at mean ½ and variance ¼).
///
/// For a candidate mean m, two gamblers bet that the mean lies above and below m:
///     K⁺_t(m) = ∏_{i≤t} (1 + λ⁺_i(m)(X_i − m)),   K⁻_t(m) = ∏_{i≤t} (1 − λ⁻_i(m)(X_i − m)),
/// with bets fixed before X_i is seen:
///     λ̇_i = √(2 log(1/(θα)) / (σ̂²_{i−1} · i · log(1 + i))),   λ⁺_i(m) = min(λ̇_i, c/m),   λ⁻_i(m) = min(λ̇_i, c/(1 − m)),
///     μ̂_i = (½ + Σ_{j≤i} X_j)/(i + 1),   σ̂²_i = (¼ + Σ_{j≤i} (X_j − μ̂_j)²)/(i + 1)   (σ̂²_0 = ¼),
/// θ = ½, c = ½. At the true mean both are nonnegative martingales, so by Ville's inequality
/// the set {m : max(θK⁺_t(m), (1−θ)K⁻_t(m)) < 1/α} covers it at every t at once with
/// probability ≥ 1 − α: it may be looked at after every observation. Each factor of K⁺ is
/// nonincreasing in m and each of K⁻ nondecreasing (the truncation keeps this), so the set
/// is an interval [lower, upper] and "lower > m₀" is exactly θK⁺_t(m₀) ≥ 1/α. When the
/// mean is at most m₀, K⁺(m₀) is a nonnegative supermartingale, so the chance that the lower
/// end ever rises above m₀ is at most θα (2.5% at 95%), however often it is looked at.
public struct BettingConfidenceSequence: Sendable, Equatable {
    /// θ: the weight of the upward bet in the hedge (½ spends α/2 on each side).
    public static let hedge = 0.5
    /// c: bets are at most c/m (resp. c/(1−m)), so no factor falls below 1 − c.
    public static let truncation = 0.5

    /// 1 − α, e.g. 0.95.
    public let confidence: Double
    public private(set) var values: [Double] = []
    /// λ̇_i for each observation i (depends only on the ones before it).
    public private(set) var bets: [Double] = []
    private var sum = 0.0
    private var squaredDeviations = 0.0

    /// Where the two-sided interval stands relative to a value.
    public enum Side: String, Sendable, Codable { case above, below, inside }

    public init(confidence: Double = 0.95) {
        precondition(confidence > 0 && confidence < 1, "confidence must be in (0, 1)")
        self.confidence = confidence
    }

    public init<S: Sequence>(_ values: S, confidence: Double = 0.95) where S.Element == Double {
        self.init(confidence: confidence)
        for x in values { observe(x) }
    }

    public var alpha: Double { 1 - confidence }
    public var count: Int { values.count }
    /// The sample mean (nil before any observation).
    public var mean: Double? { values.isEmpty ? nil : sum / Double(values.count) }
    /// σ̂²_t, the regularized variance the next bet is sized with.
    public var variance: Double { (0.25 + squaredDeviations) / Double(values.count + 1) }
    /// log(1/α): a capital process that reaches it (after weighting by θ) excludes m.
    public var threshold: Double { log(1 / alpha) }

    /// The bet for observation number `t` (1-based) given the variance estimate before it.
    public func bet(at t: Int, variance: Double) -> Double {
        let n = Double(t)
        return (2 * log(1 / (Self.hedge * alpha)) / (variance * n * log(1 + n))).squareRoot()
    }

    /// Adds one observation in [0, 1].
    public mutating func observe(_ x: Double) {
        precondition(x >= 0 && x <= 1 && x.isFinite, "observations must lie in [0, 1]")
        bets.append(bet(at: values.count + 1, variance: variance))
        values.append(x)
        sum += x
        let runningMean = (0.5 + sum) / Double(values.count + 1)
        squaredDeviations += (x - runningMean) * (x - runningMean)
    }

    /// log K⁺_t(m) and log K⁻_t(m).
    public func logCapital(at m: Double) -> (up: Double, down: Double) {
        let c = Self.truncation
        let upCap = m > 0 ? c / m : .infinity, downCap = m < 1 ? c / (1 - m) : .infinity
        var up = 0.0, down = 0.0
        for (x, bet) in zip(values, bets) {
            up += log1p(min(bet, upCap) * (x - m))
            down += log1p(-min(bet, downCap) * (x - m))
        }
        return (up, down)
    }

    /// Whether the interval lies wholly above m, wholly below it, or contains it.
    public func side(of m: Double) -> Side {
        let k = logCapital(at: m)
        if log(Self.hedge) + k.up >= threshold { return .above }
        if log(1 - Self.hedge) + k.down >= threshold { return .below }
        return .inside
    }

    /// The confidence interval at this time: [0, 1] before any observation. Both ends are
    /// found by bisection to 1e-9 and rounded outward (never narrower than the true set).
    public var interval: (lower: Double, upper: Double) {
        // lower = inf{m : θK⁺(m) < 1/α}: K⁺ is nonincreasing, and K⁺(1) ≤ 1 always qualifies.
        var lo = 0.0, hi = 1.0
        if log(Self.hedge) + logCapital(at: 0).up < threshold { hi = 0 }
        while hi - lo > 1e-9 {
            let mid = (lo + hi) / 2
            if log(Self.hedge) + logCapital(at: mid).up < threshold { hi = mid } else { lo = mid }
        }
        let lower = lo
        // upper = sup{m : (1−θ)K⁻(m) < 1/α}: K⁻ is nondecreasing, K⁻(0) ≤ 1 qualifies.
        (lo, hi) = (0.0, 1.0)
        if log(1 - Self.hedge) + logCapital(at: 1).down < threshold { lo = 1 }
        while hi - lo > 1e-9 {
            let mid = (lo + hi) / 2
            if log(1 - Self.hedge) + logCapital(at: mid).down < threshold { lo = mid } else { hi = mid }
        }
        return (lower, hi)
    }
}
