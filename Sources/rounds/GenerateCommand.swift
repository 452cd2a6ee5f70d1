import ArgumentParser
import Foundation
import Generation
import Tensor
import Training

/// `rounds generate`: sample answers from a model, streamed to the terminal or as JSON.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample the next assistant turn from a model (KV-cached, batched).",
        discussion: """
            Examples:
              rounds generate --prompt "What is the normal range of HbA1c?"
              rounds generate --messages chat.json --n 4 --temperature 0.8 --top-p 0.95 --json
              rounds generate --prompt "患者は胸痛を訴えた。" --temperature 0 --max-tokens 64
            """)

    @OptionGroup var registry: RegistryOptions
    @Option(help: ArgumentHelp(ModelReference.help)) var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @OptionGroup var input: ConversationOptions
    @OptionGroup var sampling: SamplingOptions<FreeSampling>
    @Option(name: .customLong("n"), help: "Answers sampled per conversation.") var samples = 1
    @Flag(help: "Keep generating past the end-of-turn token (until --max-tokens).") var noStopAtEos = false
    @Option(help: "Chat format instead of the model's own: chatml, chatml-smollm or llama3.") var chatTemplate: String?
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?
    @Flag(help: "Print the answers as JSON with token counts and summed log-probabilities.") var json = false

    var parameters: SamplingParameters { sampling.parameters(stopAtEndOfTurn: !noStopAtEos) }

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--n must be at least 1, e.g. --n 4") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, e.g. --threads 2") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let conversations = try input.conversations()
        let chat = try PolicyLoader.chatModel(model, registry: registry.registry, template: chatTemplate, forSampling: true)
        let streaming = !json && conversations.count == 1 && samples == 1
        let results = try chat.generate(
            conversations: conversations, samplesPerPrompt: samples, parameters: parameters,
            onText: streaming ? { _, _, piece in
                FileHandle.standardOutput.write(Data(piece.utf8))
            } : nil)
        if json {
            let output = GenerateOutput(samples: results.map(GenerateOutput.Sample.init))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else if streaming {
            print("")
        } else {
            for s in results {
                print("── conversation \(s.promptIndex + 1), sample \(s.sampleIndex + 1) (\(s.tokenCount) tokens, \(s.finishReason.rawValue))")
                print(s.text)
            }
        }
    }
}

/// The `--json` shape of `rounds generate`.
struct GenerateOutput: Encodable {
    struct Sample: Encodable {
        var conversation: Int
        var sample: Int
        var text: String
        var tokenIDs: [Int32]
        var tokenCount: Int
        var logprob: Double
        var finishReason: String

        init(_ s: GeneratedSample) {
            conversation = s.promptIndex
            sample = s.sampleIndex
            text = s.text
            tokenIDs = s.tokenIDs
            tokenCount = s.tokenCount
            logprob = s.logProb
            finishReason = s.finishReason.rawValue
        }

        enum CodingKeys: String, CodingKey {
            case conversation, sample, text, logprob
            case tokenIDs = "token_ids", tokenCount = "token_count", finishReason = "finish_reason"
        }
    }
    var samples: [Sample]
}
