import Foundation
import GRDB

// Reading corrections and rubric values that still count (their judgment is live), for
// exports, training and statistics.
extension FeedbackStore {
    /// Live corrections (their judgment neither superseded nor retracted), oldest first.
    public func correctionRecords(
        since: Date? = nil, split: SplitFilter = .train, withReviewerNames: Bool = false
    ) throws -> [CorrectionRecord] {
        let pseudonym = try Pseudonymizer(secret: pseudonymSecret(), enabled: !withReviewerNames)
        return try read { db in
            var prompts = PromptCache()
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT c.id, c.judgment_id, s.prompt_id, p.split, s.id, s.text, pol.name, c.text, r.name, c.created_at
                FROM corrections c JOIN judgments j ON j.id = c.judgment_id
                JOIN samples s ON s.id = j.sample_id JOIN policies pol ON pol.id = s.policy_id
                JOIN reviewers r ON r.id = j.reviewer_id JOIN prompts p ON p.id = s.prompt_id
                WHERE \(Self.live("j", "judgments"))\(since == nil ? "" : " AND j.created_at >= ?")\(split.sql)
                ORDER BY c.id
                """, arguments: since.map { [$0] } ?? [])
            var records: [CorrectionRecord] = []
            while let row = try cursor.next() {
                records.append(CorrectionRecord(
                    id: row[0], judgmentID: row[1], prompt: try prompts.messages(row[2], db), promptID: row[2], split: row[3],
                    sampleID: row[4], original: row[5], policy: row[6], corrected: row[7], reviewer: pseudonym(row[8]),
                    createdAt: row[9]))
            }
            return records
        }
    }

    /// Rubric values of live judgments, by judgment id (harm extent is the judgment's harm).
    public func judgmentAxes(since: Date? = nil, split: SplitFilter = .all) throws -> [Int64: [String: String]] {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT x.judgment_id, x.axis, x.value FROM judgment_axes x JOIN judgments j ON j.id = x.judgment_id
                JOIN samples s ON s.id = j.sample_id JOIN prompts p ON p.id = s.prompt_id
                WHERE \(Self.live("j", "judgments"))\(since == nil ? "" : " AND j.created_at >= ?")\(split.sql)
                """, arguments: since.map { [$0] } ?? [])
            var axes: [Int64: [String: String]] = [:]
            while let row = try cursor.next() { axes[row[0] as Int64, default: [:]][row[1] as String] = row[2] as String }
            return axes
        }
    }
}
