import Foundation
import GRDB

// Reading the open queue for scoring and writing the scores back (SchemaQueueOrder.swift).
// Scores are written in one transaction, outside any reviewer's draw.
extension FeedbackStore {
    /// An open ordinary item as the scorer sees it: the prompt, the answer(s) in the item's
    /// own order (the new policy's answer first), and the reviewers' votes so far.
    public struct ScoringItem: Sendable {
        public var itemID: Int64
        public var kind: ItemKind
        public var prompt: Prompt
        public var first: Sample
        public var second: Sample?
        public var evidence: InformationEvidence
    }

    /// Open ordinary items (gold copies take the score of the item they follow), oldest first.
    public func openItemsToScore(limit: Int? = nil) throws -> [ScoringItem] {
        try read { db in
            var sql = """
                SELECT i.* FROM review_items i INDEXED BY review_items_open
                WHERE i.claimed < i.overlap AND i.gold_id IS NULL ORDER BY i.id
                """
            if let limit { sql += " LIMIT \(max(0, limit))" }
            let items = try QueueItem.fetchAll(db, sql: sql)
            let votes = try Self.reviewerVotes(itemIDs: items.map { $0.id! }, db)
            return try items.compactMap { item in
                guard let prompt = try Prompt.fetchOne(db, key: item.promptID),
                      let first = try Sample.fetchOne(db, key: item.sampleID) else { return nil }
                let second = try item.otherSampleID.flatMap { try Sample.fetchOne(db, key: $0) }
                let v = votes[item.id!] ?? (0, 0)
                return ScoringItem(itemID: item.id!, kind: item.kind, prompt: prompt, first: first, second: second,
                                   evidence: InformationEvidence(votesFor: v.votesFor, votes: v.votes))
            }
        }
    }

    /// Votes that still count per item: "correct", or the item's first answer preferred
    /// (ties and "both bad" count in neither side nor the total).
    static func reviewerVotes(itemIDs: [Int64], _ db: Database) throws -> [Int64: (votesFor: Int, votes: Int)] {
        var out: [Int64: (votesFor: Int, votes: Int)] = [:]
        for chunk in stride(from: 0, to: itemIDs.count, by: 500).map({ Array(itemIDs[$0..<min($0 + 500, itemIDs.count)]) }) {
            let list = chunk.map { String($0) }.joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.item_id, j.verdict = 'correct' FROM review_assignments a
                JOIN judgments j ON j.assignment_id = a.id
                WHERE a.item_id IN (\(list)) AND \(live("j", "judgments"))
                UNION ALL
                SELECT a.item_id, (c.outcome = 'a' AND c.sample_a_id = i.sample_id) OR (c.outcome = 'b' AND c.sample_b_id = i.sample_id)
                FROM review_assignments a JOIN review_items i ON i.id = a.item_id
                JOIN comparisons c ON c.assignment_id = a.id
                WHERE a.item_id IN (\(list)) AND c.outcome IN ('a', 'b') AND \(live("c", "comparisons"))
                """)
            for row in rows {
                let (item, isFor): (Int64, Bool) = (row[0], row[1])
                var v = out[item] ?? (0, 0)
                v.votes += 1
                if isFor { v.votesFor += 1 }
                out[item] = v
            }
        }
        return out
    }

    /// Stores information scores (0–1; nil clears one) in one transaction. Gold copies that
    /// follow an item get its score (trigger). Returns how many items changed.
    @discardableResult
    public func setInformationScores(_ scores: [Int64: Double?]) throws -> Int {
        for (id, score) in scores {
            if let score, !(score.isFinite && score >= 0 && score <= 1) {
                throw FeedbackStoreError.invalidValue(field: "information score of item \(id)", value: "\(score)", hint: "a number from 0 to 1")
            }
        }
        return try write { db in
            let update = try db.makeStatement(sql: "UPDATE review_items SET info_score = ? WHERE id = ? AND gold_id IS NULL")
            var changed = 0
            for (id, score) in scores.sorted(by: { $0.key < $1.key }) {
                try update.execute(arguments: [score, id])
                changed += db.changesCount
            }
            return changed
        }
    }
}
