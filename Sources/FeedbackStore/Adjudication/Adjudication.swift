import Foundation
import GRDB

/// The label an item gets: a verdict on one answer, or a preference between two.
public enum ItemLabel: Hashable, Sendable {
    case verdict(Verdict)
    /// For a pair, in terms of its first (lower id) and second answers.
    case preference(PairPreference)

    var stored: String {
        switch self {
        case .verdict(let v): return v.rawValue
        case .preference(let p): return p.rawValue
        }
    }

    init?(kind: ItemKind, stored: String) {
        switch kind {
        case .judgment: guard let v = Verdict(rawValue: stored) else { return nil }; self = .verdict(v)
        case .comparison: guard let p = PairPreference(rawValue: stored) else { return nil }; self = .preference(p)
        }
    }
}

public enum PairPreference: String, Codable, Sendable, CaseIterable {
    case first, second, tie
    case bothBad = "both_bad"
}

/// Two answers to one prompt, lower sample id first: the unit a comparison is about,
/// whichever side each reviewer saw them on.
public struct SamplePair: Hashable, Sendable {
    public var first: Int64
    public var second: Int64
    public init(_ a: Int64, _ b: Int64) { (first, second) = (min(a, b), max(a, b)) }
}

/// An item the reviewers disagree on, as the lead sees it: the prompt, the answer(s), and
/// every live rating side by side (pairs in the item's own order: first = A, second = B).
public struct AdjudicationCase: Hashable, Sendable {
    public struct RatingView: Hashable, Sendable {
        public var reviewer: String
        /// correct / incorrect, or A / B / tie / both bad in the case's order.
        public var label: String
        public var harm: HarmLevel?
        public var tags: [String]
        public var comment: String?
    }

    public var kind: ItemKind
    public var prompt: Prompt
    /// One answer, or the pair's first and second answers.
    public var sampleIDs: [Int64]
    public var texts: [String]
    public var ratings: [RatingView]
    /// The live adjudication, when the case was already settled (then it can be changed).
    public var current: ItemLabel?
}

/// Agreement before adjudication and the lead's work on it.
public struct AdjudicationSummary: Codable, Sendable, Hashable {
    /// Items (answers or answer pairs, gold left out) with live ratings from two or more reviewers.
    public var multiplyRated: Int
    /// Of those, items whose ratings all agree (verdict; for a pair A, B, tie or both bad).
    public var agreed: Int
    public var agreementRate: Double?
    public var agreementLower: Double?
    public var agreementUpper: Double?
    /// Items the reviewers disagree on, adjudicated and still waiting.
    public var disagreements: Int
    public var adjudicated: Int
    public var pending: Int
}

extension FeedbackStore {
    /// Disagreements, oldest first: (kind, judged sample or pair) with ≥ 2 live ratings that
    /// differ (verdict; preferred answer, tie or both bad). Gold answers are left out. No joins:
    /// at a million ratings this is one pass over each rating table.
    func disagreements(_ db: Database) throws -> (judgments: [Int64], pairs: [SamplePair], multiplyRated: Int) {
        let gold = Set(try Int64.fetchAll(db, sql: """
            SELECT sample_id FROM gold_items UNION SELECT other_sample_id FROM gold_items WHERE other_sample_id IS NOT NULL
            """))
        let judgmentRows = try Row.fetchAll(db, sql: """
            SELECT j.sample_id, count(DISTINCT j.verdict) FROM judgments j
            WHERE \(Self.live("j", "judgments"))
            GROUP BY j.sample_id HAVING count(DISTINCT j.reviewer_id) > 1 ORDER BY min(j.id)
            """).filter { !gold.contains($0[0]) }
        let pairRows = try Row.fetchAll(db, sql: """
            SELECT min(c.sample_a_id, c.sample_b_id) AS lo, max(c.sample_a_id, c.sample_b_id) AS hi,
                   count(DISTINCT CASE c.outcome WHEN 'a' THEN c.sample_a_id WHEN 'b' THEN c.sample_b_id WHEN 'tie' THEN -1 ELSE -2 END)
            FROM comparisons c WHERE \(Self.live("c", "comparisons"))
            GROUP BY lo, hi HAVING count(DISTINCT c.reviewer_id) > 1 ORDER BY min(c.id)
            """).filter { !gold.contains($0[0]) }
        let judgments = judgmentRows.filter { ($0[1] as Int) > 1 }.map { $0[0] as Int64 }
        let pairs = pairRows.filter { ($0[2] as Int) > 1 }.map { SamplePair($0[0], $0[1]) }
        return (judgments, pairs, judgmentRows.count + pairRows.count)
    }

    /// Live adjudications: judged sample → verdict, pair → preference.
    public func adjudicatedLabels() throws -> (judgments: [Int64: Verdict], pairs: [SamplePair: PairPreference]) {
        try read { db in try Self.adjudicatedLabels(db) }
    }

    static func adjudicatedLabels(_ db: Database) throws -> (judgments: [Int64: Verdict], pairs: [SamplePair: PairPreference]) {
        var judgments: [Int64: Verdict] = [:], pairs: [SamplePair: PairPreference] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT a.kind, a.sample_id, a.other_sample_id, a.label FROM adjudications a
            WHERE NOT EXISTS (SELECT 1 FROM adjudications n WHERE n.supersedes_id = a.id)
            """) {
            let kind: ItemKind = row[0]
            switch ItemLabel(kind: kind, stored: row[3]) {
            case .verdict(let v)?: judgments[row[1]] = v
            case .preference(let p)?: pairs[SamplePair(row[1], row[2])] = p
            case nil: continue
            }
        }
        return (judgments, pairs)
    }

    /// Items waiting for a lead, oldest disagreement first (at most `limit`).
    public func adjudicationQueue(limit: Int = 100) throws -> [AdjudicationCase] {
        try read { db in
            let open = try disagreements(db)
            let settled = try Self.adjudicatedLabels(db)
            var cases: [AdjudicationCase] = []
            for sample in open.judgments where settled.judgments[sample] == nil && cases.count < limit {
                cases.append(try Self.judgmentCase(sample, current: nil, db))
            }
            for pair in open.pairs where settled.pairs[pair] == nil && cases.count < limit {
                cases.append(try Self.pairCase(pair, current: nil, db))
            }
            return cases
        }
    }

    public func adjudicationSummary() throws -> AdjudicationSummary {
        try read { db in
            let open = try disagreements(db)
            let settled = try Self.adjudicatedLabels(db)
            let adjudicated = open.judgments.filter { settled.judgments[$0] != nil }.count + open.pairs.filter { settled.pairs[$0] != nil }.count
            let disagreements = open.judgments.count + open.pairs.count
            let agreed = open.multiplyRated - disagreements
            let interval = Stats.wilsonInterval(successes: agreed, total: open.multiplyRated)
            return AdjudicationSummary(
                multiplyRated: open.multiplyRated, agreed: agreed,
                agreementRate: open.multiplyRated > 0 ? Double(agreed) / Double(open.multiplyRated) : nil,
                agreementLower: interval?.lower, agreementUpper: interval?.upper, disagreements: disagreements,
                adjudicated: adjudicated, pending: disagreements - adjudicated)
        }
    }

    /// Records the lead's label for `item` (superseding an earlier adjudication of it). The
    /// reviewers' ratings stay as they are; the night trains on this label.
    public func adjudicate(_ item: AdjudicationCase, label: ItemLabel, by actor: Caller, reason: String? = nil) throws {
        switch (item.kind, label) {
        case (.judgment, .verdict), (.comparison, .preference): break
        default: throw FeedbackStoreError.invalidValue(field: "adjudication", value: label.stored, hint: "a verdict for an answer, a preference for a pair")
        }
        try write { db in
            try Self.requireLead(actor, for: "adjudicating", db)
            guard let lead = try actor.reviewer ?? Reviewer.filter(Reviewer.Columns.name == actor.login).fetchOne(db) else {
                throw AccessError.leadOnly(action: "adjudicating", login: actor.login, actingAs: nil)
            }
            let other: Int64? = item.sampleIDs.count == 2 ? item.sampleIDs[1] : nil
            let previous = try Int64.fetchOne(db, sql: """
                SELECT a.id FROM adjudications a WHERE a.kind = ? AND a.sample_id = ? AND a.other_sample_id IS ?
                  AND NOT EXISTS (SELECT 1 FROM adjudications n WHERE n.supersedes_id = a.id)
                """, arguments: [item.kind, item.sampleIDs[0], other])
            try db.execute(sql: """
                INSERT INTO adjudications (kind, prompt_id, sample_id, other_sample_id, label, lead_id, reason, created_at, supersedes_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [item.kind, item.prompt.id, item.sampleIDs[0], other, label.stored, lead.id, reason, now(), previous])
            try audit(.adjudicate, actor: actor.name, login: actor.login,
                      subject: "\(item.kind.rawValue) " + item.sampleIDs.map(String.init).joined(separator: "/"), reason: reason,
                      details: ["label": label.stored, "ratings": "\(item.ratings.count)"], db)
        }
    }

    static func judgmentCase(_ sampleID: Int64, current: ItemLabel?, _ db: Database) throws -> AdjudicationCase {
        guard let sample = try Sample.fetchOne(db, key: sampleID), let prompt = try Prompt.fetchOne(db, key: sample.promptID) else {
            throw FeedbackStoreError.unknownRating(kind: "answer", id: sampleID)
        }
        let ratings = try Row.fetchAll(db, sql: """
            SELECT r.display_name, j.verdict, j.harm, j.tags, j.comment FROM judgments j JOIN reviewers r ON r.id = j.reviewer_id
            WHERE j.sample_id = ? AND \(Self.live("j", "judgments")) ORDER BY j.id
            """, arguments: [sampleID]).map { row in
            AdjudicationCase.RatingView(reviewer: row[0], label: row[1], harm: row[2], tags: decodeTags(row[3]), comment: row[4])
        }
        return AdjudicationCase(kind: .judgment, prompt: prompt, sampleIDs: [sampleID], texts: [sample.text], ratings: ratings, current: current)
    }

    static func pairCase(_ pair: SamplePair, current: ItemLabel?, _ db: Database) throws -> AdjudicationCase {
        guard let first = try Sample.fetchOne(db, key: pair.first), let second = try Sample.fetchOne(db, key: pair.second),
              let prompt = try Prompt.fetchOne(db, key: first.promptID)
        else { throw FeedbackStoreError.unknownRating(kind: "answer pair", id: pair.first) }
        let ratings = try Row.fetchAll(db, sql: """
            SELECT r.display_name, c.outcome, c.sample_a_id, c.comment FROM comparisons c JOIN reviewers r ON r.id = c.reviewer_id
            WHERE min(c.sample_a_id, c.sample_b_id) = ? AND max(c.sample_a_id, c.sample_b_id) = ? AND \(Self.live("c", "comparisons"))
            ORDER BY c.id
            """, arguments: [pair.first, pair.second]).map { row -> AdjudicationCase.RatingView in
            let outcome: Outcome = row[1]
            let shownFirst = (row[2] as Int64) == pair.first
            let label = switch outcome {
            case .a: shownFirst ? "A" : "B"
            case .b: shownFirst ? "B" : "A"
            case .tie: "tie"
            case .bothBad: "both bad"
            }
            return .init(reviewer: row[0], label: label, harm: nil, tags: [], comment: row[3])
        }
        return AdjudicationCase(kind: .comparison, prompt: prompt, sampleIDs: [pair.first, pair.second], texts: [first.text, second.text],
                                ratings: ratings, current: current)
    }

    static func decodeTags(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}
