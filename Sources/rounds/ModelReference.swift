import Foundation
import Training

/// Every command that takes a model takes a policy name too: a reference is resolved by the
/// policy registry (policy name, policy folder, .gguf file, Hugging Face folder, or a folder
/// holding one .gguf).
enum ModelReference {
    static let help = "The model: a policy name (see `rounds policy list`), a .gguf file, a Hugging Face folder, or a folder holding one .gguf."

    /// The file or folder holding the tokenizer of `reference` (its base model for a policy).
    static func tokenizerSource(_ reference: String, registry: PolicyRegistry) throws -> URL {
        if reference.hasSuffix(".json"), FileManager.default.fileExists(atPath: reference) { return URL(fileURLWithPath: reference) }
        return try PolicyLoader.resolve(reference, registry: registry).base
    }
}
