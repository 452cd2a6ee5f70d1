import Foundation
import GRDB

// Putting work into the review queue. Each item is wanted from `overlap` (K) different
// reviewers so agreement can be measured; K = 2 unless told otherwise. An empty answer
// (nothing but whitespace) is never queued: there is nothing to judge, and a physician's
// time goes on answers. It stays stored, so sampling does not ask for it again.
extension FeedbackStore {
    public static let defaultOverlap = 2

    /// What counts as blank in an answer: Unicode white space (ASCII, no-break, ideographic
    /// and the other spaces, line and paragraph separators) and the invisible U+200B, U+FEFF.
    public static let blankCharacters = "\t\n\u{0B}\u{0C}\r \u{85}\u{A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}"
        + "\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{200B}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}"

    /// Whether `text` is empty or only blank characters.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { blankCharacters.unicodeScalars.contains($0) }
    }

    /// SQL condition: the sample `s` has some text (SQLite's trim takes the characters to strip).
    static let hasTextSQL = "trim(s.text, ?) <> ''"

    /// Queues every sample (of `policy`, of prompts in `split`, when given) that is not yet
    /// queued for judgment. Returns how many items were added.
    @discardableResult
    public func enqueueJudgments(
        policy: String? = nil, split: Split? = nil, overlap: Int = defaultOverlap, limit: Int? = nil
    ) throws -> Int {
        try Self.validateOverlap(overlap)
        return try write { db in
            var conditions = ["NOT EXISTS (SELECT 1 FROM review_items i WHERE i.kind = 'judgment' AND i.sample_id = s.id)",
                              Self.hasTextSQL]
            var arguments: StatementArguments = [overlap, now(), Self.blankCharacters]
            if let policy {
                guard let found = try Policy.filter(Policy.Columns.name == policy).fetchOne(db) else {
                    throw FeedbackStoreError.unknownPolicy(policy)
                }
                conditions.append("s.policy_id = ?")
                arguments += [found.id!]
            }
            if let split {
                conditions.append("p.split = ?")
                arguments += [split]
            }
            var sql = """
                INSERT INTO review_items (kind, prompt_id, sample_id, other_sample_id, overlap, claimed, created_at)
                SELECT 'judgment', s.prompt_id, s.id, NULL, ?, 0, ?
                FROM samples s JOIN prompts p ON p.id = s.prompt_id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY s.id
                """
            if let limit { sql += " LIMIT \(max(0, limit))" }
            try db.execute(sql: sql, arguments: arguments)
            return db.changesCount
        }
    }

    /// Queues pairs of answers to the same prompt so `newPolicy` is compared head to head
    /// with `baselinePolicy` (usually production): per prompt, the i-th unpaired answer of
    /// the new policy meets the baseline's answers in turn (i mod their count), whether or
    /// not those were compared before. Without a baseline, any other version's unpaired
    /// answers serve, and failing those, two answers of the new policy are paired with each
    /// other. The new policy's answers are never paired twice.
    @discardableResult
    public func enqueuePairs(
        newPolicy: String, baselinePolicy: String? = nil, overlap: Int = defaultOverlap, limit: Int? = nil
    ) throws -> Int {
        try Self.validateOverlap(overlap)
        return try write { db in
            guard let new = try Policy.filter(Policy.Columns.name == newPolicy).fetchOne(db) else {
                throw FeedbackStoreError.unknownPolicy(newPolicy)
            }
            var baselineID: Int64?
            if let baselinePolicy {
                guard let base = try Policy.filter(Policy.Columns.name == baselinePolicy).fetchOne(db) else {
                    throw FeedbackStoreError.unknownPolicy(baselinePolicy)
                }
                baselineID = base.id
            }
            // Answers of prompts that have one from the new policy. The new policy's answers are
            // paired once; a named baseline's answers may serve in several pairs (production is
            // compared head to head with every new version), other answers only once.
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, s.prompt_id, s.policy_id,
                       EXISTS (SELECT 1 FROM review_items i WHERE i.kind = 'comparison'
                               AND (i.sample_id = s.id OR i.other_sample_id = s.id))
                FROM samples s
                WHERE s.prompt_id IN (SELECT prompt_id FROM samples WHERE policy_id = ?) AND \(Self.hasTextSQL)
                ORDER BY s.prompt_id, s.id
                """, arguments: [new.id!, Self.blankCharacters])
            var byPrompt: [(prompt: Int64, new: [Int64], other: [Int64])] = []
            for row in rows {
                let (id, prompt, policy, paired): (Int64, Int64, Int64, Bool) = (row[0], row[1], row[2], row[3])
                if byPrompt.last?.prompt != prompt { byPrompt.append((prompt, [], [])) }
                if policy == new.id { if !paired { byPrompt[byPrompt.count - 1].new.append(id) } }
                else if let baselineID { if policy == baselineID { byPrompt[byPrompt.count - 1].other.append(id) } }
                else if !paired { byPrompt[byPrompt.count - 1].other.append(id) }
            }
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO review_items (kind, prompt_id, sample_id, other_sample_id, overlap, claimed, created_at)
                VALUES ('comparison', ?, ?, ?, ?, 0, ?)
                """)
            let stamp = now()
            var added = 0
            for group in byPrompt {
                var pairs = Array(zip(group.new, group.other))
                if baselineID != nil, !group.other.isEmpty {
                    pairs = group.new.enumerated().map { ($0.element, group.other[$0.offset % group.other.count]) }
                } else if baselineID == nil && group.other.isEmpty {
                    pairs = stride(from: 0, to: group.new.count - 1, by: 2).map { (group.new[$0], group.new[$0 + 1]) }
                }
                for (a, b) in pairs {
                    if let limit, added >= limit { return added }
                    try insert.execute(arguments: [group.prompt, a, b, overlap, stamp])
                    added += db.changesCount
                }
            }
            return added
        }
    }

    /// Queues one explicit pair (both answers must share a prompt).
    @discardableResult
    public func enqueuePair(sampleID: Int64, otherSampleID: Int64, overlap: Int = defaultOverlap) throws -> QueueItem {
        try Self.validateOverlap(overlap)
        return try write { db in
            guard let a = try Sample.fetchOne(db, key: sampleID), let b = try Sample.fetchOne(db, key: otherSampleID),
                  a.promptID == b.promptID, sampleID != otherSampleID
            else {
                throw FeedbackStoreError.invalidValue(
                    field: "pair", value: "\(sampleID),\(otherSampleID)", hint: "pick two different answers to the same prompt")
            }
            if let blank = [a, b].first(where: { Self.isBlank($0.text) }) {
                throw FeedbackStoreError.invalidValue(
                    field: "pair", value: "\(sampleID),\(otherSampleID)", hint: "answer \(blank.id!) is empty; pair answers that have text")
            }
            var item = QueueItem(
                id: nil, kind: .comparison, promptID: a.promptID, sampleID: sampleID, otherSampleID: otherSampleID,
                overlap: overlap, claimed: 0, createdAt: now())
            try item.insert(db)
            return item
        }
    }

    /// Counts of queued items and of items that still have a free slot.
    public func queueCounts() throws -> (items: Int, open: Int) {
        try read { db in
            let items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items") ?? 0
            let open = try Int.fetchOne(db, sql: "SELECT open_items FROM queue_counts") ?? 0   // kept by triggers
            return (items, open)
        }
    }

    static func validateOverlap(_ overlap: Int) throws {
        guard (1...50).contains(overlap) else {
            throw FeedbackStoreError.invalidValue(
                field: "overlap", value: "\(overlap)", hint: "the number of reviewers per item is 1–50 (2 measures agreement)")
        }
    }
}
