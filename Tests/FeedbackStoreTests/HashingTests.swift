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

@Suite struct HashingTests {
    // FIPS 180-4 examples ("abc", the 448-bit message) and a multi-block message; the
    // expected digests are Python hashlib's.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func sha256MatchesPublishedDigests(message: String, digest: String) {
        #expect(SHA256.hex(SHA256.hash(Array(message.utf8))) == digest)
    }

    // RFC 4231 test cases 2 (short key) and 6 (key longer than a block).
    @Test func hmacMatchesRFC4231() {
        #expect(SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(SHA256.hex(SHA256.hmac(
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
