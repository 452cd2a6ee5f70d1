import ArgumentParser
import Foundation
import Llama
import Support
import Tokenizer
import Training

/// What `rounds dpo` and `rounds kto` share: the starting policy (also the reference), the
/// output folder and its checkpoint, the chat encoding, and writing the new policy.
struct PreferenceRun {
    let registry: PolicyRegistry
    let out: String
    let folder: URL
    let checkpoint: URL
    let loaded: LoadedPolicy
    let template: ChatTemplate
    let baseHash: String
    /// Hash of the starting adapter (a LoRA parent), part of the run's fingerprint.
    let startHash: String

    init(registry options: RegistryOptions, policy: String, out: String, resume: Bool, chatTemplate: String?,
         training: TrainingOptions, lora: LoRAOptions) throws {
        registry = options.registry
        self.out = out
        folder = registry.folder(out)
        checkpoint = folder.appendingPathComponent(PolicyFiles.checkpoint)
        if registry.contains(out) { throw PolicyRegistry.RegistryError.alreadyExists(name: out, path: folder.path) }
        if FileManager.default.fileExists(atPath: checkpoint.path), !resume {
            throw ValidationError("An interrupted run of '\(out)' is in \(folder.path). Add --resume to continue it, or choose another --out.")
        }
        loaded = try PolicyLoader.load(policy, registry: registry)
        template = try ChatTemplate.forTokenizer(loaded.tokenizer, override: chatTemplate)
        baseHash = try SHA256.hex(fileAt: loaded.baseURL)
        if let manifest = loaded.manifest, manifest.kind == .lora {
            startHash = try SHA256.hex(fileAt: registry.folder(manifest.name).appendingPathComponent(PolicyFiles.adapter))
        } else {
            startHash = "none"
        }
        // The reference is the starting policy as loaded; then pick what is trained: the
        // parent's adapter if it has one, a fresh adapter, or (--full) every weight.
        let model = loaded.model
        if training.full {
            if model.adapter != nil { model.mergeAdapter() }
            model.trainsBase = true
        } else if model.adapter == nil {
            model.adapter = LoRAAdapter(model: model.config, configuration: lora.configuration(seed: training.seed))
        }
        training.applyThreads()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var model: LlamaModel { loaded.model }

    func encoder(maxLength: Int, maxPromptLength: Int) -> PreferenceEncoder {
        PreferenceEncoder(tokenizer: loaded.tokenizer, template: template, maxLength: maxLength, maxPromptLength: maxPromptLength)
    }

    /// Fingerprint of data + options + starting weights: a checkpoint or reference cache of any
    /// other run is refused.
    func runKey(files: [String: String], options: String) -> String {
        SHA256.hex("\(files.sorted { $0.key < $1.key })|\(options)|\(baseHash)|\(startHash)|\(template.name)")
    }

    /// Logs what the encoder had to shorten.
    func report(_ encoder: PreferenceEncoder, count: Int, what: String) {
        var line = "\(count) \(what) encoded with the \(template.name) template"
        if !encoder.truncated.isEmpty {
            line += "; \(encoder.truncated.count) truncated to the length limits (\(encoder.truncated.prefix(3).joined(separator: ", "))\(encoder.truncated.count > 3 ? ", …" : ""))"
        }
        log(line)
    }

    /// Progress of the one-time reference pass.
    func referenceReporter() -> (Int, Int) -> Void {
        let reporter = ProgressReporter("reference log-probs", total: 1, unit: "sequences")
        return { done, total in
            reporter.retotal(total)
            if done < total { reporter.update(done) } else { reporter.finish() }
        }
    }

    /// Writes the policy (weights, then manifest) and removes the run's resumable state.
    func save(method: String, files: [String: String], parameters: [String: String], metrics: [String: Double], full: Bool) throws {
        let manifest = PolicyManifest(
            name: out, parent: loaded.manifest?.name, kind: full ? .full : .lora,
            base: .init(path: registry.relativePath(of: loaded.baseURL), sha256: baseHash), method: method,
            data: .init(files: files), parameters: parameters, metrics: metrics)
        try PolicyWriter.save(model: model, manifest: manifest, registry: registry)
        try? FileManager.default.removeItem(at: checkpoint)
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(ReferenceCache.fileName))
    }
}

extension TrainingOptions {
    /// The peak learning rate of a preference run: TRL's DPO default 1e-6 for every weight,
    /// 5e-5 for a LoRA adapter (whose update is scaled by alpha / r).
    var preferenceLearningRate: Double { learningRate ?? (full ? 1e-6 : 5e-5) }
}
