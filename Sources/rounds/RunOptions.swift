import ArgumentParser
import Foundation
import Loop
import Review
import Tokenizer
import Training

/// Where the policy registry lives (shared by every command that reads or writes policies).
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("policies"), help: "The policy registry folder.") var root = "policies"

    var registry: PolicyRegistry { PolicyRegistry(root: URL(fileURLWithPath: root)) }
}

/// The output of a training command: the new policy's name in the registry, resuming an
/// interrupted run of it, and the chat template override.
struct RunOptions: ParsableArguments, CheckedOptions {
    @OptionGroup var registry: RegistryOptions
    @Option(help: "Name of the new policy (its folder is <registry>/<name>).") var out: String
    @Flag(help: "Continue an interrupted run of the same --out from its last checkpoint.") var resume = false
    @Option(help: "Chat template override: chatml, chatml-smollm or llama3 (default: detected from the model).") var chatTemplate: String?

    func check() throws {
        guard PolicyRegistry.isValidName(out) else {
            throw ValidationError("--out '\(out)' is not a valid policy name: use letters, digits, '-', '_' and '.', e.g. --out v2.")
        }
    }

    /// The job's context: from `policy` into `--out`, on `files` (recorded with their hashes; a
    /// missing file is left for the job to report with its path).
    func context(policy: String, files: [String]) throws -> JobContext {
        JobContext(registry: registry.registry, policy: policy, out: out, resume: resume,
                   data: try .init(hashing: files.filter { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0) }),
                   log: log)
    }
}

/// Runs a job, turning a lower layer's error into one whose hint names the option that fixes it.
@discardableResult
func withOptionHints<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        guard let hint = OptionHint.hint(for: error) else { throw error }
        throw OptionHint(underlying: error, hint: hint)
    }
}

/// An error of a lower layer with the command-line option that fixes it as its hint.
struct OptionHint: LocalizedError {
    let underlying: Error
    let hint: String

    var errorDescription: String? {
        let text = underlying.localizedDescription
        let message = text.range(of: " ---> HINT:").map { String(text[..<$0.lowerBound]) } ?? text
        return "\(message) ---> HINT: \(hint)"
    }

    static func hint(for error: Error) -> String? {
        switch error {
        case PolicyRun.RunError.interrupted: "add --resume to continue it, or choose another --out."
        case PolicyRegistry.RegistryError.alreadyExists: "choose another --out name; policies are never overwritten."
        case PreferenceEncoder.EncodingError.emptyCompletion: "raise --max-length or shorten the prompt (--max-prompt-length)."
        case TokenizerError.unknownChatTemplate, TokenizerError.unknownChatTemplateName: "name the format with --chat-template chatml|chatml-smollm|llama3."
        case Checkpoint.CheckpointError.unreadable: "start the run again without --resume."
        case Checkpoint.CheckpointError.mismatch: "resume with the same data and options, or choose a new --out."
        case RewardModelError.noData: "give --pairs FILE and/or --judgments FILE."
        case PPOTrainerError.noPrompts: "give --prompts FILE with one prompt a line."
        case TrainingError.nonFiniteGradient: "lower --learning-rate."
        case TrainingError.emptyDataset: "check --max-length and that the examples have assistant turns."
        case OfflineGates.GateError.noParent: "name the policy to compare it with, e.g. --against sft-v1."
        case ReviewError.unknownReviewer: "register the name first, or pass --reviewer NAME."
        default: nil
        }
    }
}
