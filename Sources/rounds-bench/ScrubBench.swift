import ArgumentParser
import Foundation
import Privacy

/// `rounds-bench scrub`: recall and clean-text preservation of the scrubber on the labelled
/// corpus, and its throughput.
struct ScrubBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrub",
        abstract: "Recall per identifier kind, clean sentences unchanged, and throughput of the scrubber.")

    @Option(help: "Labelled sentences (JSON Lines from scripts/fixtures/make-scrub-corpus.py).")
    var corpus = "Tests/Fixtures/scrub/corpus.jsonl"

    @Option(help: "Timed passes over the corpus.")
    var passes = 5

    @Option(help: "Print up to this many missed spans and changed clean sentences.")
    var show = 20

    func validate() throws {
        guard passes >= 1 else { throw ValidationError("--passes must be at least 1, e.g. --passes 5") }
        guard FileManager.default.fileExists(atPath: corpus) else {
            throw ValidationError("No corpus at \(corpus); write one with: python3 scripts/fixtures/make-scrub-corpus.py --out \(corpus)")
        }
    }

    func run() throws {
        let sentences = try ScrubEvaluation.load(URL(fileURLWithPath: corpus))
        let scrubber = Scrubber.standard
        let evaluation = ScrubEvaluation(scrubber: scrubber, sentences: sentences)
        let identified = sentences.filter { !$0.spans.isEmpty }.count
        print("corpus: \(corpus), \(sentences.count) sentences (\(identified) with identifiers, \(sentences.count - identified) clean)")
        print(evaluation.report)
        for miss in evaluation.misses.prefix(show) { print("  missed \(miss.kind.rawValue): \(miss.span)  in: \(miss.sentence)") }
        for changed in evaluation.changedClean.prefix(show) { print("  changed clean: \(changed.sentence)\n            → \(changed.scrubbed)") }

        let texts = sentences.map(\.text)
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = (cpu: Double.infinity, wall: Double.infinity)
        var replaced = 0
        for _ in 0..<passes {
            replaced = 0
            let t = TokenizeBench.time { for text in texts { replaced += scrubber.scrub(text).spans.count } }
            if t.cpu < best.cpu { best = t }
        }
        print(String(format: "throughput: %.0f sentences/s, %.2f MB/s of CPU time (best of %d passes over %.1f KB, one thread; wall %.3f s, CPU %.3f s; %d spans a pass)",
                     Double(texts.count) / best.cpu, Double(bytes) / best.cpu / 1e6, passes, Double(bytes) / 1e3, best.wall, best.cpu, replaced))
    }
}
