import Foundation
import Support

public enum ExportFormat: String, Sendable, CaseIterable {
    /// TRL preference JSONL: {"prompt", "chosen", "rejected"} (+ ids, reviewer).
    case preference
    /// TRL unpaired JSONL: {"prompt", "completion", "label"} (+ ids, reviewer).
    case unpaired
    /// SFT JSONL: {"messages": prompt + the answer}, for answers every reviewer judged correct
    /// and for corrected answers.
    case sft
    /// Every live rating as one CSV row, for spreadsheets.
    case csv
}

public struct ExportSummary: Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    /// Ratings that count but state no preference (ties, both bad) or answers with a
    /// dissenting "incorrect" (sft).
    public var leftOut: Int
    public var description: String { "\(rows) rows written" + (leftOut > 0 ? ", \(leftOut) left out" : "") }
}

extension FeedbackStore {
    /// Writes live ratings made since `since` (all when nil) of prompts in `split` to
    /// `path`, atomically. Reviewer names become stable pseudonyms unless
    /// `withReviewerNames`. JSON keeps non-ASCII text as UTF-8 (no \u escapes).
    @discardableResult
    public func export(
        _ format: ExportFormat, to path: String, since: Date? = nil, split: SplitFilter = .train,
        withReviewerNames: Bool = false
    ) throws -> ExportSummary {
        // Owner-only (0600): exports hold clinical text.
        let writer = try AtomicFile.Writer(url: URL(fileURLWithPath: path), permissions: 0o600)
        let lines = JSONLinesWriter(writer)
        var summary = ExportSummary(rows: 0, leftOut: 0)
        switch format {
        case .preference:
            let records = try comparisonRecords(since: since, split: split, withReviewerNames: withReviewerNames)
            let corrections = try correctionRecords(since: since, split: split, withReviewerNames: withReviewerNames)
            let conversational = records.contains { !Self.isSingleUserTurn($0.prompt) } || corrections.contains { !Self.isSingleUserTurn($0.prompt) }
            for record in records {
                guard let pair = record.preferencePair else { summary.leftOut += 1; continue }
                try lines.write(PreferenceLine(pair, conversational: conversational))
                summary.rows += 1
            }
            for correction in corrections {
                try lines.write(CorrectionPairLine(correction, conversational: conversational))
                summary.rows += 1
            }
        case .unpaired:
            let records = try labelledCompletions(since: since, split: split, withReviewerNames: withReviewerNames)
            let corrections = try correctionRecords(since: since, split: split, withReviewerNames: withReviewerNames)
            let axes = try judgmentAxes(since: since, split: split)
            let conversational = records.contains { !Self.isSingleUserTurn($0.prompt) } || corrections.contains { !Self.isSingleUserTurn($0.prompt) }
            for record in records {
                var line = UnpairedLine(record, conversational: conversational)
                line.axes = record.rubric(axes)
                try lines.write(line)
                summary.rows += 1
            }
            for correction in corrections {
                try lines.write(CorrectionUnpairedLine(correction, conversational: conversational))
                summary.rows += 1
            }
        case .sft:
            // An answer enters SFT once, and only if no live judgment calls it incorrect.
            let records = try labelledCompletions(since: since, split: split, withReviewerNames: withReviewerNames)
            let disputed = Set(records.filter { !$0.label }.map(\.sampleID))
            var written = Set<Int64>()
            for record in records where record.label && !disputed.contains(record.sampleID) && written.insert(record.sampleID).inserted {
                try lines.write(SFTLine(messages: record.prompt + [ChatMessage(role: "assistant", content: record.completion)]))
                summary.rows += 1
            }
            summary.leftOut = Set(records.map(\.sampleID)).count - summary.rows
            for correction in try correctionRecords(since: since, split: split, withReviewerNames: withReviewerNames) {
                try lines.write(SFTLine(messages: correction.prompt + [ChatMessage(role: "assistant", content: correction.corrected)]))
                summary.rows += 1
            }
        case .csv:
            summary.rows = try writeCSV(writer, since: since, split: split, withReviewerNames: withReviewerNames)
        }
        try writer.commit()
        return summary
    }

    static func isSingleUserTurn(_ messages: [ChatMessage]) -> Bool {
        messages.count == 1 && messages[0].role == "user"
    }

    private func writeCSV(_ writer: AtomicFile.Writer, since: Date?, split: SplitFilter, withReviewerNames: Bool) throws -> Int {
        let header = ["kind", "rating_id", "created_at", "reviewer", "prompt_id", "split", "prompt", "policy_a", "sample_a_id",
                      "answer_a", "policy_b", "sample_b_id", "answer_b", "rating", "harm", "tags", "comment", "seconds_spent",
                      "axes", "correction"]
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func line(_ fields: [String]) throws { try writer.write(fields.map(CSV.field).joined(separator: ",") + "\r\n") }
        try line(header)
        var rows = 0
        let axes = try judgmentAxes(since: since, split: split)
        let corrections = Dictionary(try correctionRecords(since: since, split: split, withReviewerNames: withReviewerNames)
            .map { ($0.judgmentID, $0.corrected) }) { first, _ in first }
        for j in try labelledCompletions(since: since, split: split, withReviewerNames: withReviewerNames) {
            try line(["judgment", "\(j.judgmentID)", dates.string(from: j.createdAt), j.reviewer, "\(j.promptID)", j.split.rawValue,
                      j.prompt.last?.content ?? "", j.policy, "\(j.sampleID)", j.completion, "", "", "",
                      j.label ? Verdict.correct.rawValue : Verdict.incorrect.rawValue, j.harm?.rawValue ?? "",
                      j.tags.joined(separator: ";"), j.comment ?? "", "\(j.secondsSpent)",
                      RubricText.joined(j.rubric(axes)), corrections[j.judgmentID] ?? ""])
            rows += 1
        }
        for c in try comparisonRecords(since: since, split: split, withReviewerNames: withReviewerNames) {
            try line(["comparison", "\(c.id)", dates.string(from: c.createdAt), c.reviewer, "\(c.promptID)", c.split.rawValue,
                      c.prompt.last?.content ?? "", c.policyA, "\(c.sampleAID)", c.textA, c.policyB, "\(c.sampleBID)", c.textB,
                      c.outcome.rawValue, "", "", c.comment ?? "", "\(c.secondsSpent)", "", ""])
            rows += 1
        }
        return rows
    }
}

/// One JSON object per line, UTF-8, keys sorted, slashes and non-ASCII left as they are.
struct JSONLinesWriter {
    let writer: AtomicFile.Writer
    let encoder: JSONEncoder

    init(_ writer: AtomicFile.Writer) {
        self.writer = writer
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func write<T: Encodable>(_ value: T) throws {
        try writer.write(encoder.encode(value))
        try writer.write([0x0A])
    }
}

/// A prompt or completion: a plain string (TRL standard format) or chat messages (TRL
/// conversational format). One file uses one shape throughout.
enum TextOrMessages: Encodable {
    case text(String)
    case messages([ChatMessage])

    static func prompt(_ messages: [ChatMessage], conversational: Bool) -> TextOrMessages {
        conversational ? .messages(messages) : .text(messages.last?.content ?? "")
    }

    static func completion(_ text: String, conversational: Bool) -> TextOrMessages {
        conversational ? .messages([ChatMessage(role: "assistant", content: text)]) : .text(text)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .messages(let messages): try container.encode(messages)
        }
    }
}

struct PreferenceLine: Encodable {
    var prompt: TextOrMessages
    var chosen: TextOrMessages
    var rejected: TextOrMessages
    var prompt_id: Int64
    var chosen_sample_id: Int64
    var rejected_sample_id: Int64
    var chosen_policy: String
    var rejected_policy: String
    var comparison_id: Int64
    var reviewer: String

    init(_ pair: PreferencePair, conversational: Bool) {
        prompt = .prompt(pair.prompt, conversational: conversational)
        chosen = .completion(pair.chosen, conversational: conversational)
        rejected = .completion(pair.rejected, conversational: conversational)
        (prompt_id, chosen_sample_id, rejected_sample_id) = (pair.promptID, pair.chosenSampleID, pair.rejectedSampleID)
        (chosen_policy, rejected_policy, comparison_id, reviewer) = (pair.chosenPolicy, pair.rejectedPolicy, pair.comparisonID, pair.reviewer)
    }
}

struct UnpairedLine: Encodable {
    var prompt: TextOrMessages
    var completion: TextOrMessages
    var label: Bool
    var prompt_id: Int64
    var sample_id: Int64
    var policy: String
    var judgment_id: Int64
    var reviewer: String
    var harm: String?
    var tags: [String]
    /// Rubric axis → value, harm extent included when a harm level was given.
    var axes: [String: String] = [:]

    init(_ record: LabelledCompletion, conversational: Bool) {
        prompt = .prompt(record.prompt, conversational: conversational)
        completion = .completion(record.completion, conversational: conversational)
        label = record.label
        (prompt_id, sample_id, policy, judgment_id) = (record.promptID, record.sampleID, record.policy, record.judgmentID)
        (reviewer, harm, tags) = (record.reviewer, record.harm?.rawValue, record.tags)
    }
}

struct SFTLine: Encodable {
    var messages: [ChatMessage]
}
