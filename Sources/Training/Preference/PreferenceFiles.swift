import Foundation
import Support
import Tokenizer

// TRL's preference formats (huggingface.co/docs/trl "Dataset formats"), one JSON object a line:
//   paired     {"prompt": P, "chosen": C, "rejected": R}
//   unpaired   {"prompt": P, "completion": C, "label": true|false}
// P is a string (one user message) or a list of {"role","content"} messages; C and R are a
// string (one assistant message) or a list of messages. Every line is checked before anything
// is trained: the first bad one throws `JSONLines.LineError` with file:line and the field.

/// A prompt or completion as written in the file: plain text or a list of chat messages.
struct ChatContent: Decodable {
    var messages: [ChatMessage]

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            messages = [ChatMessage(role: "", content: text)]  // role filled in by the field
        } else {
            messages = try container.decode([ChatMessage].self)
        }
    }

    /// The messages with a plain string given `role`.
    func resolved(plainRole: String) -> [ChatMessage] {
        messages.map { $0.role.isEmpty ? ChatMessage(role: plainRole, content: $0.content) : $0 }
    }
}

public enum PreferenceFiles {
    private struct PairedLine: Decodable {
        var prompt: ChatContent
        var chosen: ChatContent
        var rejected: ChatContent
    }

    private struct UnpairedLine: Decodable {
        var prompt: ChatContent
        var completion: ChatContent
        var label: Bool
    }

    /// Reads `{"prompt","chosen","rejected"}` lines. Each pair keeps its `file:line` in `sources`.
    public static func readPairs(_ url: URL) throws -> (pairs: [PreferencePair<[ChatMessage]>], sources: [String]) {
        var pairs: [PreferencePair<[ChatMessage]>] = [], sources: [String] = []
        for (line, value) in try JSONLines.decode(PairedLine.self, from: url) {
            let pair = PreferencePair(prompt: value.prompt.resolved(plainRole: "user"),
                                      chosen: value.chosen.resolved(plainRole: "assistant"),
                                      rejected: value.rejected.resolved(plainRole: "assistant"))
            try check(pair.prompt, field: "prompt", url: url, line: line)
            try check(pair.chosen, field: "chosen", url: url, line: line)
            try check(pair.rejected, field: "rejected", url: url, line: line)
            pairs.append(pair)
            sources.append("\(url.path):\(line)")
        }
        return (pairs, sources)
    }

    /// A preference file split into labelled completions as `KTO.unpaired` does (chosen →
    /// desirable, rejected → undesirable), each keeping its pair's `file:line`.
    public static func readPairsAsLabelled(_ url: URL) throws -> (examples: [LabelledCompletion<[ChatMessage]>], sources: [String]) {
        let (pairs, sources) = try readPairs(url)
        return (KTO.unpaired(pairs), sources + sources)
    }

    /// Reads `{"prompt","completion","label"}` lines.
    public static func readLabelled(_ url: URL) throws -> (examples: [LabelledCompletion<[ChatMessage]>], sources: [String]) {
        var examples: [LabelledCompletion<[ChatMessage]>] = [], sources: [String] = []
        for (line, value) in try JSONLines.decode(UnpairedLine.self, from: url) {
            let example = LabelledCompletion(prompt: value.prompt.resolved(plainRole: "user"),
                                             completion: value.completion.resolved(plainRole: "assistant"),
                                             desirable: value.label)
            try check(example.prompt, field: "prompt", url: url, line: line)
            try check(example.completion, field: "completion", url: url, line: line)
            examples.append(example)
            sources.append("\(url.path):\(line)")
        }
        return (examples, sources)
    }

    private static func check(_ messages: [ChatMessage], field: String, url: URL, line: Int) throws {
        guard !messages.isEmpty else {
            throw JSONLines.LineError(file: url.path, line: line, reason: "field '\(field)' is empty: give a string or at least one message")
        }
        if let i = messages.firstIndex(where: { $0.role.isEmpty }) {
            throw JSONLines.LineError(file: url.path, line: line, reason: "field '\(field)[\(i)].role' is empty (use system, user or assistant)")
        }
        if field != "prompt", messages.last?.role != "assistant" {
            throw JSONLines.LineError(file: url.path, line: line, reason: "field '\(field)' must end with an assistant message (the answer being judged)")
        }
    }
}
