import ArgumentParser

/// Benchmarks of Rounds. Build in release (`swift build -c release`); each subcommand
/// prints its figures, and `scripts/bench-*` wrap them.
@main
struct RoundsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds-bench",
        abstract: "Measure the speed of Rounds' layers (release builds only).",
        subcommands: [TrainBench.self])
}
