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
        if model == "llama" {
            try self.init(sentencePieceGGUF: gguf)
            return
        }
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
        let sentencePiece = try isSentencePieceLayout(root, file: file)
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
        var normalizedAdded: Set<Int> = []
        for (i, item) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let id = item["id"] as? Int, let content = item["content"] as? String else {
                throw TokenizerError.badField(file: file, field: "added_tokens[\(i)]", problem: "needs an integer id and a string content")
            }
            let special = item["special"] as? Bool ?? false
            added.append((id, content, special))
            if item["normalized"] as? Bool ?? !special { normalizedAdded.insert(id) }
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

        // SentencePiece: no pre-tokenizer runs (the Split on " " comes after the normalizer has
        // turned every space into "▁"); the field is kept for the model summary only.
        let preTokenizer = sentencePiece ? PreTokenizer(pattern: .gpt2) : try parsePreTokenizer(root["pre_tokenizer"], file: file)
        var normalizeNFC = false
        if !sentencePiece, let normalizer = root["normalizer"] as? [String: Any] {
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
            extraEndOfTurnIds: eosIds, chatTemplate: template,
            kind: sentencePiece ? .sentencePieceBPE : .byteLevelBPE,
            byteFallback: model["byte_fallback"] as? Bool ?? false, normalizedAddedTokenIds: normalizedAdded))
    }

    /// From GGUF metadata of a SentencePiece vocabulary (`tokenizer.ggml.model` "llama", as
    /// llama.cpp's converter writes Gemma's): pieces, scores and token types, no merges —
    /// the merges follow from the scores (`SentencePiece.mergesByScore`).
    convenience init(sentencePieceGGUF gguf: GGUFFile) throws {
        let file = gguf.url.path
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        guard let scoreValues = gguf.metadata["tokenizer.ggml.scores"]?.arrayValue else {
            throw TokenizerError.badField(file: file, field: "tokenizer.ggml.scores", problem: "is missing (a SentencePiece vocabulary needs its piece scores)")
        }
        let scores = scoreValues.map { Float($0.doubleValue ?? 0) }
        guard scores.count == tokens.count else {
            throw TokenizerError.badField(file: file, field: "tokenizer.ggml.scores", problem: "has \(scores.count) entries for \(tokens.count) tokens")
        }
        // llama.cpp adds a space before the text unless the file says not to (Gemma does).
        if gguf.metadata["tokenizer.ggml.add_space_prefix"]?.intValue ?? 1 != 0 {
            throw TokenizerError.unsupportedPreTokenizer(
                file: file, field: "tokenizer.ggml.add_space_prefix",
                found: "true (a SentencePiece tokenizer that adds a prefix space, as Llama 2 and Mistral do; Rounds reads Gemma's, which does not)")
        }
        // llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue?.map { $0.intValue ?? 1 } ?? []
        func type(_ id: Int) -> Int { id < types.count ? types[id] : 1 }
        var added: [(id: Int, content: String, special: Bool)] = []
        for id in tokens.indices where type(id) == 3 || type(id) == 4 {
            added.append((id, tokens[id], type(id) == 3))
        }
        let merges = SentencePiece.mergesByScore(tokens: tokens, scores: scores) { id in
            let t = type(id)
            return (t == 1 || t == 2) && SentencePiece.byteValue(ofToken: tokens[id]) == nil
        }
        func id(_ key: String) -> Int? { gguf.metadata[key]?.intValue }
        try self.init(BPEDefinition(
            source: file, tokens: tokens, merges: [], addedTokens: added, preTokenizer: PreTokenizer(pattern: .gpt2),
            bosTokenId: id("tokenizer.ggml.bos_token_id"), eosTokenId: id("tokenizer.ggml.eos_token_id"),
            paddingTokenId: id("tokenizer.ggml.padding_token_id"),
            unknownTokenId: id("tokenizer.ggml.unknown_token_id") ?? tokens.indices.first { type($0) == 2 },
            extraEndOfTurnIds: [id("tokenizer.ggml.eot_token_id")].compactMap { $0 },
            chatTemplate: gguf.metadata["tokenizer.chat_template"]?.stringValue,
            kind: .sentencePieceBPE, resolvedMerges: merges))
    }
}

/// Whether a tokenizer.json is the SentencePiece-style BPE of Gemma (transformers
/// `GemmaTokenizer`): normalizer Replace(" " → "▁"), no pre-tokenizer or a Split on " "
/// (which finds no space after the normalizer), no prefix space. Other SentencePiece layouts
/// (a Prepend("▁") normalizer or Metaspace pre-tokenizer adding a prefix space, as in
/// Llama 2) are refused by name rather than tokenized differently.
private func isSentencePieceLayout(_ root: [String: Any], file: String) throws -> Bool {
    let normalizer = root["normalizer"] as? [String: Any]
    let steps = normalizer?["type"] as? String == "Sequence" ? (normalizer?["normalizers"] as? [[String: Any]] ?? []) : [normalizer].compactMap { $0 }
    let isMetaspaceReplace = { (n: [String: Any]) -> Bool in
        n["type"] as? String == "Replace" && (n["pattern"] as? [String: Any])?["String"] as? String == " " && n["content"] as? String == "▁"
    }
    let preTokenizer = root["pre_tokenizer"] as? [String: Any]
    let usesMetaspace = steps.contains { $0["type"] as? String == "Prepend" } || preTokenizer?["type"] as? String == "Metaspace"
        || ((root["decoder"] as? [String: Any])?["decoders"] as? [[String: Any]] ?? []).contains { $0["type"] as? String == "Strip" }
    if usesMetaspace || (steps.contains(where: isMetaspaceReplace) && steps.count > 1) {
        throw TokenizerError.unsupportedPreTokenizer(
            file: file, field: "normalizer / pre_tokenizer",
            found: "a SentencePiece layout with a prefix space (Prepend or Metaspace, as in Llama 2 and Mistral); Rounds reads Gemma's, which has none")
    }
    guard steps.count == 1, isMetaspaceReplace(steps[0]) else { return false }
    if let preTokenizer {
        let splitsOnSpace = preTokenizer["type"] as? String == "Split"
            && (preTokenizer["pattern"] as? [String: Any])?["String"] as? String == " "
        guard splitsOnSpace else {
            throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: "\(preTokenizer["type"] ?? "?") after a Replace(\" \" → \"▁\") normalizer")
        }
    }
    return true
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

/// The Llama 3 family's `Split` regex, as tokenizer.json spells it, with its digit group:
/// `\p{N}{1,3}` in Llama 3, `\p{N}` in Qwen2 (also written `\p{N}{1,1}`).
private func llama3Regex(digits: String) -> String {
    #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"# + digits + #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}
private let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

/// The pattern a `Split` regex names, or nil.
private func knownPattern(_ regex: String?) -> PreTokenizer.Pattern? {
    guard let regex else { return nil }
    if regex == gpt2Regex { return .gpt2 }
    if regex == llama3Regex(digits: #"\p{N}"#) { return .llama3(maxDigits: 1) }
    for n in 1...9 where regex == llama3Regex(digits: #"\p{N}{1,"# + "\(n)}") { return .llama3(maxDigits: n) }
    return nil
}

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
            guard let known = knownPattern((step["pattern"] as? [String: Any])?["Regex"] as? String) else {
                throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: describe(step))
            }
            pattern = known
        default:
            throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: describe(step))
        }
    }
    guard let pattern else {
        throw TokenizerError.unsupportedPreTokenizer(file: file, field: "pre_tokenizer", found: "no ByteLevel or Split step")
    }
    return PreTokenizer(pattern: pattern, splitDigits: splitDigits)
}
