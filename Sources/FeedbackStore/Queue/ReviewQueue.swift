import Foundation
import GRDB

// The review queue: claiming slots, recording ratings, skipping, undoing.
//
// Every method here is one IMMEDIATE transaction, so claims from several processes are
// serialized by SQLite's write lock: the slot count is read and incremented under the lock,
// and UNIQUE (item_id, reviewer_id) makes a second claim of one item by one reviewer
// impossible. A reviewer never reads another's rating: nothing here returns ratings of
// other reviewers.
extension FeedbackStore {
    /// The reviewer's open assignment (the most recently reopened first, so repeated undos
    /// walk back like a stack), or else a new slot on the oldest item that still needs
    /// reviewers and that this reviewer has never had. Nil when nothing is left.
    public func nextItem(for reviewer: Reviewer, kinds: Set<ItemKind> = Set(ItemKind.allCases)) throws -> ReviewItem? {
        let reviewerID = try Self.requireID(reviewer)
        return try write { db in
            if let open = try Assignment
                .filter(Assignment.Columns.reviewerID == reviewerID && Assignment.Columns.state == AssignmentState.open)
                .order(Assignment.Columns.openedAt.desc, Assignment.Columns.id.desc)
                .fetchOne(db) {
                return try Self.reviewItem(for: open, db)
            }
            let kindList = kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
            guard !kindList.isEmpty, let item = try QueueItem.fetchOne(db, sql: """
                SELECT i.* FROM review_items i INDEXED BY review_items_open
                WHERE i.claimed < i.overlap AND i.kind IN (\(kindList))
                  AND NOT EXISTS (SELECT 1 FROM review_assignments a WHERE a.item_id = i.id AND a.reviewer_id = ?)
                ORDER BY i.id LIMIT 1
                """, arguments: [reviewerID])
            else { return nil }
            // Pairs are shown in a random order per assignment (position bias), stored so
            // the outcome can be read back in terms of the samples.
            var (a, b) = (item.sampleID, item.otherSampleID)
            if let other = b, Bool.random() { (a, b) = (other, item.sampleID) }
            let stamp = now()
            var assignment = Assignment(
                id: nil, itemID: item.id!, reviewerID: reviewerID, aSampleID: a, bSampleID: b,
                state: .open, claimedAt: stamp, openedAt: stamp)
            try assignment.insert(db)
            try db.execute(sql: "UPDATE review_items SET claimed = claimed + 1 WHERE id = ?", arguments: [item.id!])
            return try Self.reviewItem(for: assignment, db)
        }
    }

    /// Records a verdict on an open judgment assignment and closes it.
    @discardableResult
    public func recordJudgment(
        assignmentID: Int64, reviewer: Reviewer, verdict: Verdict, harm: HarmLevel? = nil, tags: [String] = [],
        comment: String? = nil, secondsSpent: Double
    ) throws -> Judgment {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            let assignment = try Self.openAssignment(assignmentID, of: reviewer, db)
            guard assignment.bSampleID == nil else {
                throw FeedbackStoreError.wrongItemKind(assignment: assignmentID, expected: "judgment")
            }
            var judgment = Judgment(
                id: nil, assignmentID: assignmentID, sampleID: assignment.aSampleID, reviewerID: assignment.reviewerID,
                verdict: verdict, harm: harm, tags: tags, comment: comment, secondsSpent: secondsSpent,
                createdAt: now(), supersedesID: nil, retracted: false)
            try judgment.insert(db)
            try Self.setState(.done, of: assignmentID, db)
            return judgment
        }
    }

    /// Records a preference between the two answers as shown (A left, B right) and closes
    /// the assignment.
    @discardableResult
    public func recordComparison(
        assignmentID: Int64, reviewer: Reviewer, outcome: Outcome, comment: String? = nil, secondsSpent: Double
    ) throws -> Comparison {
        try Self.validateSeconds(secondsSpent)
        return try write { db in
            let assignment = try Self.openAssignment(assignmentID, of: reviewer, db)
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
            let assignment = try Self.openAssignment(assignmentID, of: reviewer, db)
            var skip = Skip(id: nil, assignmentID: assignmentID, reviewerID: assignment.reviewerID, reason: reason, createdAt: now())
            try skip.insert(db)
            try Self.setState(.skipped, of: assignmentID, db)
            try db.execute(sql: "UPDATE review_items SET claimed = claimed - 1 WHERE id = ?", arguments: [assignment.itemID])
            return skip
        }
    }

    /// Withdraws the reviewer's most recent rating that still counts (judgment or
    /// comparison made through the queue): writes a retraction row superseding it and
    /// reopens its assignment for the same reviewer, who gets it back from `nextItem`.
    /// Nil when there is nothing to undo. Skips are not undone.
    @discardableResult
    public func undoLast(reviewer: Reviewer) throws -> UndoneRating? {
        let reviewerID = try Self.requireID(reviewer)
        return try write { db in
            let judgment = try Judgment.fetchOne(db, sql: """
                SELECT * FROM judgments j WHERE reviewer_id = ? AND assignment_id IS NOT NULL AND \(Self.live("j", "judgments"))
                ORDER BY created_at DESC, id DESC LIMIT 1
                """, arguments: [reviewerID])
            let comparison = try Comparison.fetchOne(db, sql: """
                SELECT * FROM comparisons c WHERE reviewer_id = ? AND assignment_id IS NOT NULL AND \(Self.live("c", "comparisons"))
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
            try db.execute(
                sql: "UPDATE review_assignments SET state = 'open', opened_at = ? WHERE id = ?",
                arguments: [now(), undone.assignmentID])
            return undone
        }
    }

    /// Ratings by `reviewer` since `since` that still count, and items left for them.
    public func progress(reviewer: Reviewer, since: Date) throws -> ReviewProgress {
        let reviewerID = try Self.requireID(reviewer)
        return try read { db in
            let done = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM judgments j WHERE reviewer_id = ?1 AND created_at >= ?2 AND \(Self.live("j", "judgments")))
                     + (SELECT COUNT(*) FROM comparisons c WHERE reviewer_id = ?1 AND created_at >= ?2 AND \(Self.live("c", "comparisons")))
                """, arguments: [reviewerID, since]) ?? 0
            let remaining = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM review_assignments WHERE reviewer_id = ?1 AND state = 'open')
                     + (SELECT COUNT(*) FROM review_items i INDEXED BY review_items_open WHERE i.claimed < i.overlap
                        AND NOT EXISTS (SELECT 1 FROM review_assignments a WHERE a.item_id = i.id AND a.reviewer_id = ?1))
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

    private static func openAssignment(_ id: Int64, of reviewer: Reviewer, _ db: Database) throws -> Assignment {
        guard let assignment = try Assignment.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownAssignment(id) }
        guard assignment.reviewerID == reviewer.id else {
            throw FeedbackStoreError.assignmentNotYours(assignment: id, reviewer: reviewer.name)
        }
        guard assignment.state == .open else {
            throw FeedbackStoreError.assignmentNotOpen(assignment: id, state: assignment.state.rawValue)
        }
        return assignment
    }

    private static func setState(_ state: AssignmentState, of id: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE review_assignments SET state = ? WHERE id = ?", arguments: [state, id])
    }

    private static func reviewItem(for assignment: Assignment, _ db: Database) throws -> ReviewItem {
        guard let item = try QueueItem.fetchOne(db, key: assignment.itemID),
              let prompt = try Prompt.fetchOne(db, key: item.promptID),
              let a = try Sample.fetchOne(db, key: assignment.aSampleID)
        else { throw FeedbackStoreError.unknownAssignment(assignment.id ?? -1) }
        var content = ReviewItem.Content.judge(a)
        if let bID = assignment.bSampleID {
            guard let b = try Sample.fetchOne(db, key: bID) else { throw FeedbackStoreError.unknownAssignment(assignment.id ?? -1) }
            content = .compare(a: a, b: b)
        }
        return ReviewItem(
            assignmentID: assignment.id!, itemID: item.id!, prompt: prompt, content: content, openedAt: assignment.openedAt)
    }
}
