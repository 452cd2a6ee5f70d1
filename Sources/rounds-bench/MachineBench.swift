import ArgumentParser
import Foundation
import Tensor

/// `rounds-bench machine`: what the figures are measured on — the CPU and its vector features,
/// the BLAS kernels in use and their sgemm rate, and the rate of the CPU's best kernels when
/// the ones in use are older (every scripts/bench-* prints it first).
struct MachineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machine",
        abstract: "The CPU, its vector features, the BLAS kernels in use and their sgemm rate.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Print only the sgemm rate of the kernels in use, in GFLOP/s.")
    var sgemmOnly = false

    func run() throws {
        print(try MachineSummary.report(json: json, sgemmOnly: sgemmOnly, childArguments: Self.childArguments))
    }

    static let childArguments = ["machine", "--sgemm-only"]

    /// The machine, with the best kernels' sgemm rate measured by this executable in a child.
    static func measure() -> MachineSummary {
        MachineSummary.measure { MachineSummary.rateInChild(kernel: $0, arguments: childArguments) }
    }
}
