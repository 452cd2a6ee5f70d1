import ArgumentParser
import Foundation
import ModelFiles
import Testing
@testable import rounds

// `rounds model info` and `rounds model fetch`. Expected numbers come from the files'
// own metadata (read through ModelFiles), not from constants.

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
private let baseModel = root.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")
private let tinyFolder = root.appendingPathComponent("Tests/Fixtures/reference/tiny-llama").standardized

@Test func modelInfoOfTheBaseModel() throws {
    let gguf = try GGUFFile(url: baseModel)
    let summary = try ModelSummary(gguf: gguf)
    #expect(summary.config.numHiddenLayers == (try gguf.int("llama.block_count")))
    #expect(summary.config.hiddenSize == (try gguf.int("llama.embedding_length")))
    #expect(summary.config.numKeyValueHeads == (try gguf.int("llama.attention.head_count_kv")))
    #expect(summary.parameters == gguf.tensors.reduce(0) { $0 + $1.elementCount })
    #expect(summary.tensorTypes.reduce(0) { $0 + $1.tensors } == gguf.tensors.count)
    #expect(summary.tensorTypes.reduce(0) { $0 + $1.bytes } <= summary.fileBytes)
    let tokens = try gguf.strings("tokenizer.ggml.tokens")
    let bos = try gguf.int("tokenizer.ggml.bos_token_id")
    #expect(summary.tokenizer?.vocabSize == tokens.count)
    #expect(summary.tokenizer?.bos == ModelSummary.Token(id: bos, text: tokens[bos]))
    #expect(summary.chatTemplate == (try gguf.string("tokenizer.chat_template")))

    let text = summary.text()
    for needle in ["layers         \(summary.config.numHiddenLayers)", "d_model        \(summary.config.hiddenSize)",
                   "head dim \(summary.config.headDim)", "tied", tokens[bos], "chat template"] {
        #expect(text.contains(needle), "\(needle)")
    }
    // JSON round-trips to the same configuration.
    let json = try summary.json()
    #expect(json.contains("\"file_bytes\"") && json.contains("\"chat_template\"") && json.contains("\"num_hidden_layers\""))
    let back = try JSONDecoder().decode(ModelSummary.self, from: Data(json.utf8))
    #expect(back.config == summary.config && back.parameters == summary.parameters && back.tensorTypes == summary.tensorTypes)
}

@Test func modelInfoOfAFolderMatchesItsGGUF() throws {
    let folder = try ModelSummary(path: tinyFolder)
    let gguf = try ModelSummary(path: tinyFolder.appendingPathComponent("model.gguf"))
    #expect(folder.format == "Hugging Face safetensors")
    #expect(folder.parameters == gguf.parameters)
    #expect(folder.config.numHiddenLayers == gguf.config.numHiddenLayers)
    #expect(folder.config.headDim == gguf.config.headDim)
    #expect(folder.tokenizer == nil && folder.text().contains("tokenizer      none"))
}

@Test func modelCommandLine() throws {
    #expect(ModelCommand.helpMessage().contains("info") && ModelCommand.helpMessage().contains("fetch"))
    #expect(ModelInfo.helpMessage().contains("--json"))
    #expect(ModelFetch.helpMessage().contains("--script"))
    // A missing path is a validation error that says what to type.
    do {
        _ = try ModelInfo.parse(["/nonexistent/model.gguf"])
        Issue.record("a missing path was accepted")
    } catch {
        #expect(ModelInfo.message(for: error).contains("rounds model fetch"))
    }
    let info = try ModelInfo.parse([tinyFolder.path, "--json"])
    #expect(info.json)
}

@Test func fetchFindsAndRunsTheScript() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-fetch-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let scripts = dir.appendingPathComponent("scripts")
    try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
    let script = scripts.appendingPathComponent("fetch-model.sh")
    try Data("""
        cd "$(dirname "$0")/.." && mkdir -p policies/base && touch \(ModelFetch.baseModelPath)
        """.utf8).write(to: script)
    // Found above an executable in <root>/.build/release, from an unrelated current folder.
    let found = try ModelFetch.locateScript(
        explicit: nil, currentDirectory: "/", executable: dir.appendingPathComponent(".build/release/rounds"))
    #expect(found.standardizedFileURL == script.standardizedFileURL)
    #expect(throws: ModelCommandError.self) {
        try ModelFetch.locateScript(explicit: nil, currentDirectory: "/", executable: URL(fileURLWithPath: "/usr/bin/rounds"))
    }
    #expect(throws: ModelCommandError.scriptNotFound(searched: ["/no/such.sh"])) {
        try ModelFetch.locateScript(explicit: "/no/such.sh")
    }
    try ModelFetch.parse(["--script", script.path]).run()
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(ModelFetch.baseModelPath).path))

    try Data("exit 3\n".utf8).write(to: script)
    #expect(throws: ModelCommandError.fetchFailed(script: script.path, status: 3)) {
        try ModelFetch.parse(["--script", script.path]).run()
    }
}

@Test func chatTemplateLinesAreCutByColumns() throws {
    var summary = try ModelSummary(path: tinyFolder.appendingPathComponent("model.gguf"))
    summary.chatTemplate = String(repeating: "日本語", count: 40) + "\nsecond"
    let lines = summary.text(templateLines: 1).split(separator: "\n").map(String.init)
    let first = try #require(lines.first { $0.hasPrefix("    日本語") })
    // 4 columns of indent + at most 99 columns of text + the ellipsis.
    #expect(first.displayWidth <= 4 + 100 && first.hasSuffix("…"))
    #expect(lines.last == "    …")
}

/// `rounds model info` on the tiny checkpoint of each family, as a folder and as a GGUF:
/// the family, the tokenizer kind and size, the chat format and the tensor types.
@Test(arguments: ["qwen2", "qwen3", "llama3", "gemma3"])
func modelInfoOfEachFamily(_ name: String) throws {
    let folderURL = root.appendingPathComponent("Tests/Fixtures/\(name)")
    let folder = try ModelSummary(path: folderURL)
    let gguf = try ModelSummary(path: folderURL.appendingPathComponent("model.gguf"))
    let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folderURL.appendingPathComponent("config.json"))) as? [String: Any])
    let family = ["qwen2": "qwen2", "qwen3": "qwen3", "llama3": "llama", "gemma3": "gemma3"][name]!
    let kind = name == "gemma3" ? "SentencePiece BPE" : "byte-level BPE"
    for s in [folder, gguf] {
        #expect(s.family == family)
        #expect(s.tokenizer?.kind == kind && s.tokenizer?.vocabSize == config["vocab_size"] as? Int && s.tokenizer?.problem == nil)
        #expect(s.tensorTypes.map(\.type) == ["F32"])
        let text = s.text()
        #expect(text.contains("family         \(family)") && text.contains("tokenizer      \(kind)"), "\(text)")
    }
    #expect(gguf.tokenizer?.model == (name == "gemma3" ? "llama" : "gpt2"))
    // The folder's tokenizer_config.json names the family's chat format.
    let template = ["qwen2": "chatml-qwen", "qwen3": "chatml", "llama3": "llama3", "gemma3": "gemma"][name]!
    #expect(folder.chatTemplateName == template && folder.text().contains("chat template  \(template), "))
    // Of the GGUFs only Gemma's carries its template (as llama.cpp's converter writes it).
    #expect(gguf.chatTemplateName == (name == "gemma3" ? "gemma" : nil))
    // Every safetensors tensor, once; the GGUF adds Llama 3's rope_freqs (head_dim / 2 values).
    let weights = try HFModelFolder(folderURL).weights()
    #expect(folder.tensorTypes.first?.tensors == weights.tensorNames.count)
    #expect(gguf.parameters - folder.parameters == (name == "llama3" ? folder.config.headDim / 2 : 0))
    let json = try folder.json()
    #expect(json.contains("\"family\" : \"\(family)\"") && json.contains("\"chat_template_name\" : \"\(template)\"") && json.contains("\"kind\" : \"\(kind)\""))
}

/// Tensor types are counted per type: the quantized fixture mixes the blocks of a Q4_K_M file
/// (Tests/Fixtures/quantized/README.md).
@Test func modelInfoCountsQuantizationTypes() throws {
    let summary = try ModelSummary(path: root.appendingPathComponent("Tests/Fixtures/quantized/model.gguf"))
    let counts = Dictionary(uniqueKeysWithValues: summary.tensorTypes.map { ($0.type, $0.tensors) })
    #expect(counts["Q4_K"] == 3 && counts["Q5_K"] == 1 && counts["Q6_K"] == 2 && counts["Q5_0"] == 1 && counts["Q8_0"] == 1)
    #expect(counts["F32", default: 0] >= 3)
    #expect(summary.text().contains("Q4_K 3 ("))
}
