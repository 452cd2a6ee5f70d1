import Foundation
import GRDB

// Named writes and look-ups for reviewers, policy versions, prompts and samples.
extension FeedbackStore {
    // MARK: Reviewers

    /// Adds a reviewer. `name` is a handle without spaces (`tanaka`, `dr-sato`); the display
    /// name is one printable line (`田中 花子`). See `NameRules`.
    @discardableResult
    public func registerReviewer(name: String, displayName: String? = nil) throws -> Reviewer {
        try Self.validateHandle(name, what: "reviewer name")
        if let displayName, let problem = NameRules.displayNameProblem(displayName) {
            throw FeedbackStoreError.invalidName(displayName, reason: problem)
        }
        return try write { db in
            if try Reviewer.filter(Reviewer.Columns.name == name).fetchOne(db) != nil {
                throw FeedbackStoreError.reviewerExists(name)
            }
            var reviewer = Reviewer(id: nil, name: name, displayName: displayName ?? name, createdAt: now())
            try reviewer.insert(db)
            return reviewer
        }
    }

    public func reviewer(named name: String) throws -> Reviewer? {
        try read { db in try Reviewer.filter(Reviewer.Columns.name == name).fetchOne(db) }
    }

    public func reviewers() throws -> [Reviewer] {
        try read { db in try Reviewer.order(Reviewer.Columns.name).fetchAll(db) }
    }

    // MARK: Policy versions

    public func policy(named name: String) throws -> Policy? {
        try read { db in try Policy.filter(Policy.Columns.name == name).fetchOne(db) }
    }

    public func policies() throws -> [Policy] {
        try read { db in try Policy.order(Policy.Columns.id).fetchAll(db) }
    }

    /// The policy version named `name`, added if new.
    @discardableResult
    public func ensurePolicy(named name: String) throws -> Policy {
        try Self.validateHandle(name, what: "policy name")
        return try write { db in try Self.ensurePolicy(named: name, now: now(), db) }
    }

    static func ensurePolicy(named name: String, now: Date, _ db: Database) throws -> Policy {
        if let policy = try Policy.filter(Policy.Columns.name == name).fetchOne(db) { return policy }
        var policy = Policy(id: nil, name: name, createdAt: now)
        try policy.insert(db)
        return policy
    }

    // MARK: Prompts and samples

    /// Adds a prompt unless one with the same content hash exists; returns the stored prompt
    /// and whether it was new. The split comes from the hash (see `PromptKey`).
    @discardableResult
    public func addPrompt(
        messages: [ChatMessage], source: String? = nil, heldOutFraction: Double = PromptKey.defaultHeldOutFraction
    ) throws -> (prompt: Prompt, inserted: Bool) {
        let key = try PromptKey(messages: messages)
        return try write { db in try Self.addPrompt(key, source: source, heldOutFraction: heldOutFraction, now: now(), db) }
    }

    static func addPrompt(
        _ key: PromptKey, source: String?, heldOutFraction: Double, now: Date, _ db: Database
    ) throws -> (prompt: Prompt, inserted: Bool) {
        if let existing = try Prompt.filter(Prompt.Columns.contentHash == key.hash).fetchOne(db) {
            return (existing, false)
        }
        var prompt = Prompt(
            id: nil, contentHash: key.hash, messages: key.messages, text: key.text,
            split: key.split(heldOutFraction: heldOutFraction), source: source, createdAt: now)
        try prompt.insert(db)
        return (prompt, true)
    }

    public func prompt(id: Int64) throws -> Prompt? {
        try read { db in try Prompt.fetchOne(db, key: id) }
    }

    /// Adds one answer of `policy` (created if new) to a stored prompt.
    @discardableResult
    public func addSample(
        promptID: Int64, policy: String, text: String, tokenCount: Int? = nil, logprobSum: Double? = nil,
        temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, seed: Int64? = nil
    ) throws -> Sample {
        try Self.validateHandle(policy, what: "policy name")
        return try write { db in
            let policy = try Self.ensurePolicy(named: policy, now: now(), db)
            var sample = Sample(
                id: nil, promptID: promptID, policyID: policy.id!, text: text, tokenCount: tokenCount,
                logprobSum: logprobSum, temperature: temperature, topP: topP, topK: topK, seed: seed, createdAt: now())
            try sample.insert(db)
            return sample
        }
    }

    public func sample(id: Int64) throws -> Sample? {
        try read { db in try Sample.fetchOne(db, key: id) }
    }

    static func validateHandle(_ name: String, what: String) throws {
        if let problem = NameRules.handleProblem(name, what: what) { throw FeedbackStoreError.invalidName(name, reason: problem) }
    }
}
