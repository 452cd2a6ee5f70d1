import ArgumentParser
import Foundation
import Generation
import Tensor
import Training

/// `rounds score`: per-token log-probs of a conversation's last assistant turn.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print the per-token log-probabilities of the last assistant turn as JSON.",
        discussion: """
            Output: {"tokens":[…],"ids":[…],"logprobs":[…],"sum":…}, one line per conversation.
            Example:
              rounds score --messages answer.json
            """)

    @OptionGroup var registry: RegistryOptions
    @Option(help: ArgumentHelp(ModelReference.help)) var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: ArgumentHelp("A JSON file of messages ending with the assistant turn to score: [{\"role\":…,\"content\":…}], {\"messages\":[…]}, or JSON lines.", valueName: "file")) var messages: String
    @Option(help: "Chat format instead of the model's own: chatml, chatml-smollm or llama3.") var chatTemplate: String?
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, e.g. --threads 2") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let conversations = try ConversationOptions.read(messages)
        let chat = try PolicyLoader.chatModel(model, registry: registry.registry, template: chatTemplate, forSampling: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (i, conversation) in conversations.enumerated() {
            let scored = try chat.score(conversation, place: conversations.count == 1 ? messages : "\(messages) conversation \(i + 1)")
            print(String(decoding: try encoder.encode(scored), as: UTF8.self))
        }
    }
}
