import Foundation
import Llama
import Support
import Tokenizer

/// What every job that makes a new policy from an existing one shares (`SFTJob`, `DPOJob`,
/// `KTOJob`, `RewardJob`, `PPOJob`, run by the CLI and the nightly run): the starting policy
/// (also the reference), the output folder and its checkpoint, the chat encoding, and writing
/// the new policy.
public struct PolicyRun {
    public enum RunError: LocalizedError, Equatable {
        case interrupted(name: String, folder: String)
        case qloraWithFull

        public var errorDescription: String? {
            switch self {
            case .qloraWithFull:
                return "--qlora keeps the base frozen in 4 bits and trains a LoRA adapter; it cannot be combined with --full."
            case let .interrupted(name, folder):
                return "An interrupted run of '\(name)' is in \(folder): resume it, or choose another name for the new policy."
            }
        }
    }

    /// How the new weights are trained: a LoRA adapter (the parent's, or a fresh one) or every
    /// weight; with `qlora` the adapter trains on a frozen 4-bit base (Llama FrozenBase.swift).
    public struct Weights: Codable, Equatable, Sendable {
        public var full: Bool
        public var lora: LoRAConfiguration
        /// QLoRA: the base's projections stay compact (NF4 from safetensors, the GGUF's own
        /// blocks) and are decoded tile by tile inside the products. Absent in older manifests.
        public var qlora: Bool
        /// Rank 16, alpha 32 on every projection: the adapter the CLI and the nightly run train.
        public init(full: Bool = false, lora: LoRAConfiguration = LoRAConfiguration(rank: 16, alpha: 32), qlora: Bool = false) {
            self.full = full
            self.lora = lora
            self.qlora = qlora
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            full = try c.decode(Bool.self, forKey: .full)
            lora = try c.decode(LoRAConfiguration.self, forKey: .lora)
            qlora = try c.decodeIfPresent(Bool.self, forKey: .qlora) ?? false
        }
    }

    public let registry: PolicyRegistry
    public let out: String
    public let folder: URL
    public let checkpoint: URL
    public let loaded: LoadedPolicy
    public let template: ChatTemplate
    public let baseHash: String
    /// Hash of the starting adapter (a LoRA parent), part of the run's fingerprint.
    public let startHash: String

    /// Loads `policy` and prepares `out`. Refuses an existing policy `out`, and a leftover
    /// checkpoint unless `resume`.
    public init(registry: PolicyRegistry, policy: String, out: String, resume: Bool, chatTemplate: String?, weights: Weights) throws {
        self.registry = registry
        self.out = out
        folder = registry.folder(out)
        checkpoint = folder.appendingPathComponent(PolicyFiles.checkpoint)
        if registry.contains(out) { throw PolicyRegistry.RegistryError.alreadyExists(name: out, path: folder.path) }
        if FileManager.default.fileExists(atPath: checkpoint.path), !resume {
            throw RunError.interrupted(name: out, folder: folder.path)
        }
        if weights.qlora, weights.full { throw RunError.qloraWithFull }
        loaded = try PolicyLoader.load(policy, registry: registry, frozenBase: weights.qlora)
        template = try ChatTemplate.forTokenizer(loaded.tokenizer, override: chatTemplate)
        baseHash = try PolicyFiles.baseHash(of: loaded.baseURL)
        if let manifest = loaded.manifest, manifest.kind == .lora {
            startHash = try SHA256.hex(fileAt: registry.folder(manifest.name).appendingPathComponent(PolicyFiles.adapter))
        } else {
            startHash = "none"
        }
        // The reference is the starting policy as loaded; then pick what is trained: the
        // parent's adapter if it has one, a fresh adapter, or every weight.
        let model = loaded.model
        if weights.full {
            if model.adapter != nil { model.mergeAdapter() }
            model.trainsBase = true
        } else if model.adapter == nil {
            model.adapter = LoRAAdapter(model: model.config, configuration: weights.lora)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    public var model: LlamaModel { loaded.model }

    /// The parent's name in the registry (nil for a bare model file).
    public var parentName: String? { loaded.manifest?.name }

    public func encoder(maxLength: Int, maxPromptLength: Int) -> PreferenceEncoder {
        PreferenceEncoder(tokenizer: loaded.tokenizer, template: template, maxLength: maxLength, maxPromptLength: maxPromptLength)
    }

    /// Fingerprint of data + options + starting weights: a checkpoint or reference cache of any
    /// other run is refused.
    public func runKey(files: [String: String], options: String) -> String {
        SHA256.hex("\(files.sorted { $0.key < $1.key })|\(options)|\(baseHash)|\(startHash)|\(template.name)")
    }

    /// A line saying how many items were encoded and which had to be shortened.
    public func encodingSummary(_ encoder: PreferenceEncoder, count: Int, what: String) -> String {
        var line = "\(count) \(what) encoded with the \(template.name) template"
        if !encoder.truncated.isEmpty {
            line += "; \(encoder.truncated.count) truncated to the length limits (\(encoder.truncated.prefix(3).joined(separator: ", "))\(encoder.truncated.count > 3 ? ", …" : ""))"
        }
        return line
    }

    /// Progress of the one-time reference pass.
    public func referenceReporter() -> (Int, Int) -> Void {
        let reporter = ProgressReporter("reference log-probs", total: 1, unit: "sequences")
        return { done, total in
            reporter.retotal(total)
            if done < total { reporter.update(done) } else { reporter.finish() }
        }
    }

    /// The manifest of the new policy.
    public func manifest(method: String, data: PolicyManifest.TrainingData, parameters: [String: String] = [:],
                         metrics: [String: Double] = [:], full: Bool, job: JobRecord? = nil) -> PolicyManifest {
        PolicyManifest(
            name: out, parent: parentName, kind: full ? .full : .lora,
            base: .init(path: registry.relativePath(of: loaded.baseURL), sha256: baseHash), method: method,
            data: data, parameters: parameters, metrics: metrics, job: job)
    }

    /// Writes the policy (weights, then manifest) and removes the run's resumable state.
    public func save(_ manifest: PolicyManifest, head: ScalarHead? = nil) throws {
        if let head {
            try RewardModel(model: model, head: head).save(manifest: manifest, registry: registry)
        } else {
            try PolicyWriter.save(model: model, manifest: manifest, registry: registry)
        }
        try? FileManager.default.removeItem(at: checkpoint)
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(ReferenceCache.fileName))
    }
}
