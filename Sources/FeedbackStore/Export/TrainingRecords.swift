import Foundation

// Plain value types handed to training. `Training` does not import this module: the
// orchestration layer maps these onto its own types, so these stay simple values.

/// One live comparison with its texts resolved, sides as the reviewer saw them.
public struct ComparisonRecord: Hashable, Sendable {
    public var id: Int64
    public var promptID: Int64
    public var prompt: [ChatMessage]
    public var split: Split
    public var sampleAID: Int64
    public var sampleBID: Int64
    public var textA: String
    public var textB: String
    public var policyA: String
    public var policyB: String
    public var outcome: Outcome
    /// A stable pseudonym (or the name, when asked for) of the reviewer.
    public var reviewer: String
    public var comment: String?
    public var secondsSpent: Double
    public var createdAt: Date

    /// The preference it states, or nil for a tie or both bad (no preference to learn).
    public var preferencePair: PreferencePair? {
        switch outcome {
        case .a: return PreferencePair(self, chosenIsA: true)
        case .b: return PreferencePair(self, chosenIsA: false)
        case .tie, .bothBad: return nil
        }
    }
}

/// A preferred and a rejected answer to one prompt (TRL preference format plus ids).
public struct PreferencePair: Hashable, Sendable {
    public var prompt: [ChatMessage]
    public var chosen: String
    public var rejected: String
    public var promptID: Int64
    public var chosenSampleID: Int64
    public var rejectedSampleID: Int64
    public var chosenPolicy: String
    public var rejectedPolicy: String
    public var comparisonID: Int64
    public var reviewer: String

    init(_ c: ComparisonRecord, chosenIsA: Bool) {
        prompt = c.prompt
        (chosen, rejected) = chosenIsA ? (c.textA, c.textB) : (c.textB, c.textA)
        (chosenSampleID, rejectedSampleID) = chosenIsA ? (c.sampleAID, c.sampleBID) : (c.sampleBID, c.sampleAID)
        (chosenPolicy, rejectedPolicy) = chosenIsA ? (c.policyA, c.policyB) : (c.policyB, c.policyA)
        promptID = c.promptID
        comparisonID = c.id
        reviewer = c.reviewer
    }
}

/// One live judgment with its texts resolved: an answer labelled desirable (correct) or
/// not (TRL unpaired / KTO format plus ids).
public struct LabelledCompletion: Hashable, Sendable {
    public var prompt: [ChatMessage]
    public var completion: String
    /// true when the reviewer judged the answer correct.
    public var label: Bool
    public var promptID: Int64
    public var split: Split
    public var sampleID: Int64
    public var policy: String
    public var judgmentID: Int64
    public var reviewer: String
    public var harm: HarmLevel?
    public var tags: [String]
    public var comment: String?
    public var secondsSpent: Double
    public var createdAt: Date
}
