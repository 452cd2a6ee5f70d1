// Held-out rule satisfaction of every candidate a loop benchmark trained, promoted or not
// (`rounds-bench loop-candidates --folder F`, on the work folder of `rounds-bench loop
// --folder F` with the same seed and split options): separates "training did not move the
// rule" from "the clinicians' review did not promote what moved it".
import ArgumentParser
import FeedbackStore
import Foundation
import Loop
import Training

struct LoopCandidatesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop-candidates", abstract: "Held-out rule satisfaction of each candidate of a finished loop benchmark, against sft-v1.")

    @Option(help: "The work folder of `rounds-bench loop --folder`.")
    var folder: String
    @Option(help: "Nightly configuration the loop ran with.")
    var config = "feedback/nightly.json"
    @Option(help: "As given to the loop benchmark.")
    var seed: UInt64 = 0
    @Option(help: "As given to the loop benchmark.")
    var heldOutTriage = 3
    @Option(help: "As given to the loop benchmark.")
    var heldOutOther = 1
    @Option(help: "As given to the loop benchmark.")
    var answers = 6

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var settings = try NightlyConfig.load(URL(fileURLWithPath: config))
        settings.seed = seed
        var world = try LoopWorld(root: URL(fileURLWithPath: folder), seed: seed)
        try world.importPrompts(file: cwd.appendingPathComponent("feedback/seed/prompts.jsonl"), triage: heldOutTriage,
                                other: heldOutOther, seed: seed)
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let scorer = HeldOutScorer(world: world, config: settings, answersPerPrompt: answers, seed: seed,
                                   validationFile: cwd.appendingPathComponent("feedback/seed/sft-heldout.jsonl"), reference: "sft-v1", log: log)
        let sft = try scorer.score("sft-v1")
        let totals = sft.ruleTotals
        print("sft-v1: rule \(totals.successes)/\(totals.total); rule by cell: \(HeldOutScore.cellsLine(sft.ruleByCell(world.heldOut)))")
        let night = LoopNight(world: world, config: settings, root: cwd, scorer: scorer, sft: sft, flip: 0.12, trainPrompts: 0, seed: seed, log: log)
        let candidates = try world.registry.list().filter { $0.name.hasPrefix("nightly-") && !$0.name.hasSuffix("-rm") }
            .sorted { Int($0.name.dropFirst(8)) ?? 0 < Int($1.name.dropFirst(8)) ?? 0 }
        for m in candidates {
            let f = try night.measure(night: Int(m.name.dropFirst(8)) ?? 0, production: try scorer.score(m.name))
            func ci(_ v: [Double]) -> String { v.count == 2 ? String(format: "[%.3f, %.3f]", v[0], v[1]) : "[–]" }
            print(String(format: "%@ (%@, parent %@, status %@): rule %.3f %@ (n %d), lift vs sft-v1 %+.3f %@, win vs sft-v1 %.3f %@, "
                         + "validation loss %.4f (%+.1f%%), KL to sft-v1 %.3f; rule by cell: %@",
                         m.name, m.method, m.parent ?? "–", m.status.rawValue, f.rule_rate, ci(f.rule_rate_ci), f.rule_n, f.lift, ci(f.lift_ci),
                         f.win_rate_vs_sft, ci(f.win_rate_vs_sft_ci), f.validation_loss, f.validation_loss_change * 100, f.kl,
                         HeldOutScore.cellsLine(f.rule_by_cell)))
        }
    }
}
