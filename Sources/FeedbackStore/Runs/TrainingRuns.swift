import Foundation
import GRDB

public enum TrainingRunStatus: String, Codable, Sendable, DatabaseValueConvertible {
    case running, succeeded, failed
}

/// A training run and what it learned from: the exact feedback rows are in
/// `training_run_feedback`, their hash here, so a policy can be traced to its ratings.
public struct TrainingRun: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "training_runs"
    public var id: Int64?
    public var kind: String
    public var parentPolicy: String?
    public var outputPolicy: String?
    /// JSON object of the training parameters.
    public var parameters: String
    public var feedbackHash: String
    public var status: TrainingRunStatus
    /// JSON object of the final metrics, once finished.
    public var metrics: String?
    public var startedAt: Date
    public var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, kind, parentPolicy = "parent_policy", outputPolicy = "output_policy", parameters
        case feedbackHash = "feedback_hash", status, metrics, startedAt = "started_at", finishedAt = "finished_at"
    }
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let status = Column(CodingKeys.status)
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The live feedback rows a run trains on, and a hash that names that exact set.
public struct FeedbackSnapshot: Hashable, Sendable {
    public var judgmentIDs: [Int64]
    public var comparisonIDs: [Int64]

    public init(judgmentIDs: [Int64], comparisonIDs: [Int64]) {
        self.judgmentIDs = judgmentIDs.sorted()
        self.comparisonIDs = comparisonIDs.sorted()
    }

    /// SHA-256 of "judgments:1,2,…;comparisons:4,5,…" (ids ascending).
    public var hash: String {
        let text = "judgments:" + judgmentIDs.map(String.init).joined(separator: ",")
            + ";comparisons:" + comparisonIDs.map(String.init).joined(separator: ",")
        return SHA256.hex(SHA256.hash(Array(text.utf8)))
    }
}

extension FeedbackStore {
    /// Ids of the ratings that count now (made since `since`, of prompts in `split`).
    public func feedbackSnapshot(since: Date? = nil, split: SplitFilter = .train) throws -> FeedbackSnapshot {
        try read { db in
            let sinceSQL = since == nil ? "" : " AND x.created_at >= ?"
            let arguments: StatementArguments = since.map { [$0] } ?? []
            let judgments = try Int64.fetchAll(db, sql: """
                SELECT x.id FROM judgments x JOIN samples s ON s.id = x.sample_id JOIN prompts p ON p.id = s.prompt_id
                WHERE \(Self.live("x", "judgments"))\(sinceSQL)\(split.sql)
                """, arguments: arguments)
            let comparisons = try Int64.fetchAll(db, sql: """
                SELECT x.id FROM comparisons x JOIN prompts p ON p.id = x.prompt_id
                WHERE \(Self.live("x", "comparisons"))\(sinceSQL)\(split.sql)
                """, arguments: arguments)
            return FeedbackSnapshot(judgmentIDs: judgments, comparisonIDs: comparisons)
        }
    }

    /// Records the start of a run and the exact feedback rows it uses.
    @discardableResult
    public func startTrainingRun(
        kind: String, parentPolicy: String? = nil, parameters: String = "{}", feedback: FeedbackSnapshot
    ) throws -> TrainingRun {
        try write { db in
            var run = TrainingRun(
                id: nil, kind: kind, parentPolicy: parentPolicy, outputPolicy: nil, parameters: parameters,
                feedbackHash: feedback.hash, status: .running, metrics: nil, startedAt: now(), finishedAt: nil)
            try run.insert(db)
            let insert = try db.makeStatement(sql: "INSERT INTO training_run_feedback (run_id, kind, rating_id) VALUES (?, ?, ?)")
            for id in feedback.judgmentIDs { try insert.execute(arguments: [run.id, "judgment", id]) }
            for id in feedback.comparisonIDs { try insert.execute(arguments: [run.id, "comparison", id]) }
            return run
        }
    }

    /// Marks a running run finished, with its output policy version and metrics (JSON).
    @discardableResult
    public func finishTrainingRun(
        _ id: Int64, succeeded: Bool, outputPolicy: String? = nil, metrics: String? = nil
    ) throws -> TrainingRun {
        try write { db in
            guard var run = try TrainingRun.fetchOne(db, key: id) else { throw FeedbackStoreError.unknownTrainingRun(id) }
            guard run.status == .running else { throw FeedbackStoreError.trainingRunFinished(id) }
            (run.status, run.outputPolicy, run.metrics, run.finishedAt) = (succeeded ? .succeeded : .failed, outputPolicy, metrics, now())
            try run.update(db)
            return run
        }
    }

    /// Training runs (of `kind`, when given), oldest first.
    public func trainingRuns(kind: String? = nil) throws -> [TrainingRun] {
        try read { db in
            var request = TrainingRun.order(TrainingRun.Columns.id)
            if let kind { request = request.filter(Column("kind") == kind) }
            return try request.fetchAll(db)
        }
    }

    public func trainingRun(id: Int64) throws -> TrainingRun? {
        try read { db in try TrainingRun.fetchOne(db, key: id) }
    }

    /// The feedback rows recorded for a run.
    public func trainingRunFeedback(_ id: Int64) throws -> FeedbackSnapshot {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT kind, rating_id FROM training_run_feedback WHERE run_id = ?", arguments: [id])
            return FeedbackSnapshot(
                judgmentIDs: rows.filter { $0[0] == "judgment" }.map { $0[1] },
                comparisonIDs: rows.filter { $0[0] == "comparison" }.map { $0[1] })
        }
    }
}
