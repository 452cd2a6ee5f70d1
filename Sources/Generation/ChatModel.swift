import Foundation
import Llama
import Tokenizer

/// A model with its tokenizer and chat template: conversations in, samples out. The entry
/// point for `rounds generate`, `rounds score` and the sampling step of the loop.
public final class ChatModel {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate

    public init(model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate) {
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
    }

    /// Loads a `.gguf` file or a Hugging Face folder; `templateName` overrides the chat
    /// format the tokenizer's metadata names (see `ChatTemplate.names`).
    public static func load(from url: URL, templateName: String? = nil) throws -> ChatModel {
        let model = try LlamaModel.load(from: url)
        let tokenizer = try BPETokenizer.load(modelPath: url)
        guard tokenizer.vocabSize <= model.config.vocabularySize else {
            throw GenerationError.tokenizerMismatch(path: url.path, tokenizer: tokenizer.vocabSize, model: model.config.vocabularySize)
        }
        return ChatModel(model: model, tokenizer: tokenizer, template: try ChatTemplate.forTokenizer(tokenizer, override: templateName))
    }

    /// Tokens that end an assistant turn: the tokenizer's EOS / end-of-turn ids and the
    /// template's end marker.
    public var endTokens: Set<Int32> {
        var ids = Set(tokenizer.endOfTurnTokenIds.map { Int32($0) })
        if let id = tokenizer.tokenId(template.endOfTurn) { ids.insert(Int32(id)) }
        return ids
    }

    /// The decoder of the last `generate` call: building one encodes the weights (about a
    /// second for the base model), so successive calls share it. The model's weights must
    /// not change while this chat model samples.
    private var cachedGenerator: Generator?

    private func generator(maxBatch: Int) -> Generator {
        if let g = cachedGenerator, g.maxBatch == maxBatch { return g }
        let g = Generator(weights: model.decoderWeights, geometry: model.decoderGeometry, maxBatch: maxBatch)
        cachedGenerator = g
        return g
    }

    /// The token ids asking for the next assistant turn of `messages`.
    public func promptIDs(_ messages: [ChatMessage]) throws -> [Int32] {
        tokenizer.encode(try template.prompt(messages)).map { Int32($0) }
    }

    /// N samples of the next assistant turn of each conversation. `onText(prompt, sample,
    /// piece)` receives each sample's text as whole characters while it is generated;
    /// `onPrompt(prompt, samples)` each conversation's N samples as soon as they have all
    /// ended (conversations end in any order: up to `maxBatch` samples decode together and
    /// the next conversation starts as slots free up). `streams`: a random stream number per
    /// conversation (see `Generator`).
    public func generate(
        conversations: [[ChatMessage]], samplesPerPrompt n: Int, parameters: SamplingParameters,
        maxBatch: Int = 16, streams: [UInt64]? = nil, onText: ((Int, Int, String) -> Void)? = nil,
        onPrompt: Generator.PromptHandler? = nil
    ) throws -> [GeneratedSample] {
        let prompts = try conversations.map(promptIDs)
        let generator = self.generator(maxBatch: maxBatch)
        let tokenizer = self.tokenizer
        var decoders: [Int: StreamingDecoder] = [:]
        let handler: Generator.TokenHandler? = onText.map { onText in
            { prompt, sample, id in
                let key = prompt * n + sample
                var stream = decoders[key] ?? StreamingDecoder(tokenizer, skipSpecialTokens: true)
                let piece = stream.append(Int(id))
                decoders[key] = stream
                if !piece.isEmpty { onText(prompt, sample, piece) }
            }
        }
        var samples = try generator.generate(
            prompts: prompts, samplesPerPrompt: n, parameters: parameters, endTokens: endTokens, streams: streams,
            decode: { tokenizer.decodeWholeCharacters($0.map(Int.init), skipSpecialTokens: true) }, onToken: handler,
            onPrompt: onPrompt)
        if let onText {
            for (key, var stream) in decoders.sorted(by: { $0.key < $1.key }) {
                let rest = stream.finish()
                if !rest.isEmpty { onText(key / n, key % n, rest) }
            }
        }
        samples.sort { ($0.promptIndex, $0.sampleIndex) < ($1.promptIndex, $1.sampleIndex) }
        return samples
    }
}

public enum GenerationError: LocalizedError, Equatable {
    case tokenizerMismatch(path: String, tokenizer: Int, model: Int)
    case noAssistantTurn(String)

    public var errorDescription: String? {
        switch self {
        case let .tokenizerMismatch(path, tokenizer, model):
            return "\(path): the tokenizer has \(tokenizer) tokens but the model's vocabulary is \(model); use the tokenizer that belongs to this model"
        case let .noAssistantTurn(place):
            return "\(place): the conversation has no assistant message to score; end it with {\"role\": \"assistant\", \"content\": …}"
        }
    }
}
