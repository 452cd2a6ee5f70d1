// Wall time of one nightly run on the base model: a fresh registry whose production policy
// is the base model with an untrained LoRA adapter, a feedback database holding the bundled
// prompts answered with the bundled SFT answers (real clinical text of realistic length) and
// rated by a scripted reviewer (about --comparisons comparisons and --judgments judgments),
// then `NightlyRun` with the given configuration, timed stage by stage.
import ArgumentParser
import FeedbackStore
import Foundation
import Llama
import Loop
import RoundsSimulation
import Support
import Training

struct NightlyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly", abstract: "Wall time of a nightly run (reward model, DPO/KTO, gates, queue, report) per stage.")

    @Option(help: "Base model (.gguf).")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Nightly configuration (JSON).")
    var config = "feedback/nightly.json"
    @Option(help: "Comparisons to store (about; pairs of answers to the same prompt).")
    var comparisons = 500
    @Option(help: "Judgments to store (about).")
    var judgments = 1000
    @Option(help: "Work folder (default: a temporary folder, removed afterwards).")
    var folder: String?
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let root = folder.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rounds-nightly-bench-\(UUID().uuidString)")
        defer { if folder == nil { try? FileManager.default.removeItem(at: root) } }
        var settings = try NightlyConfig.load(URL(fileURLWithPath: config))
        // The report goes to the work folder, never over the checkout's feedback/reports.
        settings.report = root.appendingPathComponent("feedback/reports/stats.html").path
        let registry = PolicyRegistry(root: root.appendingPathComponent("policies"))
        let store = try FeedbackStore(path: root.appendingPathComponent("feedback/rounds.sqlite").path)
        let counts = try prepare(registry: registry, store: store)
        log("bench: \(counts.comparisons) comparisons and \(counts.judgments) judgments stored; running the nightly job")

        var marks: [(String, Date)] = [("snapshot", Date())]
        let started = marks[0].1
        let outcome = try NightlyRun(
            store: store, registry: registry, config: settings, root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            actor: "bench", log: log, onStage: { marks.append(($0.rawValue, Date())) }
        ).run()
        let total = Date().timeIntervalSince(started)
        marks.append(("end", Date()))
        let stages = zip(marks, marks.dropFirst()).map { (name: $0.0, seconds: $1.1.timeIntervalSince($0.1)) }
        let peak = ResourceUsage.peakResidentMiB()
        if json {
            let object: [String: Any] = [
                "comparisons": counts.comparisons, "judgments": counts.judgments, "seconds": total, "peak_rss_mib": peak,
                "promoted": outcome.promoted, "stages": Dictionary(stages.map { ($0.name, $0.seconds) }, uniquingKeysWith: +),
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("nightly run on \(counts.comparisons) comparisons + \(counts.judgments) judgments: \(String(format: "%.1f", total)) s wall, peak \(Int(peak)) MiB")
            for s in stages { print(String(format: "  %-16@ %7.1f s", s.name as NSString, s.seconds)) }
            print("  decision: \(outcome.decision.map { ($0.passes ? "promoted — " : "kept — ") + $0.reason } ?? outcome.skipped ?? "n/a")")
        }
    }

    /// Production policy v1 (base + fresh adapter, trained "yesterday"), the bundled prompts
    /// with bundled SFT answers as v1's answers, queued and rated by one scripted reviewer.
    func prepare(registry: PolicyRegistry, store: FeedbackStore) throws -> (comparisons: Int, judgments: Int) {
        let v1 = try PolicyRun(registry: registry, policy: URL(fileURLWithPath: model).path, out: "v1", resume: false, chatTemplate: nil,
                               weights: .init(lora: .init(rank: 16, alpha: 32)))
        var manifest = v1.manifest(method: "sft", data: .init(), parameters: [:], metrics: [:], full: false)
        manifest.createdAt = Date().addingTimeInterval(-86_400)
        try v1.save(manifest)
        try registry.promote("v1", by: "bench", reason: "benchmark production policy")

        try store.importPrompts(from: URL(fileURLWithPath: "feedback/seed/prompts.jsonl"))
        struct Line: Decodable { struct M: Decodable { var role: String; var content: String }; var messages: [M] }
        let answers = try JSONLines.decode(Line.self, from: URL(fileURLWithPath: "feedback/seed/sft.jsonl"))
            .compactMap { $0.1.messages.last { $0.role == "assistant" }?.content }
        let prompts = try store.prompts()
        let perPrompt = max(2, (judgments + prompts.count - 1) / prompts.count)
        var k = 0
        for prompt in prompts {
            let rows = (0..<perPrompt).map { _ -> FeedbackStore.NewSample in
                k += 1
                return .init(promptID: prompt.id!, text: answers[(k * 7) % answers.count], tokenCount: nil, logprobSum: nil,
                             temperature: nil, topP: nil, topK: nil, seed: nil)
            }
            try store.addSamples(rows, policy: "v1")
        }
        try store.enqueueJudgments(policy: "v1", overlap: 1, limit: judgments)
        try store.enqueuePairs(newPolicy: "v1", overlap: 1, limit: comparisons)
        var review = SimulatedReview()
        review.reviewers = 1
        review.noise = 0
        let made = try review.run(store: store)
        return (made.comparisons, made.judgments)
    }

    private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
