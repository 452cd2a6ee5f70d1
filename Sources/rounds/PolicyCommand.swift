import ArgumentParser
import Foundation
import Llama
import Support
import Tokenizer
import Training

/// `rounds policy …`: the policy registry.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "List, inspect, export, evaluate, promote and roll back policies; decide and show clinician reviews.",
        subcommands: [List.self, Show.self, Export.self, Evaluate.self, Promote.self, Rollback.self, Decide.self, Status.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the policies in the registry, oldest first.")
        @OptionGroup var registry: RegistryOptions
        @Flag(help: "Print the manifests as JSON.")
        var json = false

        func run() throws {
            let all = try registry.registry.list()
            if json {
                print(String(decoding: try PolicyRegistry.encoder.encode(all), as: UTF8.self))
                return
            }
            if all.isEmpty {
                print("No policies in \(registry.root)/ yet. Train one with: rounds sft --out sft-v1")
                return
            }
            print(pad("name", 22) + pad("status", 12) + pad("method", 8) + pad("parent", 18) + "created")
            for m in all {
                print(pad(m.name, 22) + pad(m.status.rawValue, 12) + pad(m.method, 8) + pad(m.parent ?? "-", 18)
                      + ISO8601DateFormatter().string(from: m.createdAt))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one policy's manifest.")
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "Policy name.")
        var name: String

        func run() throws {
            print(String(decoding: try PolicyRegistry.encoder.encode(registry.registry.manifest(name)), as: UTF8.self))
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a policy as a Hugging Face folder (config.json, model.safetensors with LoRA merged, tokenizer.json).")
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "Policy name (or any model reference).")
        var name: String
        @Option(help: "Output folder (created; must not hold a model already).")
        var out: String

        func run() throws {
            let loaded = try PolicyLoader.load(name, registry: registry.registry)
            let folder = URL(fileURLWithPath: out)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) {
                throw ValidationError("\(out) already holds a model.safetensors; choose an empty --out folder.")
            }
            if loaded.model.adapter != nil { loaded.model.mergeAdapter() }
            try loaded.model.saveHuggingFace(folder: folder)
            try TokenizerExport.write(forModelAt: loaded.baseURL, to: folder)
            print("exported \(loaded.name) to \(folder.path) (config.json, model.safetensors, tokenizer.json)")
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a policy production by hand (a lead only; recorded with who and why in the manifest and the audit log).")
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Policy name.")
        var name: String
        @Option(help: "Why (recorded in the manifest).")
        var reason: String
        @Option(help: "Who decides (default: you, as your login's reviewer; another name only while the database has no lead).")
        var by: String?

        func run() throws {
            let store = try database.openExisting()
            let (actor, who) = try Identity.decider(store, by: by, for: "promoting a policy")
            try registry.registry.promote(name, by: who, reason: reason)
            try store.audit(.promote, actor: who, login: actor.login, subject: name, reason: reason, details: ["mode": "by hand"])
            print(TerminalText.neutralised("\(name) is now production (by \(who): \(reason))", multiline: false))
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire the production policy and restore the previous one (a lead only; recorded with who and why).")
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Why (recorded in the manifests).")
        var reason: String
        @Option(help: "Who decides (default: you, as your login's reviewer; another name only while the database has no lead).")
        var by: String?

        func run() throws {
            let store = try database.openExisting()
            let (actor, who) = try Identity.decider(store, by: by, for: "rolling back a policy")
            let retired = try registry.registry.production()?.name ?? "?"
            let restored = try registry.registry.rollback(by: who, reason: reason)
            try store.audit(.rollback, actor: who, login: actor.login, subject: restored, reason: reason, details: ["retired": retired])
            print(TerminalText.neutralised("rolled back: \(restored) is production again (by \(who): \(reason))", multiline: false))
        }
    }
}

/// A table cell: neutralised (names and reasons are typed by people), padded to `width`.
func pad(_ text: String, _ width: Int) -> String {
    let s = TerminalText.neutralised(text, multiline: false)
    return s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
