// Evaluation metrics of a reward model: pairwise accuracy on held-out comparisons and ROC AUC on
// held-out correct / incorrect judgments.

public enum RewardMetrics {
    /// Fraction of pairs with r_c > r_r; a tie counts half (TRL's `compute_accuracy` drops ties
    /// instead; counting half keeps this equal to the AUC over the given pairs and makes a
    /// constant reward model score exactly 0.5). 0 for no pairs.
    public static func pairwiseAccuracy<T: BinaryFloatingPoint>(chosen: [T], rejected: [T]) -> Double {
        let n = min(chosen.count, rejected.count)
        guard n > 0 else { return 0 }
        var hits = 0.0
        for i in 0..<n {
            if chosen[i] > rejected[i] { hits += 1 } else if chosen[i] == rejected[i] { hits += 0.5 }
        }
        return hits / Double(n)
    }

    /// ROC AUC = P(score of a random positive > score of a random negative), ties counting half:
    /// the Mann-Whitney U statistic divided by n_pos·n_neg (Hanley & McNeil 1982). Computed from
    /// ranks with tied groups given their average rank, O(n log n). Nil when either class is empty.
    public static func rocAUC<T: BinaryFloatingPoint>(scores: [T], positive: [Bool]) -> Double? {
        let n = min(scores.count, positive.count)
        let nPos = positive.prefix(n).filter { $0 }.count, nNeg = n - nPos
        guard nPos > 0, nNeg > 0 else { return nil }
        let order = (0..<n).sorted { scores[$0] < scores[$1] }
        // Sum of the (1-based, tie-averaged) ranks of the positives.
        var rankSumPos = 0.0
        var start = 0
        while start < n {
            var end = start
            while end + 1 < n, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for k in start...end where positive[order[k]] { rankSumPos += averageRank }
            start = end + 1
        }
        let u = rankSumPos - Double(nPos) * Double(nPos + 1) / 2
        return u / (Double(nPos) * Double(nNeg))
    }
}
