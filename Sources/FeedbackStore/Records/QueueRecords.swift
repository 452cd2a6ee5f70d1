import Foundation
import GRDB

public enum ItemKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// One answer to mark correct or incorrect.
    case judgment
    /// Two answers to one prompt to compare.
    case comparison
}

/// Something to review, wanted from `overlap` different reviewers.
public struct QueueItem: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "review_items"
    public var id: Int64?
    public var kind: ItemKind
    public var promptID: Int64
    /// The judged answer, or the new policy's answer of a pair.
    public var sampleID: Int64
    /// The baseline's answer of a pair; nil for judgments.
    public var otherSampleID: Int64?
    public var overlap: Int
    /// Assignments holding a slot (open or done), kept by the database's triggers.
    public var claimed: Int
    public var createdAt: Date
    /// Expected information of a rating, 0–1 (nil: not scored); see SchemaQueueOrder.swift.
    public var infoScore: Double? = nil

    enum CodingKeys: String, CodingKey {
        case id, kind, promptID = "prompt_id", sampleID = "sample_id", otherSampleID = "other_sample_id"
        case overlap, claimed, createdAt = "created_at", infoScore = "info_score"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let kind = Column(CodingKeys.kind)
        public static let claimed = Column(CodingKeys.claimed)
        public static let overlap = Column(CodingKeys.overlap)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum AssignmentState: String, Codable, Sendable, DatabaseValueConvertible {
    /// Claimed and not rated yet: holds a slot until rated, skipped, released or lapsed.
    case open
    /// Rated (an undo reopens it): holds its slot.
    case done
    /// Passed on by the reviewer: the slot went back, the reviewer is not offered it again.
    case skipped
    /// Let go unrated (the reviewer quit, or the claim lapsed): the slot went back; the same
    /// reviewer gets the item back while a slot is still free.
    case released
}

/// One reviewer's slot on one item. For pairs it stores which sample was shown as A (left)
/// and which as B (right), drawn at random per assignment so position bias averages out.
public struct Assignment: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "review_assignments"
    public var id: Int64?
    public var itemID: Int64
    public var reviewerID: Int64
    public var aSampleID: Int64
    public var bSampleID: Int64?
    public var state: AssignmentState
    public var claimedAt: Date
    public var openedAt: Date
    /// When an open claim lapses (nil: never; set on every claim, reclaim and undo).
    public var expiresAt: Date?
    /// Why the slot was handed out (nil: before draws were recorded, oldest-first).
    public var draw: QueueDraw? = nil
    /// The item's information score when it was drawn.
    public var drawScore: Double? = nil

    enum CodingKeys: String, CodingKey {
        case id, itemID = "item_id", reviewerID = "reviewer_id", aSampleID = "a_sample_id"
        case bSampleID = "b_sample_id", state, claimedAt = "claimed_at", openedAt = "opened_at", expiresAt = "expires_at"
        case draw, drawScore = "draw_score"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let itemID = Column(CodingKeys.itemID)
        public static let reviewerID = Column(CodingKeys.reviewerID)
        public static let state = Column(CodingKeys.state)
        public static let openedAt = Column(CodingKeys.openedAt)
        public static let expiresAt = Column(CodingKeys.expiresAt)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
