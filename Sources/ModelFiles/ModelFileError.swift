import Foundation

/// Everything that can be wrong with a model file. Each case names the file (and the
/// tensor or key where there is one) and hints at the fix.
public enum ModelFileError: LocalizedError, Equatable {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    case badMagic(file: String, found: String)
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, what: String)
    case malformed(file: String, what: String)
    case unknownTensorType(file: String, tensor: String, type: UInt32)
    case unsupportedTensorType(file: String, tensor: String, type: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case missingTensor(file: String, tensor: String)
    case missingMetadata(file: String, key: String)
    case wrongMetadataType(file: String, key: String, expected: String)
    /// A tensor handed to a writer that cannot be stored as asked.
    case invalidTensor(tensor: String, reason: String)
    /// A field of a Hugging Face config.json that is missing, mistyped or unsupported.
    case invalidConfig(file: String, field: String, reason: String)
    /// A file a model folder needs is not there.
    case missingFile(folder: String, file: String, hint: String)
    /// Metadata handed to a writer that cannot be stored as asked.
    case invalidMetadata(key: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read (\(reason))."
        case let .unwritable(file, reason):
            return "\(file): cannot write (\(reason)). ---> HINT: check that the folder exists and is writable."
        case let .badMagic(file, found):
            return "\(file): not a GGUF file (magic \(found.debugDescription), expected \"GGUF\"). ---> HINT: pass a .gguf file or a Hugging Face folder."
        case let .unsupportedVersion(file, version):
            return "\(file): GGUF version \(version) is not supported (2 and 3 are). ---> HINT: re-convert with a current llama.cpp."
        case let .truncated(file, what):
            return "\(file): file ends early while reading \(what). ---> HINT: the download or copy is incomplete; fetch it again."
        case let .malformed(file, what):
            return "\(file): \(what)."
        case let .unknownTensorType(file, tensor, type):
            return "\(file): tensor '\(tensor)' has unknown ggml type \(type)."
        case let .unsupportedTensorType(file, tensor, type):
            return "\(file): tensor '\(tensor)' has type \(type), which Rounds cannot dequantize. ---> HINT: use an F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K or Q6_K file."
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected). ---> HINT: the file does not match its configuration."
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'."
        case let .missingMetadata(file, key):
            return "\(file): metadata key '\(key)' is missing."
        case let .wrongMetadataType(file, key, expected):
            return "\(file): metadata key '\(key)' is not \(expected)."
        case let .invalidConfig(file, field, reason):
            return "\(file): field '\(field)' \(reason)."
        case let .missingFile(folder, file, hint):
            return "\(folder): no \(file). ---> HINT: \(hint)"
        case let .invalidTensor(tensor, reason):
            return "tensor '\(tensor)': \(reason)."
        case let .invalidMetadata(key, reason):
            return "metadata key '\(key)': \(reason)."
        }
    }
}
