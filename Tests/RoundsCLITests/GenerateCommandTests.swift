import ArgumentParser
import Foundation
import Testing
@testable import rounds

// `rounds generate` / `rounds score`: option parsing, validation messages, help text and
// the --messages formats (no model needed).

@Test func generateRejectsOutOfRangeSamplingOptions() {
    #expect(throws: (any Error).self) { _ = try Generate.parse(["--prompt", "hi", "--temperature", "-1"]) }
    #expect(throws: (any Error).self) { _ = try Generate.parse(["--prompt", "hi", "--top-p", "1.5"]) }
    #expect(throws: (any Error).self) { _ = try Generate.parse(["--prompt", "hi", "--n", "0"]) }
    #expect(throws: (any Error).self) { _ = try Generate.parse([]) }  // no conversation
    #expect(throws: (any Error).self) { _ = try Generate.parse(["--prompt", "hi", "--messages", "x.json"]) }
    let ok = try? Generate.parse(["--prompt", "胸痛", "--temperature", "0", "--n", "3", "--seed", "9", "--no-stop-at-eos"])
    #expect(ok?.parameters.isGreedy == true)
    #expect(ok?.parameters.stopAtEndOfTurn == false)
    #expect(ok?.parameters.seed == 9)
    #expect(ok?.samples == 3)
}

@Test func helpNamesEveryOption() {
    let help = Generate.helpMessage()
    for option in ["--model", "--prompt", "--messages", "--system", "--temperature", "--top-k", "--top-p",
                   "--max-tokens", "--n", "--seed", "--no-stop-at-eos", "--json"] {
        #expect(help.contains(option), "generate --help lacks \(option)")
    }
    #expect(Score.helpMessage().contains("--messages"))
}

@Test func messagesFilesInEveryFormat() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-generate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
    let list = try write("list.json", #"[{"role":"user","content":"胸が痛い"}]"#)
    #expect(try ConversationOptions.read(list) == [[.user("胸が痛い")]])
    let object = try write("object.json", "{\n  \"messages\": [\n    {\"role\": \"user\", \"content\": \"a\"}\n  ]\n}\n")
    #expect(try ConversationOptions.read(object) == [[.user("a")]])
    let lines = try write("lines.jsonl", #"{"messages":[{"role":"user","content":"a"}]}"# + "\n" + #"{"prompt":"b","completion":"c"}"# + "\n")
    #expect(try ConversationOptions.read(lines) == [[.user("a")], [.user("b"), .assistant("c")]])
    let bad = try write("bad.jsonl", #"{"messages":[{"role":"user","content":"a"}]}"# + "\n" + "{oops\n")
    #expect(throws: (any Error).self) { _ = try ConversationOptions.read(bad) }
}
