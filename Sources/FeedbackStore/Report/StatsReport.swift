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
    /// Reviewers' accuracy on gold items and self-consistency (Gold/Calibration.swift).
    public var calibration: GoldCalibration?
    /// Agreement before adjudication, and the lead's adjudications (Adjudication/).
    public var adjudication: AdjudicationSummary?
    /// Corrections per policy version, and rubric axis rates (StatsReportRubric.swift).
    public var corrections: [CorrectionCount] = []
    public var axes: [AxisRate] = []
    /// Ratings of items the informative queue order chose (QueueDraw), which correct rates,
    /// wins and Bradley-Terry ratings leave out: those use the content-blind draws only
    /// (oldest-first, the random share, ratings made outside the queue). They still count in
    /// agreement and in the reviewer figures.
    public var informativeDraws: InformativeDraws? = nil

    public struct InformativeDraws: Codable, Sendable, Hashable {
        public var judgmentsLeftOut: Int
        public var comparisonsLeftOut: Int
        /// The sentence every format prints about it.
        public var sentence: String {
            judgmentsLeftOut + comparisonsLeftOut == 0
                ? "Correct rates, wins and ratings use every rating (none came from the informative order's choices)."
                : "Correct rates, wins and ratings use content-blind draws only (oldest-first, the random share, ratings made outside the queue): "
                    + "\(judgmentsLeftOut) judgments and \(comparisonsLeftOut) comparisons of items the informative order chose are left out of them."
        }
    }
}

/// One rating of one unit (an answer, or an unordered pair of answers) by one reviewer.
struct UnitRating {
    var unit: Int64
    var reviewer: Int32
    var value: Int32
}

extension StatsReport.Agreement {
    /// Agreement among reviewers. `ratings` may come in any order; they are grouped by
    /// unit here by sorting packed integers (unit, reviewer, value), and each group goes
    /// into flat tables: per-unit category counts and a confusion matrix per pair of
    /// reviewers. A million ratings need no per-unit arrays or dictionaries.
    init(ratings: [UnitRating], reviewerNames: [String], categories: Int) {
        precondition(reviewerNames.count < 1 << 16 && categories < 1 << 8)
        let keys = ratings.map { UInt64($0.unit) << 24 | UInt64($0.reviewer) << 8 | UInt64($0.value) }.sorted()
        let r = reviewerNames.count
        var table = UnitCounts(categories: categories)
        var confusion: [Int: [Int]] = [:]   // reviewer pair → categories × categories counts
        var group: [(reviewer: Int, value: Int)] = []
        func close() {
            defer { group.removeAll(keepingCapacity: true) }
            guard group.count >= 2 else { return }
            table.append(values: group.map { Int32($0.value) })
            for x in group.indices {
                for y in (x + 1)..<group.count {
                    let pair = group[x].reviewer * r + group[y].reviewer
                    confusion[pair, default: [Int](repeating: 0, count: categories * categories)][group[x].value * categories + group[y].value] += 1
                }
            }
        }
        var previous: UInt64?
        for key in keys {
            // One rating per reviewer and unit (a pair queued twice in both orders could
            // otherwise give a reviewer two): the first after sorting is kept.
            if let previous, previous >> 8 == key >> 8 { continue }
            if let previous, previous >> 24 != key >> 24 { close() }
            group.append((Int(key >> 8 & 0xFFFF), Int(key & 0xFF)))
            previous = key
        }
        close()
        units = table.units
        // Cohen per pair of reviewers, on the units both rated.
        cohen = confusion.keys.sorted().map { pair in
            let matrix = confusion[pair]!
            return StatsReport.ReviewerPairKappa(
                first: reviewerNames[pair / r], second: reviewerNames[pair % r], units: matrix.reduce(0, +),
                kappa: Stats.cohenKappa(confusion: matrix, categories: categories))
        }
        // Fleiss needs a fixed number of raters per unit: take the most common one.
        var countOfSize: [Int: Int] = [:]
        for u in 0..<table.units { countOfSize[Int(table.row(u).reduce(0, +)), default: 0] += 1 }
        let n = countOfSize.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 0
        let fixed = table.units(ofSize: n)
        fleissKappa = Stats.fleissKappa(fixed)
        fleissUnits = fixed.units
        fleissRaters = n
        krippendorffAlpha = Stats.krippendorffAlphaNominal(table)
    }
}
