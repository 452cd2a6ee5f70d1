extension Stats {
    /// Krippendorff's alpha for nominal data (Krippendorff 2011, "Computing Krippendorff's
    /// Alpha-Reliability", section C): 1 − observed / expected disagreement, computed from
    /// the coincidence matrix. `units[u]` lists the categories the raters gave unit u; any
    /// number of raters per unit (missing ratings are simply absent). Units with fewer
    /// than two ratings carry no pairable values and are left out. Nil when fewer than two
    /// values are pairable or all pairable values are one category.
    public static func krippendorffAlphaNominal<Category: Hashable>(units: [[Category]]) -> Double? {
        var index: [Category: Int32] = [:]
        for unit in units where unit.count >= 2 {
            for value in unit where index[value] == nil { index[value] = Int32(index.count) }
        }
        var table = UnitCounts(categories: index.count)
        for unit in units where unit.count >= 2 { table.append(values: unit.map { index[$0]! }) }
        return krippendorffAlphaNominal(table)
    }

    /// The same from per-unit category counts (units with fewer than two ratings are left out).
    public static func krippendorffAlphaNominal(_ table: UnitCounts) -> Double? {
        let k = table.categories
        guard k > 0 else { return nil }
        // Coincidence matrix o[c][d]: each ordered pair of values within a unit, weighted
        // 1/(m_u − 1) so every pairable value contributes exactly 1 to its row.
        var o = [Double](repeating: 0, count: k * k)
        for u in 0..<table.units {
            let row = table.row(u)
            let m = Double(row.reduce(0, +))
            guard m >= 2 else { continue }
            for (c, mc) in zip(0..., row) where mc > 0 {
                for (d, md) in zip(0..., row) where md > 0 {
                    o[c * k + d] += Double(c == d ? mc * (mc - 1) : mc * md) / (m - 1)
                }
            }
        }
        let nc = (0..<k).map { c in (0..<k).reduce(0.0) { $0 + o[c * k + $1] } }
        let n = nc.reduce(0, +)
        guard n > 1 else { return nil }
        var observed = 0.0
        var expected = 0.0
        for c in 0..<k {
            for d in 0..<k where c != d {
                observed += o[c * k + d]
                expected += nc[c] * nc[d]
            }
        }
        guard expected > 0 else { return nil }
        return 1 - (n - 1) * observed / expected
    }
}
