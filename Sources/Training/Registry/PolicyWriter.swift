import Foundation
import Llama
import ModelFiles
import Support

/// Writes a trained policy into the registry: weights first (each file atomically), the
/// manifest last, so a folder with a manifest always has complete weights.
public enum PolicyWriter {
    public static func save(model: LlamaModel, manifest: PolicyManifest, registry: PolicyRegistry) throws {
        let folder = registry.folder(manifest.name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch manifest.kind {
        case .lora:
            guard let adapter = model.adapter else {
                throw PolicyRegistry.RegistryError.unreadableManifest(path: folder.path, reason: "a LoRA policy needs an adapter")
            }
            try adapter.save(to: folder, baseModel: manifest.base.path)
        case .full:
            try model.saveHuggingFace(folder: folder)
        case .base:
            break
        }
        try registry.save(manifest)
    }
}

extension PolicyRegistry {
    /// `url` relative to the registry root when it lies inside it (so the registry can move).
    public func relativePath(of url: URL) -> String {
        let rootPath = root.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
    }
}
