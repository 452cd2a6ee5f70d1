import Foundation
import Testing
import Support

@Test func sha256MatchesFIPSVectors() {
    // FIPS 180-4 / NIST CSRC example vectors.
    #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    // Streaming in odd pieces equals one shot.
    var h = SHA256()
    let text = Data(String(repeating: "臨床 feedback ", count: 200).utf8)
    for chunk in stride(from: 0, to: text.count, by: 37) { h.update(text[chunk..<min(chunk + 37, text.count)]) }
    #expect(h.finalize().map { String(format: "%02x", $0) }.joined() == SHA256.hex(text))
}

@Test func sha256OfAMultiBlockMessageAndHexOfRawBytes() {
    // Python: hashlib.sha256(b"a" * 1000).hexdigest()
    #expect(Hex.string(SHA256.hash(Data(repeating: UInt8(ascii: "a"), count: 1000)))
        == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    // Hex.string encodes the bytes as they are; SHA256.hex hashes them first.
    #expect(Hex.string([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    #expect(SHA256.hex([0x00, 0x0f, 0xa5, 0xff] as [UInt8]) != "000fa5ff")
}

@Test func hmacMatchesRFC4231() {
    // Test case 2 (short key) and test case 6 (key longer than a block, hashed first).
    #expect(Hex.string(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    #expect(Hex.string(SHA256.hmac(
        key: [UInt8](repeating: 0xaa, count: 131),
        message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
}

@Test func atomicWriteReplacesWholeFileAndLeavesNoTemporary() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-atomic-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("manifest.json")
    try AtomicFile.write(Data("first".utf8), to: url)
    try AtomicFile.write(Data("二番目".utf8), to: url, permissions: 0o600)
    #expect(try String(contentsOf: url, encoding: .utf8) == "二番目")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["manifest.json"])
    let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    // A failing body leaves the old file untouched and no temporary behind.
    struct Boom: Error {}
    #expect(throws: Boom.self) { try AtomicFile.write(to: url) { _ in throw Boom() } }
    #expect(try String(contentsOf: url, encoding: .utf8) == "二番目")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["manifest.json"])
}

@Test func jsonLinesSplitOnlyAtLineFeedsAndNameTheLineThatIsNotUTF8() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-jsonl-\(UUID()).jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    // U+2028 and U+0085 may stand unescaped inside a JSON string: they do not end a line.
    try Data("{\"p\":\"一行目\u{2028}続き\u{85}\"}\r\n{\"p\":\"二\"}\n".utf8).write(to: url)
    let lines = try JSONLines.lines(of: url)
    #expect(lines.map(\.number) == [1, 2] && lines[0].text.contains("\u{2028}続き\u{85}"))
    try (Data("{\"p\":1}\n\n".utf8) + Data([0x7B, 0xFF, 0x7D, 0x0A])).write(to: url)
    #expect(throws: JSONLines.LineError(file: url.path, line: 3, reason: "the line is not UTF-8 text; save the file as UTF-8")) {
        try JSONLines.lines(of: url)
    }
}

@Test func progressLineShowsRateAndETA() {
    let line = ProgressReporter.line(label: "sft", done: 30, total: 120, unit: "steps", elapsed: 10, detail: "loss 1.20")
    #expect(line == "sft 30/120 steps (25%) 3.0 steps/s ETA 0:30 loss 1.20")
    let done = ProgressReporter.line(label: "sample", done: 8, total: 8, unit: "samples", elapsed: 4000, detail: "")
    #expect(done == "sample 8/8 samples (100%) 500 s/sample in 1:06:40")
    let slow = ProgressReporter.line(label: "dpo", done: 3, total: 8, unit: "steps", elapsed: 12.6, detail: "")
    #expect(slow == "dpo 3/8 steps (37%) 4.2 s/step ETA 0:21")
}

@Test func jsonLinesNameFileLineAndField() throws {
    struct Row: Decodable { var prompt: String; var n: Int }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-jsonl-\(UUID()).jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data("\u{FEFF}{\"prompt\":\"胸痛\",\"n\":1}\r\n\n{\"prompt\":\"ok\",\"n\":2}\n{\"prompt\":3,\"n\":1}\n".utf8).write(to: url)
    #expect(throws: JSONLines.LineError(file: url.path, line: 4, reason: "field 'prompt' should be a string")) {
        try JSONLines.decode(Row.self, from: url)
    }
    try Data("{\"prompt\":\"胸痛\",\"n\":1}\n\n{\"n\":2}\n".utf8).write(to: url)
    #expect(throws: JSONLines.LineError(file: url.path, line: 3, reason: "missing field 'prompt'")) {
        try JSONLines.decode(Row.self, from: url)
    }
    try Data("{\"prompt\":\"胸痛\",\"n\":1}\n{oops\n".utf8).write(to: url)
    #expect(throws: JSONLines.LineError(file: url.path, line: 2, reason: "not valid JSON")) {
        try JSONLines.decode(Row.self, from: url)
    }
    try Data("{\"prompt\":\"胸痛\",\"n\":1}\n".utf8).write(to: url)
    #expect(try JSONLines.decode(Row.self, from: url).map(\.value.prompt) == ["胸痛"])
}
