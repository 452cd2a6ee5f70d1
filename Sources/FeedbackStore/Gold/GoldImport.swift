import Foundation
import Privacy

// `rounds gold import FILE`: one gold item per JSONL line, all checked before any is stored.
//   {"prompt": "…", "answer": "…", "verdict": "correct" | "incorrect", "rationale": "…"}
//   {"prompt": "…", "answer_a": "…", "answer_b": "…", "preferred": "a" | "b" | "tie" | "both_bad"}
// `prompt` takes the same shapes as a prompts import (a string, or a list of messages).
extension FeedbackStore {
    @discardableResult
    public func importGoldItems(from url: URL, by actor: Caller, scrubber: Scrubber? = .standard) throws -> [GoldItem] {
        let lines = try JSONObjectLines(contentsOf: url)
        let items = try lines.objects.map { line, object in
            do { return try Self.goldItem(object) } catch let error as JSONField.Reason { throw lines.fail(line, error.text) }
        }
        return try addGoldItems(items, by: actor, source: url.lastPathComponent, scrubber: scrubber)
    }

    /// One gold item from the fields of an import line (for `rounds gold add`); the error
    /// says what is wrong with them.
    public static func goldItem(fromJSON object: [String: Any]) throws -> NewGoldItem {
        do { return try goldItem(object) } catch let error as JSONField.Reason {
            throw FeedbackStoreError.invalidValue(field: "gold item", value: "", hint: error.text)
        }
    }

    static let goldKeys: Set<String> = ["prompt", "messages", "answer", "verdict", "answer_a", "answer_b", "preferred", "rationale"]

    static func goldItem(_ object: [String: Any]) throws -> NewGoldItem {
        if let unknown = object.keys.sorted().first(where: { !goldKeys.contains($0) }) {
            throw JSONField.reason("unknown field '\(unknown)'; a gold line has prompt, answer and verdict, or prompt, answer_a, answer_b and preferred (rationale optional)")
        }
        let prompt = try JSONField.prompt(object)
        let rationale = try JSONField.string(object, "rationale")
        if let answer = try JSONField.string(object, "answer") {
            guard object["answer_a"] == nil, object["answer_b"] == nil else {
                throw JSONField.reason("give either 'answer' (a single answer) or 'answer_a' and 'answer_b' (a pair), not both")
            }
            guard let text = try JSONField.string(object, "verdict") else { throw JSONField.reason("missing 'verdict': \"correct\" or \"incorrect\"") }
            guard let verdict = Verdict(rawValue: text) else { throw JSONField.reason("'verdict' must be \"correct\" or \"incorrect\", not \"\(text)\"") }
            guard !isBlank(answer) else { throw JSONField.reason("'answer' is empty") }
            return NewGoldItem(prompt: prompt, answer: answer, verdict: verdict, rationale: rationale)
        }
        guard let a = try JSONField.string(object, "answer_a"), let b = try JSONField.string(object, "answer_b") else {
            throw JSONField.reason("no answer: expected 'answer' with 'verdict', or 'answer_a' and 'answer_b' with 'preferred'")
        }
        guard !isBlank(a), !isBlank(b) else { throw JSONField.reason("'answer_a' and 'answer_b' must both have text") }
        guard a != b else { throw JSONField.reason("'answer_a' and 'answer_b' are the same text") }
        guard let text = try JSONField.string(object, "preferred") else { throw JSONField.reason("missing 'preferred': \"a\", \"b\", \"tie\" or \"both_bad\"") }
        let preferred: PairPreference
        switch text {
        case "a": preferred = .first
        case "b": preferred = .second
        case "tie": preferred = .tie
        case "both_bad": preferred = .bothBad
        default: throw JSONField.reason("'preferred' must be \"a\", \"b\", \"tie\" or \"both_bad\", not \"\(text)\"")
        }
        return NewGoldItem(prompt: prompt, first: a, second: b, preferred: preferred, rationale: rationale)
    }
}
