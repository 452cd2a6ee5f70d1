import Foundation
import GRDB

/// One chat turn, as in the SFT format `{"role": …, "content": …}`.
public struct ChatMessage: Codable, Hashable, Sendable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// A clinician who rates answers. `name` is the login-like handle; `displayName` is shown.
public struct Reviewer: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "reviewers"
    public var id: Int64?
    public var name: String
    public var displayName: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, displayName = "display_name", createdAt = "created_at"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let name = Column(CodingKeys.name)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Prompts are split once, deterministically from their content hash, so a prompt never
/// moves between training and held-out evaluation.
public enum Split: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case train
    case heldout
}

public struct Prompt: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "prompts"
    public var id: Int64?
    public var contentHash: String
    /// The conversation up to and including the last user turn.
    public var messages: [ChatMessage]
    /// The last user turn, what a reviewer reads.
    public var text: String
    public var split: Split
    public var source: String?
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, contentHash = "content_hash", messages, text, split, source, createdAt = "created_at"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let contentHash = Column(CodingKeys.contentHash)
        public static let split = Column(CodingKeys.split)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A policy version (e.g. `base`, `v3`). Samples name the version that produced them.
public struct Policy: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "policies"
    public var id: Int64?
    public var name: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at" }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let name = Column(CodingKeys.name)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One answer of a policy version to a prompt, with how it was sampled.
public struct Sample: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "samples"
    public var id: Int64?
    public var promptID: Int64
    public var policyID: Int64
    public var text: String
    public var tokenCount: Int?
    public var logprobSum: Double?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var seed: Int64?
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, promptID = "prompt_id", policyID = "policy_id", text, tokenCount = "token_count"
        case logprobSum = "logprob_sum", temperature, topP = "top_p", topK = "top_k", seed, createdAt = "created_at"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let promptID = Column(CodingKeys.promptID)
        public static let policyID = Column(CodingKeys.policyID)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
