import Foundation
import GRDB

/// The answer as a reviewer rewrote it, attached to the judgment it was saved with
/// (`SchemaCorrections.swift`). The text was scrubbed of identifiers before it was stored.
public struct Correction: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "corrections"
    public var id: Int64?
    public var judgmentID: Int64
    public var text: String
    public var identifiersReplaced: Int
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, judgmentID = "judgment_id", text, identifiersReplaced = "identifiers_replaced", createdAt = "created_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One value on one rubric axis, attached to a judgment.
public struct AxisRating: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "judgment_axes"
    public var judgmentID: Int64
    public var axis: String
    public var value: String

    enum CodingKeys: String, CodingKey { case judgmentID = "judgment_id", axis, value }
}

/// What a judgment may carry besides verdict, harm, tags and comment.
public struct JudgmentDetails: Equatable, Sendable {
    /// The corrected answer, already scrubbed (nil: none).
    public var correction: String?
    /// Identifiers the scrubber replaced in the correction.
    public var identifiersReplaced: Int
    /// Rubric axis → chosen value (harm extent is the judgment's harm, not an entry here).
    public var axes: [String: String]

    public init(correction: String? = nil, identifiersReplaced: Int = 0, axes: [String: String] = [:]) {
        self.correction = correction
        self.identifiersReplaced = identifiersReplaced
        self.axes = axes
    }
}

/// A live correction with its texts resolved: the preference "correction ≻ original" and an
/// SFT example (prompt + correction).
public struct CorrectionRecord: Hashable, Sendable {
    public var id: Int64
    public var judgmentID: Int64
    public var prompt: [ChatMessage]
    public var promptID: Int64
    public var split: Split
    /// The answer the reviewer corrected, and the policy that wrote it.
    public var sampleID: Int64
    public var original: String
    public var policy: String
    public var corrected: String
    public var reviewer: String
    public var createdAt: Date
}

/// The rubric's harm extent (Med-PaLM's three levels) is the judgment's harm level read on a
/// coarser scale: mild and moderate are both "mild–moderate".
public enum HarmExtent: String, Codable, Sendable, CaseIterable {
    case none
    case mildModerate = "mild_moderate"
    case severe

    /// The axis name under which harm extent appears in statistics and exports.
    public static let axis = "harm_extent"

    public init(_ harm: HarmLevel) {
        switch harm {
        case .none: self = .none
        case .mild, .moderate: self = .mildModerate
        case .severe: self = .severe
        }
    }

    /// The harm level stored for a choice on the rubric; a `current` level that already
    /// reads as `self` is kept (choosing mild–moderate keeps "mild").
    public func harm(keeping current: HarmLevel?) -> HarmLevel {
        if let current, HarmExtent(current) == self { return current }
        switch self {
        case .none: return .none
        case .mildModerate: return .moderate
        case .severe: return .severe
        }
    }
}
