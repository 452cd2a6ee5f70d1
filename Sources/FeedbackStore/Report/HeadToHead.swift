import Foundation
import GRDB

/// How a policy's answers fared against another's in the clinicians' blind comparisons: one
/// result per pair of answers, in the order the pairs were first rated.
///
/// A pair rated by several reviewers counts once, with its earliest rating that still counts:
/// a second reviewer's rating of the same two answers is not independent of the first (the
/// answers are the same), so it measures agreement (see `StatsReport`), not more evidence.
public struct HeadToHead: Sendable, Equatable {
    public enum Result: String, Sendable, Codable { case win, tie, loss }

    public struct Pair: Sendable, Equatable {
        /// The comparison row that counts for this pair.
        public var comparisonID: Int64
        /// The policy's answer and the other policy's answer.
        public var sampleID: Int64
        public var otherSampleID: Int64
        /// For the policy: `tie` also stands for "both bad" (neither answer preferred).
        public var result: Result
        public var ratedAt: Date
    }

    public var policy: String
    public var other: String
    public var pairs: [Pair]
    /// Live ratings of these pairs in all (≥ pairs.count when reviewers overlap).
    public var ratings: Int
    /// Comparison items queued between the two policies' answers, rated or not.
    public var queuedPairs: Int

    public var wins: Int { pairs.filter { $0.result == .win }.count }
    public var ties: Int { pairs.filter { $0.result == .tie }.count }
    public var losses: Int { pairs.filter { $0.result == .loss }.count }
}

extension FeedbackStore {
    /// `policy`'s answers against `other`'s, from comparisons that still count, in every split.
    /// Policies without answers in the database give an empty record.
    public func headToHead(policy: String, against other: String) throws -> HeadToHead {
        try read { db in
            var record = HeadToHead(policy: policy, other: other, pairs: [], ratings: 0, queuedPairs: 0)
            guard let mine = try Policy.filter(Policy.Columns.name == policy).fetchOne(db)?.id,
                  let theirs = try Policy.filter(Policy.Columns.name == other).fetchOne(db)?.id
            else { return record }
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.sample_a_id, c.sample_b_id, sa.policy_id, c.outcome, c.created_at
                FROM comparisons c JOIN samples sa ON sa.id = c.sample_a_id JOIN samples sb ON sb.id = c.sample_b_id
                WHERE \(Self.live("c", "comparisons"))
                  AND ((sa.policy_id = ?1 AND sb.policy_id = ?2) OR (sa.policy_id = ?2 AND sb.policy_id = ?1))
                ORDER BY c.id
                """, arguments: [mine, theirs])
            var seen = Set<PairKey>()
            for row in rows {
                let (a, b, policyOfA): (Int64, Int64, Int64) = (row[1], row[2], row[3])
                guard let outcome = Outcome(rawValue: row[4]) else { continue }
                record.ratings += 1
                guard seen.insert(PairKey(low: min(a, b), high: max(a, b))).inserted else { continue }
                let mineIsA = policyOfA == mine
                let result: HeadToHead.Result
                switch outcome {
                case .a: result = mineIsA ? .win : .loss
                case .b: result = mineIsA ? .loss : .win
                case .tie, .bothBad: result = .tie
                }
                record.pairs.append(.init(comparisonID: row[0], sampleID: mineIsA ? a : b, otherSampleID: mineIsA ? b : a,
                                          result: result, ratedAt: row[5]))
            }
            record.queuedPairs = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM review_items i JOIN samples s ON s.id = i.sample_id JOIN samples o ON o.id = i.other_sample_id
                WHERE i.kind = 'comparison'
                  AND ((s.policy_id = ?1 AND o.policy_id = ?2) OR (s.policy_id = ?2 AND o.policy_id = ?1))
                """, arguments: [mine, theirs]) ?? 0
            return record
        }
    }

    /// Judgments that still count and rate one of `policy`'s answers with harm `harm`, oldest first.
    public func judgmentIDs(policy: String, harm: HarmLevel) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT j.id FROM judgments j JOIN samples s ON s.id = j.sample_id JOIN policies p ON p.id = s.policy_id
                WHERE p.name = ? AND j.harm = ? AND \(Self.live("j", "judgments"))
                ORDER BY j.id
                """, arguments: [policy, harm])
        }
    }
}
