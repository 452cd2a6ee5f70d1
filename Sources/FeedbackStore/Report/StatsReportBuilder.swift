import Foundation
import GRDB

extension FeedbackStore {
    /// Builds the statistics report from ratings that still count (made at or after
    /// `since`, when given). The Bradley-Terry bootstrap is seeded, so a rerun on the same
    /// data prints the same intervals.
    public func statsReport(since: Date? = nil, bootstrapRounds: Int = 1000, seed: UInt64 = 42) throws -> StatsReport {
        try read { db in
            let policies = try Policy.order(Policy.Columns.id).fetchAll(db)
            let reviewers = try Reviewer.order(Reviewer.Columns.name).fetchAll(db)
            let policyIndex = Dictionary(uniqueKeysWithValues: policies.enumerated().map { ($1.id!, $0) })
            let reviewerIndex = Dictionary(uniqueKeysWithValues: reviewers.enumerated().map { ($1.id!, $0) })
            let sinceSQL = since == nil ? "" : " AND created_at >= ?"
            let arguments: StatementArguments = since.map { [$0] } ?? []

            var seconds = [[Double]](repeating: [], count: reviewers.count)
            var judgmentCount = [Int](repeating: 0, count: reviewers.count)
            var comparisonCount = [Int](repeating: 0, count: reviewers.count)

            // Judgments: per policy correct counts; per sample the reviewers' verdicts.
            var correct = [Int](repeating: 0, count: policies.count)
            var total = [Int](repeating: 0, count: policies.count)
            var judgmentUnits: [Int64: [(reviewer: Int, value: Int)]] = [:]
            let judgments = try Row.fetchCursor(db, sql: """
                SELECT j.reviewer_id, j.sample_id, s.policy_id, j.verdict = 'correct', j.seconds_spent
                FROM (SELECT * FROM judgments WHERE retracted = 0\(sinceSQL)) j
                JOIN samples s ON s.id = j.sample_id
                WHERE NOT EXISTS (SELECT 1 FROM judgments x WHERE x.supersedes_id = j.id)
                """, arguments: arguments)
            while let row = try judgments.next() {
                guard let r = reviewerIndex[row[0]], let p = policyIndex[row[2]] else { continue }
                let isCorrect: Bool = row[3]
                total[p] += 1
                if isCorrect { correct[p] += 1 }
                judgmentCount[r] += 1
                seconds[r].append(row[4])
                judgmentUnits[row[1], default: []].append((r, isCorrect ? 0 : 1))
            }

            // Comparisons: battles between versions; per unordered pair of samples the
            // outcome relative to the lower sample id (sides as shown vary by reviewer).
            var battles: [Battle] = []
            var comparisonUnits: [PairKey: [(reviewer: Int, value: Int)]] = [:]
            let comparisons = try Row.fetchCursor(db, sql: """
                SELECT c.reviewer_id, c.sample_a_id, c.sample_b_id, sa.policy_id, sb.policy_id,
                       CASE c.outcome WHEN 'a' THEN 0 WHEN 'b' THEN 1 WHEN 'tie' THEN 2 ELSE 3 END, c.seconds_spent
                FROM (SELECT * FROM comparisons WHERE retracted = 0\(sinceSQL)) c
                JOIN samples sa ON sa.id = c.sample_a_id JOIN samples sb ON sb.id = c.sample_b_id
                WHERE NOT EXISTS (SELECT 1 FROM comparisons x WHERE x.supersedes_id = c.id)
                """, arguments: arguments)
            while let row = try comparisons.next() {
                guard let r = reviewerIndex[row[0]], let pa = policyIndex[row[3]], let pb = policyIndex[row[4]] else { continue }
                let (a, b): (Int64, Int64) = (row[1], row[2])
                let outcome = BattleOutcome(rawValue: row[5])!
                comparisonCount[r] += 1
                seconds[r].append(row[6])
                if pa != pb { battles.append(Battle(first: pa, second: pb, outcome: outcome)) }
                // Normalize to (lower id, higher id): swap first/second wins when a > b.
                var value = outcome.rawValue
                if a > b && value < 2 { value = 1 - value }
                comparisonUnits[PairKey(low: min(a, b), high: max(a, b)), default: []].append((r, value))
            }

            let names = reviewers.map(\.name)
            let fitted = BradleyTerry.ratings(battles, count: policies.count, rounds: bootstrapRounds, seed: seed)
            let matrix = WinMatrix(battles: battles, count: policies.count)
            return StatsReport(
                generatedAt: now(), since: since, policies: policies.map(\.name),
                reviewers: reviewers.indices.map { r in
                    StatsReport.ReviewerRow(
                        name: reviewers[r].name, displayName: reviewers[r].displayName, judgments: judgmentCount[r],
                        comparisons: comparisonCount[r], medianSeconds: Stats.median(seconds[r]))
                },
                correctRates: policies.indices.map { p in
                    let interval = Stats.wilsonInterval(successes: correct[p], total: total[p])
                    return StatsReport.CorrectRate(
                        policy: policies[p].name, correct: correct[p], total: total[p],
                        rate: total[p] > 0 ? Double(correct[p]) / Double(total[p]) : nil,
                        lower: interval?.lower, upper: interval?.upper)
                },
                winMatrix: matrix,
                ratings: policies.indices.map { p in
                    StatsReport.PolicyRating(
                        policy: policies[p].name, rating: fitted[p].rating, lower: fitted[p].lower, upper: fitted[p].upper,
                        comparisons: matrix.cells[p].reduce(0) { $0 + $1.total })
                },
                bootstrapRounds: bootstrapRounds, bootstrapSeed: seed,
                judgmentAgreement: .init(ratings: Array(judgmentUnits.values), reviewerNames: names, categories: 2),
                comparisonAgreement: .init(ratings: Array(comparisonUnits.values), reviewerNames: names, categories: 4))
        }
    }
}

/// An unordered pair of samples (lower id first): the unit of comparison agreement.
struct PairKey: Hashable {
    var low: Int64
    var high: Int64
}
