import Foundation
import GRDB

// Choosing the item for a new slot, in the queue order in force (QueueOrder.swift). Each
// choice is an index walk, independent of the size of the queue: oldest-first and
// informative walk their partial index of open items from the front and stop at the first
// item the reviewer has not had; a random draw picks ids uniformly between the lowest and
// highest open id until one is an open item the reviewer may take.
extension FeedbackStore {
    /// Random ids tried before a random draw settles for the first eligible item at or after
    /// the last id tried (an id picked uniformly too, so still blind to the item's content).
    static let randomDrawAttempts = 64

    /// How assignment `id` was drawn and the item's score then (nil draw: claimed before draws
    /// were recorded).
    public func draw(ofAssignment id: Int64) throws -> (draw: QueueDraw?, score: Double?) {
        try read { db in
            guard let assignment = try Assignment.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownAssignment(id) }
            return (assignment.draw, assignment.drawScore)
        }
    }

    /// The store's random source (`FeedbackStore.random`) as a generator for the standard
    /// library's `random(in:using:)`.
    struct StoreRandom: RandomNumberGenerator {
        let source: @Sendable () -> UInt64
        mutating func next() -> UInt64 { source() }
    }

    struct Drawn {
        var item: QueueItem
        var draw: QueueDraw
        var score: Double?
    }

    /// The next item with a free slot of one of `kinds` (SQL list) that reviewer `reviewerID`
    /// has never had, and why it was chosen; nil when there is none.
    static func drawNewItem(reviewerID: Int64, kindList: String, _ db: Database,
                            using rng: inout some RandomNumberGenerator) throws -> Drawn? {
        let eligible = """
            i.claimed < i.overlap AND i.kind IN (\(kindList))
              AND NOT EXISTS (SELECT 1 FROM review_assignments a WHERE a.item_id = i.id AND a.reviewer_id = ?)
            """
        let settings = try queueOrderSettings(db)
        switch settings.order {
        case .oldest:
            let item = try QueueItem.fetchOne(db, sql: """
                SELECT i.* FROM review_items i INDEXED BY review_items_open WHERE \(eligible) ORDER BY i.id LIMIT 1
                """, arguments: [reviewerID])
            return item.map { Drawn(item: $0, draw: .oldest, score: $0.infoScore) }
        case .informative:
            if settings.randomShare > 0, Double.random(in: 0..<1, using: &rng) < settings.randomShare,
               let item = try uniformOpenItem(eligible: eligible, reviewerID: reviewerID, db, using: &rng) {
                return Drawn(item: item, draw: .random, score: item.infoScore)
            }
            // Highest score first; unscored items (NULL sorts last in DESC) oldest-first after them.
            let item = try QueueItem.fetchOne(db, sql: """
                SELECT i.* FROM review_items i INDEXED BY review_items_informative WHERE \(eligible)
                ORDER BY i.info_score DESC, i.id LIMIT 1
                """, arguments: [reviewerID])
            return item.map { Drawn(item: $0, draw: .informative, score: $0.infoScore) }
        }
    }

    /// A uniformly random open item the reviewer may take: ids drawn uniformly from the open
    /// items' id range until one qualifies (rejection sampling, so every eligible item is
    /// equally likely); after `randomDrawAttempts` misses, the first eligible item from a
    /// random id on (wrapping to the front).
    private static func uniformOpenItem(eligible: String, reviewerID: Int64, _ db: Database,
                                        using rng: inout some RandomNumberGenerator) throws -> QueueItem? {
        guard let row = try Row.fetchOne(db, sql: """
                  SELECT (SELECT min(id) FROM review_items INDEXED BY review_items_open WHERE claimed < overlap),
                         (SELECT max(id) FROM review_items INDEXED BY review_items_open WHERE claimed < overlap)
                  """),
              let low = row[0] as Int64?, let high = row[1] as Int64?
        else { return nil }
        let probe = try db.cachedStatement(sql: "SELECT i.* FROM review_items i WHERE i.id = ? AND \(eligible)")
        var id = low
        for _ in 0..<randomDrawAttempts {
            id = Int64.random(in: low...high, using: &rng)
            if let item = try QueueItem.fetchOne(probe, arguments: [id, reviewerID]) { return item }
        }
        let after = try QueueItem.fetchOne(db, sql: """
            SELECT i.* FROM review_items i INDEXED BY review_items_open WHERE i.id >= ? AND \(eligible) ORDER BY i.id LIMIT 1
            """, arguments: [id, reviewerID])
        if let after { return after }
        return try QueueItem.fetchOne(db, sql: """
            SELECT i.* FROM review_items i INDEXED BY review_items_open WHERE \(eligible) ORDER BY i.id LIMIT 1
            """, arguments: [reviewerID])
    }
}
