import Foundation
import Tokenizer

/// Chat-level rows encoded for a trainer, with the position in the given rows of each example.
struct EncodedRows<Example> {
    var examples: [Example] = []
    /// `rows[i]`: the index in the job's input of `examples[i]`.
    var rows: [Int] = []
    /// Input rows left out (comparisons whose two answers encode to the same tokens).
    var skipped: [Int] = []

    /// The input rows of the examples at `indices` (what a trainer reports it trained on).
    func rows(at indices: [Int]) -> [Int] { indices.map { rows[$0] } }
}

extension PolicyRun {
    /// Encodes comparisons, leaving out those whose chosen and rejected answers encode to the
    /// same tokens (e.g. both cut to one prefix by the length limit): such a pair states no
    /// preference — its DPO gradient is zero and its reward-model loss a constant.
    func encode(pairs: JobRows<PreferencePair<[ChatMessage]>>, encoder: inout PreferenceEncoder,
                log: (String) -> Void) throws -> EncodedRows<PreferencePair<[Int32]>> {
        var out = EncodedRows<PreferencePair<[Int32]>>()
        for (i, pair) in try encoder.encode(pairs: pairs.examples, sources: pairs.sources).enumerated() {
            if pair.chosen == pair.rejected {
                out.skipped.append(i)
            } else {
                out.examples.append(pair)
                out.rows.append(i)
            }
        }
        if !out.skipped.isEmpty {
            log("left out \(out.skipped.count) comparisons whose two answers encode to the same tokens (\(out.skipped.map { pairs.sources[$0] }.joined(separator: ", ")))")
        }
        return out
    }

    /// Encodes labelled completions (every one is kept).
    func encode(judgments: JobRows<LabelledCompletion<[ChatMessage]>>, encoder: inout PreferenceEncoder) throws
        -> EncodedRows<LabelledCompletion<[Int32]>> {
        let examples = try encoder.encode(examples: judgments.examples, sources: judgments.sources)
        return EncodedRows(examples: examples, rows: Array(examples.indices))
    }
}

/// How many of a job's input rows it was given, encoded and trained on.
public struct RowCounts: Codable, Equatable, Sendable {
    /// Rows given to the job.
    public var given: Int
    /// Rows left out before training (comparisons whose two answers encode alike).
    public var skipped: Int
    /// Distinct rows the trainer reached (all of them after a whole epoch).
    public var trained: Int

    init<E>(given: Int, encoded: EncodedRows<E>, trained: [Int]) {
        self.given = given
        skipped = encoded.skipped.count
        self.trained = trained.count
    }

    public init(given: Int, skipped: Int, trained: Int) {
        (self.given, self.skipped, self.trained) = (given, skipped, trained)
    }
}
