import Foundation
import GRDB

// Edits: a new row that supersedes the reviewer's own live rating. The old row stays, so
// the history of every rating can be read back; statistics and exports see the newest.
extension FeedbackStore {
    @discardableResult
    public func amendJudgment(
        _ id: Int64, reviewer: Reviewer, verdict: Verdict, harm: HarmLevel? = nil, tags: [String] = [],
        comment: String? = nil, secondsSpent: Double
    ) throws -> Judgment {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            guard let old = try Judgment.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownRating(kind: "judgment", id: id) }
            try Self.requireLive(old.retracted, old.reviewerID, reviewer, kind: "judgment", id: id, table: "judgments", db)
            var new = Judgment(
                id: nil, assignmentID: old.assignmentID, sampleID: old.sampleID, reviewerID: old.reviewerID, verdict: verdict,
                harm: harm, tags: tags, comment: comment, secondsSpent: secondsSpent, createdAt: now(),
                supersedesID: id, retracted: false)
            try new.insert(db)
            return new
        }
    }

    @discardableResult
    public func amendComparison(
        _ id: Int64, reviewer: Reviewer, outcome: Outcome, comment: String? = nil, secondsSpent: Double
    ) throws -> Comparison {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            guard let old = try Comparison.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownRating(kind: "comparison", id: id) }
            try Self.requireLive(old.retracted, old.reviewerID, reviewer, kind: "comparison", id: id, table: "comparisons", db)
            var new = old
            (new.id, new.outcome, new.comment, new.secondsSpent) = (nil, outcome, comment, secondsSpent)
            (new.createdAt, new.supersedesID) = (now(), id)
            try new.insert(db)
            return new
        }
    }

    private static func requireLive(
        _ retracted: Bool, _ ownerID: Int64, _ reviewer: Reviewer, kind: String, id: Int64, table: String, _ db: Database
    ) throws {
        guard ownerID == reviewer.id else { throw FeedbackStoreError.ratingNotLive(kind: kind, id: id) }
        let superseded = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE supersedes_id = ?)", arguments: [id]) ?? false
        if retracted || superseded { throw FeedbackStoreError.ratingNotLive(kind: kind, id: id) }
    }
}
