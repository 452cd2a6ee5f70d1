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
    public static func load(_ name: String, registry: PolicyRegistry) throws -> (reward: RewardModel, policy: LoadedPolicy) {
        let loaded = try PolicyLoader.load(name, registry: registry)
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
