import Foundation
import GRDB
import Privacy

/// One import of a JSONL file, as the `imports` table records it: which file, whether its
/// text went through the scrubber (`scrubbed = 0` means the importer declared the data
/// already de-identified with `--no-scrub`), and how many identifiers were replaced.
/// Prompts and samples added by the import point at it through `import_id`.
public struct ImportRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "imports"
    public enum Kind: String, Codable, Sendable { case prompts, samples }

    public var id: Int64?
    public var kind: Kind
    public var source: String
    public var scrubbed: Bool
    public var identifiersReplaced: Int
    public var added: Int
    public var duplicates: Int
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, source, scrubbed, identifiersReplaced = "identifiers_replaced", added, duplicates, createdAt = "created_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The text of an import, scrubbed or passed through as declared.
struct ImportText {
    let scrubber: Scrubber?
    private(set) var replaced = 0

    mutating func callAsFunction(_ text: String) -> String {
        guard let scrubber else { return text }
        let result = scrubber.scrub(text)
        replaced += result.spans.count
        return result.text
    }

    /// A prompt with every message's content scrubbed (the hash is of the scrubbed text, so
    /// the same prompt imported twice is still one prompt).
    mutating func prompt(_ key: PromptKey) throws -> PromptKey {
        guard scrubber != nil else { return key }
        return try PromptKey(messages: key.messages.map { ChatMessage(role: $0.role, content: self($0.content)) })
    }
}

extension FeedbackStore {
    public func imports() throws -> [ImportRecord] {
        try read { db in try ImportRecord.order(Column("id")).fetchAll(db) }
    }

    @discardableResult
    static func recordImport(
        _ kind: ImportRecord.Kind, source: String, scrubbed: Bool, replaced: Int, summary: ImportSummary,
        promptIDs: [Int64], sampleIDs: [Int64], now: Date, _ db: Database
    ) throws -> ImportRecord {
        var record = ImportRecord(
            id: nil, kind: kind, source: source, scrubbed: scrubbed, identifiersReplaced: replaced,
            added: summary.added, duplicates: summary.duplicates, createdAt: now)
        try record.insert(db)
        for id in promptIDs { try db.execute(sql: "UPDATE prompts SET import_id = ? WHERE id = ?", arguments: [record.id, id]) }
        for id in sampleIDs { try db.execute(sql: "UPDATE samples SET import_id = ? WHERE id = ?", arguments: [record.id, id]) }
        return record
    }
}
