import Foundation

// Training examples as JSON lines, in the formats TRL reads (huggingface.co/docs/trl
// "Dataset formats"): conversational `{"messages":[…]}`, and prompt / completion where
// each side is a list of messages or a plain string. A plain-string prompt is taken as
// one user message and a plain-string completion as one assistant message, since Rounds
// trains chat models and renders every example with the model's template.

/// One supervised example: a conversation and where its trained part begins.
public struct ChatExample: Equatable, Sendable {
    public var messages: [ChatMessage]
    /// Index of the first message the loss applies to (assistant turns from here on);
    /// 0 for the `messages` format, the completion's first message for prompt / completion.
    public var trainFrom: Int
    /// The line's `"category"` field, if it has one (e.g. `triage` in the seed data): what a
    /// training mixture can weight.
    public var category: String?

    public init(messages: [ChatMessage], trainFrom: Int = 0, category: String? = nil) {
        self.messages = messages
        self.trainFrom = trainFrom
        self.category = category
    }

    /// Parses one JSON line. `file` and `line` go into error messages.
    public init(jsonLine: String, file: String = "input", line: Int = 1) throws {
        let place = "\(file):\(line)"
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(jsonLine.utf8))
        } catch {
            throw TokenizerError.badConversation("\(place): not valid JSON (\(error.localizedDescription)).")
        }
        guard let dict = object as? [String: Any] else {
            throw TokenizerError.badConversation("\(place): expected a JSON object with \"messages\", or \"prompt\" and \"completion\".")
        }
        if let messages = dict["messages"] {
            self.init(messages: try Self.messages(messages, field: "messages", place: place, plainRole: nil))
        } else if let prompt = dict["prompt"], let completion = dict["completion"] {
            let p = try Self.messages(prompt, field: "prompt", place: place, plainRole: "user")
            let c = try Self.messages(completion, field: "completion", place: place, plainRole: "assistant")
            self.init(messages: p + c, trainFrom: p.count)
        } else {
            throw TokenizerError.badConversation("\(place): expected \"messages\", or both \"prompt\" and \"completion\" (found keys \(dict.keys.sorted())).")
        }
        guard !messages.isEmpty else { throw TokenizerError.badConversation("\(place): the example has no messages.") }
        if let category = dict["category"], !(category is NSNull) {
            guard let name = category as? String else {
                throw TokenizerError.badConversation("\(place): \"category\" must be a string, e.g. \"category\": \"triage\".")
            }
            self.category = name
        }
    }

    private static func messages(_ value: Any, field: String, place: String, plainRole: String?) throws -> [ChatMessage] {
        if let plainRole, let text = value as? String { return [ChatMessage(role: plainRole, content: text)] }
        guard let list = value as? [Any] else {
            throw TokenizerError.badConversation("\(place): \"\(field)\" must be a list of {\"role\", \"content\"} objects\(plainRole == nil ? "" : " or a string").")
        }
        return try list.enumerated().map { i, item in
            guard let m = item as? [String: Any], let role = m["role"] as? String, let content = m["content"] as? String else {
                throw TokenizerError.badConversation("\(place): \(field)[\(i)] needs string fields \"role\" and \"content\".")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    /// The example rendered with `template`, spans on the trained assistant turns only.
    public func render(with template: ChatTemplate) throws -> RenderedChat {
        try template.render(messages, addGenerationPrompt: false, trainFrom: trainFrom)
    }
}
