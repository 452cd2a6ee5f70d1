import ArgumentParser
import Foundation
import Tokenizer

/// `rounds tokenize`: the token ids of a text under a model's tokenizer, or the text of ids.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text under a model's tokenizer (or, with --decode, the text of ids).",
        discussion: """
            Examples:
              rounds tokenize --model policies/base/SmolLM2-135M-Instruct.Q4_1.gguf "患者は胸痛を訴えた。"
              rounds tokenize --chat "What is the normal range of HbA1c?"
              rounds tokenize --decode "[19556, 28, 905, 17]"
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(help: "The model whose tokenizer to use: a policy name, a .gguf file, a tokenizer.json, or a Hugging Face folder.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Flag(help: "Read the argument as token ids (a JSON array or space-separated numbers) and print their text.")
    var decode = false

    @Flag(help: "Render the text as one user message with the model's chat template, then tokenize.")
    var chat = false

    @Option(help: "With --chat: the chat format instead of the model's own (chatml, chatml-smollm or llama3).")
    var chatTemplate: String?

    @Flag(help: "Print {\"ids\": …, \"tokens\": …} with each token's vocabulary string.")
    var showTokens = false

    @Argument(help: "The text (or the ids with --decode). Read from standard input when omitted.")
    var text: String?

    func validate() throws {
        if decode, chat {
            throw ValidationError("--decode and --chat cannot be combined: use --chat to see a prompt's ids, then --decode on those ids.")
        }
        if let chatTemplate, (try? ChatTemplate(named: chatTemplate)) == nil {
            throw ValidationError("--chat-template must be one of \(ChatTemplate.names.joined(separator: ", ")) (got \(chatTemplate.debugDescription)).")
        }
        if chatTemplate != nil, !chat {
            throw ValidationError("--chat-template only applies with --chat: add --chat.")
        }
    }

    func run() throws {
        let tokenizer: BPETokenizer
        do {
            tokenizer = try BPETokenizer.load(modelPath: ModelReference.tokenizerSource(model, registry: registry.registry))
        } catch {
            throw TokenizeCommandError("cannot load the tokenizer of \(model): \(error.localizedDescription)")
        }
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        if decode {
            let ids = try Self.parseIds(input)
            if let bad = ids.first(where: { !tokenizer.contains($0) }) {
                throw TokenizeCommandError("token id \(bad) is outside the vocabulary of \(model) (0..<\(tokenizer.vocabSize)).")
            }
            print(tokenizer.decode(ids))
            return
        }
        var source = input
        if chat {
            do {
                source = try ChatTemplate.forTokenizer(tokenizer, override: chatTemplate).prompt([.user(input)])
            } catch {
                throw TokenizeCommandError("\(model): \(error.localizedDescription)")
            }
        }
        let ids = tokenizer.encode(source)
        let object: Any = showTokens ? ["ids": ids, "tokens": ids.map(tokenizer.tokenString)] : ids
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }

    /// `[1, 2, 3]`, `1 2 3` or `1,2,3`.
    static func parseIds(_ s: String) throws -> [Int] {
        let parts = s.split { $0 == "," || $0 == "[" || $0 == "]" || $0.isWhitespace }
        return try parts.map { part in
            guard let id = Int(part) else {
                throw TokenizeCommandError("\(String(part).debugDescription) is not a token id: pass a JSON array such as [1, 2, 3] or numbers separated by spaces.")
            }
            return id
        }
    }
}

struct TokenizeCommandError: LocalizedError, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
    var description: String { message }
}
