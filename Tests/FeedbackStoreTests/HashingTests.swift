import Foundation
import Testing
@testable import FeedbackStore

/// Values that existing databases hold: a prompt's content hash (its UNIQUE key, so a
/// changed hash would import every prompt again), reviewer pseudonyms (stable across
/// exports of one database) and the feedback hash of training runs. Expected values are Python's:
/// `hashlib.sha256(json.dumps(messages, sort_keys=True, separators=(',', ':'),
/// ensure_ascii=False).encode()).hexdigest()` and
/// `"reviewer-" + hmac.new(secret.encode(), name.encode(), hashlib.sha256).hexdigest()[:12]`.
@Suite struct StoredHashTests {
    @Test func promptContentHashIsSHA256OfCanonicalJSON() throws {
        let conversation = try PromptKey(messages: [
            ChatMessage(role: "system", content: "あなたは医師です。/ Answer briefly."),
            ChatMessage(role: "user", content: "胸が痛いです。救急車を呼ぶべき？"),
        ])
        #expect(conversation.hash == "e1de6d5a7e1bb106da56b46ad57647bd14421cfe0687c945bd3a5565e451b83a")
        let plain = try PromptKey(text: "頭痛が3日続いています")
        #expect(plain.hash == "1c7511e4988706044fab5fc6686acd7bcb1ebc63fcb892f8a81c19880f011b3c")
        // The split reads the digest's first 8 bytes as a fraction of 2^64: 0x1c75… ≈ 0.111.
        #expect(plain.split(heldOutFraction: 0.11) == .train)
        #expect(plain.split(heldOutFraction: 0.12) == .heldout)
    }

    @Test func reviewerPseudonymIsTruncatedHMAC() {
        let secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        let pseudonym = Pseudonymizer(secret: secret, enabled: true)
        #expect(pseudonym("tanaka") == "reviewer-16333ed696c2")
        #expect(pseudonym("佐藤") == "reviewer-9cb77b909b56")
        #expect(Pseudonymizer(secret: secret, enabled: false)("佐藤") == "佐藤")
    }

    /// Training runs store this hash to name the feedback rows they used.
    @Test func feedbackSnapshotHashIsSHA256OfTheIDList() {
        #expect(FeedbackSnapshot(judgmentIDs: [10, 2], comparisonIDs: []).hash
            == "265d8c674d853f49ff80f9ae4812ddc9b852065a916c5886650ad5681cd2db07")
        #expect(FeedbackSnapshot(judgmentIDs: [], comparisonIDs: [7, 4, 5]).hash
            == "28f325d2e894ff55407ec157cde6a2b77a06264eef1eadc649a8e74bb882d458")
    }

    @Test func databaseSecretIs32RandomBytesInHex() throws {
        let (first, second) = (try FeedbackStore.inMemory(), try FeedbackStore.inMemory())
        let secret = try first.pseudonymSecret()
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        #expect(try second.pseudonymSecret() != secret)
    }
}

