import ArgumentParser
import Foundation
import Testing
@testable import rounds

@Suite struct TokenizeCommandTests {
    @Test func idsParseFromJSONArraysAndSpaceSeparatedLists() throws {
        #expect(try Tokenize.parseIds("[19556, 28, 905, 17]") == [19556, 28, 905, 17])
        #expect(try Tokenize.parseIds("1 2\n3,4") == [1, 2, 3, 4])
        #expect(try Tokenize.parseIds("") == [])
        let error = #expect(throws: TokenizeCommandError.self) { try Tokenize.parseIds("[1, x2]") }
        #expect(error?.message.contains("\"x2\" is not a token id") == true)
    }

    @Test func conflictingOptionsAreRejectedWithWhatToType() {
        #expect(throws: (any Error).self) { try Tokenize.parse(["--decode", "--chat", "1 2"]) }
        #expect(throws: (any Error).self) { try Tokenize.parse(["--chat", "--chat-template", "mistral", "hi"]) }
        #expect(throws: (any Error).self) { try Tokenize.parse(["--chat-template", "chatml", "hi"]) }
        let message = Tokenize.message(for: ValidationError("x"))
        #expect(!message.isEmpty)
        do {
            _ = try Tokenize.parse(["--chat", "--chat-template", "mistral", "hi"])
        } catch {
            #expect(Tokenize.message(for: error).contains("chatml, chatml-smollm, chatml-qwen, llama3, gemma"))
        }
        #expect(throws: Never.self) { try Tokenize.parse(["--chat", "--chat-template", "llama3", "hi"]) }
    }

    @Test func helpNamesEveryOption() {
        let help = Tokenize.helpMessage()
        for option in ["--model", "--decode", "--chat", "--chat-template", "--show-tokens"] {
            #expect(help.contains(option), "\(option)")
        }
        #expect(Rounds.configuration.subcommands.contains { $0 == Tokenize.self })
    }
}
