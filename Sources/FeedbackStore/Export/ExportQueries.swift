import Foundation
import GRDB
import Support

/// Which prompts an export or training run draws from.
public enum SplitFilter: String, Sendable, CaseIterable {
    case train, heldout, all

    var sql: String {
        switch self {
        case .train: return " AND p.split = 'train'"
        case .heldout: return " AND p.split = 'heldout'"
        case .all: return ""
        }
    }
}

// Reading ratings that still count, with texts resolved, for exports and training. Ratings
// of gold items measure reviewers and are never training data: they are left out here.
extension FeedbackStore {
    /// Live comparisons (latest, not superseded, not retracted), oldest first.
    public func comparisonRecords(
        since: Date? = nil, split: SplitFilter = .train, withReviewerNames: Bool = false
    ) throws -> [ComparisonRecord] {
        let pseudonym = try Pseudonymizer(secret: pseudonymSecret(), enabled: !withReviewerNames)
        return try read { db in
            var prompts = PromptCache()
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT c.id, c.prompt_id, c.sample_a_id, c.sample_b_id, sa.text, sb.text, pa.name, pb.name, c.outcome,
                       r.name, c.comment, c.seconds_spent, c.created_at, p.split
                FROM comparisons c
                JOIN samples sa ON sa.id = c.sample_a_id JOIN samples sb ON sb.id = c.sample_b_id
                JOIN policies pa ON pa.id = sa.policy_id JOIN policies pb ON pb.id = sb.policy_id
                JOIN reviewers r ON r.id = c.reviewer_id JOIN prompts p ON p.id = c.prompt_id
                WHERE \(Self.live("c", "comparisons")) AND pa.name <> '\(Self.goldPolicyName)'\(since == nil ? "" : " AND c.created_at >= ?")\(split.sql)
                ORDER BY c.id
                """, arguments: since.map { [$0] } ?? [])
            var records: [ComparisonRecord] = []
            while let row = try cursor.next() {
                records.append(ComparisonRecord(
                    id: row[0], promptID: row[1], prompt: try prompts.messages(row[1], db), split: row[13],
                    sampleAID: row[2], sampleBID: row[3], textA: row[4], textB: row[5], policyA: row[6], policyB: row[7],
                    outcome: row[8], reviewer: pseudonym(row[9]), comment: row[10], secondsSpent: row[11], createdAt: row[12]))
            }
            return records
        }
    }

    /// Live judgments with their answers, oldest first.
    public func labelledCompletions(
        since: Date? = nil, split: SplitFilter = .train, withReviewerNames: Bool = false
    ) throws -> [LabelledCompletion] {
        let pseudonym = try Pseudonymizer(secret: pseudonymSecret(), enabled: !withReviewerNames)
        return try read { db in
            var prompts = PromptCache()
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT j.id, s.prompt_id, s.id, s.text, pol.name, j.verdict, r.name, j.harm, j.tags, j.comment,
                       j.seconds_spent, j.created_at, p.split
                FROM judgments j
                JOIN samples s ON s.id = j.sample_id JOIN policies pol ON pol.id = s.policy_id
                JOIN reviewers r ON r.id = j.reviewer_id JOIN prompts p ON p.id = s.prompt_id
                WHERE \(Self.live("j", "judgments")) AND pol.name <> '\(Self.goldPolicyName)'\(since == nil ? "" : " AND j.created_at >= ?")\(split.sql)
                ORDER BY j.id
                """, arguments: since.map { [$0] } ?? [])
            var records: [LabelledCompletion] = []
            let decoder = JSONDecoder()
            while let row = try cursor.next() {
                let tagsJSON: String = row[8]
                records.append(LabelledCompletion(
                    prompt: try prompts.messages(row[1], db), completion: row[3], label: (row[5] as String) == Verdict.correct.rawValue,
                    promptID: row[1], split: row[12], sampleID: row[2], policy: row[4], judgmentID: row[0],
                    reviewer: pseudonym(row[6]), harm: row[7], tags: (try? decoder.decode([String].self, from: Data(tagsJSON.utf8))) ?? [],
                    comment: row[9], secondsSpent: row[10], createdAt: row[11]))
            }
            return records
        }
    }

    /// Preference pairs from live comparisons; ties and both-bad are left out.
    public func preferencePairs(since: Date? = nil, split: SplitFilter = .train, withReviewerNames: Bool = false) throws -> [PreferencePair] {
        try comparisonRecords(since: since, split: split, withReviewerNames: withReviewerNames).compactMap(\.preferencePair)
    }
}

/// Stable reviewer pseudonyms: HMAC-SHA256 of the name keyed by the database's own secret,
/// so the same reviewer has the same pseudonym in every export of this database and the
/// name cannot be recovered by hashing guesses without the database.
struct Pseudonymizer {
    let secret: [UInt8]
    let enabled: Bool

    init(secret: String, enabled: Bool) {
        self.secret = Array(secret.utf8)
        self.enabled = enabled
    }

    func callAsFunction(_ name: String) -> String {
        guard enabled else { return name }
        return "reviewer-" + Hex.string(SHA256.hmac(key: secret, message: Array(name.utf8)).prefix(6))
    }
}

/// Prompt messages by id, decoded once per export.
struct PromptCache {
    private var cache: [Int64: [ChatMessage]] = [:]

    mutating func messages(_ id: Int64, _ db: Database) throws -> [ChatMessage] {
        if let hit = cache[id] { return hit }
        let messages = try Prompt.fetchOne(db, key: id)?.messages ?? []
        cache[id] = messages
        return messages
    }
}
