import Foundation
import Llama

// A reward model is stored like a policy (`policies/NAME/`: PEFT adapter folder or full
// weights, manifest with method "reward") plus `reward_head.safetensors`.

extension RewardModel {
    public static let method = "reward"

    /// Writes the backbone and manifest through `PolicyWriter`, the head first (so a folder
    /// with a manifest always has its head).
    public func save(manifest: PolicyManifest, registry: PolicyRegistry) throws {
        let folder = registry.folder(manifest.name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try head.save(to: folder.appendingPathComponent(ScalarHead.fileName))
        try PolicyWriter.save(model: model, manifest: manifest, registry: registry)
    }

    /// Loads the reward model `name` of `registry` (its backbone as a policy, then its head),
    /// on the base it was trained on: kept in its 4-bit encoding when its job ran QLoRA (the
    /// manifest's `job.reward` settings), in fp32 otherwise. The two are the same values for a
    /// GGUF base (its own blocks) but not for a Hugging Face folder, whose QLoRA base is NF4
    /// levels of the fp32 weights; scoring on the other would not be the model that was trained,
    /// so the caller's settings (the nightly run's `qlora`) do not choose it.
    public static func load(_ name: String, registry: PolicyRegistry) throws -> (reward: RewardModel, policy: LoadedPolicy) {
        let trained = try PolicyLoader.resolve(name, registry: registry).manifest
        guard let trained, trained.method == method else { throw RewardModelError.notARewardModel(name: name) }
        let loaded = try PolicyLoader.load(name, registry: registry, frozenBase: trainedOnFrozenBase(trained))
        let url = registry.folder(trained.name).appendingPathComponent(ScalarHead.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PolicyLoader.LoadError.missingWeights(policy: trained.name, file: ScalarHead.fileName)
        }
        let head = try ScalarHead.load(from: url, width: loaded.model.config.hiddenSize)
        return (try RewardModel(model: loaded.model, head: head), loaded)
    }

    /// Whether the reward model of `manifest` trained its adapter on a frozen 4-bit base
    /// (false for manifests written before jobs recorded their settings).
    public static func trainedOnFrozenBase(_ manifest: PolicyManifest) -> Bool {
        manifest.job?.reward?.parameters.settings.weights.qlora ?? false
    }
}
