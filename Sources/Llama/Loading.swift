import Foundation
import ModelFiles
import Tensor

extension LlamaModel {
    /// Loads a `.gguf` file or a Hugging Face folder (config.json + *.safetensors).
    /// Both give the same weights in the same internal layout (identical logits).
    /// `frozenBase`: the projections stay compact and frozen (QLoRA, FrozenBase.swift).
    public static func load(from url: URL, frozenBase: Bool = false) throws -> LlamaModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue { return try loadHuggingFace(folder: url, frozenBase: frozenBase) }
        if url.pathExtension.lowercased() == "gguf" { return try loadGGUF(try GGUFFile(url: url), frozenBase: frozenBase) }
        throw LlamaError.unsupportedFormat(path: url.path)
    }

    /// Loads from a parsed GGUF, dequantizing every tensor to Float32 and undoing the
    /// converter's q/k row permutation (llama only). Gemma norm scales are stored as 1 + w in
    /// GGUF files, which is the form the model keeps. With `frozenBase` the projections keep
    /// their blocks instead (FrozenBase.swift).
    public static func loadGGUF(_ gguf: GGUFFile, frozenBase: Bool = false) throws -> LlamaModel {
        let hf = try HFConfig(gguf: gguf)
        try hf.validate(file: gguf.url.path)
        var config = LlamaConfiguration(hf)
        if gguf.tensors.contains(where: { $0.name == "rope_freqs.weight" }) {
            // Llama 3.1+ as llama.cpp converts it: the scaled frequencies as divisors.
            config.architecture.ropeFrequencyDivisors = try gguf.floats("rope_freqs.weight", shape: [config.headDim / 2])
        }
        let model = LlamaModel(config: config, hfConfig: hf, frozenProjections: frozenBase)
        var frozen = FrozenProjections(layers: config.layerCount, enabled: frozenBase)
        for t in model.layout.tensors {
            if frozenBase, let projection = t.projection {
                frozen.set(projection.layer, projection.target, try frozenMatrix(gguf, t))
                continue
            }
            let values = try gguf.floats(t.ggufName, shape: t.shape)
            let dst = model.parameters.pointer + t.offset
            if let heads = t.permutedHeads {
                unpermuteRows(dst, values, heads: heads, rows: t.shape[0], columns: t.shape[1])
            } else {
                values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: t.count) }
            }
            if !frozenBase, t.shape.count == 2, let compact = try blockMatrix(gguf, t) { model.blockWeights[t.offset] = compact }
        }
        model.frozenBase = frozen.base
        return model
    }

    /// A quantized matrix's compact form from its blocks, rows in the model's order.
    static func blockMatrix(_ gguf: GGUFFile, _ t: ParameterTensor) throws -> CompactMatrix? {
        guard let unpacked = try gguf.levels(t.ggufName) else { return nil }
        var (levels, scales, offsets) = (unpacked.levels, unpacked.scales, unpacked.offsets)
        let group = unpacked.groupSize
        let rows = t.shape[0], columns = t.shape[1]
        if let heads = t.permutedHeads {
            func rowsInOrder<T>(_ a: [T], _ width: Int) -> [T] {
                var out = a
                out.withUnsafeMutableBufferPointer { unpermuteRows($0.baseAddress!, a, heads: heads, rows: rows, columns: width) }
                return out
            }
            levels = rowsInOrder(levels, columns)
            scales = rowsInOrder(scales, columns / group)
            offsets = rowsInOrder(offsets, columns / group)
        }
        return CompactMatrix.fromLevels(rows: rows, columns: columns, groupSize: group, levels: levels, scales: scales, offsets: offsets)
    }

    /// Loads `config.json` and the safetensors weights of a Hugging Face folder (one file
    /// or shards listed by `model.safetensors.index.json`).
    /// With `frozenBase` the projections are quantized to NF4 one at a time (FrozenBase.swift).
    public static func loadHuggingFace(folder: URL, frozenBase: Bool = false) throws -> LlamaModel {
        let hf = try HFModelFolder(folder)
        let config = try hf.config()
        let model = LlamaModel(config: LlamaConfiguration(config), hfConfig: config, frozenProjections: frozenBase)
        let weights = try hf.weights()
        let offset = model.config.architecture.normWeightOffset
        var frozen = FrozenProjections(layers: model.config.layerCount, enabled: frozenBase)
        for t in model.layout.tensors {
            let values = try weights.floats(t.name, shape: t.shape)
            if frozenBase, let projection = t.projection {
                frozen.set(projection.layer, projection.target, values.withUnsafeBufferPointer { NF4Matrix($0.baseAddress!, rows: t.shape[0], columns: t.shape[1]) })
                continue
            }
            let dst = model.parameters.pointer + t.offset
            values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: t.count) }
            if offset != 0, ParameterLayout.isNorm(t) {
                for i in 0..<t.count { dst[i] += offset }
            }
        }
        model.frozenBase = frozen.base
        return model
    }
}

/// The projections a loader has frozen so far.
struct FrozenProjections {
    var matrices: [[LoRATarget: any FrozenMatrix]]
    let enabled: Bool
    init(layers: Int, enabled: Bool) {
        matrices = Array(repeating: [:], count: enabled ? layers : 0)
        self.enabled = enabled
    }
    mutating func set(_ l: Int, _ t: LoRATarget, _ m: any FrozenMatrix) { matrices[l][t] = m }
    var base: FrozenBase? { enabled ? FrozenBase(matrices: matrices) : nil }
}

/// Inverse of llama.cpp's `LlamaModel.permute` (convert_hf_to_gguf.py): inside each head of
/// D rows, GGUF row 2i + j holds HF row j·D/2 + i. Writes HF (rotate-half) order to `dst`.
func unpermuteRows<T>(_ dst: UnsafeMutablePointer<T>, _ src: [T], heads: Int, rows: Int, columns: Int) {
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
