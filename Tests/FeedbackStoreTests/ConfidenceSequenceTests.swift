import Foundation
import Testing
@testable import FeedbackStore

/// The betting confidence sequence (Waudby-Smith & Ramdas 2023) that decides promotion.
@Suite struct ConfidenceSequenceTests {
    /// X = 1, 1, ½ at α = 0.05 (θ = ½, c = ½), by hand:
    ///   bet 1: σ̂²₀ = ¼, λ̇₁ = √(2 ln 40 / (¼ · 1 · ln 2)) = √(7.377759 / 0.173287) = 6.524985
    ///          μ̂₁ = (½ + 1)/2 = 0.75, σ̂²₁ = (¼ + 0.25²)/2 = 0.15625
    ///   bet 2: λ̇₂ = √(7.377759 / (0.15625 · 2 · ln 3)) = 4.635696
    ///          μ̂₂ = 2.5/3, σ̂²₂ = (0.3125 + (1/6)²)/3 = 0.1134259
    ///   bet 3: λ̇₃ = √(7.377759 / (0.1134259 · 3 · ln 4)) = 3.954738
    /// At m = ½ every bet is capped at c/m = 1: K⁺ = 1.5 · 1.5 · 1 = 2.25, K⁻ = 0.5 · 0.5 · 1 = 0.25;
    ///   θK⁺ = 1.125 < 1/α = 20, so ½ stays inside.
    /// At m = 0.1 the cap c/m = 5 binds only the first bet: K⁺ = (1 + 5·0.9)(1 + 4.635696·0.9)(1 + 3.954738·0.4)
    ///   = 5.5 · 5.172127 · 2.581895 = 73.44639; θK⁺ = 36.7 ≥ 20, so 0.1 is excluded (the lower bound is above it).
    @Test func matchesAHandComputation() {
        let cs = BettingConfidenceSequence([1, 1, 0.5], confidence: 0.95)
        for (bet, expected) in zip(cs.bets, [6.524984655851606, 4.635696474227656, 3.9547379119635786]) {
            #expect(abs(bet - expected) < 1e-12)
        }
        let half = cs.logCapital(at: 0.5)
        #expect(abs(exp(half.up) - 2.25) < 1e-12 && abs(exp(half.down) - 0.25) < 1e-12)
        let low = cs.logCapital(at: 0.1)
        #expect(abs(exp(low.up) - 73.4463908518151) < 1e-9 && abs(exp(low.down) - 0.19444444444444445) < 1e-12)
        #expect(cs.side(of: 0.5) == .inside && cs.side(of: 0.1) == .above)
        let interval = cs.interval
        #expect(interval.lower > 0.1 && interval.lower < 0.5 && interval.upper == 1)
    }

    /// The authors' own implementation agrees: confseq 0.0.11 (`confseq.betting`),
    /// `betting_mart(x, m, alpha=0.05, theta=0.5, trunc_scale=0.5)` is the hedged capital
    /// max(θK⁺, (1−θ)K⁻), and `betting_cs(x, alpha=0.05, breaks=100000)` reports the grid points
    /// one step (1e-5) outside the interval, so the true ends lie within one step inside them.
    /// scripts/confseq-reference.py recomputes these.
    @Test func matchesTheAuthorsPackage() {
        let short = BettingConfidenceSequence([1, 1, 0.5])
        for (m, hedged) in [(0.5, 1.125), (0.1, 36.72319542590755)] {
            let k = short.logCapital(at: m)
            #expect(abs(max(0.5 * exp(k.up), 0.5 * exp(k.down)) - hedged) < 1e-9)
        }
        let pattern: [Double] = [1, 1, 0, 1, 0.5, 1, 0, 1, 1, 0]
        for (repeats, lower, upper) in [(2, 0.36335, 0.90974), (4, 0.44287, 0.8482)] {
            let interval = BettingConfidenceSequence(Array([[Double]](repeating: pattern, count: repeats).joined())).interval
            #expect(interval.lower > lower && interval.lower <= lower + 1e-5, "\(interval.lower)")
            #expect(interval.upper < upper && interval.upper >= upper - 1e-5, "\(interval.upper)")
        }
    }

    /// The interval's ends agree with the test at a point: lower > m exactly when the
    /// sequence says it lies above m (and the ends are where the capital crosses 1/α).
    @Test func intervalAndSideAgree() {
        var rng = SeededGenerator(seed: 11)
        var cs = BettingConfidenceSequence()
        for t in 1...120 {
            cs.observe(rng.unit() < 0.72 ? 1 : rng.unit() < 0.3 ? 0.5 : 0)
            guard t % 20 == 0 else { continue }
            let (lower, upper) = cs.interval
            #expect(lower <= cs.mean! && cs.mean! <= upper)
            for m in stride(from: 0.05, through: 0.95, by: 0.05) {
                let side = cs.side(of: m)
                #expect((side == .above) == (lower > m + 1e-8) || abs(lower - m) < 1e-8)
                #expect((side == .below) == (upper < m - 1e-8) || abs(upper - m) < 1e-8)
            }
            #expect(abs(log(0.5) + cs.logCapital(at: lower).up - cs.threshold) < 1e-6 || lower == 0)
        }
        let empty = BettingConfidenceSequence().interval
        #expect(empty.lower == 0 && empty.upper == 1)
    }

    /// Under a true win rate of exactly ½, looking after every one of 300 comparisons in
    /// each of 200 seeded runs: the lower bound rises above ½ in at most 5% of the runs
    /// (Ville's inequality allows α/2 = 2.5% on that side), and the interval leaves ½ on
    /// either side in at most α = 5% plus two simulation standard errors (√(.05·.95/200) = 1.5%).
    @Test(arguments: [(0.5, 0.0), (0.25, 0.5)])
    func underTheNullTheBoundRarelyCrossesAtAnyLook(win: Double, tie: Double) {
        var rng = SeededGenerator(seed: 2026)
        var promoted = 0, excluded = 0
        for _ in 0..<200 {
            var cs = BettingConfidenceSequence(confidence: 0.95)
            var crossed: BettingConfidenceSequence.Side?
            for _ in 0..<300 {
                let u = rng.unit()
                cs.observe(u < win ? 1 : u < win + tie ? 0.5 : 0)
                let side = cs.side(of: 0.5)
                if side != .inside { crossed = side; break }
            }
            if crossed == .above { promoted += 1 }
            if crossed != nil { excluded += 1 }
        }
        #expect(promoted <= 10, "lower bound crossed ½ in \(promoted) of 200 null runs")
        #expect(excluded <= 16, "½ left the interval in \(excluded) of 200 null runs")
    }

    /// Under a true win rate of 0.7 the lower bound crosses ½ within a modest number of
    /// comparisons: half the runs by 60, nine in ten by 200.
    @Test func underAStrongWinRateTheBoundCrossesSoon() {
        var rng = SeededGenerator(seed: 7)
        var times: [Int] = []
        for _ in 0..<200 {
            var cs = BettingConfidenceSequence(confidence: 0.95)
            var time = Int.max
            for t in 1...300 {
                cs.observe(rng.unit() < 0.7 ? 1 : 0)
                if cs.side(of: 0.5) == .above { time = t; break }
            }
            times.append(time)
        }
        times.sort()
        #expect(times[100] <= 60, "median crossing \(times[100])")
        #expect(times[180] <= 200, "90th percentile \(times[180])")
        // No bound can cross before 10 straight wins: each factor is at most 1 + ½ at m = ½.
        #expect(times[0] >= 10)
        #expect(BettingConfidenceSequence(Array(repeating: 1.0, count: 9)).side(of: 0.5) == .inside)
        #expect(BettingConfidenceSequence(Array(repeating: 1.0, count: 10)).side(of: 0.5) == .above)
    }

    /// Ties count half: a run of ties never moves the bound past ½; wins mixed with ties do.
    @Test func tiesCountHalf() {
        let ties = BettingConfidenceSequence(Array(repeating: 0.5, count: 500))
        #expect(ties.side(of: 0.5) == .inside && abs(ties.mean! - 0.5) < 1e-12)
        let (lower, upper) = ties.interval
        #expect(lower > 0.4 && upper < 0.6)  // many ties: ½ is pinned down, neither side wins
        let mixed = BettingConfidenceSequence((0..<120).map { $0 % 3 == 0 ? 0.5 : 1 })
        #expect(mixed.side(of: 0.5) == .above)
    }

    /// The projection says how many more comparisons at the current rate the bound needs,
    /// and it is about right: continuing with the same outcomes crosses near the projection.
    @Test func projectionIsCloseToWhatHappens() throws {
        let pattern: [Double] = [1, 1, 0, 1, 0.5, 1, 0, 1, 1, 0]  // mean 0.65
        var cs = BettingConfidenceSequence(pattern + pattern)
        let projection = cs.projection(crossing: 0.5)
        #expect(projection.side == .above)
        let more = try #require(projection.more)
        var actual = 0
        while cs.side(of: 0.5) != .above {
            cs.observe(pattern[actual % pattern.count])
            actual += 1
        }
        #expect(Double(abs(actual - more)) <= 0.25 * Double(actual), "projected \(more), took \(actual)")
        #expect(BettingConfidenceSequence([1, 0, 1, 0]).projection(crossing: 0.5) == .init(side: .inside, more: nil, limit: 10_000))
        #expect(BettingConfidenceSequence([0, 0, 0.5, 0]).projection(crossing: 0.5).side == .below)
        #expect(BettingConfidenceSequence([1, 0, 1, 0, 1, 0, 1, 0, 1, 0.5]).projection(crossing: 0.5, limit: 50).more == nil)
    }
}
