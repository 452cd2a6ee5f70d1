import FeedbackStore

/// Resolves several reviewers' ratings of one item by majority. An item is the same two
/// answers of one prompt (a comparison, either side order) or one answer (a judgment); a
/// rating's vote is the answer it prefers, or its verdict.
///   kept: the ratings that agree with their item's strict majority (none when the votes split
///         evenly: the reviewers state no preference);
///   representatives: one kept rating per item (the first), for evidence counted per item.
struct RatingVotes {
    var kept: Set<Int64> = []
    var representatives: Set<Int64> = []

    /// `ratings`: (rating id, item, vote), in row order.
    init<Item: Hashable, Vote: Hashable>(_ ratings: [(id: Int64, item: Item, vote: Vote)]) {
        var order: [Item] = []
        var byItem: [Item: [(id: Int64, vote: Vote)]] = [:]
        for r in ratings {
            if byItem[r.item] == nil { order.append(r.item) }
            byItem[r.item, default: []].append((r.id, r.vote))
        }
        for item in order {
            let rows = byItem[item]!
            var counts: [Vote: Int] = [:]
            for r in rows { counts[r.vote, default: 0] += 1 }
            let ranked = counts.values.sorted(by: >)
            guard let top = ranked.first, ranked.count == 1 || ranked[1] < top else { continue }
            let winner = counts.first { $0.value == top }!.key
            let agreeing = rows.filter { $0.vote == winner }.map(\.id)
            kept.formUnion(agreeing)
            representatives.insert(agreeing[0])
        }
    }

    /// Comparisons with a preference: item = (prompt, unordered answer pair), vote = the preferred answer.
    static func resolve(_ comparisons: [ComparisonRecord]) -> RatingVotes {
        RatingVotes(comparisons.compactMap { c -> (id: Int64, item: [Int64], vote: Int64)? in
            guard let p = c.preferencePair else { return nil }
            return (c.id, [c.promptID, min(c.sampleAID, c.sampleBID), max(c.sampleAID, c.sampleBID)], p.chosenSampleID)
        })
    }

    /// Judgments: item = the answer, vote = correct / incorrect.
    static func resolve(_ judgments: [LabelledCompletion]) -> RatingVotes {
        RatingVotes(judgments.map { (id: $0.judgmentID, item: $0.sampleID, vote: $0.label) })
    }
}
