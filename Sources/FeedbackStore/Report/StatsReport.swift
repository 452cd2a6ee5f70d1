import Foundation

/// Everything `rounds stats` shows, computed from ratings that still count (latest,
/// not superseded, not retracted), optionally only those made since a date. Codable: the
/// JSON format is this struct.
public struct StatsReport: Codable, Sendable {
    public struct ReviewerRow: Codable, Sendable, Hashable {
        public var name: String
        public var displayName: String
        public var judgments: Int
        public var comparisons: Int
        /// Median seconds per rated item (judgments and comparisons together).
        public var medianSeconds: Double?
    }

    public struct CorrectRate: Codable, Sendable, Hashable {
        public var policy: String
        public var correct: Int
        public var total: Int
        public var rate: Double?
        /// Wilson 95% interval.
        public var lower: Double?
        public var upper: Double?
    }

    public struct PolicyRating: Codable, Sendable, Hashable {
        public var policy: String
        /// Bradley-Terry rating, Elo scale (mean 1000); nil when it has no finite MLE.
        public var rating: Double?
        public var lower: Double?
        public var upper: Double?
        public var comparisons: Int
    }

    public struct ReviewerPairKappa: Codable, Sendable, Hashable {
        public var first: String
        public var second: String
        public var units: Int
        public var kappa: Double?
    }

    public struct Agreement: Codable, Sendable, Hashable {
        /// Items rated by two or more reviewers.
        public var units: Int
        public var cohen: [ReviewerPairKappa]
        /// Fleiss' kappa over the units with the most common number of ratings.
        public var fleissKappa: Double?
        public var fleissUnits: Int
        public var fleissRaters: Int
        /// Krippendorff's alpha (nominal) over all units with two or more ratings.
        public var krippendorffAlpha: Double?
    }

    public var generatedAt: Date
    public var since: Date?
    /// Policy versions in the order they were added (rows and columns of `winMatrix`).
    public var policies: [String]
    public var reviewers: [ReviewerRow]
    public var correctRates: [CorrectRate]
    public var winMatrix: WinMatrix
    public var ratings: [PolicyRating]
    public var bootstrapRounds: Int
    public var bootstrapSeed: UInt64
    /// Agreement on judgments (categories: correct, incorrect).
    public var judgmentAgreement: Agreement
    /// Agreement on comparisons (categories: first better, second better, tie, both bad,
    /// with the pair's samples in a fixed order, whatever side each reviewer saw).
    public var comparisonAgreement: Agreement
}

extension StatsReport.Agreement {
    /// Agreement among reviewers on units: `ratings[unit]` maps reviewer index → category.
    init(ratings: [[(reviewer: Int, value: Int)]], reviewerNames: [String], categories: Int) {
        let multi = ratings.filter { $0.count >= 2 }
        units = multi.count
        // Cohen per pair of reviewers, on the units both rated.
        var pairs: [Int: ([Int], [Int])] = [:]
        let r = reviewerNames.count
        for unit in multi {
            let sorted = unit.sorted { $0.reviewer < $1.reviewer }
            for x in 0..<sorted.count {
                for y in (x + 1)..<sorted.count {
                    let key = sorted[x].reviewer * r + sorted[y].reviewer
                    pairs[key, default: ([], [])].0.append(sorted[x].value)
                    pairs[key, default: ([], [])].1.append(sorted[y].value)
                }
            }
        }
        cohen = pairs.keys.sorted().map { key in
            let (a, b) = pairs[key]!
            return StatsReport.ReviewerPairKappa(
                first: reviewerNames[key / r], second: reviewerNames[key % r], units: a.count, kappa: Stats.cohenKappa(a, b))
        }
        // Fleiss needs a fixed number of raters per unit: take the most common one.
        var countOfSize: [Int: Int] = [:]
        for unit in multi { countOfSize[unit.count, default: 0] += 1 }
        let n = countOfSize.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 0
        let table = multi.filter { $0.count == n }.map { unit in
            unit.reduce(into: [Int](repeating: 0, count: categories)) { $0[$1.value] += 1 }
        }
        fleissKappa = Stats.fleissKappa(counts: table)
        fleissUnits = table.count
        fleissRaters = n
        krippendorffAlpha = Stats.krippendorffAlphaNominal(units: multi.map { $0.map(\.value) })
    }
}
