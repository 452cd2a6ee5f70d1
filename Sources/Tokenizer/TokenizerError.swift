import Foundation

/// What can be wrong with a tokenizer's files or a chat. Each case names the file and the
/// field, and says what to do.
public enum TokenizerError: LocalizedError, Equatable {
    /// The file's tokenizer is not byte-level BPE.
    case unsupportedModel(file: String, field: String, found: String)
    /// The pre-tokenizer (word-splitting rule) is one Rounds does not implement.
    case unsupportedPreTokenizer(file: String, field: String, found: String)
    /// A required field is absent or has the wrong type.
    case badField(file: String, field: String, problem: String)
    /// The path is neither a .gguf file, a tokenizer.json nor a folder holding one.
    case noTokenizer(path: String)
    /// The chat template is not one Rounds recognizes.
    case unknownChatTemplate(source: String, excerpt: String)
    /// The chat template name given as an override is not known.
    case unknownChatTemplateName(String)
    /// A conversation that cannot be rendered or parsed.
    case badConversation(String)

    public var errorDescription: String? {
        switch self {
        case let .unsupportedModel(file, field, found):
            return "\(file): \(field) is \(found.debugDescription); Rounds reads BPE tokenizers only: byte-level (\"gpt2\" in GGUF, \"BPE\" with a ByteLevel pre-tokenizer in tokenizer.json) and Gemma's SentencePiece-style BPE (\"llama\" in GGUF, \"BPE\" with byte_fallback in tokenizer.json). ---> HINT: use a model of the SmolLM2, Llama 3, Qwen2/Qwen3 or Gemma 3 families."
        case let .unsupportedPreTokenizer(file, field, found):
            return "\(file): \(field) is \(found); Rounds knows the GPT-2, SmolLM, Llama 3 and Qwen2 pre-tokenizers (GGUF tokenizer.ggml.pre: default, gpt2, smollm, llama-bpe, llama3, qwen2). ---> HINT: convert the model with a tokenizer of one of those families."
        case let .badField(file, field, problem):
            return "\(file): \(field) \(problem)."
        case let .noTokenizer(path):
            return "\(path): no tokenizer found. ---> HINT: pass a .gguf file, a tokenizer.json, or a Hugging Face model folder that holds tokenizer.json."
        case let .unknownChatTemplate(source, excerpt):
            return "\(source): the chat template is not one Rounds recognizes (it begins \(excerpt.debugDescription)). ---> HINT: name the chat template format: chatml, chatml-smollm or llama3."
        case let .unknownChatTemplateName(name):
            return "unknown chat template \(name.debugDescription). ---> HINT: the chat template formats are chatml, chatml-smollm and llama3."
        case let .badConversation(reason):
            return reason
        }
    }
}
