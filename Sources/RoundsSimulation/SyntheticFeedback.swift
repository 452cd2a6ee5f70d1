@_spi(Seeding) import FeedbackStore
import Foundation
import GRDB

/// A made-up but plausible feedback history, for benchmarks and demos: policy versions
/// that get better (correct rate and Bradley-Terry strength rise with the version), pairs
/// of reviewers who agree most of the time, ratings spread over the last `days` days, and a
/// backlog of items nobody has claimed yet.
public struct SyntheticFeedback: Sendable {
    public var judgments = 1_000_000
    public var comparisons = 200_000
    /// Items still waiting for reviewers.
    public var openItems = 50_000
    public var reviewers = 20
    public var policies = 5
    public var prompts = 50_000
    public var overlap = 2
    public var days = 30
    public var seed: UInt64 = 1
    public init() {}
}

extension FeedbackStore {
    /// Bulk-inserts `spec` in one transaction with prepared statements (the fast path for
    /// millions of rows: one fsync, statements compiled once). `progress` gets a line per
    /// phase. For empty databases: names are fixed (`synthetic-rNN`, `vN`).
    public func seedSynthetic(_ spec: SyntheticFeedback, progress: (String) -> Void = { _ in }) throws {
        try seedingWrite { db in
            // Foreign keys checked once at commit instead of after every row.
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            var rng = SeededGenerator(seed: spec.seed)
            let start = seedingNow.timeIntervalSince1970 - Double(spec.days) * 86_400
            let span = Double(spec.days) * 86_400
            func stamp(_ t: Double) -> String { sqliteTimestamp(t) }
            let created = stamp(start)

            let reviewer = try db.makeStatement(sql: "INSERT INTO reviewers (name, display_name, created_at) VALUES (?, ?, ?)")
            for r in 0..<spec.reviewers { try reviewer.execute(arguments: [String(format: "synthetic-r%02d", r), "医師 \(r)", created]) }
            let policy = try db.makeStatement(sql: "INSERT INTO policies (name, created_at) VALUES (?, ?)")
            for p in 1...spec.policies { try policy.execute(arguments: ["v\(p)", created]) }
            let firstReviewer = try Int64.fetchOne(db, sql: "SELECT min(id) FROM reviewers WHERE name LIKE 'synthetic-r%'") ?? 1
            let firstPolicy = try Int64.fetchOne(db, sql: "SELECT min(id) FROM policies WHERE name = 'v1'") ?? 1

            progress("prompts: \(spec.prompts)")
            let prompt = try db.makeStatement(sql: """
                INSERT INTO prompts (content_hash, messages, text, split, source, created_at) VALUES (?, ?, ?, ?, 'synthetic', ?)
                """)
            var promptIDs: [Int64] = []
            for i in 0..<spec.prompts {
                let key = try PromptKey(text: "合成の質問 \(i): 症状が続いています。どうすればよいですか？")
                let json = #"[{"content":"\#(key.text)","role":"user"}]"#
                try prompt.execute(arguments: [key.hash, json, key.text, key.split(heldOutFraction: 0.1), created])
                promptIDs.append(db.lastInsertedRowID)
            }

            let sample = try db.makeStatement(sql: """
                INSERT INTO samples (prompt_id, policy_id, text, token_count, logprob_sum, temperature, seed, created_at)
                VALUES (?, ?, ?, ?, ?, 0.7, ?, ?)
                """)
            // Items start with no slot taken: the assignment triggers count the panel's.
            let item = try db.makeStatement(sql: """
                INSERT INTO review_items (kind, prompt_id, sample_id, other_sample_id, overlap, claimed, created_at)
                VALUES (?, ?, ?, ?, ?, 0, ?)
                """)
            let assignment = try db.makeStatement(sql: """
                INSERT INTO review_assignments (item_id, reviewer_id, a_sample_id, b_sample_id, state, claimed_at, opened_at)
                VALUES (?, ?, ?, ?, 'done', ?, ?)
                """)
            let judgment = try db.makeStatement(sql: """
                INSERT INTO judgments (assignment_id, sample_id, reviewer_id, verdict, seconds_spent, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            let comparison = try db.makeStatement(sql: """
                INSERT INTO comparisons (assignment_id, prompt_id, sample_a_id, sample_b_id, reviewer_id, outcome, seconds_spent, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func uniform() -> Double { Double(rng.next() >> 11) / 9_007_199_254_740_992 }
            func addSample(_ promptID: Int64, _ version: Int) throws -> Int64 {
                try sample.execute(arguments: [promptID, firstPolicy + Int64(version), "合成の回答 v\(version + 1)：安静にして、悪化したら受診してください。",
                                               40, -35.5, Int64(rng.next() >> 33), created])
                return db.lastInsertedRowID
            }
            /// K distinct reviewers for one item.
            func panel() -> [Int64] {
                var chosen: [Int] = []
                while chosen.count < min(spec.overlap, spec.reviewers) {
                    let r = rng.index(below: spec.reviewers)
                    if !chosen.contains(r) { chosen.append(r) }
                }
                return chosen.map { firstReviewer + Int64($0) }
            }

            let judgmentItems = spec.judgments / spec.overlap
            progress("judgments: \(judgmentItems) answers × \(spec.overlap) reviewers")
            for i in 0..<judgmentItems {
                let version = rng.index(below: spec.policies)
                let promptID = promptIDs[i % promptIDs.count]
                let sampleID = try addSample(promptID, version)
                let t = start + span * Double(i) / Double(judgmentItems)
                try item.execute(arguments: ["judgment", promptID, sampleID, nil, spec.overlap, stamp(t)])
                let itemID = db.lastInsertedRowID
                // Truth improves with the version; each reviewer reports it 85% of the time.
                let truth = uniform() < 0.5 + 0.08 * Double(version)
                for reviewerID in panel() {
                    let when = stamp(t + 60 + uniform() * 3600)
                    try assignment.execute(arguments: [itemID, reviewerID, sampleID, nil, when, when])
                    let verdict = (uniform() < 0.85) == truth ? "correct" : "incorrect"
                    try judgment.execute(arguments: [db.lastInsertedRowID, sampleID, reviewerID, verdict, 10 + uniform() * 80, when])
                }
            }

            let pairItems = spec.comparisons / spec.overlap
            progress("comparisons: \(pairItems) pairs × \(spec.overlap) reviewers")
            for i in 0..<pairItems {
                let promptID = promptIDs[i % promptIDs.count]
                let newer = 1 + rng.index(below: spec.policies - 1)
                let older = rng.index(below: newer)
                let (s1, s2) = (try addSample(promptID, newer), try addSample(promptID, older))
                let t = start + span * Double(i) / Double(pairItems)
                try item.execute(arguments: ["comparison", promptID, s1, s2, spec.overlap, stamp(t)])
                let itemID = db.lastInsertedRowID
                // Strength 10^(version·60/400): each version ~60 Elo better than the last.
                let pNewer = 1 / (1 + pow(10, -Double(newer - older) * 60 / 400))
                let roll = uniform()
                for reviewerID in panel() {
                    let when = stamp(t + 60 + uniform() * 3600)
                    let swap = rng.next() & 1 == 0
                    let (a, b) = swap ? (s2, s1) : (s1, s2)
                    try assignment.execute(arguments: [itemID, reviewerID, a, b, when, when])
                    let agree = uniform() < 0.8
                    let r = agree ? roll : uniform()
                    let outcome: String = r < 0.1 ? "tie" : r < 0.15 ? "both_bad" : ((r < 0.15 + 0.85 * pNewer) != swap ? "a" : "b")
                    try comparison.execute(arguments: [db.lastInsertedRowID, promptID, a, b, reviewerID, outcome, 20 + uniform() * 100, when])
                }
            }

            progress("backlog: \(spec.openItems) unclaimed items")
            for i in 0..<spec.openItems {
                let promptID = promptIDs[i % promptIDs.count]
                let sampleID = try addSample(promptID, spec.policies - 1)
                try item.execute(arguments: ["judgment", promptID, sampleID, nil, spec.overlap, stamp(start + span)])
            }
        }
        try seedingWrite { db in try db.execute(sql: "ANALYZE") }
    }
}

/// GRDB's text form of a date ("yyyy-MM-dd HH:mm:ss.SSS", UTC), made without a formatter
/// (millions of rows).
private func sqliteTimestamp(_ seconds: Double) -> String {
    var time = time_t(seconds.rounded(.down))
    var parts = tm()
    gmtime_r(&time, &parts)
    let millis = Int((seconds - seconds.rounded(.down)) * 1000)
    return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                  Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
}
