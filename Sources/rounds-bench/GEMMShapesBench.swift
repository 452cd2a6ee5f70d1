// The sgemm rate of each product shape in a training step of the bundled model (SmolLM2-135M,
// 4 × 256 tokens), one thread at a time: the rows one worker multiplies when `gemm` splits a
// product between two. Tells whether one shape holds a step back or the sgemm itself does.
import ArgumentParser
import Foundation
import Tensor

struct GEMMShapesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm-shapes",
        abstract: "One-thread sgemm rate of each product shape in a training step of the bundled model.")

    @Option(help: "Repetitions per shape; the best is reported.")
    var repeats = 10

    struct Shape {
        var name: String, transA: Bool, transB: Bool, m: Int, n: Int, k: Int
    }

    /// Hidden 576, feed-forward 1536, q|k|v 960 wide, vocabulary 49,152 (its half: one worker's
    /// columns), 1024 rows split in two, attention blocks of 64 query rows over 64-wide heads.
    static let shapes: [Shape] = [
        Shape(name: "forward q|k|v", transA: false, transB: true, m: 512, n: 960, k: 576),
        Shape(name: "forward o", transA: false, transB: true, m: 512, n: 576, k: 576),
        Shape(name: "forward gate|up", transA: false, transB: true, m: 512, n: 3072, k: 576),
        Shape(name: "forward down", transA: false, transB: true, m: 512, n: 576, k: 1536),
        Shape(name: "forward LM head", transA: false, transB: true, m: 512, n: 24_576, k: 576),
        Shape(name: "input gradient q|k|v", transA: false, transB: false, m: 512, n: 576, k: 960),
        Shape(name: "input gradient gate|up", transA: false, transB: false, m: 512, n: 576, k: 3072),
        Shape(name: "input gradient down", transA: false, transB: false, m: 512, n: 1536, k: 576),
        Shape(name: "input gradient LM head", transA: false, transB: false, m: 512, n: 576, k: 24_576),
        Shape(name: "weight gradient q|k|v", transA: true, transB: false, m: 480, n: 576, k: 1024),
        Shape(name: "weight gradient gate|up", transA: true, transB: false, m: 1536, n: 576, k: 1024),
        Shape(name: "attention scores, last block", transA: false, transB: true, m: 64, n: 256, k: 64),
        Shape(name: "attention P·V, last block", transA: false, transB: false, m: 64, n: 64, k: 256),
        Shape(name: "attention key gradient, first block", transA: true, transB: false, m: 64, n: 64, k: 256),
        Shape(name: "LoRA x·Aᵀ (r = 16)", transA: false, transB: true, m: 512, n: 16, k: 576),
        Shape(name: "LoRA (x·Aᵀ)·Bᵀ", transA: false, transB: true, m: 512, n: 576, k: 16),
        Shape(name: "LoRA gradient of A", transA: true, transB: false, m: 16, n: 576, k: 1024),
    ]

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive, e.g. --repeats 10") }
    }

    func run() throws {
        print("one-thread sgemm, the shapes of a training step of SmolLM2-135M (4 × 256 tokens, half the rows per worker):")
        Threads.with(1) {
            for s in Self.shapes {
                let rate = BLASStatus.sgemmRate(transA: s.transA, transB: s.transB, m: s.m, k: s.k, n: s.n,
                                                rounds: repeats, perRound: 1)
                let name = s.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                print("  \(name)" + String(format: " m=%5d n=%5d k=%5d ", s.m, s.n, s.k)
                      + (s.transA ? "T" : "N") + (s.transB ? "T" : "N") + String(format: "  %6.1f GFLOP/s", rate))
            }
        }
    }
}
