import Foundation
import ModelFiles
import Support
import Tokenizer

/// What `rounds model info` reports about a GGUF file or a Hugging Face folder: the
/// hyper-parameters (as an `HFConfig`, whichever format they came from), the stored
/// tensors by type, and the tokenizer.
struct ModelSummary: Codable {
    struct TypeTally: Codable, Equatable {
        var type: String
        var tensors: Int
        var bytes: Int
    }

    struct Token: Codable, Equatable {
        var id: Int
        var text: String
    }

    struct TokenizerSummary: Codable {
        /// `tokenizer.ggml.model` ("gpt2", "llama") or tokenizer.json `model.type` ("BPE").
        var model: String
        /// "byte-level BPE" or "SentencePiece BPE" (`TokenizerKind`).
        var kind: String?
        var vocabSize: Int?
        var bos: Token?
        var eos: Token?
        var pad: Token?
        /// Why the tokenizer could not be read, when it could not.
        var problem: String?

        enum CodingKeys: String, CodingKey {
            case model, kind, bos, eos, pad, problem
            case vocabSize = "vocab_size"
        }
    }

    var path: String
    var format: String
    var fileBytes: Int
    var architecture: String
    /// The model family Rounds runs it as (llama, qwen2, qwen3, gemma3).
    var family: String
    var name: String?
    var config: HFConfig
    var parameters: Int
    var tensorTypes: [TypeTally]
    var tokenizer: TokenizerSummary?
    var chatTemplate: String?
    /// The chat format Rounds recognizes in the template (`ChatTemplate.names`), or nil.
    var chatTemplateName: String?

    /// snake_case in JSON, like config.json.
    enum CodingKeys: String, CodingKey {
        case path, format, architecture, family, name, config, parameters, tokenizer
        case fileBytes = "file_bytes"
        case tensorTypes = "tensor_types"
        case chatTemplate = "chat_template"
        case chatTemplateName = "chat_template_name"
    }

    init(path: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), isDirectory.boolValue {
            try self.init(folder: HFModelFolder(path))
        } else {
            try self.init(gguf: GGUFFile(url: path))
        }
    }

    init(gguf: GGUFFile) throws {
        path = gguf.url.path
        format = "GGUF v\(gguf.version)"
        fileBytes = gguf.fileSize
        config = try HFConfig(gguf: gguf)
        architecture = try gguf.string("general.architecture")
        family = config.family
        name = gguf.metadata["general.name"]?.stringValue
        parameters = gguf.tensors.reduce(0) { $0 + $1.elementCount }
        tensorTypes = Self.tally(gguf.tensors.map { ($0.type.name, $0.byteCount) })
        chatTemplate = gguf.metadata["tokenizer.chat_template"]?.stringValue
        let file = gguf.url.path
        chatTemplateName = chatTemplate.flatMap { try? ChatTemplate.detect(jinja: $0, source: file).name }
        let model = gguf.metadata["tokenizer.ggml.model"]?.stringValue ?? "none"
        if model == "none" {
            // llama.cpp's converter writes "none" for models without a vocabulary.
            tokenizer = nil
            return
        }
        do {
            tokenizer = Self.summary(model: model, try BPETokenizer(gguf: gguf))
        } catch {
            tokenizer = TokenizerSummary(model: model, problem: error.localizedDescription)
        }
    }

    init(folder: HFModelFolder) throws {
        path = folder.url.path
        format = "Hugging Face safetensors"
        config = try folder.config()
        let weights = try folder.weights()
        fileBytes = weights.files.reduce(0) { $0 + $1.fileSize }
        architecture = config.modelType ?? config.architectures?.first ?? "llama"
        family = config.family
        name = folder.url.lastPathComponent
        let infos = try weights.tensorNames.map { try weights.info($0) }
        parameters = infos.reduce(0) { $0 + $1.elementCount }
        tensorTypes = Self.tally(infos.map { ($0.dtype.rawValue, $0.dataRange.count) })
        if let url = folder.tokenizerURL {
            do {
                let t = try BPETokenizer.load(modelPath: url)
                tokenizer = Self.summary(model: "BPE", t)
                chatTemplate = t.chatTemplate
            } catch {
                tokenizer = TokenizerSummary(model: "?", problem: error.localizedDescription)
            }
        }
        // transformers 5 saves the template as its own file.
        let jinja = folder.url.appendingPathComponent("chat_template.jinja")
        if chatTemplate == nil, let text = try? String(contentsOf: jinja, encoding: .utf8) { chatTemplate = text }
        let source = folder.url.path
        chatTemplateName = chatTemplate.flatMap { try? ChatTemplate.detect(jinja: $0, source: source).name }
    }

    private static func summary(model: String, _ t: BPETokenizer) -> TokenizerSummary {
        func token(_ id: Int?) -> Token? { id.map { Token(id: $0, text: t.tokenString($0)) } }
        return TokenizerSummary(
            model: model, kind: t.kind.rawValue, vocabSize: t.vocabSize, bos: token(t.bosTokenId), eos: token(t.eosTokenId), pad: token(t.paddingTokenId))
    }

    /// Tensors per storage type, most bytes first.
    static func tally(_ items: [(type: String, bytes: Int)]) -> [TypeTally] {
        var byType: [String: TypeTally] = [:]
        for (type, bytes) in items {
            byType[type, default: TypeTally(type: type, tensors: 0, bytes: 0)].tensors += 1
            byType[type]!.bytes += bytes
        }
        return byType.values.sorted { ($0.bytes, $1.type) > ($1.bytes, $0.type) }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The human-readable report; `templateLines` lines of the chat template are shown.
    func text(templateLines: Int = 4) -> String {
        let c = config
        var rows: [(String, String)] = [
            ("architecture", architecture + (name.map { "  \"\($0)\"" } ?? "")),
            ("family", family),
            ("layers", "\(c.numHiddenLayers)"),
            ("d_model", "\(c.hiddenSize)"),
            ("FFN", "\(c.intermediateSize)"),
            ("heads", "\(c.numAttentionHeads) (KV heads \(c.numKeyValueHeads), head dim \(c.headDim))"),
            ("vocab", "\(c.vocabSize)"),
            ("context", "\(c.maxPositionEmbeddings)"),
            ("RoPE base", "\(c.ropeTheta)" + (c.ropeType == "default" ? "" : " (\(c.ropeType))")),
            ("RMSNorm eps", "\(Float(c.rmsNormEps))"),
            ("embeddings", c.tieWordEmbeddings ? "tied (LM head = token embedding)" : "separate LM head"),
            ("parameters", "\(Self.millions(parameters)) (\(parameters))"),
            ("tensors", tensorTypes.map { "\($0.type) \($0.tensors) (\(Self.megabytes($0.bytes)))" }.joined(separator: ", ")),
        ]
        let readable = Set(dequantizableTypes.map(\.name))
        let unreadable = tensorTypes.map(\.type).filter { !readable.contains($0) }
        if !unreadable.isEmpty {
            rows.append(("warning", "Rounds cannot load \(unreadable.joined(separator: ", ")) tensors; convert to one of \(readable.sorted().joined(separator: ", "))"))
        }
        if let t = tokenizer {
            if let problem = t.problem {
                rows.append(("tokenizer", "\(t.model): cannot be used (\(problem))"))
            } else {
                let specials = [("bos", t.bos), ("eos", t.eos), ("pad", t.pad)].compactMap { label, token in
                    token.map { "\(label) \($0.id) \($0.text.debugDescription)" }
                }
                rows.append(("tokenizer", "\(t.kind ?? t.model) (\(t.model)), \(t.vocabSize ?? 0) tokens" + (specials.isEmpty ? "" : "; " + specials.joined(separator: ", "))))
            }
        } else {
            rows.append(("tokenizer", "none"))
        }
        let lines = chatTemplate?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
        rows.append(("chat template", chatTemplate.map {
            "\(chatTemplateName ?? "not recognized"), \(lines.count) line\(lines.count == 1 ? "" : "s"), \($0.count) characters"
        } ?? "none"))
        var out = "\(path) (\(format), \(Self.megabytes(fileBytes)))\n"
        for (label, value) in rows { out += "  " + label.padding(toLength: 15, withPad: " ", startingAt: 0) + value + "\n" }
        for line in lines.prefix(templateLines).map(String.init) {
            // Cut by terminal columns, so CJK templates line up too.
            out += "    " + (line.displayWidth > 100 ? line.prefix(columns: 99) + "…" : line) + "\n"
        }
        if lines.count > templateLines { out += "    …\n" }
        return out
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
    static func millions(_ n: Int) -> String { String(format: "%.1f M", Double(n) / 1e6) }
}
