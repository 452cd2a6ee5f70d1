import Foundation
import Support

/// A prompt reduced to what identifies it: its messages (ending with a user turn), the
/// SHA-256 of their canonical JSON, and the text a reviewer reads.
public struct PromptKey: Hashable, Sendable {
    /// Share of prompts kept out of training for evaluation unless told otherwise.
    public static let defaultHeldOutFraction = 0.1
    static let roles: Set<String> = ["system", "user", "assistant"]

    public let messages: [ChatMessage]
    public let hash: String
    public let text: String
    private let hashBytes: [UInt8]

    /// Fails (with a reason a person can act on) unless the conversation is non-empty,
    /// uses only system/user/assistant roles and ends with a non-empty user turn.
    public init(messages: [ChatMessage]) throws {
        guard let last = messages.last else {
            throw FeedbackStoreError.invalidValue(field: "prompt", value: "[]", hint: "a prompt needs at least one user message")
        }
        for message in messages where !Self.roles.contains(message.role) {
            throw FeedbackStoreError.invalidValue(
                field: "role", value: message.role, hint: "use system, user or assistant")
        }
        guard last.role == "user" else {
            throw FeedbackStoreError.invalidValue(field: "role", value: last.role, hint: "a prompt ends with a user turn")
        }
        guard !last.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw FeedbackStoreError.invalidValue(field: "content", value: "", hint: "the user turn is empty")
        }
        self.messages = messages
        self.text = last.content
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.hashBytes = SHA256.hash(try encoder.encode(messages))
        self.hash = Hex.string(hashBytes)
    }

    /// A plain string prompt is one user turn.
    public init(text: String) throws {
        try self.init(messages: [ChatMessage(role: "user", content: text)])
    }

    /// Held out when the hash's first 64 bits, read as a fraction of 2^64, fall below
    /// `heldOutFraction`: deterministic, uniform, and independent of import order.
    public func split(heldOutFraction: Double) -> Split {
        let head = hashBytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(head) / 18_446_744_073_709_551_616.0 < heldOutFraction ? .heldout : .train
    }

    public static func == (lhs: PromptKey, rhs: PromptKey) -> Bool { lhs.hash == rhs.hash }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
