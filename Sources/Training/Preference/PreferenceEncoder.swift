import Foundation
import Tokenizer

/// Turns chat-level preference data into token ids as TRL's DPOTrainer / KTOTrainer do
/// (`maybe_apply_chat_template`, then prompt and completion tokenized separately):
///   prompt      = the prompt messages rendered with the generation prompt
///                 (`…<|im_start|>assistant\n`)
///   completion  = what the template adds after that for the completion messages, up to and
///                 including the last end-of-turn marker (`answer<|im_end|>`)
/// The sequence scored is prompt + completion; only completion tokens count.
///
/// Over-long examples follow TRL's defaults: the prompt keeps its END (`truncation_mode =
/// "keep_end"`) within `maxPromptLength`, then the completion is cut to fit `maxLength`.
public struct PreferenceEncoder {
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    /// Longest prompt + completion in tokens.
    public let maxLength: Int
    /// Longest prompt in tokens (kept from its end).
    public let maxPromptLength: Int
    /// Examples shortened so far (their `source` labels when given).
    public private(set) var truncated: [String] = []

    public init(tokenizer: BPETokenizer, template: ChatTemplate, maxLength: Int = 1024, maxPromptLength: Int = 512) {
        self.tokenizer = tokenizer
        self.template = template
        self.maxLength = maxLength
        self.maxPromptLength = min(maxPromptLength, maxLength - 1)
    }

    public enum EncodingError: LocalizedError {
        case completionNotAfterPrompt(source: String)
        case emptyCompletion(source: String)
        public var errorDescription: String? {
            switch self {
            case let .completionNotAfterPrompt(source):
                "\(source): the chat template does not render the completion after the prompt. ---> HINT: the completion must be assistant messages that continue the prompt."
            case let .emptyCompletion(source):
                "\(source): the completion has no tokens left after truncation. ---> HINT: raise the length limit or lower the prompt length limit."
            }
        }
    }

    /// Prompt ids (with the generation prompt) for `messages`.
    public func promptIDs(_ messages: [ChatMessage]) throws -> [Int32] {
        try tokenizer.encode(template.prompt(messages)).map(Int32.init)
    }

    /// Completion ids for `completion` following `prompt`.
    public func completionIDs(prompt: [ChatMessage], completion: [ChatMessage], source: String) throws -> [Int32] {
        let promptText = try template.prompt(prompt)
        let full = try template.render(prompt + completion, addGenerationPrompt: false).text
        // Compared as bytes: a completion starting with a combining mark would merge with the
        // prompt's last character and break a Character-level prefix test.
        guard full.utf8.starts(with: promptText.utf8) else { throw EncodingError.completionNotAfterPrompt(source: source) }
        var text = String(decoding: full.utf8.dropFirst(promptText.utf8.count), as: UTF8.self)
        // Drop what the template writes after the last end-of-turn (ChatML's "\n"): the model
        // is trained to stop at the marker, not to produce the separator after it.
        if let end = text.range(of: template.endOfTurn, options: .backwards) { text = String(text[..<end.upperBound]) }
        return tokenizer.encode(text).map(Int32.init)
    }

    /// Applies the length limits to one prompt and its completions (all cut the same way).
    mutating func fit(prompt: [Int32], completions: [[Int32]], source: String) throws -> (prompt: [Int32], completions: [[Int32]]) {
        var p = prompt, cs = completions
        if p.count > maxPromptLength, p.count + (cs.map(\.count).max() ?? 0) > maxLength {
            p = Array(p.suffix(maxPromptLength))
        }
        let room = maxLength - p.count
        var cut = p.count < prompt.count
        for i in cs.indices where cs[i].count > room {
            cs[i] = Array(cs[i].prefix(room))
            cut = true
        }
        if cut { truncated.append(source) }
        if cs.contains(where: \.isEmpty) { throw EncodingError.emptyCompletion(source: source) }
        return (p, cs)
    }

    /// One preference pair as ids: shared prompt, chosen and rejected completions.
    public mutating func encode(_ pair: PreferencePair<[ChatMessage]>, source: String = "pair") throws -> PreferencePair<[Int32]> {
        let chosen = try completionIDs(prompt: pair.prompt, completion: pair.chosen, source: source)
        let rejected = try completionIDs(prompt: pair.prompt, completion: pair.rejected, source: source)
        let (p, cs) = try fit(prompt: try promptIDs(pair.prompt), completions: [chosen, rejected], source: source)
        return PreferencePair(prompt: p, chosen: cs[0], rejected: cs[1])
    }

    /// One labelled completion as ids.
    public mutating func encode(_ example: LabelledCompletion<[ChatMessage]>, source: String = "example") throws -> LabelledCompletion<[Int32]> {
        let completion = try completionIDs(prompt: example.prompt, completion: example.completion, source: source)
        let (p, cs) = try fit(prompt: try promptIDs(example.prompt), completions: [completion], source: source)
        return LabelledCompletion(prompt: p, completion: cs[0], desirable: example.desirable, weight: example.weight)
    }

    /// Encodes a whole set, labelling errors with `sources[i]` (`file:line`).
    public mutating func encode(pairs: [PreferencePair<[ChatMessage]>], sources: [String]) throws -> [PreferencePair<[Int32]>] {
        try zip(pairs, sources).map { try encode($0, source: $1) }
    }

    public mutating func encode(examples: [LabelledCompletion<[ChatMessage]>], sources: [String]) throws -> [LabelledCompletion<[Int32]>] {
        try zip(examples, sources).map { try encode($0, source: $1) }
    }
}
