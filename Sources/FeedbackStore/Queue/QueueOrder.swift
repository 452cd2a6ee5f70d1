import Foundation
import GRDB

/// In which order reviewers get queue items, kept in the database (`settings`) so every
/// review session and every command reads the same setting.
public enum QueueOrder: String, Codable, Sendable, CaseIterable {
    /// The oldest item that still needs reviewers (the order items were queued in).
    case oldest
    /// The item with the highest stored information score (`info_score`), except for a
    /// random share of draws that take a uniformly random open item.
    case informative
}

/// Why a slot was handed out, recorded on the assignment (`review_assignments.draw`).
public enum QueueDraw: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case oldest, informative, random

    /// Whether the choice of item could not depend on what a model thought of it: oldest-first
    /// and the random share. Win rates and correct rates are computed from these (and from
    /// ratings made before draws were recorded, which were oldest-first).
    public var isContentBlind: Bool { self != .informative }
}

/// The queue order's settings and their defaults (the one home of both).
public struct QueueOrderSettings: Equatable, Sendable {
    /// Oldest-first stays the default: it needs no scores, and a team turns `informative` on
    /// once a reward model scores the queue (`rounds queue order informative`).
    public static let defaultOrder = QueueOrder.oldest
    /// 20% of informative draws are uniformly random: enough ratings to estimate win rates
    /// without the informative order's selection (n grows with every fifth card), few enough
    /// to keep most of the saving.
    public static let defaultRandomShare = 0.2

    public var order: QueueOrder
    /// Share of draws under `informative` that take a uniformly random open item.
    public var randomShare: Double

    public init(order: QueueOrder = defaultOrder, randomShare: Double = defaultRandomShare) {
        self.order = order
        self.randomShare = randomShare
    }
}

extension FeedbackStore {
    /// The queue order in force.
    public func queueOrderSettings() throws -> QueueOrderSettings {
        try read { db in try Self.queueOrderSettings(db) }
    }

    static func queueOrderSettings(_ db: Database) throws -> QueueOrderSettings {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM settings WHERE key IN ('queue_order', 'queue_random_share')")
        var settings = QueueOrderSettings()
        for row in rows {
            let (key, value): (String, String) = (row[0], row[1])
            if key == "queue_order", let order = QueueOrder(rawValue: value) { settings.order = order }
            if key == "queue_random_share", let share = Double(value), share.isFinite, (0...1).contains(share) { settings.randomShare = share }
        }
        return settings
    }

    /// Changes the queue order and/or its random share (a lead's change, audited).
    public func setQueueOrder(_ order: QueueOrder?, randomShare: Double?, by actor: Caller) throws {
        if let randomShare, !(randomShare.isFinite && randomShare >= 0 && randomShare <= 1) {
            throw FeedbackStoreError.invalidValue(
                field: "random share", value: "\(randomShare)", hint: "a fraction from 0 to 1 of draws that pick a random item, e.g. 0.2")
        }
        try write { db in
            try Self.requireLead(actor, for: "changing the queue order", db)
            var details: [String: String] = [:]
            for (key, value) in [("queue_order", order?.rawValue), ("queue_random_share", randomShare.map { "\($0)" })] {
                guard let value else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", arguments: [key, value])
                details[key] = value
            }
            try audit(.queueOrder, actor: actor.name, login: actor.login, subject: "queue order", reason: nil, details: details, db)
        }
    }
}
