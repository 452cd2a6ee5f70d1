import Foundation
import Testing
@testable import FeedbackStore

// Every expected value below was computed by an established library or is a published worked
// example; scripts/stats-reference.py recomputes them all (statsmodels 0.15, scikit-learn 1.8,
// krippendorff 0.9).
@Suite struct StatisticsTests {
    // statsmodels: proportion_confint(count, nobs, alpha=0.05, method="wilson")
    @Test(arguments: [
        (0, 10, 0.0, 0.27753279986288926),
        (7, 10, 0.39677814746114537, 0.8922087325936989),
        (45, 50, 0.7863976856252034, 0.9565242350681095),
        (1234, 2000, 0.5954902722303788, 0.6380611387058079),
        (1, 1, 0.2065493143772374, 1.0),
    ])
    func wilsonMatchesStatsmodels(count: Int, total: Int, lower: Double, upper: Double) throws {
        let interval = try #require(Stats.wilsonInterval(successes: count, total: total))
        #expect(abs(interval.lower - lower) < 1e-12 && abs(interval.upper - upper) < 1e-12)
    }

    @Test func wilsonRejectsImpossibleCounts() {
        #expect(Stats.wilsonInterval(successes: 3, total: 0) == nil)
        #expect(Stats.wilsonInterval(successes: 4, total: 3) == nil)
    }

    // Wikipedia "Cohen's kappa", worked example: 50 grant proposals, both say yes 20, A yes B
    // no 5, A no B yes 10, both no 15 → κ = 0.4 (sklearn cohen_kappa_score gives 0.4).
    @Test func cohenKappaWikipediaExample() throws {
        let a = Array(repeating: "yes", count: 25) + Array(repeating: "no", count: 25)
        let b = Array(repeating: "yes", count: 20) + Array(repeating: "no", count: 5)
            + Array(repeating: "yes", count: 10) + Array(repeating: "no", count: 15)
        #expect(abs(try #require(Stats.cohenKappa(a, b)) - 0.4) < 1e-12)
    }

    // sklearn: cohen_kappa_score(r1, r2) = 0.6407185628742516
    @Test func cohenKappaMatchesScikitLearn() throws {
        let r1 = [0, 1, 2, 2, 1, 0, 3, 3, 2, 1, 0, 0, 2, 3, 1]
        let r2 = [0, 1, 2, 1, 1, 0, 3, 2, 2, 1, 1, 0, 2, 3, 0]
        #expect(abs(try #require(Stats.cohenKappa(r1, r2)) - 0.6407185628742516) < 1e-12)
        // Chance agreement of 1 (both raters always say the same single category): undefined.
        #expect(Stats.cohenKappa([1, 1], [1, 1]) == nil)
    }

    // Fleiss (1971) as worked on Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5
    // categories, κ = 0.210; statsmodels fleiss_kappa(table) = 0.20993070442195522.
    @Test func fleissKappaWikipediaExample() throws {
        let table = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        #expect(abs(try #require(Stats.fleissKappa(counts: table)) - 0.20993070442195522) < 1e-12)
        // Unequal numbers of raters per subject are refused.
        #expect(Stats.fleissKappa(counts: [[1, 1], [2, 1]]) == nil)
    }

    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4
    // observers, 12 units, missing values; nominal α = 0.743. krippendorff.alpha(data,
    // level_of_measurement="nominal") = 0.743421052631579.
    @Test func krippendorffAlphaPublishedExample() throws {
        let observers: [[Int?]] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
            [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
        ]
        let units = (0..<12).map { u in observers.compactMap { $0[u] } }
        #expect(abs(try #require(Stats.krippendorffAlphaNominal(units: units)) - 0.743421052631579) < 1e-12)
    }

    // Hand computation on the Cohen's kappa table above (Krippendorff 2011, eq. for nominal
    // data): 50 units, 15 disagreements → o(yes,no) = o(no,yes) = 15; n_yes = 55, n_no = 45,
    // n = 100; α = 1 − (n−1)·Σ o(c≠k) / Σ n_c·n_k = 1 − 99·30 / (2·55·45) = 0.4
    @Test func krippendorffAlphaTwoRaterHandComputation() throws {
        var units: [[String]] = Array(repeating: ["yes", "yes"], count: 20)
        units += Array(repeating: ["yes", "no"], count: 5)
        units += Array(repeating: ["no", "yes"], count: 10)
        units += Array(repeating: ["no", "no"], count: 15)
        let expected: Double = 1 - 99.0 * 30 / (2 * 55 * 45)
        let alpha = try #require(Stats.krippendorffAlphaNominal(units: units))
        #expect(abs(alpha - expected) < 1e-12)
    }

    /// (i, j, wins of i, wins of j, ties incl. both bad)
    static let arenaPairs = [(0, 1, 30, 20, 10), (0, 2, 25, 25, 5), (1, 2, 18, 12, 10),
                             (0, 3, 10, 30, 2), (1, 3, 8, 22, 0), (2, 3, 15, 15, 3)]
    static func battles() -> [Battle] {
        var battles: [Battle] = []
        for (i, j, wi, wj, t) in arenaPairs {
            battles += Array(repeating: Battle(first: i, second: j, outcome: .firstWins), count: wi)
            battles += Array(repeating: Battle(first: i, second: j, outcome: .secondWins), count: wj)
            for k in 0..<t { battles.append(Battle(first: i, second: j, outcome: k % 2 == 0 ? .tie : .bothBad)) }
        }
        return battles
    }

    // Chatbot Arena's compute_mle_elo: sklearn LogisticRegression(fit_intercept=False,
    // C=np.inf, solver="newton-cg", tol=1e-12) on ±ln(10) features, ties half a win each,
    // ratings 400·β + 1000 with β centred: [976.38309338, 954.10144460, 981.17183792, 1088.34362410].
    @Test func bradleyTerryMatchesArenaLogisticRegression() throws {
        let fitted = BradleyTerry.fit(wins: BradleyTerry.winMatrix(Self.battles(), count: 4))
        let expected = [976.3830933844399, 954.101444599052, 981.1718379212647, 1088.3436240952433]
        for (got, want) in zip(fitted, expected) { #expect(abs(try #require(got) - want) < 1e-4) }
    }

    @Test func bradleyTerryBootstrapIsSeededAndBracketsTheEstimate() throws {
        let battles = Self.battles()
        let first = BradleyTerry.ratings(battles, count: 4, rounds: 300, seed: 7)
        let again = BradleyTerry.ratings(battles, count: 4, rounds: 300, seed: 7)
        #expect(first == again)
        for r in first {
            let (lo, mid, hi) = (try #require(r.lower), try #require(r.rating), try #require(r.upper))
            #expect(lo < mid && mid < hi)
        }
        // Four times the data → intervals about half as wide (√4); allow 0.35–0.65.
        let more = BradleyTerry.ratings(battles + battles + battles + battles, count: 4, rounds: 300, seed: 7)
        for (small, large) in zip(first, more) {
            let ratio = (large.upper! - large.lower!) / (small.upper! - small.lower!)
            #expect(ratio > 0.35 && ratio < 0.65, "width ratio \(ratio)")
        }
    }

    @Test func bradleyTerryReportsNoRatingForAVersionThatNeverWon() {
        let battles = [Battle(first: 0, second: 1, outcome: .firstWins), Battle(first: 1, second: 2, outcome: .firstWins),
                       Battle(first: 2, second: 1, outcome: .firstWins), Battle(first: 2, second: 0, outcome: .firstWins)]
        let fitted = BradleyTerry.fit(wins: BradleyTerry.winMatrix(battles, count: 4))
        #expect(fitted[3] == nil)
    }

    @Test func winMatrixIsAntisymmetric() {
        let matrix = WinMatrix(battles: Self.battles(), count: 4)
        #expect(matrix.cells[0][1].wins == 30 && matrix.cells[1][0].losses == 30 && matrix.cells[0][1].ties == 5)
        #expect(matrix.cells[0][1].bothBad == 5 && matrix.cells[2][1].total == 40)
        #expect(Stats.median([3, 1, 2]) == 2 && Stats.median([4, 1, 2, 3]) == 2.5 && Stats.median([]) == nil)
    }

    /// The bootstrap's binomial draws against the binomial pmf (from lgamma): a chi-square
    /// goodness-of-fit over bins expected to hold 5 or more draws, for both the inversion
    /// (n·p < 10) and the BTRD (n·p ≥ 10) paths and for p above one half.
    @Test(arguments: [(20, 0.2), (1000, 0.3), (50_000, 0.01), (300, 0.9), (7, 0.5)])
    func binomialDrawsFollowTheBinomialDistribution(n: Int, p: Double) {
        var rng = SeededGenerator(seed: 11)
        let draws = 40_000
        var seen = [Int](repeating: 0, count: n + 1)
        for _ in 0..<draws { seen[rng.binomial(n, p)] += 1 }
        func pmf(_ k: Int) -> Double {
            exp(lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
                + Double(k) * log(p) + Double(n - k) * log1p(-p))
        }
        var (chi, bins, observed, expected) = (0.0, 0, 0.0, 0.0)
        for k in 0...n {
            observed += Double(seen[k])
            expected += pmf(k) * Double(draws)
            if expected >= 5 || k == n {
                chi += (observed - expected) * (observed - expected) / max(expected, 1e-9)
                (bins, observed, expected) = (bins + 1, 0, 0)
            }
        }
        let df = Double(bins - 1)
        #expect(chi < df + 4 * (2 * df).squareRoot(), "chi-square \(chi) on \(bins - 1) degrees of freedom")
    }

    @Test func multinomialDrawsSumToNAndFollowTheShares() {
        var rng = SeededGenerator(seed: 3)
        let counts = [500, 0, 300, 150, 50]
        var totals = [Double](repeating: 0, count: counts.count)
        for _ in 0..<2_000 {
            let draw = rng.multinomial(1_000, counts: counts)
            #expect(draw.reduce(0, +) == 1_000 && draw[1] == 0)
            for (i, x) in draw.enumerated() { totals[i] += Double(x) / 2_000 }
        }
        // Mean of each entry is n·share; its standard error here is below 0.4.
        for (i, c) in counts.enumerated() { #expect(abs(totals[i] - Double(c)) < 2, "entry \(i): \(totals[i])") }
    }
}
