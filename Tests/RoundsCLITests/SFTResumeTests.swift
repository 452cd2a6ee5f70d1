import Foundation
import Llama
import Testing
@testable import rounds

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// `rounds sft --resume` after `kill -9`, end to end: the built `rounds` binary trains the
// tiny-llama fixture (with a byte-level tokenizer written for it) as a child process; one run
// is killed with SIGKILL once it has written a checkpoint and restarted with --resume; its
// adapter must be bit-identical to an uninterrupted run's with the same seed and thread
// count. LoRA dropout is on, so the dropout generator must come back from the checkpoint too.

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
private let tinyLlama = root.appendingPathComponent("Tests/Fixtures/reference/tiny-llama").standardized

@Suite(.serialized) struct SFTResumeTests {
    /// The `rounds` executable built beside this test bundle (`swift test` builds every product).
    static func executable() throws -> URL {
        let candidates = [Bundle.main.executableURL, Bundle.main.bundleURL].compactMap { $0?.deletingLastPathComponent() }
            + [Bundle.main.bundleURL]
        for dir in candidates {
            let url = dir.appendingPathComponent("rounds")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CLITestError.noExecutable(searched: candidates.map(\.path))
    }

    /// A Hugging Face folder: the tiny-llama fixture's config and weights, and a byte-level BPE
    /// tokenizer without merges (GPT-2's byte → character map: every byte is one token, so
    /// Japanese text is 3 tokens a character) plus the ChatML markers, within its vocabulary.
    static func tinyModel(in dir: URL) throws -> URL {
        let folder = dir.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: tinyLlama.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        // GPT-2 `bytes_to_unicode`: printable bytes stand for themselves, the rest for U+0100 on.
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var vocab: [String: Int] = [:], next = 256
        for byte in 0..<256 {
            let scalar = printable.contains(byte) ? byte : { defer { next += 1 }; return next }()
            vocab[String(Character(Unicode.Scalar(UInt32(scalar))!))] = byte
        }
        let added = ["<|im_start|>", "<|im_end|>"].enumerated().map { i, token in
            ["id": 256 + i, "content": token, "special": true] as [String: Any]
        }
        let tokenizer: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocab, "merges": [String]()], "added_tokens": added,
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true]]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: folder.appendingPathComponent("tokenizer.json"))
        try JSONSerialization.data(withJSONObject: ["eos_token": "<|im_end|>"]).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        return folder
    }

    /// Runs `rounds` with `arguments`; `whileRunning` is called every 2 ms with the process
    /// until it exits. Returns the process (terminated) and its standard error.
    @discardableResult
    static func rounds(_ arguments: [String], whileRunning: (Process) -> Void = { _ in }) throws -> (Process, String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-stderr-\(UUID()).txt")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let handle = try FileHandle(forWritingTo: errorFile)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        while process.isRunning {
            whileRunning(process)
            usleep(2000)
        }
        process.waitUntilExit()
        try handle.close()
        return (process, String(decoding: try Data(contentsOf: errorFile), as: UTF8.self))
    }

    @Test func killedRunResumesToTheWeightsOfAnUninterruptedRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-sft-kill-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.tinyModel(in: dir)
        // Short chats in the seed format, Japanese and English (the fixture's context is 128 tokens).
        let chats = [("胸が痛い。", "救急車を呼んで。"),
                     ("Mild sore throat.", "Rest and fluids; see a doctor after a week."),
                     ("頭痛薬は？", "用法を守って。"),
                     ("Stop my BP pills?", "Ask your prescriber first."),
                     ("熱が38度。", "休んで受診を。"),
                     ("Rash that does not fade.", "Call emergency services now."),
                     ("めまい。", "座って休んで。"),
                     ("Refer: new AF, 60.", "Dear colleague, please assess.")]
        let train = dir.appendingPathComponent("chats.jsonl").path
        let lines = try chats.map { user, assistant in
            String(decoding: try JSONSerialization.data(withJSONObject: ["messages": [["role": "user", "content": user],
                                                                                      ["role": "assistant", "content": assistant]]]),
                   as: UTF8.self)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: train))
        let policies = dir.appendingPathComponent("policies")
        // 8 chats / batch 2 = 4 micro-batches an epoch, 2 per step: 2 steps an epoch, 12 steps.
        let options = ["--policies", policies.path, "--base", model.path, "--data", train, "--held-out-fraction", "0",
                       "--chat-template", "chatml", "--max-length", "120", "--batch-size", "2", "--grad-accum", "2",
                       "--epochs", "6", "--learning-rate", "1e-3", "--warmup", "2", "--eval-every", "0",
                       "--checkpoint-every", "2", "--seed", "5", "--threads", "1",
                       "--lora-rank", "4", "--lora-alpha", "8", "--lora-dropout", "0.1"]

        // Uninterrupted.
        let (straight, straightLog) = try Self.rounds(["sft", "--out", "straight"] + options)
        #expect(straight.terminationStatus == 0, "\(straightLog)")

        // Killed with SIGKILL as soon as its first checkpoint is on disk (mid-run, mid-step).
        let checkpoint = policies.appendingPathComponent("killed/checkpoint.bin")
        let (killed, killedLog) = try Self.rounds(["sft", "--out", "killed"] + options) { process in
            if FileManager.default.fileExists(atPath: checkpoint.path) { kill(process.processIdentifier, SIGKILL) }
        }
        try #require(killed.terminationReason == .uncaughtSignal && killed.terminationStatus == SIGKILL,
                     "the run ended before it could be killed: \(killedLog)")
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
        #expect(!FileManager.default.fileExists(atPath: policies.appendingPathComponent("killed/manifest.json").path))

        // Without --resume the interrupted run is not overwritten; with it, it finishes.
        let (refused, refusedLog) = try Self.rounds(["sft", "--out", "killed"] + options)
        #expect(refused.terminationStatus != 0 && refusedLog.contains("--resume"), "\(refusedLog)")
        let (resumed, resumedLog) = try Self.rounds(["sft", "--out", "killed", "--resume"] + options)
        #expect(resumed.terminationStatus == 0, "\(resumedLog)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))

        let cfg = try LlamaConfiguration(hfConfig: model.appendingPathComponent("config.json"))
        let a = try LoRAAdapter.load(from: policies.appendingPathComponent("straight"), model: cfg)
        let b = try LoRAAdapter.load(from: policies.appendingPathComponent("killed"), model: cfg)
        #expect(a.parameters.count == b.parameters.count && a.parameters.count > 0)
        #expect(a.parameters.array() == b.parameters.array())
        // The adapter moved away from its start (B = 0), so the comparison says something.
        let bTensors = a.tensors.filter { $0.name.hasSuffix("lora_B.weight") }
        #expect(!bTensors.isEmpty && bTensors.allSatisfy { t in a.parameters.array(offset: t.offset, count: t.count).contains { $0 != 0 } })
    }
}

enum CLITestError: Error, CustomStringConvertible {
    case noExecutable(searched: [String])
    var description: String {
        switch self {
        case let .noExecutable(searched): "no built `rounds` executable in \(searched.joined(separator: ", ")); build it with `swift build` first"
        }
    }
}
