import Foundation
import GRDB

// What the sampling step of the loop needs from the store: which prompts still lack
// answers from a policy, and a way to add a whole batch of answers at once.
extension FeedbackStore {
    /// Prompts (of `split`, when given) with fewer than `samplesPerPrompt` answers from
    /// `policy`, oldest first.
    public func promptsNeedingSamples(policy: String, samplesPerPrompt: Int, split: Split? = nil, limit: Int? = nil) throws -> [Prompt] {
        try read { db in
            var sql = """
                SELECT p.* FROM prompts p
                WHERE (SELECT COUNT(*) FROM samples s JOIN policies v ON v.id = s.policy_id
                       WHERE s.prompt_id = p.id AND v.name = ?) < ?
                """
            var arguments: StatementArguments = [policy, samplesPerPrompt]
            if let split {
                sql += " AND p.split = ?"
                arguments += [split]
            }
            sql += " ORDER BY p.id"
            if let limit { sql += " LIMIT \(max(0, limit))" }
            return try Prompt.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// One answer to add with `addSamples`.
    public struct NewSample: Sendable {
        public var promptID: Int64
        public var text: String
        public var tokenCount: Int?
        public var logprobSum: Double?
        public var temperature: Double?
        public var topP: Double?
        public var topK: Int?
        public var seed: Int64?
        public init(promptID: Int64, text: String, tokenCount: Int?, logprobSum: Double?,
                    temperature: Double?, topP: Double?, topK: Int?, seed: Int64?) {
            self.promptID = promptID
            self.text = text
            self.tokenCount = tokenCount
            self.logprobSum = logprobSum
            self.temperature = temperature
            self.topP = topP
            self.topK = topK
            self.seed = seed
        }
    }

    /// Adds answers of `policy` in ONE transaction: all of them or none.
    @discardableResult
    public func addSamples(_ samples: [NewSample], policy: String) throws -> [Sample] {
        try Self.validateHandle(policy, what: "policy name")
        return try write { db in
            let version = try Self.ensurePolicy(named: policy, now: now(), db)
            return try samples.map { s in
                var sample = Sample(
                    id: nil, promptID: s.promptID, policyID: version.id!, text: s.text, tokenCount: s.tokenCount,
                    logprobSum: s.logprobSum, temperature: s.temperature, topP: s.topP, topK: s.topK, seed: s.seed, createdAt: now())
                try sample.insert(db)
                return sample
            }
        }
    }

    /// How many answers `policy` has for each of `promptIDs` (absent: none).
    public func sampleCounts(policy: String, promptIDs: [Int64]) throws -> [Int64: Int] {
        try samples(policy: policy, promptIDs: promptIDs).reduce(into: [:]) { $0[$1.promptID, default: 0] += 1 }
    }

    /// The answers of `policy` to `promptIDs`, oldest first.
    public func samples(policy: String, promptIDs: [Int64]) throws -> [Sample] {
        guard !promptIDs.isEmpty else { return [] }
        return try read { db in
            try Sample.fetchAll(db, sql: """
                SELECT s.* FROM samples s JOIN policies v ON v.id = s.policy_id
                WHERE v.name = ? AND s.prompt_id IN (\(promptIDs.map { _ in "?" }.joined(separator: ",")))
                ORDER BY s.id
                """, arguments: StatementArguments([policy] as [any DatabaseValueConvertible] + promptIDs))
        }
    }

    /// Prompts of `split` (all when nil), oldest first.
    public func prompts(split: Split? = nil, limit: Int? = nil) throws -> [Prompt] {
        try read { db in
            var request = Prompt.order(Column("id"))
            if let split { request = request.filter(Column("split") == split) }
            if let limit { request = request.limit(max(0, limit)) }
            return try request.fetchAll(db)
        }
    }
}
