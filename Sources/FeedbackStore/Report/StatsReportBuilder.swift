import Foundation
import GRDB

extension FeedbackStore {
    /// Builds the statistics report from ratings that still count (made at or after
    /// `since`, when given). The Bradley-Terry bootstrap is seeded, so a rerun on the same
    /// data prints the same intervals. Reviewers appear as the same stable pseudonyms as in
    /// exports (reviewer-3fa2c1…) unless `withReviewerNames` is set.
    public func statsReport(
        since: Date? = nil, bootstrapRounds: Int = 1000, seed: UInt64 = 42, withReviewerNames: Bool = false
    ) throws -> StatsReport {
        let pseudonym = try Pseudonymizer(secret: pseudonymSecret(), enabled: !withReviewerNames)
        var report: StatsReport = try read { db in
            // Gold answers measure reviewers, not policies (Gold/): their ratings are left out here.
            let policies = try Policy.filter(Policy.Columns.name != Self.goldPolicyName).order(Policy.Columns.id).fetchAll(db)
            // In pseudonym order when names are hidden, so the order gives no names away.
            let reviewers = try Reviewer.order(Reviewer.Columns.name).fetchAll(db).sorted { pseudonym($0.name) < pseudonym($1.name) }
            let policyIndex = Dictionary(uniqueKeysWithValues: policies.enumerated().map { ($1.id!, $0) })
            let reviewerIndex = Dictionary(uniqueKeysWithValues: reviewers.enumerated().map { ($1.id!, $0) })
            let sinceSQL = since == nil ? "" : " AND created_at >= ?"
            let arguments: StatementArguments = since.map { [$0] } ?? []

            var seconds = [[Double]](repeating: [], count: reviewers.count)
            var judgmentCount = [Int](repeating: 0, count: reviewers.count)
            var comparisonCount = [Int](repeating: 0, count: reviewers.count)

            // Sequential scans, no joins: a million random look-ups into samples cost more
            // than reading the small sample → version map once. Superseded ids come from
            // the partial index on supersedes_id (edits and undos only: few, often none, and
            // then no row is hashed).
            let policyOfSample = try Self.policyOfSample(db, policyIndex: policyIndex)
            let supersededJudgments = Set(try Int64.fetchAll(db, sql: "SELECT supersedes_id FROM judgments WHERE supersedes_id IS NOT NULL"))
            let supersededComparisons = Set(try Int64.fetchAll(db, sql: "SELECT supersedes_id FROM comparisons WHERE supersedes_id IS NOT NULL"))
            // Slots the informative order chose (partial index; none under oldest-first): their
            // ratings stay out of rates and wins, which must not depend on what a model found uncertain.
            let informative = Set(try Int64.fetchAll(db, sql: "SELECT id FROM review_assignments INDEXED BY review_assignments_draw WHERE draw = 'informative'"))
            var leftOut = StatsReport.InformativeDraws(judgmentsLeftOut: 0, comparisonsLeftOut: 0)

            // Judgments: per policy correct counts; per answer the reviewers' verdicts.
            var correct = [Int](repeating: 0, count: policies.count)
            var total = [Int](repeating: 0, count: policies.count)
            var judgmentUnits: [UnitRating] = []
            let judgments = try Row.fetchCursor(db, sql: """
                SELECT id, reviewer_id, sample_id, verdict = 'correct', seconds_spent, assignment_id FROM judgments
                WHERE retracted = 0\(sinceSQL)
                """, arguments: arguments)
            while let row = try judgments.next() {
                let sampleID: Int64 = row[2]
                guard let r = reviewerIndex[row[1]], let p = policyOfSample(sampleID),
                      supersededJudgments.isEmpty || !supersededJudgments.contains(row[0]) else { continue }
                let isCorrect: Bool = row[3]
                if !informative.isEmpty, let assignment = row[5] as Int64?, informative.contains(assignment) {
                    leftOut.judgmentsLeftOut += 1
                } else {
                    total[p] += 1
                    if isCorrect { correct[p] += 1 }
                }
                judgmentCount[r] += 1
                seconds[r].append(row[4])
                judgmentUnits.append(UnitRating(unit: sampleID, reviewer: Int32(r), value: isCorrect ? 0 : 1))
            }

            // Comparisons: battles between versions; per unordered pair of answers the
            // outcome relative to the lower sample id (sides as shown vary by reviewer).
            var battles: [Battle] = []
            var pairIDs: [PairKey: Int64] = [:]
            var comparisonUnits: [UnitRating] = []
            let comparisons = try Row.fetchCursor(db, sql: """
                SELECT id, reviewer_id, sample_a_id, sample_b_id,
                       CASE outcome WHEN 'a' THEN 0 WHEN 'b' THEN 1 WHEN 'tie' THEN 2 ELSE 3 END, seconds_spent, assignment_id
                FROM comparisons WHERE retracted = 0\(sinceSQL)
                """, arguments: arguments)
            while let row = try comparisons.next() {
                let (a, b): (Int64, Int64) = (row[2], row[3])
                guard let r = reviewerIndex[row[1]], let pa = policyOfSample(a), let pb = policyOfSample(b),
                      supersededComparisons.isEmpty || !supersededComparisons.contains(row[0]) else { continue }
                let outcome = BattleOutcome(rawValue: row[4])!
                comparisonCount[r] += 1
                seconds[r].append(row[5])
                if !informative.isEmpty, let assignment = row[6] as Int64?, informative.contains(assignment) {
                    leftOut.comparisonsLeftOut += 1
                } else if pa != pb {
                    battles.append(Battle(first: pa, second: pb, outcome: outcome))
                }
                // Normalize to (lower id, higher id): swap first/second wins when a > b.
                var value = outcome.rawValue
                if a > b && value < 2 { value = 1 - value }
                let key = PairKey(low: min(a, b), high: max(a, b))
                let unit = pairIDs[key] ?? { pairIDs[key] = Int64(pairIDs.count); return Int64(pairIDs.count - 1) }()
                comparisonUnits.append(UnitRating(unit: unit, reviewer: Int32(r), value: Int32(value)))
            }

            let names = reviewers.map { pseudonym($0.name) }
            let fitted = BradleyTerry.ratings(battles, count: policies.count, rounds: bootstrapRounds, seed: seed)
            let matrix = WinMatrix(battles: battles, count: policies.count)
            var report = StatsReport(
                generatedAt: now(), since: since, policies: policies.map(\.name),
                reviewers: reviewers.indices.map { r in
                    StatsReport.ReviewerRow(
                        name: names[r], displayName: withReviewerNames ? reviewers[r].displayName : names[r], judgments: judgmentCount[r],
                        comparisons: comparisonCount[r], medianSeconds: Stats.median(seconds[r]))
                },
                correctRates: policies.indices.map { p in
                    let interval = Stats.wilsonInterval(successes: correct[p], total: total[p])
                    return StatsReport.CorrectRate(
                        policy: policies[p].name, correct: correct[p], total: total[p],
                        rate: total[p] > 0 ? Double(correct[p]) / Double(total[p]) : nil,
                        lower: interval?.lower, upper: interval?.upper)
                },
                winMatrix: matrix,
                ratings: policies.indices.map { p in
                    StatsReport.PolicyRating(
                        policy: policies[p].name, rating: fitted[p].rating, lower: fitted[p].lower, upper: fitted[p].upper,
                        comparisons: matrix.cells[p].reduce(0) { $0 + $1.total })
                },
                bootstrapRounds: bootstrapRounds, bootstrapSeed: seed,
                judgmentAgreement: .init(ratings: judgmentUnits, reviewerNames: names, categories: 2),
                comparisonAgreement: .init(ratings: comparisonUnits, reviewerNames: names, categories: 4))
            (report.corrections, report.axes) = try Self.rubricStatistics(db, since: since, policies: policies, judged: total)
            report.informativeDraws = leftOut
            return report
        }
        report.calibration = try goldCalibration(withReviewerNames: withReviewerNames)
        report.adjudication = try adjudicationSummary()
        return report
    }
}

extension FeedbackStore {
    /// sample id → index of its policy version, as a dense table (ids are rowids, nearly
    /// contiguous) with a dictionary fallback for sparse ids.
    static func policyOfSample(_ db: Database, policyIndex: [Int64: Int]) throws -> (Int64) -> Int? {
        let maxID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM samples") ?? 0
        let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM samples") ?? 0
        let rows = try Row.fetchCursor(db, sql: "SELECT id, policy_id FROM samples")
        if maxID <= 2 * count + 1024 {
            var table = [Int32](repeating: -1, count: Int(maxID) + 1)
            while let row = try rows.next() {
                if let p = policyIndex[row[1]] { table[Int(row[0] as Int64)] = Int32(p) }
            }
            return { id in id >= 0 && id < table.count && table[Int(id)] >= 0 ? Int(table[Int(id)]) : nil }
        }
        var map: [Int64: Int] = [:]
        while let row = try rows.next() { map[row[0]] = policyIndex[row[1]] }
        return { map[$0] }
    }
}

/// An unordered pair of samples (lower id first): the unit of comparison agreement.
struct PairKey: Hashable {
    var low: Int64
    var high: Int64
}
