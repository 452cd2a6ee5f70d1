import Foundation
import GRDB

// The review queue: recording ratings, skipping, undoing, progress (claims: Claims.swift).
//
// Every method here is one IMMEDIATE transaction, so calls from several processes are
// serialized by SQLite's write lock: the slot count is read and changed under the lock,
// and UNIQUE (item_id, reviewer_id) makes a second claim of one item by one reviewer
// impossible. A reviewer never reads another's rating: nothing here returns ratings of
// other reviewers.
extension FeedbackStore {
    /// Records a verdict (with any correction and rubric values) on the reviewer's judgment
    /// assignment and closes it (see `heldAssignment` for claims that lapsed).
    @discardableResult
    public func recordJudgment(
        assignmentID: Int64, reviewer: Reviewer, verdict: Verdict, harm: HarmLevel? = nil, tags: [String] = [],
        comment: String? = nil, details: JudgmentDetails = JudgmentDetails(), secondsSpent: Double
    ) throws -> Judgment {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            let assignment = try heldAssignment(assignmentID, of: reviewer, db)
            guard assignment.bSampleID == nil else {
                throw FeedbackStoreError.wrongItemKind(assignment: assignmentID, expected: "judgment")
            }
            var judgment = Judgment(
                id: nil, assignmentID: assignmentID, sampleID: assignment.aSampleID, reviewerID: assignment.reviewerID,
                verdict: verdict, harm: harm, tags: tags, comment: comment, secondsSpent: secondsSpent,
                createdAt: now(), supersedesID: nil, retracted: false)
            try judgment.insert(db)
            try Self.insertDetails(details, of: judgment, db)  // correction and rubric values (JudgmentDetailsWriting.swift)
            try Self.setState(.done, of: assignmentID, db)
            return judgment
        }
    }

    /// Records a preference between the two answers as shown (A left, B right) and closes
    /// the assignment (see `heldAssignment` for claims that lapsed).
    @discardableResult
    public func recordComparison(
        assignmentID: Int64, reviewer: Reviewer, outcome: Outcome, comment: String? = nil, secondsSpent: Double
    ) throws -> Comparison {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            let assignment = try heldAssignment(assignmentID, of: reviewer, db)
            guard let bSampleID = assignment.bSampleID,
                  let item = try QueueItem.fetchOne(db, key: assignment.itemID)
            else { throw FeedbackStoreError.wrongItemKind(assignment: assignmentID, expected: "comparison") }
            var comparison = Comparison(
                id: nil, assignmentID: assignmentID, promptID: item.promptID, sampleAID: assignment.aSampleID,
                sampleBID: bSampleID, reviewerID: assignment.reviewerID, outcome: outcome, comment: comment,
                secondsSpent: secondsSpent, createdAt: now(), supersedesID: nil, retracted: false)
            try comparison.insert(db)
            try Self.setState(.done, of: assignmentID, db)
            return comparison
        }
    }

    /// Passes on an open assignment: the slot goes back to the queue for another reviewer;
    /// this reviewer will not be offered the item again.
    @discardableResult
    public func skip(assignmentID: Int64, reviewer: Reviewer, reason: String? = nil) throws -> Skip {
        try write { db in
            let assignment = try heldAssignment(assignmentID, of: reviewer, db)
            var skip = Skip(id: nil, assignmentID: assignmentID, reviewerID: assignment.reviewerID, reason: reason, createdAt: now())
            try skip.insert(db)
            try Self.setState(.skipped, of: assignmentID, db)   // the state trigger gives the slot back
            return skip
        }
    }

    /// Withdraws the reviewer's most recent rating that still counts (judgment or
    /// comparison made through the queue): writes a retraction row superseding it and
    /// reopens its assignment for the same reviewer, who gets it back from `nextItem`.
    /// Nil when there is nothing to undo. Skips are not undone. `among`: only ratings of
    /// these assignments (what one review session rated, so a second session of the same
    /// reviewer never withdraws the first one's); nil for any.
    @discardableResult
    public func undoLast(reviewer: Reviewer, among assignments: Set<Int64>? = nil) throws -> UndoneRating? {
        let reviewerID = try Self.requireID(reviewer)
        if let assignments, assignments.isEmpty { return nil }
        let only = assignments.map { ids in " AND assignment_id IN (\(ids.sorted().map { String($0) }.joined(separator: ",")))" } ?? ""
        return try write { db in
            let judgment = try Judgment.fetchOne(db, sql: """
                SELECT * FROM judgments j WHERE reviewer_id = ? AND assignment_id IS NOT NULL\(only) AND \(Self.live("j", "judgments"))
                ORDER BY created_at DESC, id DESC LIMIT 1
                """, arguments: [reviewerID])
            let comparison = try Comparison.fetchOne(db, sql: """
                SELECT * FROM comparisons c WHERE reviewer_id = ? AND assignment_id IS NOT NULL\(only) AND \(Self.live("c", "comparisons"))
                ORDER BY created_at DESC, id DESC LIMIT 1
                """, arguments: [reviewerID])
            let undone: UndoneRating
            if let j = judgment, comparison.map({ $0.createdAt <= j.createdAt }) ?? true {
                var retraction = j
                (retraction.id, retraction.verdict, retraction.harm, retraction.tags, retraction.comment) = (nil, nil, nil, [], nil)
                (retraction.secondsSpent, retraction.createdAt, retraction.supersedesID, retraction.retracted) = (0, now(), j.id, true)
                try retraction.insert(db)
                undone = UndoneRating(kind: .judgment, ratingID: j.id!, retractionID: retraction.id!, assignmentID: j.assignmentID!)
            } else if let c = comparison {
                var retraction = c
                (retraction.id, retraction.outcome, retraction.comment, retraction.secondsSpent) = (nil, nil, nil, 0)
                (retraction.createdAt, retraction.supersedesID, retraction.retracted) = (now(), c.id, true)
                try retraction.insert(db)
                undone = UndoneRating(kind: .comparison, ratingID: c.id!, retractionID: retraction.id!, assignmentID: c.assignmentID!)
            } else {
                return nil
            }
            // done → open: the assignment keeps the slot it holds, with a fresh claim.
            try db.execute(
                sql: "UPDATE review_assignments SET state = 'open', opened_at = ?, expires_at = ? WHERE id = ?",
                arguments: [now(), now() + claimLifetime, undone.assignmentID])
            return undone
        }
    }

    /// Ratings by `reviewer` since `since` that still count, and items left for them: the
    /// same items `nextItem` would go through. Both are index look-ups and kept counts
    /// (SchemaClaims.swift), independent of the size of the queue.
    public func progress(reviewer: Reviewer, since: Date) throws -> ReviewProgress {
        let reviewerID = try Self.requireID(reviewer)
        return try read { db in
            let done = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM judgments j WHERE reviewer_id = ?1 AND created_at >= ?2 AND \(Self.live("j", "judgments")))
                     + (SELECT COUNT(*) FROM comparisons c WHERE reviewer_id = ?1 AND created_at >= ?2 AND \(Self.live("c", "comparisons")))
                """, arguments: [reviewerID, since]) ?? 0
            // Open items, less those this reviewer has had, plus the ones among those they
            // can still get: their open claims and released items with a free slot.
            let remaining = try Int.fetchOne(db, sql: """
                SELECT (SELECT open_items FROM queue_counts)
                     - ifnull((SELECT items_had_open FROM reviewer_queue WHERE reviewer_id = ?1), 0)
                     + (SELECT COUNT(*) FROM review_assignments INDEXED BY review_assignments_open WHERE reviewer_id = ?1 AND state = 'open')
                     + (SELECT COUNT(*) FROM review_assignments a INDEXED BY review_assignments_released
                        JOIN review_items i ON i.id = a.item_id
                        WHERE a.reviewer_id = ?1 AND a.state = 'released' AND i.claimed < i.overlap)
                """, arguments: [reviewerID]) ?? 0
            return ReviewProgress(doneToday: done, remaining: remaining)
        }
    }

    // MARK: Helpers

    /// SQL condition: the row `alias` of `table` counts (not a retraction, not superseded).
    static func live(_ alias: String, _ table: String) -> String {
        "\(alias).retracted = 0 AND NOT EXISTS (SELECT 1 FROM \(table) s WHERE s.supersedes_id = \(alias).id)"
    }

    static func requireID(_ reviewer: Reviewer) throws -> Int64 {
        guard let id = reviewer.id else { throw FeedbackStoreError.unknownReviewer(reviewer.name) }
        return id
    }

    static func validateSeconds(_ seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0 else {
            throw FeedbackStoreError.invalidValue(field: "seconds spent", value: "\(seconds)", hint: "a duration of 0 or more seconds")
        }
    }
}
