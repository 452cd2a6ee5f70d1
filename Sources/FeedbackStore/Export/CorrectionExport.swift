import Foundation

// How corrections and rubric values appear in exports:
//   preference  a correction is a pair: chosen = the corrected answer, rejected = the answer
//               the reviewer corrected (TRL preference format; `correction_id` marks it);
//   unpaired    a correction is a desirable completion (label true); judgments carry their
//               rubric values under `axes` (harm extent from the judgment's harm level);
//   sft         a correction is an SFT example (prompt + corrected answer);
//   csv         judgments carry `axes` and `correction` columns.

/// A correction as a TRL preference line.
struct CorrectionPairLine: Encodable {
    var prompt: TextOrMessages
    var chosen: TextOrMessages
    var rejected: TextOrMessages
    var prompt_id: Int64
    var rejected_sample_id: Int64
    var rejected_policy: String
    var correction_id: Int64
    var judgment_id: Int64
    var reviewer: String

    init(_ c: CorrectionRecord, conversational: Bool) {
        prompt = .prompt(c.prompt, conversational: conversational)
        chosen = .completion(c.corrected, conversational: conversational)
        rejected = .completion(c.original, conversational: conversational)
        (prompt_id, rejected_sample_id, rejected_policy) = (c.promptID, c.sampleID, c.policy)
        (correction_id, judgment_id, reviewer) = (c.id, c.judgmentID, c.reviewer)
    }
}

/// A correction as a TRL unpaired line (always desirable).
struct CorrectionUnpairedLine: Encodable {
    var prompt: TextOrMessages
    var completion: TextOrMessages
    var label = true
    var prompt_id: Int64
    var corrects_sample_id: Int64
    var correction_id: Int64
    var judgment_id: Int64
    var reviewer: String

    init(_ c: CorrectionRecord, conversational: Bool) {
        prompt = .prompt(c.prompt, conversational: conversational)
        completion = .completion(c.corrected, conversational: conversational)
        (prompt_id, corrects_sample_id, correction_id, judgment_id, reviewer) = (c.promptID, c.sampleID, c.id, c.judgmentID, c.reviewer)
    }
}

extension LabelledCompletion {
    /// The judgment's rubric values with harm extent (from its harm level) among them.
    func rubric(_ axes: [Int64: [String: String]]) -> [String: String] {
        var values = axes[judgmentID] ?? [:]
        if let harm { values[HarmExtent.axis] = HarmExtent(harm).rawValue }
        return values
    }
}

enum RubricText {
    /// `axis=value` pairs in axis order, joined by ";" (the CSV column).
    static func joined(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }
}
