import Foundation
import ModelFiles
import Support
import Tensor

// PEFT-compatible adapter folders: `adapter_config.json` (LoraConfig) and
// `adapter_model.safetensors` with names like
// `base_model.model.model.layers.<i>.self_attn.q_proj.lora_A.weight` (PEFT drops the adapter
// name "default" when saving). Merging folds s·B·A into the base weights for export.

extension LoRAAdapter {
    /// Loads a PEFT adapter folder (or its `adapter_model.safetensors`, with the config beside it)
    /// for a model of shape `model`. `seed` drives dropout when training continues.
    public static func load(from url: URL, model cfg: LlamaConfiguration, seed: UInt64 = 0) throws -> LoRAAdapter {
        let folder = url.pathExtension == "safetensors" ? url.deletingLastPathComponent() : url
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let weightsURL = url.pathExtension == "safetensors" ? url : folder.appendingPathComponent("adapter_model.safetensors")
        let data: Data
        do { data = try Data(contentsOf: configURL) } catch {
            throw ModelFileError.unreadable(file: configURL.path, reason: error.localizedDescription)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let rank = (json["r"] as? NSNumber)?.intValue, rank > 0,
              let alpha = (json["lora_alpha"] as? NSNumber)?.floatValue
        else {
            throw LlamaError.adapterMismatch(file: configURL.path, reason: "'r' (a positive integer) or 'lora_alpha' is missing")
        }
        let names = json["target_modules"] as? [String] ?? []
        var targets: [LoRATarget] = []
        for name in names {
            guard let t = LoRATarget(rawValue: name) else {
                throw LlamaError.adapterMismatch(file: configURL.path, reason: "target module '\(name)' is not a Llama projection")
            }
            targets.append(t)
        }
        if (json["use_dora"] as? Bool) == true || (json["use_rslora"] as? Bool) == true {
            throw LlamaError.adapterMismatch(file: configURL.path, reason: "DoRA / rsLoRA adapters are not supported")
        }
        let configuration = LoRAConfiguration(
            rank: rank, alpha: alpha, dropout: (json["lora_dropout"] as? NSNumber)?.floatValue ?? 0, targets: targets, seed: seed)
        let adapter = LoRAAdapter(model: cfg, configuration: configuration)
        let file = try SafetensorsFile(url: weightsURL)
        for t in adapter.tensors {
            let values = try file.floats(t.name, shape: t.shape)
            values.withUnsafeBufferPointer { (adapter.parameters.pointer + t.offset).update(from: $0.baseAddress!, count: t.count) }
        }
        return adapter
    }

    /// Writes `adapter_config.json` and `adapter_model.safetensors` (each atomically) into
    /// `folder`, creating it. `baseModel` is recorded as `base_model_name_or_path`.
    public func save(to folder: URL, baseModel: String? = nil) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for t in tensors { try writer.add(t.name, parameters.array(offset: t.offset, count: t.count), shape: t.shape) }
        try writer.write(to: folder.appendingPathComponent("adapter_model.safetensors"))
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": configuration.rank, "lora_alpha": configuration.alpha,
            "lora_dropout": configuration.dropout, "target_modules": configuration.targets.map(\.rawValue).sorted(),
            "bias": "none", "fan_in_fan_out": false, "use_dora": false, "use_rslora": false,
            "base_model_name_or_path": baseModel ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data + Data("\n".utf8), to: folder.appendingPathComponent("adapter_config.json"))
    }
}

extension LlamaModel {
    /// Folds the attached adapter into the base weights (W ← W + s·B·A for every target) and
    /// detaches it, so the model can be exported as plain weights.
    public func mergeAdapter() {
        guard let adapter else { return }
        precondition(frozenBase == nil, "a frozen (QLoRA) base has no fp32 projections to merge into; load the base in fp32")
        let cfg = adapter.configuration, p = parameters.pointer, lp = adapter.parameters.pointer
        for (l, w) in layout.layers.enumerated() {
            for target in cfg.targets {
                guard let slot = adapter.slots[l][target] else { continue }
                let offset: Int
                switch target {
                case .q: offset = w.wqkv
                case .k: offset = w.wk
                case .v: offset = w.wv
                case .o: offset = w.wo
                case .gate: offset = w.wGateUp
                case .up: offset = w.wUp
                case .down: offset = w.wDown
                }
                // W (out, in) += s · B (out, r) · A (r, in)
                gemm(transA: false, transB: false, m: slot.output, n: slot.input, k: cfg.rank, alpha: cfg.scaling,
                     a: lp + slot.b, lda: cfg.rank, b: lp + slot.a, ldb: slot.input, beta: 1, c: p + offset, ldc: slot.input)
            }
        }
        self.adapter = nil
        blockWeights = [:]
        runtimeAdapter = nil
    }
}
