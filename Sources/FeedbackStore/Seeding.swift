import Foundation
import GRDB

// Raw bulk writes for loaders outside the store: the synthetic feedback the benchmarks seed
// (RoundsSimulation). Under an SPI so production code cannot reach it by accident: nothing
// but the schema checks the rows written here.
extension FeedbackStore {
    /// `body` in one IMMEDIATE transaction with a large page cache (see `bulkWrite`).
    @_spi(Seeding) public func seedingWrite<T>(_ body: (Database) throws -> T) throws -> T { try bulkWrite(body) }

    /// The store's clock, which stamps every row.
    @_spi(Seeding) public var seedingNow: Date { now() }
}
