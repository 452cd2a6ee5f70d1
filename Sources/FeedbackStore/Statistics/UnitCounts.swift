/// How many ratings each unit got in each category: one row of `categories` counts per
/// unit, stored flat (a million units are a million rows, not a million arrays). The
/// agreement statistics read this table.
public struct UnitCounts: Sendable, Hashable {
    public let categories: Int
    public private(set) var counts: [Int32] = []

    public init(categories: Int) { self.categories = categories }

    /// One row per unit from per-unit count rows (every row `categories` long).
    public init(rows: [[Int]], categories: Int) {
        self.categories = categories
        counts.reserveCapacity(rows.count * categories)
        for row in rows { counts += row.map { Int32($0) } }
    }

    public var units: Int { categories == 0 ? 0 : counts.count / categories }

    /// Appends a unit; `values` are its ratings' category indexes (0..<categories).
    public mutating func append<Values: Sequence>(values: Values) where Values.Element == Int32 {
        let start = counts.count
        counts += repeatElement(0, count: categories)
        for v in values { counts[start + Int(v)] += 1 }
    }

    /// The counts of unit `u`.
    public func row(_ u: Int) -> ArraySlice<Int32> { counts[(u * categories)..<((u + 1) * categories)] }

    /// The units with exactly `n` ratings.
    public func units(ofSize n: Int) -> UnitCounts {
        var out = UnitCounts(categories: categories)
        for u in 0..<units where row(u).reduce(0, +) == n { out.counts += row(u) }
        return out
    }
}
