import FeedbackStore
import Foundation
import Generation
import Support
import Tensor
import Tokenizer

/// A blind head-to-head of two policies on prompts neither trained on, rated by the simulated
/// reviewers' rule (`ScriptedReviewer.clinicalRubric`, without the noisy reviewer's flips):
/// wins / ties / losses of the candidate, its win rate (ties count half) with 95% intervals,
/// each policy's correct rate, and how often answers take the shapes the tie-breaks punish.
/// `rounds eval-sft` prints it.
public struct PolicyComparison: Sendable {
    /// One prompt: the conversation the policies answer, and the text the reviewer reads as
    /// the prompt (its last user message, as the review queue stores a prompt).
    public struct Prompt: Sendable {
        public var messages: [Tokenizer.ChatMessage]
        public var reviewText: String
        public init(messages: [Tokenizer.ChatMessage], reviewText: String) {
            self.messages = messages
            self.reviewText = reviewText
        }
    }

    /// What an answer looks like to the tie-breaks, plus whether it ran into the token cap.
    public struct Shape: Sendable, Equatable, Codable {
        public var correct: Bool
        public var hitCap: Bool
        public var unfinished: Bool
        public var repeats: Bool
        public var wrongLanguage: Bool
        public var noCareMarker: Bool
        public var mentionsEmergency: Bool
        public var tokens: Int
    }

    public struct Answer: Sendable, Codable {
        public var prompt: Int
        public var sample: Int
        public var policy: String
        public var text: String
        public var shape: Shape
    }

    /// The candidate's result in one pair (the rule is symmetric, so order does not matter).
    public enum Outcome: String, Sendable, Codable { case win, tie, loss, bothBad = "both-bad" }

    public struct Pair: Sendable, Codable {
        public var prompt: Int
        public var sample: Int
        public var outcome: Outcome
    }

    public var candidate: [Answer] = []
    public var baseline: [Answer] = []
    public var pairs: [Pair] = []

    public init() {}

    public static let rule = ScriptedReviewer.clinicalRubric()

    /// The shape of `answer` to `prompt` as the simulated reviewers see it.
    public static func shape(prompt: String, answer: String, finish: FinishReason, tokens: Int) -> Shape {
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        let redFlag = ScriptedReviewer.hasRedFlag(prompt)
        return Shape(
            correct: rule.judge(prompt: prompt, redFlag: redFlag, answer: answer),
            hitCap: finish == .length,
            unfinished: !(text.last.map { ".!?。！？)）」".contains($0) } ?? false),
            repeats: ScriptedReviewer.repeatsASentence(text),
            wrongLanguage: ScriptedReviewer.isJapanese(prompt) != (ScriptedReviewer.japaneseShare(text) >= 0.3),
            noCareMarker: !ScriptedReviewer.careMarkers.contains { text.lowercased().contains($0) },
            mentionsEmergency: ScriptedReviewer.mentionsEmergencyCare(text.lowercased()),
            tokens: tokens)
    }

    /// Samples `n` answers per prompt from both policies with the same parameters and random
    /// streams, pairs sample i of the candidate with sample i of the baseline, and rates them.
    public static func run(
        prompts: [Prompt], candidate: (name: String, chat: ChatModel), baseline: (name: String, chat: ChatModel?),
        samplesPerPrompt n: Int, parameters: SamplingParameters, baselineAnswers: [Answer]? = nil,
        progress: ((String) -> Void)? = nil
    ) throws -> PolicyComparison {
        var result = PolicyComparison()
        func answers(_ policy: (name: String, chat: ChatModel?)) throws -> [Answer] {
            guard let chat = policy.chat else { return [] }
            var done = 0
            // Up to 16 sequences decode together; prompt p draws from random stream p.
            let samples = try chat.generate(
                conversations: prompts.map(\.messages), samplesPerPrompt: n, parameters: parameters, maxBatch: 16,
                streams: prompts.indices.map(UInt64.init),
                onPrompt: { _, _ in
                    done += 1
                    if done % max(1, 16 / n) == 0 || done == prompts.count {
                        progress?("\(policy.name): \(done)/\(prompts.count) prompts")
                    }
                })
            return samples.map { s in
                let p = s.promptIndex
                return Answer(prompt: p, sample: s.sampleIndex, policy: policy.name, text: s.text,
                              shape: shape(prompt: prompts[p].reviewText, answer: s.text, finish: s.finishReason, tokens: s.tokenCount))
            }
        }
        result.candidate = try answers(candidate)
        result.baseline = try baselineAnswers ?? answers(baseline)
        precondition(result.candidate.count == result.baseline.count, "one baseline answer per candidate answer")
        for (c, b) in zip(result.candidate, result.baseline) {
            precondition(c.prompt == b.prompt && c.sample == b.sample)
            let text = prompts[c.prompt].reviewText
            let outcome: Outcome = switch rule.compare(prompt: text, redFlag: ScriptedReviewer.hasRedFlag(text), a: c.text, b: b.text) {
            case .a: .win
            case .b: .loss
            case .tie: .tie
            case .bothBad: .bothBad
            }
            result.pairs.append(Pair(prompt: c.prompt, sample: c.sample, outcome: outcome))
        }
        return result
    }

    // MARK: - Statistics

    public var wins: Int { pairs.filter { $0.outcome == .win }.count }
    public var losses: Int { pairs.filter { $0.outcome == .loss }.count }
    /// Ties, including pairs where both answers are wrong and equally shaped (`both-bad`).
    public var ties: Int { pairs.count - wins - losses }

    /// Wins plus half the ties, over all pairs.
    public var winRate: Double { pairs.isEmpty ? .nan : (Double(wins) + Double(ties) / 2) / Double(pairs.count) }

    /// Wilson score interval on the win rate, ties counted as half a win (the score
    /// interval with a fractional count; ties have less variance than a coin flip, so this
    /// is conservative about the ties, but it treats the pairs as independent).
    public var winRateWilson: (lower: Double, upper: Double) {
        Self.wilson(successes: Double(wins) + Double(ties) / 2, total: pairs.count)
    }

    /// Percentile bootstrap of the win rate resampling whole prompts (all of a prompt's pairs
    /// together), so answers to the same prompt are not counted as independent evidence.
    public func winRateBootstrap(resamples: Int = 4000, seed: UInt64 = 1) -> (lower: Double, upper: Double) {
        let byPrompt = Dictionary(grouping: pairs, by: \.prompt).values.map { group in
            (score: group.reduce(0.0) { $0 + ($1.outcome == .win ? 1 : $1.outcome == .loss ? 0 : 0.5) }, count: Double(group.count))
        }
        return Self.bootstrap(byPrompt, resamples: resamples, seed: seed)
    }

    /// Share of `answers` that are correct, with the prompt-clustered bootstrap interval.
    public static func rateBootstrap(_ answers: [Answer], _ flag: (Shape) -> Bool, resamples: Int = 4000, seed: UInt64 = 2)
        -> (lower: Double, upper: Double)
    {
        let byPrompt = Dictionary(grouping: answers, by: \.prompt).values.map { group in
            (score: Double(group.filter { flag($0.shape) }.count), count: Double(group.count))
        }
        return bootstrap(byPrompt, resamples: resamples, seed: seed)
    }

    /// Candidate minus baseline correct rate, bootstrapped over prompts (paired: a resampled
    /// prompt brings both policies' answers).
    public func correctDifferenceBootstrap(resamples: Int = 4000, seed: UInt64 = 3) -> (lower: Double, upper: Double) {
        let c = Dictionary(grouping: candidate, by: \.prompt), b = Dictionary(grouping: baseline, by: \.prompt)
        let groups = c.keys.sorted().map { p in
            (score: Double(c[p]!.filter(\.shape.correct).count - b[p]!.filter(\.shape.correct).count), count: Double(c[p]!.count))
        }
        return Self.bootstrap(groups, resamples: resamples, seed: seed)
    }

    /// Stats' Wilson score interval, (nan, nan) when there is nothing to count.
    static func wilson(successes x: Double, total n: Int) -> (lower: Double, upper: Double) {
        Stats.wilsonInterval(successes: x, total: n) ?? (.nan, .nan)
    }

    static func bootstrap(_ groups: [(score: Double, count: Double)], resamples: Int, seed: UInt64) -> (lower: Double, upper: Double) {
        guard !groups.isEmpty else { return (.nan, .nan) }
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var score = 0.0, count = 0.0
            for _ in groups.indices {
                let g = groups[Int(rng.next() % UInt64(groups.count))]
                score += g.score
                count += g.count
            }
            values.append(score / count)
        }
        return percentiles(values)
    }

    static func percentiles(_ values: [Double]) -> (lower: Double, upper: Double) {
        let sorted = values.sorted()
        let at = { (q: Double) in sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.down))))] }
        return (at(0.025), at(0.975))
    }

    // MARK: - Report

    /// The figures as plain text.
    public func report(candidateName: String, baselineName: String, prompts: Int, samplesPerPrompt: Int) -> String {
        func pct(_ x: Double) -> String { String(format: "%.3f", x) }
        func interval(_ i: (lower: Double, upper: Double)) -> String { "[\(pct(i.lower)), \(pct(i.upper))]" }
        var lines: [String] = []
        let boot = winRateBootstrap()
        lines.append("\(candidateName) vs \(baselineName): \(prompts) prompts × \(samplesPerPrompt) samples = \(pairs.count) blind pairs, simulated reviewers' rule (no noise)")
        lines.append("  wins / ties / losses for \(candidateName): \(wins) / \(ties) / \(losses)  (ties include \(pairs.filter { $0.outcome == .bothBad }.count) both-bad)")
        lines.append("  win rate (ties half) \(pct(winRate))  95% bootstrap over prompts \(interval(boot))  95% Wilson (pairs as independent) \(interval(winRateWilson))")
        lines.append("  decision (bootstrap lower bound > 0.5): \(boot.lower > 0.5 ? "\(candidateName) BEATS \(baselineName)" : "not shown (lower bound \(pct(boot.lower)) ≤ 0.5)")")
        let diff = correctDifferenceBootstrap()
        for (name, answers) in [(candidateName, candidate), (baselineName, baseline)] {
            let n = answers.count
            let correct = answers.filter(\.shape.correct).count
            let w = Self.wilson(successes: Double(correct), total: n)
            lines.append("  correct rate \(name): \(correct)/\(n) = \(pct(Double(correct) / Double(max(n, 1))))  95% Wilson \(interval(w))  bootstrap over prompts \(interval(Self.rateBootstrap(answers, \.correct)))")
        }
        let cRate = Double(candidate.filter(\.shape.correct).count) / Double(max(candidate.count, 1))
        let bRate = Double(baseline.filter(\.shape.correct).count) / Double(max(baseline.count, 1))
        lines.append("  correct rate difference \(candidateName) − \(baselineName): \(String(format: "%+.3f", cRate - bRate))  95% paired bootstrap over prompts [\(String(format: "%+.3f", diff.lower)), \(String(format: "%+.3f", diff.upper))]")
        lines.append("  answer shapes (share of answers)      \(candidateName.padding(toLength: 14, withPad: " ", startingAt: 0)) \(baselineName)")
        let shapes: [(String, (Shape) -> Bool)] = [
            ("hit the token cap", \.hitCap), ("ends unfinished", \.unfinished), ("repeats a sentence", \.repeats),
            ("wrong language", \.wrongLanguage), ("no doctor/pharmacist", \.noCareMarker), ("mentions emergency care", \.mentionsEmergency),
        ]
        for (label, flag) in shapes {
            let c = Double(candidate.filter { flag($0.shape) }.count) / Double(max(candidate.count, 1))
            let b = Double(baseline.filter { flag($0.shape) }.count) / Double(max(baseline.count, 1))
            lines.append("    \(label.padding(toLength: 34, withPad: " ", startingAt: 0)) \(pct(c).padding(toLength: 14, withPad: " ", startingAt: 0)) \(pct(b))")
        }
        let ct = Double(candidate.reduce(0) { $0 + $1.shape.tokens }) / Double(max(candidate.count, 1))
        let bt = Double(baseline.reduce(0) { $0 + $1.shape.tokens }) / Double(max(baseline.count, 1))
        lines.append("    \("mean tokens".padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%.1f", ct).padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%.1f", bt))")
        return lines.joined(separator: "\n")
    }
}
