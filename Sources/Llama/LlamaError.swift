import Foundation

/// What can be wrong when loading or running a Llama model. Each case names the file or
/// field and says what to do.
public enum LlamaError: LocalizedError, Equatable {
    case unsupportedFormat(path: String)
    case badBatch(reason: String)
    case adapterMismatch(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unsupportedFormat(path):
            return "\(path): not a .gguf file or a Hugging Face folder with config.json. ---> HINT: pass the .gguf file itself or the folder holding config.json and *.safetensors."
        case let .badBatch(reason):
            return "invalid token batch: \(reason)."
        case let .adapterMismatch(file, reason):
            return "\(file): the LoRA adapter does not fit this model: \(reason). ---> HINT: load the adapter onto the base model it was trained from."
        }
    }
}
