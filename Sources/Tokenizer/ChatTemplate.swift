// Chat templates: how a conversation becomes one string of text and special tokens.
// Models ship the template as Jinja (GGUF `tokenizer.chat_template`, tokenizer_config.json
// `chat_template`); Rounds recognizes the known formats by their markers and renders them
// in Swift instead of running a Jinja engine.
//
// ChatML (SmolLM2, Qwen2):  <|im_start|>{role}\n{content}<|im_end|>\n …  then <|im_start|>assistant\n
//   SmolLM2 and Qwen2 insert a default system message when the first message is not one.
// Llama 3:  <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> …
//   then <|start_header_id|>assistant<|end_header_id|>\n\n (content is trimmed, as its template does).
// Gemma:  <bos><start_of_turn>{user|model}\n{content}<end_of_turn>\n …  then <start_of_turn>model\n
//   (content trimmed; a system message becomes the first user turn's opening paragraph).

/// One turn of a conversation, as in the SFT format `{"messages":[{"role":…,"content":…}]}`.
public struct ChatMessage: Codable, Equatable, Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

/// A conversation rendered to text, with the parts the model is trained to produce.
public struct RenderedChat: Equatable, Sendable {
    public var text: String
    /// UTF-8 byte ranges of `text` holding each assistant turn's content and its end marker
    /// (`…<|im_end|>`): the tokens SFT computes the loss on.
    public var assistantSpans: [Range<Int>]
}

/// A rendered conversation as token ids, with the loss mask for supervised fine-tuning.
public struct TokenizedChat: Equatable, Sendable {
    public var ids: [Int]
    /// True where the token overlaps an assistant span (so a token that joins the header's
    /// newline to the answer's first bytes is trained: the model must produce those bytes).
    public var assistantMask: [Bool]
}

public enum ChatTemplate: Equatable, Sendable {
    /// ChatML; `defaultSystemPrompt` is inserted when the first message is not a system message.
    case chatml(defaultSystemPrompt: String?)
    case llama3
    case gemma

    /// SmolLM2's default system prompt (its `tokenizer.chat_template`).
    public static let smolLMSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The names accepted by `--chat-template`.
    public static let names = ["chatml", "chatml-smollm", "chatml-qwen", "llama3", "gemma"]

    /// Qwen2 / Qwen2.5's default system prompt (its `chat_template`).
    public static let qwenSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

    public init(named name: String) throws {
        switch name.lowercased() {
        case "chatml": self = .chatml(defaultSystemPrompt: nil)
        case "chatml-smollm": self = .chatml(defaultSystemPrompt: Self.smolLMSystemPrompt)
        case "chatml-qwen": self = .chatml(defaultSystemPrompt: Self.qwenSystemPrompt)
        case "llama3", "llama-3": self = .llama3
        case "gemma", "gemma3": self = .gemma
        default: throw TokenizerError.unknownChatTemplateName(name)
        }
    }

    public var name: String {
        switch self {
        case .chatml(nil): return "chatml"
        case .chatml(Self.smolLMSystemPrompt): return "chatml-smollm"
        case .chatml(Self.qwenSystemPrompt): return "chatml-qwen"
        case let .chatml(prompt?): return "chatml (default system prompt \(prompt.debugDescription))"
        case .llama3: return "llama3"
        case .gemma: return "gemma"
        }
    }

    /// The template a tokenizer's model uses: `override` (a name from `names`) if given,
    /// else recognized from the model's Jinja template.
    public static func forTokenizer(_ tokenizer: BPETokenizer, override: String? = nil) throws -> ChatTemplate {
        if let override { return try ChatTemplate(named: override) }
        return try detect(jinja: tokenizer.chatTemplate, source: tokenizer.source)
    }

    /// Recognizes a Jinja chat template by its markers; `source` names the file in errors.
    public static func detect(jinja: String?, source: String) throws -> ChatTemplate {
        guard let jinja, !jinja.isEmpty else {
            throw TokenizerError.unknownChatTemplate(source: source, excerpt: "(the model has no chat template)")
        }
        if jinja.contains("<|start_header_id|>"), jinja.contains("<|eot_id|>") { return .llama3 }
        if jinja.contains("<start_of_turn>"), jinja.contains("<end_of_turn>") { return .gemma }
        if jinja.contains("<|im_start|>"), jinja.contains("<|im_end|>") {
            return .chatml(defaultSystemPrompt: defaultSystemPrompt(inChatML: jinja))
        }
        throw TokenizerError.unknownChatTemplate(source: source, excerpt: String(jinja.prefix(60)))
    }

    /// The literal system message a ChatML template writes on its own (SmolLM2:
    /// `'<|im_start|>system\nYou are a helpful AI assistant named SmolLM…<|im_end|>\n'`),
    /// or nil when the template only copies the conversation's system message.
    static func defaultSystemPrompt(inChatML jinja: String) -> String? {
        var rest = jinja[...]
        while let r = rest.range(of: "<|im_start|>system") {
            rest = rest[r.upperBound...]
            var body = rest
            if body.hasPrefix("\\n") { body = body.dropFirst(2) } else if body.hasPrefix("\n") { body = body.dropFirst() } else { continue }
            guard let end = body.range(of: "<|im_end|>") else { continue }
            let literal = body[..<end.lowerBound]
            if literal.isEmpty || literal.contains(where: { "'\"{}".contains($0) }) { continue }
            return String(literal).replacingOccurrences(of: "\\n", with: "\n")
        }
        return nil
    }

    /// The text that opens the assistant's turn (appended with `addGenerationPrompt`).
    public var generationPrompt: String {
        switch self {
        case .chatml: return "<|im_start|>assistant\n"
        case .llama3: return "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .gemma: return "<start_of_turn>model\n"
        }
    }

    /// The marker that closes every turn; its token stops generation.
    public var endOfTurn: String {
        switch self {
        case .chatml: return "<|im_end|>"
        case .llama3: return "<|eot_id|>"
        case .gemma: return "<end_of_turn>"
        }
    }

    /// Renders `messages`. Assistant turns at index ≥ `trainFrom` get spans (a prompt /
    /// completion example trains only its completion).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, trainFrom: Int = 0) throws -> RenderedChat {
        guard !messages.isEmpty else { throw TokenizerError.badConversation("the conversation has no messages") }
        var text = ""
        var spans: [Range<Int>] = []
        var messages = messages
        var firstUserPrefix = ""
        if case .gemma = self, messages[0].role == "system" {
            firstUserPrefix = messages.removeFirst().content + "\n\n"
            guard !messages.isEmpty else { throw TokenizerError.badConversation("the conversation has only a system message") }
        }
        func turn(_ m: ChatMessage, trained: Bool) throws {
            guard !m.role.isEmpty else { throw TokenizerError.badConversation("a message has an empty role (use system, user or assistant)") }
            let content: String
            switch self {
            case .chatml:
                text += "<|im_start|>\(m.role)\n"
                content = m.content
            case .llama3:
                text += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n"
                content = m.content.trimmingCharacters(in: .whitespacesAndNewlines)
            case .gemma:
                text += "<start_of_turn>\(m.role == "assistant" ? "model" : m.role)\n" + firstUserPrefix
                firstUserPrefix = ""
                content = m.content.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let start = text.utf8.count
            text += content + endOfTurn
            if trained { spans.append(start..<text.utf8.count) }
            switch self {
            case .chatml, .gemma: text += "\n"
            case .llama3: break
            }
        }
        switch self {
        case let .chatml(defaultSystemPrompt):
            if let defaultSystemPrompt, messages[0].role != "system" {
                try turn(.system(defaultSystemPrompt), trained: false)
            }
        case .llama3:
            text += "<|begin_of_text|>"
        case .gemma:
            text += "<bos>"
        }
        let dropped = firstUserPrefix.isEmpty ? 0 : 1  // index shift of a folded system message
        for (i, m) in messages.enumerated() {
            try turn(m, trained: m.role == "assistant" && i + dropped >= trainFrom)
        }
        if addGenerationPrompt { text += generationPrompt }
        return RenderedChat(text: text, assistantSpans: spans)
    }

    /// The prompt text that asks the model for the next assistant turn.
    public func prompt(_ messages: [ChatMessage]) throws -> String {
        try render(messages, addGenerationPrompt: true).text
    }
}

extension RenderedChat {
    /// Encodes the text once (so ids equal `tokenizer.encode(text)`) and marks the tokens
    /// that overlap an assistant span, from each token's byte length.
    public func tokenize(with tokenizer: BPETokenizer) -> TokenizedChat {
        let ids = tokenizer.encode(text)
        var mask = [Bool](repeating: false, count: ids.count)
        var offset = 0
        var s = 0
        for (i, id) in ids.enumerated() {
            let end = offset + tokenizer.byteCount(of: id)
            while s < assistantSpans.count, assistantSpans[s].upperBound <= offset { s += 1 }
            if s < assistantSpans.count, assistantSpans[s].lowerBound < end, offset < assistantSpans[s].upperBound { mask[i] = true }
            offset = end
        }
        return TokenizedChat(ids: ids, assistantMask: mask)
    }
}
