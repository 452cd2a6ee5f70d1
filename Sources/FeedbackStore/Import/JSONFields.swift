import Foundation
import Support

/// A JSONL file as (line number, JSON object) pairs, failing on the first bad line with
/// `file:line` and the reason. Lines are split by Support's `JSONLines` (BOM, CRLF, blank
/// lines, UTF-8 checked per line); each is parsed untyped because the accepted shapes vary
/// by field (see `JSONField.prompt`).
struct JSONObjectLines {
    let file: String
    let objects: [(line: Int, object: [String: Any])]

    init(contentsOf url: URL) throws {
        file = url.lastPathComponent
        let lines: [(number: Int, text: Substring)]
        do {
            lines = try JSONLines.lines(of: url)
        } catch let error as JSONLines.LineError {
            if error.line == 0 { throw FeedbackStoreError.cannotRead(path: url.path, reason: error.reason) }
            throw FeedbackStoreError.badLine(file: file, line: error.line, reason: error.reason)
        }
        var objects: [(Int, [String: Any])] = []
        for (number, text) in lines {
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
                throw FeedbackStoreError.badLine(file: file, line: number, reason: "not valid JSON")
            }
            guard let object = json as? [String: Any] else {
                throw FeedbackStoreError.badLine(file: file, line: number, reason: "expected a JSON object {…} on each line")
            }
            objects.append((number, object))
        }
        guard !objects.isEmpty else { throw FeedbackStoreError.emptyFile(file) }
        self.objects = objects
    }

    func fail(_ line: Int, _ reason: String) -> FeedbackStoreError {
        .badLine(file: file, line: line, reason: reason)
    }
}

/// Field readers that name the field and the expected shape when it is wrong.
enum JSONField {
    static func string(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else { throw reason("field '\(key)' must be a string") }
        try requireNoNUL(string, key)
        return string
    }

    /// SQLite's text functions stop at a NUL, so a NUL would hide the rest of the text.
    static func requireNoNUL(_ text: String, _ key: String) throws {
        if text.utf8.contains(0) { throw reason("field '\(key)' holds a NUL character (\\u0000); remove it") }
    }

    static func messages(_ value: Any, _ key: String) throws -> [ChatMessage] {
        guard let list = value as? [Any] else {
            throw reason("field '\(key)' must be a list of {\"role\": …, \"content\": …} messages")
        }
        return try list.enumerated().map { index, entry in
            guard let message = entry as? [String: Any], let role = message["role"] as? String,
                  let content = message["content"] as? String
            else { throw reason("\(key)[\(index)] must be {\"role\": \"user\", \"content\": \"…\"} with string values") }
            try requireNoNUL(role + content, "\(key)[\(index)]")
            return ChatMessage(role: role, content: content)
        }
    }

    /// Whether a parsed JSON value was `true` or `false` (on Linux every NSNumber bridges to
    /// Bool, so `is Bool` would also refuse 0 and 1: booleans are the NSNumbers of type "c").
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return value is Bool }
        return String(cString: number.objCType) == "c"
    }

    /// A number that must be a whole number (`"seed": 7`, not 7.5 or "7").
    static func integer(_ object: [String: Any], _ key: String) throws -> Int64? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !isBoolean(value), let whole = Int64(exactly: number.doubleValue) else {
            throw reason("field '\(key)' must be a whole number")
        }
        return whole
    }

    static func double(_ object: [String: Any], _ key: String) throws -> Double? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !isBoolean(value), number.doubleValue.isFinite else {
            throw reason("field '\(key)' must be a number")
        }
        return number.doubleValue
    }

    /// The reason part of a bad-line error; the reader adds file and line.
    struct Reason: Error { let text: String }
    static func reason(_ text: String) -> Reason { Reason(text: text) }

    /// Prompt of an import record: `"prompt": "…"` (plain or TRL standard), `"prompt":
    /// [messages]` (TRL conversational), or `"messages": […]` (SFT seed: the prompt is the
    /// conversation up to and including its last user turn).
    static func prompt(_ object: [String: Any]) throws -> PromptKey {
        do {
            if let value = object["prompt"], !(value is NSNull) {
                if let text = value as? String {
                    try requireNoNUL(text, "prompt")
                    return try PromptKey(text: text)
                }
                guard value is [Any] else { throw reason("field 'prompt' must be a string or a list of {\"role\": …, \"content\": …} messages") }
                return try PromptKey(messages: messages(value, "prompt"))
            }
            if let value = object["messages"] {
                let all = try messages(value, "messages")
                guard let lastUser = all.lastIndex(where: { $0.role == "user" }) else {
                    throw reason("'messages' has no user turn to use as the prompt")
                }
                return try PromptKey(messages: Array(all[...lastUser]))
            }
        } catch let error as FeedbackStoreError {
            throw reason(error.errorDescription ?? "invalid prompt")
        }
        throw reason("no prompt: expected a \"prompt\" (string or messages) or a \"messages\" field")
    }
}
