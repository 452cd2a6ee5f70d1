import Foundation
import Llama
import Support
import Tokenizer

/// Supervised examples, tokenized with the model's chat template, loss on assistant
/// tokens only. Reads the seed chat format (`{"messages": [...]}`) and TRL's
/// prompt/completion format; a malformed line stops everything before training starts.
public struct SFTDataset: Sendable {
    /// What to do with an example longer than the length limit.
    public enum OverLength: String, Codable, Sendable, CaseIterable {
        case truncate, drop
    }

    public struct Example: Sendable, Equatable {
        public var ids: [Int32]
        /// targetMask[t]: position t predicts token t+1 and that token is an assistant token.
        public var targetMask: [Bool]
        /// Where it came from (`file:line`).
        public var source: String
        /// The line's `"category"`, if any.
        public var category: String?
        public var targetCount: Int { targetMask.lazy.filter { $0 }.count }
        public init(ids: [Int32], targetMask: [Bool], source: String, category: String? = nil) {
            self.ids = ids
            self.targetMask = targetMask
            self.source = source
            self.category = category
        }
    }

    /// What loading found, for the log: too-long examples are reported, never silent.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var lines = 0
        public var truncated: [String] = []
        public var dropped: [String] = []
        public var withoutTargets: [String] = []
        /// Dropped because an assistant turn is longer than the answer budget.
        public var overAnswerBudget: [String] = []
        public init(file: String) { self.file = file }

        public var description: String {
            var s = "\(file): \(lines) examples"
            if !truncated.isEmpty { s += ", \(truncated.count) truncated to the length limit (\(truncated.prefix(3).joined(separator: ", "))\(truncated.count > 3 ? ", …" : ""))" }
            if !dropped.isEmpty { s += ", \(dropped.count) dropped as too long (\(dropped.prefix(3).joined(separator: ", "))\(dropped.count > 3 ? ", …" : ""))" }
            if !overAnswerBudget.isEmpty { s += ", \(overAnswerBudget.count) dropped with an answer longer than the answer budget (\(overAnswerBudget.prefix(3).joined(separator: ", "))\(overAnswerBudget.count > 3 ? ", …" : ""))" }
            if !withoutTargets.isEmpty { s += ", \(withoutTargets.count) skipped with no assistant tokens left (\(withoutTargets.prefix(3).joined(separator: ", ")))" }
            return s
        }
    }

    public var examples: [Example]
    public var report: Report

    public var tokenCount: Int { examples.reduce(0) { $0 + $1.ids.count } }
    public var targetCount: Int { examples.reduce(0) { $0 + $1.targetCount } }

    public init(examples: [Example], report: Report) {
        self.examples = examples
        self.report = report
    }

    /// Parses and tokenizes every line of `url`. Throws on the first malformed line with
    /// `file:line` and the reason. `maxAnswerTokens`: drop examples with an assistant turn
    /// longer than this many tokens, its end-of-turn token included (the sampling cap: an
    /// answer the sampler cannot finish teaches the policy to be cut off).
    public static func load(
        _ url: URL, tokenizer: BPETokenizer, template: ChatTemplate, maxLength: Int, overLength: OverLength,
        maxAnswerTokens: Int? = nil
    ) throws -> SFTDataset {
        var report = Report(file: url.path)
        var parsed: [(String, ChatExample)] = []
        for (number, text) in try JSONLines.lines(of: url) {
            let place = "\(url.path):\(number)"
            do {
                let example = try ChatExample(jsonLine: String(text), file: url.path, line: number)
                guard example.messages.contains(where: { $0.role == "assistant" }) else {
                    throw JSONLines.LineError(file: url.path, line: number, reason: "the example has no assistant message to learn from")
                }
                _ = try example.render(with: template)
                parsed.append((place, example))
            } catch let error as JSONLines.LineError {
                throw error
            } catch {
                throw JSONLines.LineError(file: url.path, line: number, reason: error.localizedDescription)
            }
        }
        report.lines = parsed.count
        var examples: [Example] = []
        for (place, example) in parsed {
            let chat = try example.render(with: template).tokenize(with: tokenizer)
            if let maxAnswerTokens, longestRun(chat.assistantMask) > maxAnswerTokens {
                report.overAnswerBudget.append(place)
                continue
            }
            var ids = chat.ids.map(Int32.init)
            // Position t is trained when token t+1 is an assistant token.
            var mask = (0..<ids.count).map { t in t + 1 < ids.count && chat.assistantMask[t + 1] }
            if ids.count > maxLength {
                if overLength == .drop {
                    report.dropped.append(place)
                    continue
                }
                report.truncated.append(place)
                ids.removeLast(ids.count - maxLength)
                mask.removeLast(mask.count - maxLength)
                mask[maxLength - 1] = false
            }
            guard mask.contains(true) else {
                report.withoutTargets.append(place)
                continue
            }
            examples.append(Example(ids: ids, targetMask: mask, source: place, category: example.category))
        }
        return SFTDataset(examples: examples, report: report)
    }

    /// The longest stretch of consecutive `true` (an assistant turn's tokens).
    static func longestRun(_ mask: [Bool]) -> Int {
        var best = 0, run = 0
        for on in mask {
            run = on ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }

    /// The examples with each one of category `c` present `repeats[c]` times (a training
    /// mixture: a category whose examples carry a rule the policy must learn is seen that many
    /// times an epoch). Categories not named stay once; repeat after splitting off held-out
    /// examples, so no copy lands on both sides.
    public func repeating(_ repeats: [String: Int]) -> SFTDataset {
        guard !repeats.isEmpty else { return self }
        var out = self
        out.examples = examples.flatMap { e in Array(repeating: e, count: e.category.flatMap { repeats[$0] } ?? 1) }
        return out
    }

    /// Examples per category (`noCategory` for examples without one).
    public var categoryCounts: [String: Int] {
        examples.reduce(into: [:]) { $0[$1.category ?? Self.noCategory, default: 0] += 1 }
    }

    public static let noCategory = "(none)"

    /// Splits off a held-out part deterministically (by a hash of each example's tokens),
    /// so the same file always gives the same split.
    public func split(heldOutFraction: Double) -> (train: SFTDataset, heldOut: SFTDataset) {
        var train = self, held = self
        train.examples = []
        held.examples = []
        for e in examples {
            let h = e.ids.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64(UInt32(bitPattern: $1))) &* 1099511628211 }
            if Double(h % 10_000) / 10_000 < heldOutFraction { held.examples.append(e) } else { train.examples.append(e) }
        }
        return (train, held)
    }
}
