// The world of the loop benchmark: a fresh registry and feedback database in a work folder,
// the bundled prompts split BY PROMPT into training and held-out (stratified so the held-out
// triage prompts cover both languages, with and without a red flag), and sft-v1 trained from
// the base model as the main job does (scripts/main.sh: LoRA r 16, α 32, batch 4, peak rate
// 1e-3 after 3 warm-up steps, max length 512, only answers that fit the 128-token sampling
// cap, on feedback/seed/sft.jsonl), then promoted.
import ArgumentParser
import FeedbackStore
import Foundation
import Llama
import Loop
import Support
import Synchronization
import Tensor
import Training

struct LoopWorld {
    /// A bundled prompt with the labels of feedback/seed/prompts.jsonl.
    struct LabelledPrompt: Decodable {
        var prompt: String
        var category: String
        var language: String
        var red_flag: Bool?
        var stored: Prompt?

        enum CodingKeys: String, CodingKey { case prompt, category, language, red_flag }
        var isTriage: Bool { category == "triage" }
        var cell: String { "\(category)|\(language)|\(red_flag.map(String.init) ?? "-")" }
    }

    let root: URL
    let store: FeedbackStore
    let registry: PolicyRegistry
    /// Held-out prompts (never trained on), stored, with their labels.
    private(set) var heldOut: [LabelledPrompt] = []
    private(set) var trainingCount = 0

    /// `seed` also decides the store's own random choices (which queued item a reviewer gets
    /// next, which answer of a pair is shown as A), so that a seed decides the whole run and two
    /// runs that differ in one setting see the same draws.
    init(root: URL, seed: UInt64) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("feedback"), withIntermediateDirectories: true)
        registry = PolicyRegistry(root: root.appendingPathComponent("policies"))
        try FileManager.default.createDirectory(at: registry.root, withIntermediateDirectories: true)
        let draws = Mutex(SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 3))
        store = try FeedbackStore(path: root.appendingPathComponent("feedback/rounds.sqlite").path,
                                  random: { draws.withLock { $0.next() } })
    }

    /// Stores the prompts of `file`: per triage cell (language × red flag) `triage` prompts are
    /// held out, per other category and language `other`, chosen by `seed`; the rest train.
    mutating func importPrompts(file: URL, triage: Int, other: Int, seed: UInt64) throws {
        let prompts = try JSONLines.decode(LabelledPrompt.self, from: file).map(\.value)
        var rng = SeededRandom(seed: seed ^ 0x10_0B)
        var held = Set<String>()
        for (cell, members) in Dictionary(grouping: prompts, by: \.cell).sorted(by: { $0.key < $1.key }) {
            var texts = members.map(\.prompt).sorted()
            texts.shuffle(using: &rng)
            held.formUnion(texts.prefix(cell.hasPrefix("triage|") ? triage : other))
        }
        heldOut = []
        trainingCount = 0
        // Stored in a seeded random order, as a clinic's prompts arrive: the night takes the
        // oldest unanswered training prompts, so file order (categories in blocks, the added
        // triage prompts last) would decide which categories the first nights see.
        var arrival = prompts
        arrival.shuffle(using: &rng)
        for var p in arrival {
            let key = try PromptKey(text: p.prompt)
            let isHeld = held.contains(p.prompt)
            // A fraction of 1 puts a prompt in the held-out split whatever its hash, 0 in training.
            let (stored, _) = try store.addPrompt(messages: key.messages, source: file.lastPathComponent, heldOutFraction: isHeld ? 1 : 0)
            guard stored.split == (isHeld ? .heldout : .train) else {
                throw ValidationError("\(root.path) holds a database whose split of “\(p.prompt.prefix(40))…” differs; use a fresh --folder")
            }
            if isHeld {
                p.stored = stored
                heldOut.append(p)
            } else {
                trainingCount += 1
            }
        }
    }

    /// The main job's SFT (scripts/main.sh): LoRA r 16, α 32, batch 4, max length 512, only
    /// examples whose answers fit the sampling cap, a high early peak rate for a short run.
    struct SFTSettings {
        var steps = 24
        var learningRate = 1e-3
        var warmup = 3
        var maxAnswerTokens = 128
        var seed: UInt64 = 0
    }

    /// Trains sft-v1 from `base` with `settings` as `rounds sft` does (`SFTJob`, validated on
    /// `validation`; skipped when it exists) and makes it production.
    func sft(base: String, data: URL, validation: URL, settings: SFTSettings, log: @escaping (String) -> Void) throws {
        let name = "sft-v1"
        if !registry.contains(name) {
            var p = SFTJob.Parameters()
            p.settings.weights.lora = LoRAConfiguration(rank: 16, alpha: 32, dropout: 0, targets: LoRATarget.allCases, seed: settings.seed)
            p.trainer.steps.maxSteps = settings.steps
            p.trainer.steps.learningRate = settings.learningRate
            p.trainer.steps.warmupSteps = settings.warmup
            p.trainer.steps.checkpointEvery = 0
            p.trainer.steps.seed = settings.seed
            p.trainer.evalEvery = 0
            p.maxAnswerTokens = settings.maxAnswerTokens
            let context = JobContext(registry: registry, policy: base, out: name, resume: false,
                                     data: try .init(hashing: [data, validation]), log: log)
            try SFTJob.run(context, data: data, validation: validation, parameters: p)
        }
        if try registry.production()?.name == nil {
            try registry.promote(name, by: "bench", reason: "first supervised policy")
        }
    }
}
