import FeedbackStore

/// Resolves several reviewers' ratings of one item by majority. An item is the same two
/// answers of one prompt (a comparison, either side order) or one answer (a judgment); a
/// rating's vote is the answer it prefers, or its verdict.
///   kept: the ratings that agree with their item's strict majority (none when the votes split
///         evenly: the reviewers state no preference);
///   representatives: one kept rating per item (the first), for evidence counted per item.
/// A lead's adjudication of an item replaces its majority; a flagged reviewer's vote weighs
/// less (`NightlyConfig.Calibration`).
struct RatingVotes {
    var kept: Set<Int64> = []
    var representatives: Set<Int64> = []

    /// `ratings`: (rating id, item, vote), in row order. `weight`: how much a rating's vote
    /// counts (a flagged reviewer's less; a weight of 0 is never kept). `decided`: items a
    /// lead adjudicated, with the vote that wins (nil: no preference, nothing kept); the
    /// majority yields to it.
    init<Item: Hashable, Vote: Hashable>(
        _ ratings: [(id: Int64, item: Item, vote: Vote)], weight: (Int64) -> Double = { _ in 1 }, decided: [Item: Vote?] = [:]
    ) {
        var order: [Item] = []
        var byItem: [Item: [(id: Int64, vote: Vote)]] = [:]
        for r in ratings {
            if byItem[r.item] == nil { order.append(r.item) }
            byItem[r.item, default: []].append((r.id, r.vote))
        }
        for item in order {
            let rows = byItem[item]!
            let winner: Vote
            if let decision = decided[item] {
                guard let vote = decision else { continue }
                winner = vote
            } else {
                var counts: [Vote: Double] = [:]
                for r in rows { counts[r.vote, default: 0] += weight(r.id) }
                let ranked = counts.values.sorted(by: >)
                guard let top = ranked.first, top > 0, ranked.count == 1 || ranked[1] < top else { continue }
                winner = counts.first { $0.value == top }!.key
            }
            let agreeing = rows.filter { $0.vote == winner && weight($0.id) > 0 }.map(\.id)
            guard let first = agreeing.first else { continue }
            kept.formUnion(agreeing)
            representatives.insert(first)
        }
    }

    /// Comparisons with a preference: item = (prompt, unordered answer pair), vote = the preferred answer.
    static func resolve(
        _ comparisons: [ComparisonRecord], weight: (Int64) -> Double = { _ in 1 }, decided: [SamplePair: PairPreference] = [:]
    ) -> RatingVotes {
        var decisions: [[Int64]: Int64?] = [:]
        for c in comparisons {
            let pair = SamplePair(c.sampleAID, c.sampleBID)
            guard let label = decided[pair] else { continue }
            let vote: Int64? = switch label {
            case .first: pair.first
            case .second: pair.second
            case .tie, .bothBad: nil
            }
            decisions.updateValue(vote, forKey: [c.promptID, pair.first, pair.second])   // a nil vote is kept as a decision
        }
        return RatingVotes(comparisons.compactMap { c -> (id: Int64, item: [Int64], vote: Int64)? in
            guard let p = c.preferencePair else { return nil }
            return (c.id, [c.promptID, min(c.sampleAID, c.sampleBID), max(c.sampleAID, c.sampleBID)], p.chosenSampleID)
        }, weight: weight, decided: decisions)
    }

    /// Judgments: item = the answer, vote = correct / incorrect.
    static func resolve(
        _ judgments: [LabelledCompletion], weight: (Int64) -> Double = { _ in 1 }, decided: [Int64: Verdict] = [:]
    ) -> RatingVotes {
        RatingVotes(judgments.map { (id: $0.judgmentID, item: $0.sampleID, vote: $0.label) }, weight: weight,
                    decided: decided.mapValues { Optional($0 == .correct) })
    }
}
