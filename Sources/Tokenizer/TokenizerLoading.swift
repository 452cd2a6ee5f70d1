import Foundation
import ModelFiles

// Reading a tokenizer from the two kinds of model files Rounds accepts: GGUF metadata
// (llama.cpp `llama-vocab.cpp` reads the same keys) and a Hugging Face folder
// (tokenizer.json, tokenizer_config.json, config.json; format of HF `tokenizers`).

extension BPETokenizer {
    /// The tokenizer of a model: a `.gguf` file, a `tokenizer.json`, or a Hugging Face
    /// folder holding `tokenizer.json`.
    public static func load(modelPath: URL) throws -> BPETokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelPath.path, isDirectory: &isDirectory) else {
            throw TokenizerError.noTokenizer(path: modelPath.path)
        }
        if isDirectory.boolValue {
            let json = modelPath.appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: json.path) else { throw TokenizerError.noTokenizer(path: modelPath.path) }
            return try BPETokenizer(tokenizerJSON: json)
        }
        if modelPath.lastPathComponent.hasSuffix(".json") { return try BPETokenizer(tokenizerJSON: modelPath) }
        return try BPETokenizer(gguf: GGUFFile(url: modelPath))
    }

    /// From GGUF metadata (`tokenizer.ggml.*`, `tokenizer.chat_template`).
    public convenience init(gguf: GGUFFile) throws {
        let file = gguf.url.path
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw TokenizerError.unsupportedModel(file: file, field: "tokenizer.ggml.model", found: model)
        }
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        var merges: [(String, String)] = []
        for (i, m) in try gguf.strings("tokenizer.ggml.merges").enumerated() {
            guard let space = m.firstIndex(of: " ") else {
                throw TokenizerError.badField(file: file, field: "tokenizer.ggml.merges[\(i)]", problem: "is \(m.debugDescription), not two tokens separated by a space")
            }
            merges.append((String(m[..<space]), String(m[m.index(after: space)...])))
        }
        // llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue?.map { $0.intValue ?? 1 } ?? []
        var added: [(id: Int, content: String, special: Bool)] = []
        for (id, type) in types.enumerated() where id < tokens.count && (type == 3 || type == 4) {
            added.append((id, tokens[id], type == 3))
        }
        let pre = gguf.metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
        let preTokenizer: PreTokenizer
        switch pre {
        case "default", "gpt2", "gpt-2": preTokenizer = PreTokenizer(pattern: .gpt2)
        case "smollm": preTokenizer = PreTokenizer(pattern: .gpt2, splitDigits: true)
        case "llama3", "llama-bpe", "llama-v3", "smaug-bpe", "dbrx": preTokenizer = PreTokenizer(pattern: .llama3(maxDigits: 3))
        case "qwen2", "deepseek-r1-qwen": preTokenizer = PreTokenizer(pattern: .llama3(maxDigits: 1))
        default: throw TokenizerError.unsupportedPreTokenizer(file: file, field: "tokenizer.ggml.pre", found: pre.debugDescription)
        }
        func id(_ key: String) -> Int? { gguf.metadata[key]?.intValue }
        try self.init(BPEDefinition(
            source: file, tokens: tokens, merges: merges, addedTokens: added, preTokenizer: preTokenizer,
            ignoreMerges: preTokenizer.pattern == .llama3(maxDigits: 3),
            bosTokenId: id("tokenizer.ggml.bos_token_id"), eosTokenId: id("tokenizer.ggml.eos_token_id"),
            paddingTokenId: id("tokenizer.ggml.padding_token_id"), unknownTokenId: id("tokenizer.ggml.unknown_token_id"),
            extraEndOfTurnIds: [id("tokenizer.ggml.eot_token_id")].compactMap { $0 },
            chatTemplate: gguf.metadata["tokenizer.chat_template"]?.stringValue))
    }

    /// From a Hugging Face `tokenizer.json`; `tokenizer_config.json` and `config.json`
    /// beside it, when present, supply BOS/EOS and the chat template.
    public convenience init(tokenizerJSON url: URL) throws {
        let file = url.path
        let root = try readJSONObject(url)
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.badField(file: file, field: "model", problem: "is missing")
        }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupportedModel(file: file, field: "model.type", found: type) }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.badField(file: file, field: "model.vocab", problem: "is missing or not an object of token → id")
        }
        var pairs: [(String, Int)] = []
        pairs.reserveCapacity(vocab.count)
        for (token, value) in vocab {
            guard let id = value as? Int, id >= 0 else {
                throw TokenizerError.badField(file: file, field: "model.vocab[\(token.debugDescription)]", problem: "is not a non-negative integer id")
            }
            pairs.append((token, id))
        }
        var added: [(id: Int, content: String, special: Bool)] = []
        for (i, item) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let id = item["id"] as? Int, let content = item["content"] as? String else {
                throw TokenizerError.badField(file: file, field: "added_tokens[\(i)]", problem: "needs an integer id and a string content")
            }
            added.append((id, content, item["special"] as? Bool ?? false))
            pairs.append((content, id))
        }
        let size = (pairs.map(\.1).max() ?? -1) + 1
        var tokens = [String](repeating: "", count: size)
        for (t, id) in pairs { tokens[id] = t }

        var merges: [(String, String)] = []
        for (i, m) in ((model["merges"] as? [Any]) ?? []).enumerated() {
            if let s = m as? String, let space = s.firstIndex(of: " ") {
                merges.append((String(s[..<space]), String(s[s.index(after: space)...])))
            } else if let p = m as? [String], p.count == 2 {
                merges.append((p[0], p[1]))
            } else {
                throw TokenizerError.badField(file: file, field: "model.merges[\(i)]", problem: "is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }

        let preTokenizer = try parsePreTokenizer(root["pre_tokenizer"], file: file)
        var normalizeNFC = false
        if let normalizer = root["normalizer"] as? [String: Any] {
            guard normalizer["type"] as? String == "NFC" else {
                throw TokenizerError.unsupportedPreTokenizer(file: file, field: "normalizer", found: "\(normalizer["type"] ?? "?")")
            }
            normalizeNFC = true
        }

        // tokenizer_config.json: special tokens by name and the chat template.
        let folder = url.deletingLastPathComponent()
        let config = try? readJSONObject(folder.appendingPathComponent("tokenizer_config.json"))
        let modelConfig = try? readJSONObject(folder.appendingPathComponent("config.json"))
        func tokenId(_ key: String) -> Int? {
            let v = config?[key]
            let name = (v as? String) ?? ((v as? [String: Any])?["content"] as? String)
            guard let name else { return nil }
            return added.first { $0.content == name }?.id ?? vocab[name] as? Int
        }
        func configIds(_ key: String) -> [Int] {
            if let i = modelConfig?[key] as? Int { return [i] }
            return modelConfig?[key] as? [Int] ?? []
        }
        var template: String?
        if let s = config?["chat_template"] as? String {
            template = s
        } else if let list = config?["chat_template"] as? [[String: Any]] {
            template = (list.first { $0["name"] as? String == "default" } ?? list.first)?["template"] as? String
        }
        let eosIds = configIds("eos_token_id")
        try self.init(BPEDefinition(
            source: file, tokens: tokens, merges: merges, addedTokens: added, preTokenizer: preTokenizer,
            ignoreMerges: model["ignore_merges"] as? Bool ?? false, normalizeNFC: normalizeNFC,
            bosTokenId: tokenId("bos_token") ?? configIds("bos_token_id").first,
            eosTokenId: tokenId("eos_token") ?? eosIds.first,
            paddingTokenId: tokenId("pad_token"), unknownTokenId: tokenId("unk_token") ?? (model["unk_token"] as? String).flatMap { vocab[$0] as? Int },
            extraEndOfTurnIds: eosIds, chatTemplate: template))
    }
}

private func readJSONObject(_ url: URL) throws -> [String: Any] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw TokenizerError.badField(file: url.path, field: "the file", problem: "cannot be read (\(error.localizedDescription))")
    }
    do {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.badField(file: url.path, field: "the top level", problem: "is not a JSON object")
        }
        return object
    } catch let e as TokenizerError { throw e } catch {
        throw TokenizerError.badField(file: url.path, field: "the JSON", problem: "does not parse (\(error.localizedDescription))")
    }
}

/// Known regexes of `Split` pre-tokenizers (tokenizer.json spells them as written here).
private let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
private let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
private let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

/// Maps a tokenizer.json `pre_tokenizer` onto one of the scanners of `PreTokenizer`.
private func parsePreTokenizer(_ value: Any?, file: String) throws -> PreTokenizer {
    let steps: [[String: Any]]
    if let p = value as? [String: Any] {
        steps = p["type"] as? String == "Sequence" ? (p["pretokenizers"] as? [[String: Any]] ?? []) : [p]
    } else {
        steps = []
    }
    var pattern: PreTokenizer.Pattern?
    var splitDigits = false
    let describe = { (s: [String: Any]) -> String in
        (try? String(decoding: JSONSerialization.data(withJSONObject: s, options: [.sortedKeys]), as: UTF8.self)) ?? "?"
    }
    for step in steps {
        switch step["type"] as? String {
        case "ByteLevel":
            if step["add_prefix_space"] as? Bool == true {
                throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: "ByteLevel with add_prefix_space")
            }
            if step["use_regex"] as? Bool ?? true { pattern = pattern ?? .gpt2 }
        case "Digits" where step["individual_digits"] as? Bool == true:
            splitDigits = true
        case "Split":
            let regex = (step["pattern"] as? [String: Any])?["Regex"] as? String
            switch regex {
            case llama3Regex: pattern = .llama3(maxDigits: 3)
            case qwen2Regex: pattern = .llama3(maxDigits: 1)
            case gpt2Regex: pattern = .gpt2
            default: throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: describe(step))
            }
        default:
            throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: describe(step))
        }
    }
    guard let pattern else {
        throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: "no ByteLevel or Split step")
    }
    return PreTokenizer(pattern: pattern, splitDigits: splitDigits)
}
