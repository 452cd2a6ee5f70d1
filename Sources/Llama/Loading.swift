import Foundation
import ModelFiles
import Tensor

extension LlamaModel {
    /// Loads a `.gguf` file or a Hugging Face folder (config.json + *.safetensors).
    /// Both give the same weights in the same internal layout (identical logits).
    public static func load(from url: URL) throws -> LlamaModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue { return try loadHuggingFace(folder: url) }
        if url.pathExtension.lowercased() == "gguf" { return try loadGGUF(try GGUFFile(url: url)) }
        throw LlamaError.unsupportedFormat(path: url.path)
    }

    /// Loads from a parsed GGUF, dequantizing every tensor to Float32 and undoing the
    /// converter's q/k row permutation.
    public static func loadGGUF(_ gguf: GGUFFile) throws -> LlamaModel {
        let model = LlamaModel(config: try LlamaConfiguration(gguf: gguf))
        for t in model.layout.tensors {
            let values = try gguf.floats(t.ggufName, shape: t.shape)
            let dst = model.parameters.pointer + t.offset
            if let heads = t.permutedHeads {
                unpermuteRows(dst, values, heads: heads, rows: t.shape[0], columns: t.shape[1])
            } else {
                values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: t.count) }
            }
        }
        return model
    }

    /// Loads `config.json` and every `*.safetensors` file of a Hugging Face folder.
    public static func loadHuggingFace(folder: URL) throws -> LlamaModel {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw LlamaError.unsupportedFormat(path: folder.path)
        }
        let model = LlamaModel(config: try LlamaConfiguration(hfConfig: configURL))
        let shards = try weightFiles(in: folder).map { try SafetensorsFile(url: folder.appendingPathComponent($0)) }
        guard !shards.isEmpty else { throw LlamaError.noSafetensors(folder: folder.path) }
        for t in model.layout.tensors {
            guard let file = shards.first(where: { (try? $0.info(t.name)) != nil }) else {
                throw ModelFileError.missingTensor(file: folder.path, tensor: t.name)
            }
            let info = try file.info(t.name)
            guard info.shape == t.shape else {
                throw ModelFileError.shapeMismatch(file: file.url.path, tensor: t.name, expected: t.shape, found: info.shape)
            }
            let values = try file.floats(t.name)
            values.withUnsafeBufferPointer { (model.parameters.pointer + t.offset).update(from: $0.baseAddress!, count: t.count) }
        }
        return model
    }
}

/// The weight files of a Hugging Face folder: those named by `model.safetensors.index.json`
/// when it exists, else `model.safetensors`, else every `*.safetensors` (other files in the
/// folder, such as saved gradients or adapters, are not weights).
func weightFiles(in folder: URL) throws -> [String] {
    let index = folder.appendingPathComponent("model.safetensors.index.json")
    if let data = try? Data(contentsOf: index) {
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = json["weight_map"] as? [String: String]
        else {
            throw LlamaError.invalidConfig(file: index.path, field: "weight_map", reason: "is missing or not a name → file map")
        }
        return Set(map.values).sorted()
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    if names.contains("model.safetensors") { return ["model.safetensors"] }
    return names.filter { $0.hasSuffix(".safetensors") }.sorted()
}

/// Inverse of llama.cpp's `LlamaModel.permute` (convert_hf_to_gguf.py): inside each head of
/// D rows, GGUF row 2i + j holds HF row j·D/2 + i. Writes HF (rotate-half) order to `dst`.
func unpermuteRows(_ dst: UnsafeMutablePointer<Float>, _ src: [Float], heads: Int, rows: Int, columns: Int) {
    let d = rows / heads, half = d / 2
    src.withUnsafeBufferPointer { s in
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let from = h * d + 2 * i + j, to = h * d + j * half + i
                    (dst + to * columns).update(from: s.baseAddress! + from * columns, count: columns)
                }
            }
        }
    }
}
