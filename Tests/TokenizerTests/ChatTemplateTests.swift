import Foundation
import Testing
@testable import Tokenizer

@Suite struct ChatTemplateTests {
    @Test func theBaseModelsTemplateIsRecognizedWithItsDefaultSystemPrompt() throws {
        let tok = try Fixtures.tokenizer()
        let template = try ChatTemplate.forTokenizer(tok)
        #expect(template == .chatml(defaultSystemPrompt: ChatTemplate.smolLMSystemPrompt))
        #expect(template.name == "chatml-smollm")
    }

    @Test func renderedPromptsAndTheirIdsEqualTheModelFixtures() throws {
        let tok = try Fixtures.tokenizer()
        let template = try ChatTemplate.forTokenizer(tok)
        let cases = try Fixtures.promptCases()
        #expect(cases.count > 0)
        for p in cases {
            let text = try template.prompt([.user(p.user)])
            #expect(text == p.rendered_prompt)
            #expect(tok.encode(text) == p.prompt_ids)
        }
    }

    @Test func aSystemMessageReplacesTheDefault() throws {
        let rendered = try ChatTemplate.chatml(defaultSystemPrompt: "D").render(
            [.system("S"), .user("U"), .assistant("A")], addGenerationPrompt: false)
        #expect(rendered.text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n")
        let plain = try ChatTemplate(named: "chatml").prompt([.user("U")])
        #expect(plain == "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func llama3RendersHeadersAndTrimsContent() throws {
        let t = try ChatTemplate(named: "llama3")
        #expect(try t.prompt([.system("Be brief."), .user("  Hi \n")]) ==
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        let jinja = "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}"
        #expect(try ChatTemplate.detect(jinja: jinja, source: "x") == .llama3)
    }

    @Test func qwenStyleDefaultSystemPromptIsReadFromTheJinja() throws {
        let jinja = "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
        #expect(try ChatTemplate.detect(jinja: jinja, source: "x") == .chatml(defaultSystemPrompt: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        let noDefault = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        #expect(try ChatTemplate.detect(jinja: noDefault, source: "x") == .chatml(defaultSystemPrompt: nil))
    }

    @Test func anUnknownTemplateNamesTheFormatsAndNoCommandLineOption() {
        let error = #expect(throws: TokenizerError.self) { try ChatTemplate.detect(jinja: "[INST] {{ m }} [/INST]", source: "/m/model.gguf") }
        let message = error?.localizedDescription ?? ""
        #expect(message.contains("/m/model.gguf") && message.contains("chatml, chatml-smollm or llama3") && !message.contains("--chat-template"))
        #expect(throws: TokenizerError.unknownChatTemplateName("mistral")) { try ChatTemplate(named: "mistral") }
        #expect(throws: TokenizerError.self) { try ChatTemplate.detect(jinja: nil, source: "x") }
    }

    @Test func assistantSpansCoverContentAndEndMarkerAndMaskTheRightTokens() throws {
        let tok = try Fixtures.tokenizer()
        let template = try ChatTemplate.forTokenizer(tok)
        let answer = "収縮期血圧は120です。"
        let rendered = try template.render([.user("血圧は？"), .assistant(answer), .user("Thanks"), .assistant("OK")], addGenerationPrompt: false)
        let bytes = Array(rendered.text.utf8)
        #expect(rendered.assistantSpans.map { String(decoding: bytes[$0], as: UTF8.self) } == [answer + "<|im_end|>", "OK<|im_end|>"])

        let chat = rendered.tokenize(with: tok)
        #expect(chat.ids == tok.encode(rendered.text))
        // Masked tokens decode to exactly the spans (the header newline is a token of its own here).
        var runs: [[Int]] = []
        for (i, id) in chat.ids.enumerated() where chat.assistantMask[i] {
            if i > 0, chat.assistantMask[i - 1] { runs[runs.count - 1].append(id) } else { runs.append([id]) }
        }
        #expect(runs.map { tok.decode($0) } == [answer + "<|im_end|>", "OK<|im_end|>"])
        #expect(chat.ids[chat.assistantMask.lastIndex(of: true)!] == tok.eosTokenId)
    }

    @Test func aTokenStraddlingTheSpanStartIsTrained() throws {
        // The header's "\n" and the answer's "\n\n" make one whitespace run; the pre-tokenizer
        // keeps its last "\n" for later, so "ĊĊ" holds the header's newline and the answer's first.
        let tok = try Fixtures.tokenizer()
        let rendered = try ChatTemplate.chatml(defaultSystemPrompt: nil).render([.user("Q"), .assistant("\n\nA")], addGenerationPrompt: false)
        let chat = rendered.tokenize(with: tok)
        let tripleId = try #require(tok.tokenId("ĊĊ"))
        let triple = try #require(chat.ids.firstIndex(of: tripleId))
        #expect(chat.assistantMask[triple])
        #expect(!chat.assistantMask[triple - 1])
    }

    @Test func trlAndMessagesFormatsParse() throws {
        let m = try ChatExample(jsonLine: #"{"messages":[{"role":"user","content":"痛みは？"},{"role":"assistant","content":"ありません"}]}"#)
        #expect(m == ChatExample(messages: [.user("痛みは？"), .assistant("ありません")], trainFrom: 0))
        let conversational = try ChatExample(jsonLine: #"{"prompt":[{"role":"user","content":"Q1"},{"role":"assistant","content":"A1"},{"role":"user","content":"Q2"}],"completion":[{"role":"assistant","content":"A2"}]}"#)
        #expect(conversational.trainFrom == 3)
        let rendered = try conversational.render(with: .chatml(defaultSystemPrompt: nil))
        let bytes = Array(rendered.text.utf8)
        #expect(rendered.assistantSpans.map { String(decoding: bytes[$0], as: UTF8.self) } == ["A2<|im_end|>"])
        let plain = try ChatExample(jsonLine: #"{"prompt":"Q","completion":"A"}"#)
        #expect(plain == ChatExample(messages: [.user("Q"), .assistant("A")], trainFrom: 1))
    }

    @Test func badExamplesNameTheLineAndField() {
        let cases = [
            (#"{"text":"x"}"#, "data.jsonl:7"),
            (#"{"messages":[{"role":"user"}]}"#, "messages[0]"),
            (#"{"prompt":"Q","completion":5}"#, "\"completion\""),
            ("not json", "not valid JSON"),
            (#"{"messages":[]}"#, "no messages"),
        ]
        for (line, fragment) in cases {
            let error = #expect(throws: TokenizerError.self) { try ChatExample(jsonLine: line, file: "data.jsonl", line: 7) }
            let message = error?.localizedDescription ?? ""
            #expect(message.contains(fragment) && message.contains("data.jsonl:7"), "\(message)")
        }
    }
}
