import Foundation
import GRDB

public enum Verdict: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case correct, incorrect
}

/// How much harm following the answer could do.
public enum HarmLevel: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case none, mild, moderate, severe
}

/// The outcome of a comparison, in terms of the sides as shown.
public enum Outcome: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case a
    case b
    case tie
    case bothBad = "both_bad"
}

/// A reviewer's verdict on one answer. Append-only: see `Schema`.
public struct Judgment: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "judgments"
    public var id: Int64?
    public var assignmentID: Int64?
    public var sampleID: Int64
    public var reviewerID: Int64
    /// nil only on a retraction row.
    public var verdict: Verdict?
    public var harm: HarmLevel?
    public var tags: [String]
    public var comment: String?
    public var secondsSpent: Double
    public var createdAt: Date
    public var supersedesID: Int64?
    public var retracted: Bool

    enum CodingKeys: String, CodingKey {
        case id, assignmentID = "assignment_id", sampleID = "sample_id", reviewerID = "reviewer_id"
        case verdict, harm, tags, comment, secondsSpent = "seconds_spent", createdAt = "created_at"
        case supersedesID = "supersedes_id", retracted
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let reviewerID = Column(CodingKeys.reviewerID)
        public static let supersedesID = Column(CodingKeys.supersedesID)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A reviewer's preference between two answers to one prompt. `sampleAID` was shown on the
/// left (A), `sampleBID` on the right (B); `outcome` speaks of those sides.
public struct Comparison: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "comparisons"
    public var id: Int64?
    public var assignmentID: Int64?
    public var promptID: Int64
    public var sampleAID: Int64
    public var sampleBID: Int64
    public var reviewerID: Int64
    /// nil only on a retraction row.
    public var outcome: Outcome?
    public var comment: String?
    public var secondsSpent: Double
    public var createdAt: Date
    public var supersedesID: Int64?
    public var retracted: Bool

    enum CodingKeys: String, CodingKey {
        case id, assignmentID = "assignment_id", promptID = "prompt_id", sampleAID = "sample_a_id"
        case sampleBID = "sample_b_id", reviewerID = "reviewer_id", outcome, comment
        case secondsSpent = "seconds_spent", createdAt = "created_at", supersedesID = "supersedes_id", retracted
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let reviewerID = Column(CodingKeys.reviewerID)
        public static let supersedesID = Column(CodingKeys.supersedesID)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The sample the reviewer preferred, or nil for a tie or both bad.
    public var winnerSampleID: Int64? {
        switch outcome {
        case .a: return sampleAID
        case .b: return sampleBID
        default: return nil
        }
    }
}

/// A reviewer passed on an assignment; the slot goes back to the queue for someone else.
public struct Skip: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "skips"
    public var id: Int64?
    public var assignmentID: Int64
    public var reviewerID: Int64
    public var reason: String?
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, assignmentID = "assignment_id", reviewerID = "reviewer_id", reason, createdAt = "created_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
