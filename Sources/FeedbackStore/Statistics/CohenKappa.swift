extension Stats {
    /// Cohen's kappa for two raters who rated the same units (Cohen 1960): observed
    /// agreement corrected for the agreement expected from each rater's own category
    /// frequencies. `first[i]` and `second[i]` are the two categories given to unit i.
    /// Nil when there are no units or chance agreement is already perfect (kappa undefined;
    /// scikit-learn returns NaN there).
    public static func cohenKappa<Category: Hashable>(_ first: [Category], _ second: [Category]) -> Double? {
        precondition(first.count == second.count, "one category per unit from each rater")
        guard !first.isEmpty else { return nil }
        let n = Double(first.count)
        var agree = 0.0
        var marginalA: [Category: Double] = [:]
        var marginalB: [Category: Double] = [:]
        for (a, b) in zip(first, second) {
            if a == b { agree += 1 }
            marginalA[a, default: 0] += 1
            marginalB[b, default: 0] += 1
        }
        let observed = agree / n
        let expected = marginalA.reduce(0.0) { $0 + $1.value * (marginalB[$1.key] ?? 0) } / (n * n)
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }
}
