import Foundation
import GRDB

// Claiming, keeping and letting go of review slots.
//
// A claim is an open assignment with an expiry (`claimLifetime` after it was made). Lapsed
// claims are released by the next claim anyone makes, under the same write lock, so a
// reviewer who vanished (dropped ssh, SIGKILL) blocks a slot for at most the lifetime. A
// rating or skip on an open assignment is accepted even after its expiry as long as nobody
// has released it; once released, the reviewer's own later key takes the slot back if one
// is still free, and is refused (`claimLapsed`) if another reviewer has taken it. Slot
// counts are kept by triggers (SchemaClaims.swift), with CHECK (claimed <= overlap) as the
// last line of defence against handing out one slot too many.
extension FeedbackStore {
    /// The reviewer's open assignment (the most recently reopened first, so repeated undos
    /// walk back like a stack); else an item of theirs that was released unrated and still
    /// has a free slot; else a new slot on an item that still needs reviewers and that this
    /// reviewer has never had, chosen by the queue order (oldest first unless set to
    /// `informative`; the choice is recorded on the assignment). Nil when nothing is left. Lapsed claims of every
    /// reviewer are released first; the returned claim lasts `claimLifetime` from now.
    public func nextItem(for reviewer: Reviewer, kinds: Set<ItemKind> = Set(ItemKind.allCases)) throws -> ReviewItem? {
        let reviewerID = try Self.requireID(reviewer)
        let kindList = kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
        return try write { db in
            let stamp = now()
            try releaseLapsedClaims(at: stamp, db)
            if var open = try Assignment
                .filter(Assignment.Columns.reviewerID == reviewerID && Assignment.Columns.state == AssignmentState.open)
                .order(Assignment.Columns.openedAt.desc, Assignment.Columns.id.desc)
                .fetchOne(db) {
                // Coming back to it renews the claim.
                open.expiresAt = stamp + claimLifetime
                try open.update(db, columns: [Assignment.Columns.expiresAt])
                return try Self.reviewItem(for: open, db)
            }
            guard !kindList.isEmpty else { return nil }
            if var released = try Assignment.fetchOne(db, sql: """
                SELECT a.* FROM review_assignments a INDEXED BY review_assignments_released
                JOIN review_items i ON i.id = a.item_id
                WHERE a.reviewer_id = ? AND a.state = 'released' AND i.claimed < i.overlap AND i.kind IN (\(kindList))
                ORDER BY a.item_id LIMIT 1
                """, arguments: [reviewerID]) {
                try reopen(&released, at: stamp, db)
                return try Self.reviewItem(for: released, db)
            }
            // A new slot, on the item the queue order picks (Draw.swift).
            var rng = StoreRandom(source: random)
            guard let drawn = try Self.drawNewItem(reviewerID: reviewerID, kindList: kindList, db, using: &rng) else { return nil }
            let item = drawn.item
            // Pairs are shown in a random order per assignment (position bias), stored so
            // the outcome can be read back in terms of the samples.
            var (a, b) = (item.sampleID, item.otherSampleID)
            if let other = b, Bool.random(using: &rng) { (a, b) = (other, item.sampleID) }
            var assignment = Assignment(
                id: nil, itemID: item.id!, reviewerID: reviewerID, aSampleID: a, bSampleID: b,
                state: .open, claimedAt: stamp, openedAt: stamp, expiresAt: stamp + claimLifetime,
                draw: drawn.draw, drawScore: drawn.score)
            try assignment.insert(db)   // the insert trigger takes the slot
            return try Self.reviewItem(for: assignment, db)
        }
    }

    /// Lets go of the reviewer's unrated claim (the review tool calls this when it quits):
    /// the slot goes back to the queue at once instead of when the claim lapses. The
    /// reviewer gets the item back next time if its slot is still free. False when the
    /// assignment was not open (already rated, skipped or released).
    @discardableResult
    public func release(assignmentID: Int64, reviewer: Reviewer) throws -> Bool {
        try write { db in
            guard let assignment = try Assignment.fetchOne(db, key: assignmentID) else { throw FeedbackStoreError.unknownAssignment(assignmentID) }
            guard assignment.reviewerID == reviewer.id else {
                throw FeedbackStoreError.assignmentNotYours(assignment: assignmentID, reviewer: reviewer.name)
            }
            guard assignment.state == .open else { return false }
            try Self.setState(.released, of: assignmentID, db)
            return true
        }
    }

    /// Releases every open claim whose expiry has passed. Returns how many were released.
    @discardableResult
    public func releaseLapsedClaims() throws -> Int {
        try write { db in try releaseLapsedClaims(at: now(), db) }
    }

    @discardableResult
    private func releaseLapsedClaims(at stamp: Date, _ db: Database) throws -> Int {
        try db.execute(sql: """
            UPDATE review_assignments INDEXED BY review_assignments_expiry SET state = 'released'
            WHERE state = 'open' AND expires_at <= ?
            """, arguments: [stamp])
        return db.changesCount
    }

    /// The reviewer's assignment `id`, ready to take a rating or a skip: open (even if past
    /// its expiry: nobody has taken the slot), or released with a slot still free (taken
    /// back). Anything else throws.
    func heldAssignment(_ id: Int64, of reviewer: Reviewer, _ db: Database) throws -> Assignment {
        guard var assignment = try Assignment.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownAssignment(id) }
        guard assignment.reviewerID == reviewer.id else {
            throw FeedbackStoreError.assignmentNotYours(assignment: id, reviewer: reviewer.name)
        }
        switch assignment.state {
        case .open:
            return assignment
        case .released:
            let free = try Bool.fetchOne(db, sql: "SELECT claimed < overlap FROM review_items WHERE id = ?", arguments: [assignment.itemID]) ?? false
            guard free else { throw FeedbackStoreError.claimLapsed(assignment: id, minutes: Int((claimLifetime / 60).rounded(.up))) }
            try reopen(&assignment, at: now(), db)
            return assignment
        case .done, .skipped:
            throw FeedbackStoreError.assignmentNotOpen(assignment: id, state: assignment.state.rawValue)
        }
    }

    /// Opens `assignment` again for its reviewer with a fresh claim (the state trigger
    /// takes a slot when it was not holding one).
    func reopen(_ assignment: inout Assignment, at stamp: Date, _ db: Database) throws {
        (assignment.state, assignment.openedAt, assignment.expiresAt) = (.open, stamp, stamp + claimLifetime)
        try assignment.update(db, columns: [Assignment.Columns.state, Assignment.Columns.openedAt, Assignment.Columns.expiresAt])
    }

    static func setState(_ state: AssignmentState, of id: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE review_assignments SET state = ? WHERE id = ?", arguments: [state, id])
    }

    static func reviewItem(for assignment: Assignment, _ db: Database) throws -> ReviewItem {
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
