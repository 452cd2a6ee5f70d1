import ArgumentParser

/// Benchmarks of Rounds. Build in release (`swift build -c release`); each subcommand
/// prints its figures, and `scripts/bench-*` wrap them. One file per benchmark.
@main
struct RoundsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds-bench",
        abstract: "Measure the speed of Rounds' layers on this machine (release builds only).",
        subcommands: [
            TokenizeBench.self,
            ModelLoadBench.self,
            GenerateBench.self,
            SampleQueueBench.self,
            TrainBench.self,
            DPOBench.self,
            GEMMShapesBench.self,
            FeedbackBench.self,
            ReviewDrawBench.self,
            ActiveBench.self,
            ReviewPageBench.self,
            NightlyBench.self,
            LoopBench.self,
            LoopCandidatesBench.self,
            MachineBench.self,
            ScrubBench.self,
        ])
}
