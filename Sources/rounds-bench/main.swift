// Benchmarks of Rounds (release builds only): see scripts/bench-*.
import ArgumentParser

struct RoundsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds-bench",
        abstract: "Benchmarks of Rounds; build with -c release.",
        subcommands: [ModelLoadBench.self])
}

RoundsBench.main()
