import ArgumentParser
import Testing
@testable import rounds

/// `rounds dpo` / `rounds kto`: options reach the trainers' parameters, bad values are refused
/// with a message that says what to type, and help text documents every option.
@Suite struct PreferenceCommandTests {
    @Test func dpoOptionsBecomeTrainerParameters() throws {
        let command = try DPOCommand.parse(["--policy", "sft-v1", "--data", "pairs.jsonl", "--out", "dpo-v1",
                                            "--loss", "conservative", "--label-smoothing", "0.1", "--beta", "0.2",
                                            "--batch-size", "2", "--max-steps", "7"])
        let p = command.parameters
        #expect(p.trainer.objective == .init(beta: 0.2, loss: .conservative, labelSmoothing: 0.1))
        #expect(p.trainer.batchSize == 2 && p.trainer.maxSteps == 7)
        #expect(p.trainer.learningRate == 5e-5)  // LoRA default
    }

    @Test(arguments: [
        (["--beta", "0"], "--beta"),
        (["--label-smoothing", "0.5"], "--label-smoothing"),
        (["--max-prompt-length", "2000"], "--max-prompt-length"),
        (["--out", "../x"], "--out"),
    ])
    func dpoRefusesBadValues(extra: [String], option: String) {
        var args = ["--policy", "p", "--data", "d.jsonl", "--out", "dpo-v1"]
        args += extra
        do {
            _ = try DPOCommand.parse(args)
            Issue.record("\(extra) was accepted")
        } catch {
            #expect(DPOCommand.message(for: error).contains(option), "\(DPOCommand.message(for: error))")
        }
    }

    @Test func ktoWeightsAndBatchSize() throws {
        let command = try KTOCommand.parse(["--policy", "p", "--data", "d.jsonl", "--out", "kto-v1", "--desirable-weight", "1.3", "--from-pairs"])
        #expect(command.parameters.trainer.desirableWeight == 1.3 && command.parameters.trainer.undesirableWeight == nil)
        #expect(command.fromPairs)
        #expect(throws: (any Error).self) { try KTOCommand.parse(["--policy", "p", "--data", "d", "--out", "k", "--batch-size", "1"]) }
    }

    @Test func helpDocumentsTheOptions() {
        let dpo = DPOCommand.helpMessage(), kto = KTOCommand.helpMessage()
        for option in ["--policy", "--data", "--out", "--resume", "--beta", "--loss", "--label-smoothing", "--max-length", "--lora-rank"] {
            #expect(dpo.contains(option), "dpo help lacks \(option)")
        }
        for option in ["--from-pairs", "--desirable-weight", "--undesirable-weight", "--beta"] {
            #expect(kto.contains(option), "kto help lacks \(option)")
        }
    }
}
