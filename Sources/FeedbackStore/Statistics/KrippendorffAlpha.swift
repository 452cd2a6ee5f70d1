extension Stats {
    /// Krippendorff's alpha for nominal data (Krippendorff 2011, "Computing Krippendorff's
    /// Alpha-Reliability", section C): 1 − observed / expected disagreement, computed from
    /// the coincidence matrix. `units[u]` lists the categories the raters gave unit u; any
    /// number of raters per unit (missing ratings are simply absent). Units with fewer
    /// than two ratings carry no pairable values and are left out. Nil when fewer than two
    /// values are pairable or all pairable values are one category.
    public static func krippendorffAlphaNominal<Category: Hashable>(units: [[Category]]) -> Double? {
        var index: [Category: Int] = [:]
        var unitCounts: [[Int: Int]] = []
        for unit in units where unit.count >= 2 {
            var counts: [Int: Int] = [:]
            for value in unit {
                let i = index[value] ?? { index[value] = index.count; return index.count - 1 }()
                counts[i, default: 0] += 1
            }
            unitCounts.append(counts)
        }
        let k = index.count
        guard k > 0 else { return nil }
        // Coincidence matrix o[c][k]: each ordered pair of values within a unit, weighted
        // 1/(m_u − 1) so every pairable value contributes exactly 1 to its row.
        var o = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for counts in unitCounts {
            let m = Double(counts.values.reduce(0, +))
            for (c, mc) in counts {
                for (d, md) in counts {
                    o[c][d] += Double(c == d ? mc * (mc - 1) : mc * md) / (m - 1)
                }
            }
        }
        let nc = o.map { $0.reduce(0, +) }
        let n = nc.reduce(0, +)
        guard n > 1 else { return nil }
        var observed = 0.0
        var expected = 0.0
        for c in 0..<k {
            for d in 0..<k where c != d {
                observed += o[c][d]
                expected += nc[c] * nc[d]
            }
        }
        guard expected > 0 else { return nil }
        return 1 - (n - 1) * observed / expected
    }
}
