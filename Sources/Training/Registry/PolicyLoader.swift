import Foundation
import Llama
import Support
import Tokenizer

/// Turns what a user typed after `--model`/`--policy`/`--base` into a model: a `.gguf`
/// file, a Hugging Face folder (config.json + safetensors), a folder holding one `.gguf`
/// (such as `policies/base`), a policy folder with `manifest.json`, or a policy name in the
/// registry. A LoRA policy is loaded as its base model with the adapter attached.
public struct LoadedPolicy {
    public var model: LlamaModel
    public var tokenizer: BPETokenizer
    /// The registry entry, when the reference named a policy.
    public var manifest: PolicyManifest?
    /// The base model file or folder the weights came from.
    public var baseURL: URL
    /// A short name for logs and manifests (`sft-v1`, or the file name).
    public var name: String
}

public enum PolicyLoader {
    public enum LoadError: LocalizedError, Equatable {
        case notFound(reference: String, registry: String)
        case ambiguousFolder(path: String, files: [String])
        case missingWeights(policy: String, file: String)

        public var errorDescription: String? {
            switch self {
            case let .notFound(reference, registry):
                return "'\(reference)' is neither a model file or folder nor a policy in \(registry)/. ---> HINT: pass a .gguf file, a Hugging Face folder, or a name from `rounds policy list`; fetch the base model with `rounds model fetch`."
            case let .ambiguousFolder(path, files):
                return "\(path) holds several model files (\(files.joined(separator: ", "))). ---> HINT: pass the file itself."
            case let .missingWeights(policy, file):
                return "policy '\(policy)': \(file) is missing. ---> HINT: the policy folder is incomplete; train it again or restore the file."
            }
        }
    }

    /// Where the base model weights of a reference are, and the policy manifest if any.
    public static func resolve(_ reference: String, registry: PolicyRegistry) throws -> (base: URL, manifest: PolicyManifest?) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let url = URL(fileURLWithPath: reference)
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            if !isDir.boolValue { return (url, nil) }
            if fm.fileExists(atPath: url.appendingPathComponent("manifest.json").path) {
                let manifest = try PolicyRegistry(root: url.deletingLastPathComponent()).manifest(url.lastPathComponent)
                return (try baseURL(of: manifest, registry: PolicyRegistry(root: url.deletingLastPathComponent())), manifest)
            }
            if fm.fileExists(atPath: url.appendingPathComponent("config.json").path) { return (url, nil) }
            let ggufs = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.hasSuffix(".gguf") }.sorted()
            if ggufs.count == 1 { return (url.appendingPathComponent(ggufs[0]), nil) }
            if ggufs.count > 1 { throw LoadError.ambiguousFolder(path: url.path, files: ggufs) }
        }
        if PolicyRegistry.isValidName(reference), registry.contains(reference) {
            let manifest = try registry.manifest(reference)
            return (try baseURL(of: manifest, registry: registry), manifest)
        }
        throw LoadError.notFound(reference: reference, registry: registry.root.path)
    }

    /// The base model of a manifest: relative paths are relative to the registry root.
    public static func baseURL(of manifest: PolicyManifest, registry: PolicyRegistry) throws -> URL {
        let path = manifest.base.path
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : registry.root.appendingPathComponent(path)
    }

    /// Loads weights and tokenizer; a LoRA policy gets its adapter attached (frozen base).
    /// `frozenBase`: the projections stay 4-bit (QLoRA, Llama FrozenBase.swift).
    public static func load(_ reference: String, registry: PolicyRegistry, frozenBase: Bool = false) throws -> LoadedPolicy {
        let (base, manifest) = try resolve(reference, registry: registry)
        let model: LlamaModel
        if let manifest, manifest.kind == .full {
            let weights = registry.folder(manifest.name)
            guard FileManager.default.fileExists(atPath: weights.appendingPathComponent("model.safetensors").path) else {
                throw LoadError.missingWeights(policy: manifest.name, file: "model.safetensors")
            }
            model = try LlamaModel.load(from: weights, frozenBase: frozenBase)
        } else {
            model = try LlamaModel.load(from: base, frozenBase: frozenBase)
        }
        if let manifest, manifest.kind == .lora {
            let folder = registry.folder(manifest.name)
            for file in [PolicyFiles.adapter, PolicyFiles.adapterConfig]
            where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
                throw LoadError.missingWeights(policy: manifest.name, file: file)
            }
            model.adapter = try LoRAAdapter.load(from: folder, model: model.config)
        }
        let tokenizer = try BPETokenizer.load(modelPath: base)
        return LoadedPolicy(model: model, tokenizer: tokenizer, manifest: manifest, baseURL: base,
                            name: storeName(base: base, manifest: manifest, registry: registry))
    }

    /// The name a reference's answers are stored under: the policy name, `base` for the
    /// registry's base model, otherwise the file or folder name.
    public static func storeName(_ reference: String, registry: PolicyRegistry) throws -> String {
        let (base, manifest) = try resolve(reference, registry: registry)
        return storeName(base: base, manifest: manifest, registry: registry)
    }

    static func storeName(base: URL, manifest: PolicyManifest?, registry: PolicyRegistry) -> String {
        if let manifest { return manifest.name }
        let baseFolder = registry.folder("base").standardizedFileURL.path
        if base.standardizedFileURL.path.hasPrefix(baseFolder + "/") || base.standardizedFileURL.path == baseFolder { return "base" }
        return base.deletingPathExtension().lastPathComponent
    }
}

/// File names inside a policy folder.
public enum PolicyFiles {
    public static let manifest = "manifest.json"
    /// LoRA weights with PEFT tensor names: a policy folder is also a PEFT adapter folder.
    public static let adapter = "adapter_model.safetensors"
    /// PEFT's LoraConfig.
    public static let adapterConfig = "adapter_config.json"
    /// Full fine-tuning: every weight, Hugging Face names (with config.json + tokenizer.json).
    public static let fullWeights = "model.safetensors"
    /// Resumable training state while a run is under way.
    public static let checkpoint = "checkpoint.bin"
}

extension PolicyFiles {
    /// SHA-256 naming a base model: of the file for a `.gguf`; for a Hugging Face folder, of
    /// the list "name sha256" of its files (weights, config, tokenizer), sorted by name.
    public static func baseHash(of url: URL) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return try SHA256.hex(fileAt: url)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".json") || $0.hasSuffix(".gguf") }.sorted()
        let lines = try names.map { "\($0) \(try SHA256.hex(fileAt: url.appendingPathComponent($0)))" }
        return SHA256.hex(lines.joined(separator: "\n"))
    }
}
