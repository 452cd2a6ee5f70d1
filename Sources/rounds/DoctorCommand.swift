import ArgumentParser
import Foundation
import Tensor

/// `rounds doctor`: what Rounds runs on. The CPU and its vector features, the BLAS library and
/// the kernels it uses (and whether Rounds chose them), the sgemm rate they reach and the
/// thread counts; with older kernels in use, the rate of the CPU's best kernels beside it.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the CPU, its vector features, the BLAS kernels in use, their sgemm rate and the thread count.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: .hidden)
    var sgemmOnly = false

    func run() throws {
        print(try MachineSummary.report(json: json, sgemmOnly: sgemmOnly, childArguments: ["doctor", "--sgemm-only"]))
    }
}
