import ArgumentParser
import Foundation
import Tokenizer

/// Where `generate` and `score` read conversations from: `--prompt TEXT` (one user turn),
/// or `--messages FILE` holding a JSON list of {"role", "content"} messages, a JSON object
/// {"messages": […]}, or JSON lines of such objects (one conversation per line).
struct ConversationOptions: ParsableArguments {
    @Option(help: "The user's message (one conversation).")
    var prompt: String?

    @Option(help: ArgumentHelp("A JSON file of messages: [{\"role\":…,\"content\":…}], {\"messages\":[…]}, or JSON lines of {\"messages\":[…]}.", valueName: "file"))
    var messages: String?

    @Option(help: "A system message put before each conversation that has none (otherwise the template's default).")
    var system: String?

    func validate() throws {
        if prompt == nil, messages == nil {
            throw ValidationError("Give the conversation: --prompt \"What is HbA1c?\" or --messages chat.json")
        }
        if prompt != nil, messages != nil {
            throw ValidationError("Use either --prompt or --messages, not both.")
        }
    }

    /// The conversations to run, with `--system` applied.
    func conversations() throws -> [[ChatMessage]] {
        var result: [[ChatMessage]]
        if let prompt {
            result = [[.user(prompt)]]
        } else {
            result = try Self.read(messages!)
        }
        if let system {
            result = result.map { $0.first?.role == "system" ? $0 : [.system(system)] + $0 }
        }
        return result
    }

    static func read(_ path: String) throws -> [[ChatMessage]] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("Cannot read --messages \(path): \(error.localizedDescription)")
        }
        if let list = try? JSONDecoder().decode([ChatMessage].self, from: data) {
            guard !list.isEmpty else { throw ValidationError("\(path): the message list is empty; add {\"role\": \"user\", \"content\": …}") }
            return [list]
        }
        // One JSON object (possibly spread over lines), or JSON lines of objects.
        let text = String(decoding: data, as: UTF8.self)
        if let one = try? ChatExample(jsonLine: text, file: path, line: 1) { return [one.messages] }
        var conversations: [[ChatMessage]] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            conversations.append(try ChatExample(jsonLine: String(line), file: path, line: i + 1).messages)
        }
        guard !conversations.isEmpty else { throw ValidationError("\(path) holds no conversation; see --help for the formats") }
        return conversations
    }
}
