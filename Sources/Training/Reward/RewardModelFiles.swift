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

    /// Loads the reward model `name` of `registry` (its backbone as a policy, then its head).
    /// `frozenBase`: the backbone's base stays in its 4-bit encoding (a QLoRA-trained reward
    /// model scored on the base it was trained on, in a fraction of the memory: the nightly
    /// evaluation holds it beside the candidate and its parent).
    public static func load(_ name: String, registry: PolicyRegistry, frozenBase: Bool = false) throws -> (reward: RewardModel, policy: LoadedPolicy) {
        let loaded = try PolicyLoader.load(name, registry: registry, frozenBase: frozenBase)
        guard let manifest = loaded.manifest, manifest.method == method else {
            throw RewardModelError.notARewardModel(name: name)
        }
        let url = registry.folder(manifest.name).appendingPathComponent(ScalarHead.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PolicyLoader.LoadError.missingWeights(policy: manifest.name, file: ScalarHead.fileName)
        }
        let head = try ScalarHead.load(from: url, width: loaded.model.config.hiddenSize)
        return (try RewardModel(model: loaded.model, head: head), loaded)
    }
}
