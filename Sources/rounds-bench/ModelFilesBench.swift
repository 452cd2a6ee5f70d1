import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ModelFiles

/// `rounds-bench model-load`: how long opening the base GGUF and dequantizing every
/// tensor to Float32 takes (the model load path), and the Q8_0 quantizer's rate.
struct ModelLoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-load",
        abstract: "Time GGUF parsing, dequantization of every tensor, and Q8_0 quantization.")

    @Option(help: "The GGUF file to load.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Repetitions; the best and median are printed.")
    var repeats = 5

    /// Wall-clock and process CPU seconds (CPU time shows the cost even on a busy machine).
    struct Clock {
        let wall = Date()
        let cpu = Clock.cpuSeconds()

        static func cpuSeconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }

        var elapsed: (wall: Double, cpu: Double) { (Date().timeIntervalSince(wall), Clock.cpuSeconds() - cpu) }
    }

    func run() throws {
        let url = URL(fileURLWithPath: model)
        var parse: [(wall: Double, cpu: Double)] = [], dequant = parse, quant = parse
        var elements = 0, storedBytes = 0
        for _ in 0..<repeats {
            var t = Clock()
            let file = try GGUFFile(url: url)
            parse.append(t.elapsed)
            t = Clock()
            var all: [[Float]] = []
            for info in file.tensors { all.append(try file.floats(info.name)) }
            dequant.append(t.elapsed)
            elements = all.reduce(0) { $0 + $1.count }
            storedBytes = file.tensors.reduce(0) { $0 + $1.byteCount }
            t = Clock()
            for x in all where x.count % 32 == 0 { _ = try quantize(x, as: .q8_0) }
            quant.append(t.elapsed)
        }
        func report(_ label: String, _ times: [(wall: Double, cpu: Double)], _ per: String) {
            let sorted = times.sorted { $0.wall < $1.wall }
            let best = sorted[0], median = sorted[sorted.count / 2]
            let rate = per.isEmpty ? "" : ", " + String(format: per, Double(elements) / best.wall / 1e6)
            print(String(format: "%@ best %.3f s (CPU %.3f s), median %.3f s%@", label, best.wall, best.cpu, median.wall, rate))
        }
        print("\(url.lastPathComponent): \(elements) elements, \(storedBytes / 1_000_000) MB stored, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        report("parse metadata + descriptors:", parse, "")
        report("dequantize all tensors:     ", dequant, "%.0f M elements/s")
        report("quantize all to Q8_0:        ", quant, "%.0f M elements/s")
    }
}
