extension Stats {
    /// Cohen's kappa for two raters who rated the same units (Cohen 1960): observed
    /// agreement corrected for the agreement expected from each rater's own category
    /// frequencies. `first[i]` and `second[i]` are the two categories given to unit i.
    /// Nil when there are no units or chance agreement is already perfect (kappa undefined;
    /// scikit-learn returns NaN there).
    public static func cohenKappa<Category: Hashable>(_ first: [Category], _ second: [Category]) -> Double? {
        precondition(first.count == second.count, "one category per unit from each rater")
        var index: [Category: Int] = [:]
        for value in first + second where index[value] == nil { index[value] = index.count }
        let k = index.count
        var confusion = [Int](repeating: 0, count: k * k)
        for (a, b) in zip(first, second) { confusion[index[a]! * k + index[b]!] += 1 }
        return cohenKappa(confusion: confusion, categories: k)
    }

    /// The same from the two raters' confusion matrix, flat: `confusion[a * categories + b]`
    /// units the first rater put in category a and the second in b.
    public static func cohenKappa(confusion: [Int], categories k: Int) -> Double? {
        let n = Double(confusion.reduce(0, +))
        guard n > 0 else { return nil }
        var agree = 0.0, expected = 0.0
        for c in 0..<k {
            agree += Double(confusion[c * k + c])
            let firstMarginal = (0..<k).reduce(0) { $0 + confusion[c * k + $1] }
            let secondMarginal = (0..<k).reduce(0) { $0 + confusion[$1 * k + c] }
            expected += Double(firstMarginal) * Double(secondMarginal)
        }
        let observed = agree / n
        expected /= n * n
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }
}
