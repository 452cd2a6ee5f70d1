// Benchmarks of Rounds (release builds only; see scripts/bench-*). Each benchmark is a
// subcommand in its own file; add it to `subcommands`.
import ArgumentParser

@main
struct RoundsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds-bench",
        abstract: "Measure Rounds' throughput on this machine (release build).",
        subcommands: [DPOBench.self])
}
