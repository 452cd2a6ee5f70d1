import Foundation

/// What can be wrong when loading or running a Llama model. Each case names the file or
/// field and says what to do.
public enum LlamaError: LocalizedError, Equatable {
    case unsupportedFormat(path: String)
    case missingConfigField(file: String, field: String)
    case invalidConfig(file: String, field: String, reason: String)
    case unsupportedFeature(file: String, field: String, value: String)
    case noSafetensors(folder: String)
    case badBatch(reason: String)
    case adapterMismatch(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unsupportedFormat(path):
            return "\(path): not a .gguf file or a Hugging Face folder with config.json. ---> HINT: pass the .gguf file itself or the folder holding config.json and *.safetensors."
        case let .missingConfigField(file, field):
            return "\(file): required field '\(field)' is missing."
        case let .invalidConfig(file, field, reason):
            return "\(file): field '\(field)' \(reason)."
        case let .unsupportedFeature(file, field, value):
            return "\(file): '\(field)' = \(value) is not supported (plain Llama only: SiLU MLP, no biases, default RoPE). ---> HINT: convert the model to a standard Llama checkpoint."
        case let .noSafetensors(folder):
            return "\(folder): no *.safetensors weights next to config.json. ---> HINT: download the model's safetensors files into this folder."
        case let .badBatch(reason):
            return "invalid token batch: \(reason)."
        case let .adapterMismatch(file, reason):
            return "\(file): the LoRA adapter does not fit this model: \(reason). ---> HINT: load the adapter onto the base model it was trained from."
        }
    }
}
