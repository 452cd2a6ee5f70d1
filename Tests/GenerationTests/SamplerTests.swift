import Foundation
import Testing
import Tensor
@testable import Generation

/// Hand-computed distributions on small logit vectors.
@Suite struct SamplerTests {
    /// Logits whose softmax is exactly `probabilities` (log of them).
    private func logits(_ probabilities: [Double]) -> [Float] { probabilities.map { Float(log($0)) } }

    private func distribution(_ logits: [Float], _ parameters: SamplingParameters) -> [Int32: Float] {
        let sampler = TokenSampler(vocabularySize: logits.count, parameters: parameters)
        let pairs = logits.withUnsafeBufferPointer { sampler.filteredDistribution($0.baseAddress!) }
        return Dictionary(uniqueKeysWithValues: pairs.map { ($0.id, $0.probability) })
    }

    @Test func topPKeepsTheSmallestPrefixReachingP() {
        // p = (0.5, 0.3, 0.15, 0.05), top-p 0.7: 0.5 < 0.7 ≤ 0.8 → keep {0, 1}, renormalized
        // to 0.5/0.8 = 0.625 and 0.3/0.8 = 0.375.
        let d = distribution(logits([0.5, 0.3, 0.15, 0.05]), SamplingParameters(temperature: 1, topP: 0.7))
        #expect(d.count == 2)
        #expect(abs(d[0]! - 0.625) < 1e-5)
        #expect(abs(d[1]! - 0.375) < 1e-5)
    }

    @Test func topKKeepsKAndRenormalizes() {
        let d = distribution(logits([0.15, 0.5, 0.05, 0.3]), SamplingParameters(temperature: 1, topK: 3))
        #expect(Set(d.keys) == [0, 1, 3])
        #expect(abs(d[1]! - 0.5 / 0.95) < 1e-5)
        #expect(abs(d[3]! - 0.3 / 0.95) < 1e-5)
        #expect(abs(d[0]! - 0.15 / 0.95) < 1e-5)
    }

    @Test func topPAppliesToWhatTopKLeft() {
        // top-k 3 renormalizes to (0.526, 0.316, 0.158); cumulative 0.842 ≥ 0.82 after two
        // tokens. Top-p 0.82 on the full distribution alone would need three (0.8 < 0.82).
        let d = distribution(logits([0.5, 0.3, 0.15, 0.05]), SamplingParameters(temperature: 1, topK: 3, topP: 0.82))
        #expect(Set(d.keys) == [0, 1])
        let alone = distribution(logits([0.5, 0.3, 0.15, 0.05]), SamplingParameters(temperature: 1, topP: 0.82))
        #expect(Set(alone.keys) == [0, 1, 2])
    }

    @Test func temperatureSharpensAsSoftmaxOfScaledLogits() {
        // T = 0.5 squares the probabilities before renormalizing: (0.6², 0.4²)/(0.36+0.16).
        let d = distribution(logits([0.6, 0.4]), SamplingParameters(temperature: 0.5, topP: 0.999))
        #expect(abs(d[0]! - 0.36 / 0.52) < 1e-5)
        #expect(abs(d[1]! - 0.16 / 0.52) < 1e-5)
    }

    @Test func greedyTakesArgmaxWithUnscaledLogProb() {
        let l: [Float] = [1, 3, 2, -1]
        let sampler = TokenSampler(vocabularySize: 4, parameters: .greedy)
        var rng = SeededRandom(seed: 0)
        let token = l.withUnsafeBufferPointer { sampler.sample($0.baseAddress!, random: &rng) }
        let logZ = log(l.reduce(0.0) { $0 + exp(Double($1)) })
        #expect(token.id == 1)
        #expect(abs(Double(token.logProb) - (3 - logZ)) < 1e-5)
    }

    /// Pearson chi-square of 40 000 draws against softmax(l / T) for every filter path
    /// (unfiltered inverse CDF, and the sorted-candidate path via top-k = V − 1).
    @Test(arguments: [0, 4])
    func temperatureSamplingFollowsSoftmax(topK: Int) {
        let l: [Float] = [1, 2, 0.5, -1, 3]
        let T: Float = 0.7
        var expected = l.map { exp(Double($0 / T)) }
        if topK > 0 { expected[3] = 0 }  // the least likely token falls outside top-4
        let z = expected.reduce(0, +)
        let sampler = TokenSampler(vocabularySize: l.count, parameters: SamplingParameters(temperature: T, topK: topK))
        var rng = SeededRandom(seed: 99)
        var counts = [Int](repeating: 0, count: l.count)
        let n = 40_000
        var logProbOK = true
        let logZ = log(l.reduce(0.0) { $0 + exp(Double($1)) })
        l.withUnsafeBufferPointer { buffer in
            for _ in 0..<n {
                let t = sampler.sample(buffer.baseAddress!, random: &rng)
                counts[Int(t.id)] += 1
                // The reported log-prob is the untempered log-softmax.
                if abs(Double(t.logProb) - (Double(l[Int(t.id)]) - logZ)) > 1e-5 { logProbOK = false }
            }
        }
        #expect(logProbOK)
        var chiSquare = 0.0, cells = 0
        for i in 0..<l.count where expected[i] > 0 {
            let e = Double(n) * expected[i] / z
            chiSquare += (Double(counts[i]) - e) * (Double(counts[i]) - e) / e
            cells += 1
        }
        if topK > 0 { #expect(counts[3] == 0) }
        // 99.9 % quantiles of chi-square with 4 and 3 degrees of freedom.
        #expect(chiSquare < (cells == 5 ? 18.47 : 16.27))
    }

    @Test func sameSeedSameDrawsOnLargeVocabulary() {
        var g = SeededRandom(seed: 5)
        var l = [Float](repeating: 0, count: 49152)
        l.withUnsafeMutableBufferPointer { g.fillNormal($0, std: 3) }
        let p = SamplingParameters(temperature: 0.7, topP: 0.9, seed: 1)
        func draw() -> [Int32] {
            let sampler = TokenSampler(vocabularySize: l.count, parameters: p)
            var rng = SeededRandom(seed: 1, stream: 0)
            return l.withUnsafeBufferPointer { b in (0..<50).map { _ in sampler.sample(b.baseAddress!, random: &rng).id } }
        }
        let first = draw()
        #expect(first == draw())
        #expect(Set(first).count > 1)
        // The nucleus of a wide distribution: kept mass reaches 0.9 and no more than needed.
        let sampler = TokenSampler(vocabularySize: l.count, parameters: p)
        let kept = l.withUnsafeBufferPointer { sampler.filteredDistribution($0.baseAddress!) }
        let total = l.reduce(0.0) { $0 + exp(Double($1) / 0.7) }
        let keptMass = kept.reduce(0.0) { $0 + exp(Double(l[Int($1.id)]) / 0.7) } / total
        let lastMass = exp(Double(l[Int(kept.last!.id)]) / 0.7) / total
        #expect(keptMass >= 0.9 - 1e-4)
        #expect(keptMass - lastMass < 0.9 + 1e-4)
    }

    /// On a wide, flat distribution with many equal weights (every case gathers well over the
    /// 4096 candidates above which CandidateOrder.swift bins them), the kept tokens are exactly the
    /// first ones of a full sort by (weight ↓, id ↑), and their count is what the filters ask.
    @Test(arguments: [(Float(0.7), 0, Float(0.9)), (1.3, 5000, 1), (1, 20000, 0.5), (0.4, 0, 0.99)])
    func keptTokensArePrefixOfTheFullOrder(temperature: Float, topK: Int, topP: Float) {
        var g = SeededRandom(seed: 9)
        var l = [Float](repeating: 0, count: 60_000)
        l.withUnsafeMutableBufferPointer { g.fillNormal($0, std: 1) }
        // Every other logit on a grid of 0.05 (many exact ties), the rest continuous (bins
        // holding several different weights).
        for i in stride(from: 0, to: l.count, by: 2) { l[i] = (l[i] / 0.05).rounded() * 0.05 }
        let sampler = TokenSampler(vocabularySize: l.count, parameters: SamplingParameters(temperature: temperature, topK: topK, topP: topP))
        let kept = l.withUnsafeBufferPointer { sampler.filteredDistribution($0.baseAddress!) }.map(\.id)
        let maxLogit = l.max()!
        let invT: Float = 1 / temperature
        let w: [Float] = l.map { (x: Float) -> Float in expf((x - maxLogit) * invT) }
        let order: [Int32] = (0..<l.count).sorted { (a: Int, b: Int) -> Bool in w[a] != w[b] ? w[a] > w[b] : a < b }.map { Int32($0) }
        let firstDifference = zip(kept, order).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "kept token \(firstDifference ?? -1) of \(kept.count) is not the full order's")
        if topK > 0 { #expect(kept.count <= topK) }
        if topP < 1 {
            let pool = topK > 0 ? Array(order.prefix(topK)) : order
            let total: Double = pool.reduce(0.0) { (sum: Double, id: Int32) in sum + Double(w[Int(id)]) }
            let keptMass: Double = kept.reduce(0.0) { (sum: Double, id: Int32) in sum + Double(w[Int(id)]) } / total
            let lastMass = Double(w[Int(kept.last!)]) / total
            #expect(keptMass >= Double(topP) - 1e-3 && keptMass - lastMass < Double(topP) + 1e-3)
        }
    }

    @Test func invalidParametersNameTheField() {
        #expect(throws: SamplingError.self) { try SamplingParameters(temperature: -1).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(topP: 0).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(maxNewTokens: 0).validate() }
    }
}
