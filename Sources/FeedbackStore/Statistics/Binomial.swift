import Foundation

// Exact binomial and multinomial draws, so a bootstrap that resamples n battles with
// replacement can draw how many of each battle type it got (a multinomial over the types)
// instead of drawing n indices: the same distribution, in O(types) per round.

extension SeededGenerator {
    /// A uniform double in [0, 1) with 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A Binomial(n, p) draw. Inversion (BINV) when n·min(p, 1−p) < 10, otherwise
    /// Hörmann's transformed rejection with squeeze (BTRD; W. Hörmann 1993, "The
    /// generation of binomial random variates", J. Statist. Comput. Simul. 46:101-110).
    mutating func binomial(_ n: Int, _ p: Double) -> Int {
        guard n > 0, p > 0 else { return 0 }
        guard p < 1 else { return n }
        if p > 0.5 { return n - binomial(n, 1 - p) }
        return Double(n) * p < 10 ? inversionBinomial(n, p) : btrd(n, p)
    }

    /// Sequential search from 0 through the probabilities (Kachitvichyanukul & Schmeiser
    /// 1988, BINV); expected n·p + 1 steps.
    private mutating func inversionBinomial(_ n: Int, _ p: Double) -> Int {
        let q = 1 - p, s = p / q, a = Double(n + 1) * s
        while true {
            var r = pow(q, Double(n))
            var u = unit()
            var x = 0
            while u > r {
                u -= r
                x += 1
                if x > n { break }   // rounding left mass beyond n: draw again
                r *= a / Double(x) - s
            }
            if x <= n { return x }
        }
    }

    /// BTRD, steps 1–3 of Hörmann (1993) with the paper's constants (p ≤ 1/2, n·p ≥ 10).
    private mutating func btrd(_ n: Int, _ p: Double) -> Int {
        let nd = Double(n)
        let m = ((nd + 1) * p).rounded(.down)
        let r = p / (1 - p), spq = (nd * p * (1 - p)).squareRoot()
        let b = 1.15 + 2.53 * spq
        let a = -0.0873 + 0.0248 * b + 0.01 * p
        let c = nd * p + 0.5
        let alpha = (2.83 + 5.1 / b) * spq
        let vr = 0.92 - 4.2 / b
        while true {
            let u = unit() - 0.5
            var v = unit()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + c).rounded(.down)
            if k < 0 || k > nd { continue }
            if us >= 0.07 && v <= vr { return Int(k) }          // the squeeze accepts most draws
            // Exact acceptance test with log factorials from Stirling's series.
            v = log(v * alpha / (a / (us * us) + b))
            let bound = (m + 0.5) * log((m + 1) / (r * (nd - m + 1))) + (nd + 1) * log((nd - m + 1) / (nd - k + 1))
                + (k + 0.5) * log(r * (nd - k + 1) / (k + 1))
                + Self.stirlingTail(m) + Self.stirlingTail(nd - m) - Self.stirlingTail(k) - Self.stirlingTail(nd - k)
            if v <= bound { return Int(k) }
        }
    }

    /// log(k!) − [(k + ½) log(k + 1) − (k + 1) + ½ log(2π)]: exact values for k < 10,
    /// Stirling's series beyond.
    static func stirlingTail(_ k: Double) -> Double {
        let table = [0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
                     0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
                     0.009255462182712733, 0.008330563433362871]
        if k < 10 { return table[Int(k)] }
        let k1 = k + 1, k1sq = k1 * k1
        return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / k1sq) / k1sq) / k1
    }

    /// Multinomial(n, counts / Σcounts): how many of n draws with replacement fall on each
    /// entry, by conditional binomials (the i-th given the draws left for entries i…).
    mutating func multinomial(_ n: Int, counts: [Int]) -> [Int] {
        var left = n
        var mass = counts.reduce(0, +)
        return counts.map { c in
            defer { mass -= c }
            guard left > 0, mass > 0 else { return 0 }
            let x = binomial(left, Double(c) / Double(mass))
            left -= x
            return x
        }
    }
}
