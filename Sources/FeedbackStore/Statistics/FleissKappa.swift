extension Stats {
    /// Fleiss' kappa (Fleiss 1971, Psychological Bulletin 76:378) for many raters. `counts`
    /// has one row per unit and one column per category: how many raters put the unit in
    /// that category. Every unit must have the same number of ratings n ≥ 2 (the statistic
    /// is defined for a fixed n); nil otherwise, or when chance agreement is perfect.
    public static func fleissKappa(counts: [[Int]]) -> Double? {
        guard let first = counts.first, counts.allSatisfy({ $0.count == first.count }) else { return nil }
        return fleissKappa(UnitCounts(rows: counts, categories: first.count))
    }

    public static func fleissKappa(_ table: UnitCounts) -> Double? {
        guard table.units > 0 else { return nil }
        let n = Int(table.row(0).reduce(0, +))
        let units = Double(table.units)
        let raters = Double(n)
        var categoryShare = [Double](repeating: 0, count: table.categories)
        var meanAgreement = 0.0
        for u in 0..<table.units {
            var squares = 0.0
            var total = 0
            for (j, c) in table.row(u).enumerated() {
                categoryShare[j] += Double(c)
                squares += Double(c * c)
                total += Int(c)
            }
            guard n >= 2, total == n else { return nil }
            meanAgreement += (squares - raters) / (raters * (raters - 1))
        }
        meanAgreement /= units
        let chance = categoryShare.reduce(0.0) { $0 + ($1 / (units * raters)) * ($1 / (units * raters)) }
        guard chance < 1 else { return nil }
        return (meanAgreement - chance) / (1 - chance)
    }
}
