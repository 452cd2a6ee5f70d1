import Foundation
import GRDB

/// How reliable each reviewer is, from their live ratings of gold items: accuracy against
/// the known answer, and self-consistency when the same gold item came back to them (each
/// two consecutive ratings of one item by one reviewer are one repeat). Both with n and a
/// Wilson 95% interval; a reviewer is flagged when the accuracy's upper bound is below the
/// configured minimum, i.e. when the evidence says they are less accurate than that, never
/// on a small sample's point estimate.
public struct GoldCalibration: Codable, Sendable, Hashable {
    public struct ReviewerRow: Codable, Sendable, Hashable {
        /// Pseudonym unless names were asked for.
        public var name: String
        public var goldRatings: Int
        public var goldCorrect: Int
        public var accuracy: Double?
        public var lower: Double?
        public var upper: Double?
        public var repeats: Int
        public var consistent: Int
        public var consistency: Double?
        public var consistencyLower: Double?
        public var consistencyUpper: Double?
        public var flagged: Bool
    }

    /// Share of each queue that is gold, and the flagging threshold (database settings).
    public var share: Double
    public var minAccuracy: Double
    /// Gold items still queued, and all gold items ever added.
    public var activeItems: Int
    public var items: Int
    /// Reviewers with at least one gold rating.
    public var reviewers: [ReviewerRow]

    public var flagged: [String] { reviewers.filter(\.flagged).map(\.name) }
}

extension FeedbackStore {
    /// The calibration of every reviewer who rated a gold item (pseudonyms unless `withReviewerNames`).
    public func goldCalibration(withReviewerNames: Bool = false) throws -> GoldCalibration {
        let pseudonym = try Pseudonymizer(secret: pseudonymSecret(), enabled: !withReviewerNames)
        let settings = try goldSettings()
        return try read { db in
            // (reviewer, gold item) → what the reviewer said, in time order; and whether it was right.
            var said: [Int64: [Int64: [String]]] = [:]
            var counts: [Int64: (n: Int, correct: Int)] = [:]
            func add(_ reviewer: Int64, _ item: Int64, _ answer: String, expected: String) {
                said[reviewer, default: [:]][item, default: []].append(answer)
                var c = counts[reviewer] ?? (0, 0)
                c.n += 1
                if answer == expected { c.correct += 1 }
                counts[reviewer] = c
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT j.reviewer_id, g.id, g.expected, j.verdict FROM judgments j
                JOIN gold_items g ON g.sample_id = j.sample_id AND g.kind = 'judgment'
                WHERE \(Self.live("j", "judgments")) ORDER BY j.created_at, j.id
                """) {
                add(row[0], row[1], row[3], expected: row[2])
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT c.reviewer_id, g.id, g.expected, c.outcome, c.sample_a_id, c.sample_b_id, g.sample_id FROM comparisons c
                JOIN gold_items g ON g.sample_id = min(c.sample_a_id, c.sample_b_id) AND g.other_sample_id = max(c.sample_a_id, c.sample_b_id)
                WHERE \(Self.live("c", "comparisons")) ORDER BY c.created_at, c.id
                """) {
                let outcome: Outcome = row[3]
                let (a, b, first): (Int64, Int64, Int64) = (row[4], row[5], row[6])
                let answer: PairPreference = switch outcome {
                case .a: a == first ? .first : .second
                case .b: b == first ? .first : .second
                case .tie: .tie
                case .bothBad: .bothBad
                }
                add(row[0], row[1], answer.rawValue, expected: row[2])
            }
            let names = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, name FROM reviewers").map { ($0[0] as Int64, $0[1] as String) })
            var rows: [GoldCalibration.ReviewerRow] = []
            for (reviewer, c) in counts {
                var repeats = 0, consistent = 0
                for answers in said[reviewer, default: [:]].values where answers.count > 1 {
                    for i in 1..<answers.count {
                        repeats += 1
                        if answers[i] == answers[i - 1] { consistent += 1 }
                    }
                }
                let accuracy = Stats.wilsonInterval(successes: c.correct, total: c.n)
                let consistency = Stats.wilsonInterval(successes: consistent, total: repeats)
                rows.append(.init(
                    name: pseudonym(names[reviewer] ?? "?"), goldRatings: c.n, goldCorrect: c.correct,
                    accuracy: c.n > 0 ? Double(c.correct) / Double(c.n) : nil, lower: accuracy?.lower, upper: accuracy?.upper,
                    repeats: repeats, consistent: consistent, consistency: repeats > 0 ? Double(consistent) / Double(repeats) : nil,
                    consistencyLower: consistency?.lower, consistencyUpper: consistency?.upper,
                    flagged: (accuracy?.upper ?? 1) < settings.minAccuracy))
            }
            let items = try Int.fetchOne(db, sql: "SELECT count(*) FROM gold_items") ?? 0
            let active = try Int.fetchOne(db, sql: "SELECT count(*) FROM gold_items WHERE retired_at IS NULL") ?? 0
            return GoldCalibration(share: settings.share, minAccuracy: settings.minAccuracy, activeItems: active, items: items,
                                   reviewers: rows.sorted { $0.name < $1.name })
        }
    }
}
