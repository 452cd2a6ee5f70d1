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

    /// Loads `config.json` and the safetensors weights of a Hugging Face folder (one file
    /// or shards listed by `model.safetensors.index.json`).
    public static func loadHuggingFace(folder: URL) throws -> LlamaModel {
        let hf = try HFModelFolder(folder)
        let model = LlamaModel(config: LlamaConfiguration(try hf.config()))
        let weights = try hf.weights()
        for t in model.layout.tensors {
            let values = try weights.floats(t.name, shape: t.shape)
            values.withUnsafeBufferPointer { (model.parameters.pointer + t.offset).update(from: $0.baseAddress!, count: t.count) }
        }
        return model
    }
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
