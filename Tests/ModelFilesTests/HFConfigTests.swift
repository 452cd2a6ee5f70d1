import Foundation
import Testing
@testable import ModelFiles

// config.json in both transformers layouts, defaults, validation, and model folders.

func decodeConfig(_ json: String) throws -> HFConfig {
    try JSONDecoder().decode(HFConfig.self, from: Data(json.utf8))
}

@Test func tinyFixtureConfigAgreesWithItsGGUF() throws {
    // transformers 5 layout: rope_theta inside rope_parameters, null token ids.
    let config = try HFConfig.load(from: fixtures.appendingPathComponent("tiny-llama/config.json"))
    let gguf = try GGUFFile(url: fixtures.appendingPathComponent("tiny-llama/model.gguf"))
    let fromGGUF = try HFConfig(gguf: gguf)
    #expect(config.ropeTheta == fromGGUF.ropeTheta)
    #expect(config.bosTokenIds.isEmpty && config.eosTokenIds.isEmpty && config.padTokenId == nil)
    for (a, b, field) in [
        (config.vocabSize, fromGGUF.vocabSize, "vocab"), (config.hiddenSize, fromGGUF.hiddenSize, "hidden"),
        (config.intermediateSize, fromGGUF.intermediateSize, "ffn"), (config.numHiddenLayers, fromGGUF.numHiddenLayers, "layers"),
        (config.numAttentionHeads, fromGGUF.numAttentionHeads, "heads"), (config.numKeyValueHeads, fromGGUF.numKeyValueHeads, "kv"),
        (config.headDim, fromGGUF.headDim, "head_dim"), (config.maxPositionEmbeddings, fromGGUF.maxPositionEmbeddings, "ctx"),
    ] {
        #expect(a == b, "\(field)")
    }
    #expect(config.tieWordEmbeddings && fromGGUF.tieWordEmbeddings)
    // GGUF stores eps as float32: 1e-5 comes back as the nearest float.
    #expect(fromGGUF.rmsNormEps == Double(Float(config.rmsNormEps)))
    // The parameter count equals the elements in the safetensors file (tied: no lm_head).
    let st = try SafetensorsFile(url: fixtures.appendingPathComponent("tiny-llama/model.safetensors"))
    #expect(config.parameterCount == st.tensors.reduce(0) { $0 + $1.elementCount })
}

@Test func transformers4LayoutAndDefaults() throws {
    let c = try decodeConfig("""
        {"vocab_size": 100, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 3,
         "num_attention_heads": 6, "rope_theta": 500000.0, "bos_token_id": 1, "eos_token_id": [2, 7],
         "rope_scaling": null}
        """)
    #expect(c.ropeTheta == 500000)
    #expect(c.numKeyValueHeads == 6)  // defaults to the attention heads
    #expect(c.headDim == 8)           // 48 / 6
    #expect(c.rmsNormEps == 1e-6 && !c.tieWordEmbeddings && c.maxPositionEmbeddings == 2048)
    #expect(c.bosTokenIds == [1] && c.eosTokenIds == [2, 7])
    #expect(c.ropeType == "default")
    try c.validate()

    // Encoding writes both rope layouts and reads back equal.
    let data = try JSONEncoder().encode(c)
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    #expect(json["rope_theta"] as? Double == 500000)
    #expect((json["rope_parameters"] as? [String: Any])?["rope_theta"] as? Double == 500000)
    #expect(try JSONDecoder().decode(HFConfig.self, from: data) == c)
}

@Test func validationNamesTheField() throws {
    let base = """
        "vocab_size": 100, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 3, "num_attention_heads": 6
        """
    let cases: [(String, String)] = [
        (#""num_key_value_heads": 4"#, "num_key_value_heads"),
        (#""model_type": "mistral""#, "model_type"),
        (#""model_type": "gemma3""#, "model_type"),
        (#""rope_parameters": {"rope_theta": 1e4, "rope_type": "yarn"}"#, "rope_parameters.rope_type"),
        (#""rope_scaling": {"type": "linear"}"#, "rope_parameters.factor"),
        (#""model_type": "qwen2", "use_sliding_window": true"#, "use_sliding_window"),
        (#""model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh", "final_logit_softcapping": 30.0"#,
         "final_logit_softcapping"),
        (#""model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh", "layer_types": ["full_attention"]"#,
         "layer_types"),
        (#""head_dim": 7"#, "head_dim"),
        (#""rms_norm_eps": 0"#, "rms_norm_eps"),
        (#""hidden_act": "gelu""#, "hidden_act"),
        (#""attention_bias": true"#, "attention_bias"),
        (#""eos_token_id": [2, 100]"#, "eos_token_id"),
    ]
    for (extra, field) in cases {
        let c = try decodeConfig("{\(base), \(extra)}")
        #expect(throws: ModelFileError.self, "\(field)") { try c.validate(file: "x/config.json") }
        do {
            try c.validate(file: "x/config.json")
        } catch let ModelFileError.invalidConfig(file, badField, _) {
            #expect(file == "x/config.json" && badField == field)
        }
    }
    // Decoding errors name the field too: a missing key and a wrong type.
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("config.json")
    try Data(#"{"vocab_size": 100, "hidden_size": 48}"#.utf8).write(to: url)
    #expect(throws: ModelFileError.invalidConfig(file: url.path, field: "intermediate_size", reason: "is missing")) {
        try HFConfig.load(from: url)
    }
    try Data("{\(base.replacingOccurrences(of: "\"num_hidden_layers\": 3", with: "\"num_hidden_layers\": \"3\""))}".utf8).write(to: url)
    do {
        _ = try HFConfig.load(from: url)
        Issue.record("a string layer count was accepted")
    } catch let ModelFileError.invalidConfig(_, field, _) {
        #expect(field == "num_hidden_layers")
    }
}

@Test func modelFolders() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let fm = FileManager.default
    // No config.json.
    #expect(throws: ModelFileError.missingFile(folder: dir.path, file: "config.json", hint: "a Hugging Face model folder holds config.json beside its *.safetensors files")) {
        try HFModelFolder(dir)
    }
    try fm.copyItem(at: fixtures.appendingPathComponent("tiny-llama/config.json"), to: dir.appendingPathComponent("config.json"))
    // No weights.
    do {
        _ = try HFModelFolder(dir)
        Issue.record("a folder without weights was accepted")
    } catch let ModelFileError.missingFile(_, file, _) {
        #expect(file == "model.safetensors")
    }
    // A single file under any name.
    try fm.copyItem(at: fixtures.appendingPathComponent("tiny-llama/model.safetensors"), to: dir.appendingPathComponent("weights.safetensors"))
    let single = try HFModelFolder(dir)
    #expect(single.weightURLs.map(\.lastPathComponent) == ["weights.safetensors"])
    #expect(throws: ModelFileError.self) { try single.requireTokenizer() }

    // Split the fixture's tensors over two shards with an index.
    let original = try SafetensorsFile(url: fixtures.appendingPathComponent("tiny-llama/model.safetensors"))
    try fm.removeItem(at: dir.appendingPathComponent("weights.safetensors"))
    var shards = [SafetensorsWriter(), SafetensorsWriter()]
    var map: [String: String] = [:]
    for (i, t) in original.tensors.enumerated() {
        try shards[i % 2].add(t.name, try original.floats(t.name), shape: t.shape)
        map[t.name] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
    }
    try shards[0].write(to: dir.appendingPathComponent("model-00001-of-00002.safetensors"))
    let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
    try index.write(to: dir.appendingPathComponent("model.safetensors.index.json"))
    // The second shard is missing: the error names it.
    do {
        _ = try HFModelFolder(dir)
        Issue.record("a missing shard was accepted")
    } catch let ModelFileError.missingFile(_, file, _) {
        #expect(file == "model-00002-of-00002.safetensors")
    }
    try shards[1].write(to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
    let folder = try HFModelFolder(dir)
    #expect(folder.weightURLs.count == 2)
    let weights = try folder.weights()
    #expect(weights.tensorNames == original.tensors.map(\.name).sorted())
    for t in original.tensors { #expect(try weights.floats(t.name, shape: t.shape) == original.floats(t.name)) }
    #expect(throws: ModelFileError.self) { try weights.floats("lm_head.weight") }
    #expect(try folder.config().numHiddenLayers == 2)
}

@Test func hyperparametersRoundTripThroughGGUF() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = try HFConfig.load(from: fixtures.appendingPathComponent("tiny-llama/config.json"))
    config.bosTokenIds = [1]
    config.eosTokenIds = [2]
    var w = GGUFWriter()
    try w.setHyperparameters(config, name: "round trip")
    // Untied: an output.weight tensor is present.
    config.tieWordEmbeddings = false
    try w.add("output.weight", [Float](repeating: 0, count: 32), shape: [1, 32])
    let url = dir.appendingPathComponent("h.gguf")
    try w.write(to: url)
    var back = try HFConfig(gguf: GGUFFile(url: url))
    // GGUF floats are float32.
    #expect(back.rmsNormEps == Double(Float(config.rmsNormEps)))
    back.rmsNormEps = config.rmsNormEps
    #expect(back == config)
}
