import Foundation
import ModelFiles
import Support

/// Writes `tokenizer.json` and `tokenizer_config.json` for a Hugging Face folder, so an
/// exported policy loads in `transformers` and back in Rounds with the same token ids. A
/// Hugging Face source folder's files are copied; a GGUF's vocabulary, merges, special
/// tokens, pre-tokenizer and chat template are written out in the `tokenizers` format.
public enum TokenizerExport {
    public static func write(forModelAt source: URL, to folder: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir), isDir.boolValue {
            for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
                let file = source.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                try AtomicFile.write(Data(contentsOf: file), to: folder.appendingPathComponent(name))
            }
            return
        }
        let gguf = try GGUFFile(url: source)
        let tokenizer = try BPETokenizer(gguf: gguf)
        let (tokenizerJSON, config) = try files(gguf: gguf, tokenizer: tokenizer)
        try AtomicFile.write(tokenizerJSON, to: folder.appendingPathComponent("tokenizer.json"))
        try AtomicFile.write(config, to: folder.appendingPathComponent("tokenizer_config.json"))
    }

    static func files(gguf: GGUFFile, tokenizer: BPETokenizer) throws -> (tokenizer: Data, config: Data) {
        let preTokenizer = tokenizer.preTokenizer
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let sentencePiece = tokenizer.kind == .sentencePieceBPE
        let merges: [Any] = try sentencePiece ? tokenizer.mergePairs().map { [$0.0, $0.1] } : gguf.strings("tokenizer.ggml.merges")
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue?.compactMap(\.intValue) ?? []
        var vocab: [String: Int] = [:]
        var added: [[String: Any]] = []
        for (id, token) in tokens.enumerated() {
            if vocab[token] == nil { vocab[token] = id }
            // llama.cpp token types: 3 = control (special), 4 = user-defined (added, not special).
            if id < types.count, types[id] == 3 || types[id] == 4 {
                added.append(["id": id, "content": token, "special": types[id] == 3, "lstrip": false, "rstrip": false,
                              "normalized": false, "single_word": false])
            }
        }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        var steps: [[String: Any]] = []
        if preTokenizer.splitDigits { steps.append(["type": "Digits", "individual_digits": true]) }
        switch preTokenizer.pattern {
        case .gpt2:
            steps.append(byteLevel)
        case let .llama3(maxDigits):
            let pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,\(maxDigits)}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
            steps.append(["type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated", "invert": false])
            steps.append(["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false])
        }
        var root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": steps.count == 1 ? steps[0] : ["type": "Sequence", "pretokenizers": steps],
            "post_processor": NSNull(),
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "vocab": vocab, "merges": merges],
        ]
        if sentencePiece {
            // Gemma's layout (transformers GemmaTokenizer): " " → "▁", no real pre-tokenizer,
            // byte fallback; the merges are those the scores imply, in rank order.
            root["normalizer"] = ["type": "Replace", "pattern": ["String": " "], "content": "▁"] as [String: Any]
            root["pre_tokenizer"] = ["type": "Split", "pattern": ["String": " "], "behavior": "MergedWithPrevious", "invert": false] as [String: Any]
            let replace: [String: Any] = ["type": "Replace", "pattern": ["String": "▁"], "content": " "]
            root["decoder"] = ["type": "Sequence", "decoders": [replace, ["type": "ByteFallback"], ["type": "Fuse"]]] as [String: Any]
            root["model"] = ["type": "BPE", "dropout": NSNull(), "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(),
                             "unk_token": tokenizer.unknownTokenId.map { tokens[$0] as Any } ?? NSNull(), "fuse_unk": true,
                             "byte_fallback": true, "ignore_merges": false, "vocab": vocab, "merges": merges] as [String: Any]
        }
        var config: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false]
        func special(_ key: String, _ name: String) {
            if let id = gguf.metadata["tokenizer.ggml.\(key)"]?.intValue, id < tokens.count { config[name] = tokens[id] }
        }
        special("bos_token_id", "bos_token")
        special("eos_token_id", "eos_token")
        special("padding_token_id", "pad_token")
        special("unknown_token_id", "unk_token")
        if let template = gguf.metadata["tokenizer.chat_template"]?.stringValue { config["chat_template"] = template }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        return (try JSONSerialization.data(withJSONObject: root, options: options),
                try JSONSerialization.data(withJSONObject: config, options: options.union(.prettyPrinted)))
    }
}
