import Foundation

/// Reads a JSONL file as (line number, JSON object) pairs, failing on the first bad line
/// with `file:line` and the reason. Blank lines are allowed; a UTF-8 BOM and CRLF line
/// ends are tolerated (files saved by spreadsheet tools have them).
struct JSONLines {
    let file: String
    let objects: [(line: Int, object: [String: Any])]

    init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FeedbackStoreError.cannotCreate(path: url.path, reason: "cannot read it (\(error.localizedDescription))")
        }
        try self.init(data: data, file: url.lastPathComponent)
    }

    init(data: Data, file: String) throws {
        self.file = file
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var objects: [(Int, [String: Any])] = []
        for (index, rawLine) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            var line = rawLine
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard String(validating: line, as: UTF8.self) != nil else {
                throw FeedbackStoreError.badLine(file: file, line: index + 1, reason: "not valid UTF-8; save the file as UTF-8")
            }
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw FeedbackStoreError.badLine(file: file, line: index + 1, reason: "not valid JSON")
            }
            guard let object = json as? [String: Any] else {
                throw FeedbackStoreError.badLine(file: file, line: index + 1, reason: "expected a JSON object {…} on each line")
            }
            objects.append((index + 1, object))
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
        return string
    }

    static func messages(_ value: Any, _ key: String) throws -> [ChatMessage] {
        guard let list = value as? [Any] else {
            throw reason("field '\(key)' must be a list of {\"role\": …, \"content\": …} messages")
        }
        return try list.enumerated().map { index, entry in
            guard let message = entry as? [String: Any], let role = message["role"] as? String,
                  let content = message["content"] as? String
            else { throw reason("\(key)[\(index)] must be {\"role\": \"user\", \"content\": \"…\"} with string values") }
            return ChatMessage(role: role, content: content)
        }
    }

    /// A number that must be a whole number (`"seed": 7`, not 7.5 or "7").
    static func integer(_ object: [String: Any], _ key: String) throws -> Int64? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !(value is Bool), let whole = Int64(exactly: number.doubleValue) else {
            throw reason("field '\(key)' must be a whole number")
        }
        return whole
    }

    static func double(_ object: [String: Any], _ key: String) throws -> Double? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !(value is Bool), number.doubleValue.isFinite else {
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
                if let text = value as? String { return try PromptKey(text: text) }
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
