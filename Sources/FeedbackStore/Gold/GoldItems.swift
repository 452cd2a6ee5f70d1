import Foundation
import GRDB
import Privacy

/// The settings of gold items, kept in the database (`settings`), the one place every path
/// that fills the queue reads them from.
public enum GoldSettings {
    /// Share of each reviewer's queue that is gold: 7%, inside the 5–10% annotation teams use
    /// (enough gold ratings to estimate a reviewer's accuracy within a few weeks, few enough
    /// not to waste a physician's time).
    public static let defaultShare = 0.07
    /// A reviewer whose gold accuracy's Wilson 95% UPPER bound is below this is flagged:
    /// demonstrably less accurate than 80% on items whose answer is known.
    public static let defaultMinAccuracy = 0.8
    /// The largest share accepted: beyond half, the queue is mostly tests.
    public static let maxShare = 0.5
}

/// An answer (or pair of answers) with a known verdict, added by a lead.
public struct GoldItem: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "gold_items"
    public var id: Int64?
    public var kind: ItemKind
    public var promptID: Int64
    public var sampleID: Int64
    public var otherSampleID: Int64?
    /// `correct` / `incorrect`, or for pairs `first` / `second` / `tie` / `both_bad`.
    public var expected: String
    public var rationale: String?
    public var addedBy: String
    public var createdAt: Date
    public var retiredAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, kind, promptID = "prompt_id", sampleID = "sample_id", otherSampleID = "other_sample_id", expected, rationale
        case addedBy = "added_by", createdAt = "created_at", retiredAt = "retired_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A gold item to add: a prompt, one answer with a verdict or two with a preference.
public struct NewGoldItem: Sendable {
    public var prompt: PromptKey
    public var answers: [String]
    public var expected: ItemLabel
    public var rationale: String?

    public init(prompt: PromptKey, answer: String, verdict: Verdict, rationale: String? = nil) {
        (self.prompt, answers, expected, self.rationale) = (prompt, [answer], .verdict(verdict), rationale)
    }

    public init(prompt: PromptKey, first: String, second: String, preferred: PairPreference, rationale: String? = nil) {
        (self.prompt, answers, expected, self.rationale) = (prompt, [first, second], .preference(preferred), rationale)
    }
}

extension FeedbackStore {
    /// Answers of gold items are samples of this reserved policy, which statistics, exports
    /// and training leave out.
    public static let goldPolicyName = "_gold"

    /// Adds gold items as `actor` (a lead), one transaction with one audit entry. `source`
    /// names the file for an import. Texts are scrubbed of identifiers unless `scrubber` is nil.
    @discardableResult
    public func addGoldItems(
        _ items: [NewGoldItem], by actor: Caller, source: String? = nil, scrubber: Scrubber? = .standard
    ) throws -> [GoldItem] {
        var scrub = ImportText(scrubber: scrubber)
        let cleaned = try items.map { item -> NewGoldItem in
            var copy = item
            copy.prompt = try scrub.prompt(item.prompt)
            copy.answers = item.answers.map { scrub($0) }
            copy.rationale = item.rationale.map { scrub($0) }
            for answer in copy.answers where Self.isBlank(answer) {
                throw FeedbackStoreError.invalidValue(field: "gold answer", value: answer, hint: "a gold answer needs text to judge")
            }
            if copy.answers.count == 2, copy.answers[0] == copy.answers[1] {
                throw FeedbackStoreError.invalidValue(field: "gold pair", value: copy.answers[0], hint: "the two answers of a pair must differ")
            }
            return copy
        }
        let replaced = scrub.replaced
        return try write { db in
            try Self.requireLead(actor, for: "adding gold items", db)
            let policy = try Self.ensurePolicy(named: Self.goldPolicyName, now: now(), db)
            var added: [GoldItem] = []
            for item in cleaned {
                let (prompt, _) = try Self.addPrompt(item.prompt, source: source ?? "gold", heldOutFraction: PromptKey.defaultHeldOutFraction, now: now(), db)
                let samples = try item.answers.map { text -> Int64 in
                    var sample = Sample(id: nil, promptID: prompt.id!, policyID: policy.id!, text: text, tokenCount: nil, logprobSum: nil,
                                        temperature: nil, topP: nil, topK: nil, seed: nil, createdAt: now())
                    try sample.insert(db)
                    return sample.id!
                }
                var gold = GoldItem(
                    id: nil, kind: samples.count == 1 ? .judgment : .comparison, promptID: prompt.id!, sampleID: samples[0],
                    otherSampleID: samples.count == 2 ? samples[1] : nil, expected: item.expected.stored, rationale: item.rationale,
                    addedBy: actor.name, createdAt: now(), retiredAt: nil)
                try gold.insert(db)
                added.append(gold)
            }
            let ids = added.map { String($0.id!) }.joined(separator: ",")
            try audit(source == nil ? .goldAdd : .goldImport, actor: actor.name, login: actor.login, subject: source ?? "gold \(ids)",
                      reason: nil, details: ["items": ids, "count": "\(added.count)", "identifiers_replaced": "\(replaced)"], db)
            return added
        }
    }

    /// Retires a gold item: it is queued no more; ratings already made still measure reviewers.
    public func retireGoldItem(_ id: Int64, by actor: Caller, reason: String?) throws {
        try write { db in
            try Self.requireLead(actor, for: "retiring a gold item", db)
            guard let item = try GoldItem.fetchOne(db, key: id) else {
                throw FeedbackStoreError.invalidValue(field: "gold item", value: "\(id)", hint: "list them with: rounds gold list")
            }
            guard item.retiredAt == nil else { return }
            try db.execute(sql: "UPDATE gold_items SET retired_at = ? WHERE id = ?", arguments: [now(), id])
            try audit(.goldRetire, actor: actor.name, login: actor.login, subject: "gold \(id)", reason: reason, details: [:], db)
        }
    }

    public func goldItems() throws -> [GoldItem] {
        try read { db in try GoldItem.order(Column("id")).fetchAll(db) }
    }

    /// The share of each queue that is gold, and the accuracy below which a reviewer is flagged.
    public func goldSettings() throws -> (share: Double, minAccuracy: Double) {
        try read { db in
            let share = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'gold_share'").flatMap(Double.init)
            let minimum = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'gold_min_accuracy'").flatMap(Double.init)
            return (share ?? GoldSettings.defaultShare, minimum ?? GoldSettings.defaultMinAccuracy)
        }
    }

    /// Changes the gold share and/or the flagging threshold (a lead's change, audited).
    public func setGoldSettings(share: Double?, minAccuracy: Double?, by actor: Caller) throws {
        if let share, !(share.isFinite && share >= 0 && share <= GoldSettings.maxShare) {
            throw FeedbackStoreError.invalidValue(field: "gold share", value: "\(share)", hint: "a fraction from 0 (no gold) to 0.5, e.g. 0.07")
        }
        if let minAccuracy, !(minAccuracy.isFinite && minAccuracy >= 0 && minAccuracy <= 1) {
            throw FeedbackStoreError.invalidValue(field: "minimum gold accuracy", value: "\(minAccuracy)", hint: "a fraction from 0 to 1, e.g. 0.8")
        }
        try write { db in
            try Self.requireLead(actor, for: "changing the gold settings", db)
            var details: [String: String] = [:]
            for (key, value) in [("gold_share", share), ("gold_min_accuracy", minAccuracy)] {
                guard let value else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", arguments: [key, "\(value)"])
                details[key] = "\(value)"
            }
            try audit(.goldSettings, actor: actor.name, login: actor.login, subject: "gold settings", reason: nil, details: details, db)
        }
    }
}
