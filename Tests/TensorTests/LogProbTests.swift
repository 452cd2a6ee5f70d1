import Foundation
import Testing
@testable import Tensor

@Suite struct LogProbTests {
    let n = 7, c = 5, v = 11
    let rows: [Int32] = [0, 2, 3, 6, 5]
    let targets: [Int32] = [4, 0, 10, 3, 4]
    let chunk = 2  // smaller than the row count, so the chunk loop runs three times

    func forward(_ hidden: [Float], _ w: [Float]) -> [Float] {
        withBuffers([
            [Float](repeating: 0, count: rows.count), [Float](repeating: 0, count: rows.count), hidden, w,
            [Float](repeating: 0, count: logprobScratchSize(v: v, c: c, chunk: chunk)),
        ]) { p in
            rows.withUnsafeBufferPointer { r in
                targets.withUnsafeBufferPointer { t in
                    logprobForward(p[0], lse: p[1], hidden: p[2], rows: r.baseAddress!, targets: t.baseAddress!, m: rows.count,
                                   weight: p[3], v: v, c: c, scratch: p[4], chunk: chunk)
                }
            }
        }[0]
    }

    @Test func forwardIsLogSoftmaxOfTheTarget() {
        var rng = TestRNG(seed: 8)
        let hidden = rng.normals(n * c), w = rng.normals(v * c)
        let lp = forward(hidden, w)
        for (k, row) in rows.enumerated() {
            let logits = (0..<v).map { j in (0..<c).reduce(0.0) { $0 + Double(hidden[Int(row) * c + $1]) * Double(w[j * c + $1]) } }
            let mx = logits.max()!
            let lse = mx + log(logits.reduce(0.0) { $0 + exp($1 - mx) })
            #expect(abs(Double(lp[k]) - (logits[Int(targets[k])] - lse)) < 1e-5)
        }
    }

    @Test func backwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 9)
        var hidden = rng.normals(n * c), w = rng.normals(v * c)
        let dlp = rng.normals(rows.count)
        let lse = withBuffers([
            [Float](repeating: 0, count: rows.count), [Float](repeating: 0, count: rows.count), hidden, w,
            [Float](repeating: 0, count: logprobScratchSize(v: v, c: c, chunk: chunk)),
        ]) { p in
            rows.withUnsafeBufferPointer { r in
                targets.withUnsafeBufferPointer { t in
                    logprobForward(p[0], lse: p[1], hidden: p[2], rows: r.baseAddress!, targets: t.baseAddress!, m: rows.count,
                                   weight: p[3], v: v, c: c, scratch: p[4], chunk: chunk)
                }
            }
        }[1]
        let grads = withBuffers([
            [Float](repeating: 0, count: n * c), [Float](repeating: 0, count: v * c), dlp, lse, hidden, w,
            [Float](repeating: 0, count: logprobScratchSize(v: v, c: c, chunk: chunk)),
        ]) { p in
            rows.withUnsafeBufferPointer { r in
                targets.withUnsafeBufferPointer { t in
                    logprobBackward(dhidden: p[0], dweight: p[1], dlogprobs: p[2], lse: p[3], hidden: p[4], rows: r.baseAddress!,
                                    targets: t.baseAddress!, m: rows.count, weight: p[5], v: v, c: c, scratch: p[6], chunk: chunk)
                }
            }
        }
        let wc = w, hc = hidden
        #expect(gradientError(grads[0], numericGradient(&hidden) { weightedSum(forward($0, wc), dlp) }) < 2e-3)
        #expect(gradientError(grads[1], numericGradient(&w) { weightedSum(forward(hc, $0), dlp) }) < 2e-3)
        // Rows 1 and 4 are not scored: no gradient reaches them.
        #expect(grads[0][(1 * c)..<(2 * c)].allSatisfy { $0 == 0 })
    }

    /// Keeping the forward's logits (`saved`) skips the backward's recomputation and changes
    /// nothing: the same log-probs, and bit-identical gradients, also from a second backward.
    @Test func savedLogitsGiveTheSameGradientsAsRecomputing() {
        var rng = TestRNG(seed: 10)
        let hidden = rng.normals(n * c), w = rng.normals(v * c), dlp = rng.normals(rows.count)
        func run(saving: Bool, backwards: Int) -> [[Float]] {
            withBuffers([
                [Float](repeating: 0, count: rows.count), [Float](repeating: 0, count: rows.count), hidden, w,
                [Float](repeating: 0, count: logprobScratchSize(v: v, c: c, chunk: chunk)),
                [Float](repeating: .nan, count: rows.count * v),
                [Float](repeating: 0, count: n * c), [Float](repeating: 0, count: v * c), dlp,
            ]) { p in
                rows.withUnsafeBufferPointer { r in
                    targets.withUnsafeBufferPointer { t in
                        logprobForward(p[0], lse: p[1], hidden: p[2], rows: r.baseAddress!, targets: t.baseAddress!, m: rows.count,
                                       weight: p[3], v: v, c: c, scratch: p[4], chunk: chunk, saved: saving ? p[5] : nil)
                        for _ in 0..<backwards {
                            p[6].update(repeating: 0, count: n * c)
                            p[7].update(repeating: 0, count: v * c)
                            logprobBackward(dhidden: p[6], dweight: p[7], dlogprobs: p[8], lse: p[1], hidden: p[2], rows: r.baseAddress!,
                                            targets: t.baseAddress!, m: rows.count, weight: p[3], v: v, c: c, scratch: p[4],
                                            chunk: chunk, saved: saving ? UnsafePointer(p[5]) : nil)
                        }
                    }
                }
            }
        }
        let recomputed = run(saving: false, backwards: 1), saved = run(saving: true, backwards: 2)
        #expect(saved[0] == recomputed[0])  // log-probs
        #expect(saved[6] == recomputed[6])  // d hidden
        #expect(saved[7] == recomputed[7])  // d weight
        #expect(!saved[5].contains { $0.isNaN })  // every row's logits were kept
    }
}
