import Foundation
import Tensor
import Testing
@testable import Training

@Suite struct AdamWTests {
    /// Two steps on 3 parameters, lr 0.1, β (0.9, 0.999), eps 1e-8, weight decay 0.01, the third
    /// parameter excluded from decay. Expected values from numpy (float64), independently of this code:
    ///
    ///     p = np.array([1.0, -2.0, 0.5]); g1 = np.array([0.1, -0.2, 0.3]); g2 = np.array([-0.05, 0.4, 0.0])
    ///     lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.01; decay = np.array([1.0, 1.0, 0.0])
    ///     m = np.zeros(3); v = np.zeros(3)
    ///     for t, g in enumerate([g1, g2], start=1):
    ///         p = p * (1 - lr * wd * decay)
    ///         m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g * g
    ///         p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    ///
    /// By hand, step 1: decay 1 − 0.1·0.01 = 0.999 ⇒ p = [0.999, −1.998, 0.5]; m = 0.1·g1, v = 0.001·g1²,
    /// so m̂ = g1, v̂ = g1² and the step is lr·g/(|g| + eps) ≈ 0.1·sign(g):
    ///   p = [0.999 − 0.1·0.1/0.10000001, …] = [0.899000010, −1.898000005, 0.400000003].
    /// Step 2, first parameter: p = 0.89900001·0.999 = 0.898101010; m = 0.9·0.01 + 0.1·(−0.05) = 0.004;
    ///   v = 0.999·1e-5 + 0.001·0.0025 = 1.249e-5; m̂ = 0.004/0.19 = 0.0210526; v̂ = 1.249e-5/0.001999 = 0.00624812;
    ///   step = 0.1·0.0210526/√0.00624812 = 0.0266337 ⇒ p = 0.8714673.
    @Test func twoStepsMatchNumpy() throws {
        var p: [Float] = [1.0, -2.0, 0.5]
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.0]]
        let expected: [[Double]] = [
            [0.899000009999999, -1.8980000049999997, 0.4000000033333332],
            [0.8714673093933909, -1.9327123565410367, 0.33299418107915446],
        ]
        let adam = try AdamW(count: 3, parameters: .init(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01))
        adam.noDecay = [2..<3]
        for (g, e) in zip(grads, expected) {
            p.withUnsafeMutableBufferPointer { pp in
                g.withUnsafeBufferPointer { adam.update(params: pp.baseAddress!, grads: $0.baseAddress!, lr: 0.1) }
            }
            expectClose(widened(p), e, tol: 1e-6, "AdamW step \(adam.step)")
        }
        // Moments after step 2 (numpy): m = [0.004, 0.022, 0.027], v = [1.249e-5, 1.9996e-4, 8.991e-5].
        expectClose(widened(adam.state.m), [0.004, 0.021999999999999995, 0.026999999999999993], tol: 1e-7, "m")
        expectClose(widened(adam.state.v), [1.2490000000000014e-05, 0.00019996000000000022, 8.991000000000008e-05],
                    tol: 1e-9, "v")
    }

    /// Chunked parallel update == the same update done on independent slices: bit for bit.
    @Test func chunkingDoesNotChangeResults() throws {
        let n = 200_003, slice = 10_000
        var rng = SystemRandomNumberGenerator()
        let p0 = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let g = (0..<2).map { _ in (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        let noDecay = [1000..<70_000, 131_000..<131_072, 199_999..<500_000]
        let whole = try AdamW(count: n)
        whole.noDecay = noDecay
        var pWhole = p0
        var pSliced = p0
        let slices = stride(from: 0, to: n, by: slice).map { lo -> (Range<Int>, AdamW) in
            let r = lo..<min(n, lo + slice)
            let a = try! AdamW(count: r.count)
            a.noDecay = noDecay.map { ($0.lowerBound - lo)..<($0.upperBound - lo) }
            return (r, a)
        }
        // The whole buffer on one thread, the slices on the default count.
        for step in 0..<2 {
            Threads.with(1) {
                pWhole.withUnsafeMutableBufferPointer { pp in
                    g[step].withUnsafeBufferPointer { whole.update(params: pp.baseAddress!, grads: $0.baseAddress!, lr: 1e-3) }
                }
            }
            Threads.with(max(2, Threads.count)) {
                for (r, a) in slices {
                    pSliced.withUnsafeMutableBufferPointer { pp in
                        g[step].withUnsafeBufferPointer {
                            a.update(params: pp.baseAddress! + r.lowerBound, grads: $0.baseAddress! + r.lowerBound, lr: 1e-3)
                        }
                    }
                }
            }
        }
        #expect(pWhole.map(\.bitPattern) == pSliced.map(\.bitPattern))
    }

    @Test func weightDecaySkipsMaskedRanges() throws {
        // With zero gradients m = v = 0 and the Adam term is 0/(0 + eps) = 0: decayed entries are
        // exactly p·(1 − lr·wd) = p·(1 − 0.5·0.1) = 0.95p, masked ones do not move.
        var p = [Float](repeating: 2, count: 10)
        let g = [Float](repeating: 0, count: 10)
        let adam = try AdamW(count: 10, parameters: .init(weightDecay: 0.1))
        adam.noDecay = [2..<4, 7..<20]
        p.withUnsafeMutableBufferPointer { pp in
            g.withUnsafeBufferPointer { adam.update(params: pp.baseAddress!, grads: $0.baseAddress!, lr: 0.5) }
        }
        #expect(p == [1.9, 1.9, 2, 2, 1.9, 1.9, 1.9, 2, 2, 2])
    }

    @Test func stateRoundTripsThroughAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("adamw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("optimizer.bin")

        // Given an optimizer after one step, saved; When a fresh one loads it and both take step 2;
        // Then parameters and moments agree bit for bit.
        var p: [Float] = [0.3, -0.7, 1.1, 2.0]
        let g1: [Float] = [0.5, -0.1, 0.0, 3.0], g2: [Float] = [-0.2, 0.4, 0.9, -1.0]
        func apply(_ a: AdamW, _ p: inout [Float], _ g: [Float]) {
            p.withUnsafeMutableBufferPointer { pp in
                g.withUnsafeBufferPointer { a.update(params: pp.baseAddress!, grads: $0.baseAddress!, lr: 0.01) }
            }
        }
        let a = try AdamW(count: 4)
        apply(a, &p, g1)
        try a.write(to: url)
        let b = try AdamW(count: 4)
        try b.read(from: url)
        #expect(b.state == a.state && b.step == 1)
        var q = p
        apply(a, &p, g2)
        apply(b, &q, g2)
        #expect(p.map(\.bitPattern) == q.map(\.bitPattern))

        #expect(throws: OptimizerStateError.sizeMismatch(path: url.path, expected: 5, found: 4)) {
            try AdamW(count: 5).read(from: url)
        }
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 3).write(to: url)
        #expect(throws: OptimizerStateError.truncated(path: url.path, expectedBytes: data.count, actualBytes: data.count - 3)) {
            try b.read(from: url)
        }
        try Data("not a state".utf8).write(to: url)
        #expect(throws: OptimizerStateError.notAnOptimizerState(path: url.path)) { try b.read(from: url) }
    }
}

@Suite struct ClippingAndScheduleTests {
    @Test func clipsToTheGlobalNorm() {
        // Buffers [3, 4] and [12]: norm √(9 + 16 + 144) = 13. Max 6.5 ⇒ coefficient 6.5/(13 + 1e-6) = 0.49999996153846454.
        var a: [Float] = [3, 4], b: [Float] = [12]
        let (norm, coefficient) = a.withUnsafeMutableBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in GradientClipping.clip([pa, pb], maxNorm: 6.5) }
        }
        #expect(norm == 13)
        #expect(abs(coefficient - 0.49999996153846454) < 1e-16)
        expectClose(widened(a + b), [3, 4, 12].map { $0 * 0.49999996153846454 }, tol: 1e-7, "clipped")
        // Below the threshold nothing changes.
        let unchanged = a.withUnsafeMutableBufferPointer { GradientClipping.clip([$0], maxNorm: 100) }
        #expect(unchanged.coefficient == 1)
    }

    @Test func normOfALargeBufferIsExact() {
        // 200 000 entries of 0.5 (more than 3 parallel chunks): Σ g² = 50 000 exactly, norm √50000.
        var g = [Float](repeating: 0.5, count: 200_000)
        let norm = g.withUnsafeMutableBufferPointer { GradientClipping.globalNorm([$0]) }
        #expect(norm == 223.60679774997897)
        // Same bits on 1 and 2 threads for values whose sum rounds.
        var r = (0..<300_001).map { Float(sin(Double($0))) }
        let norms = [1, 2].map { t in
            Threads.with(t) { r.withUnsafeMutableBufferPointer { GradientClipping.globalNorm([$0]) } }
        }
        #expect(norms[0].bitPattern == norms[1].bitPattern)
    }

    @Test func scheduleAtKeySteps() throws {
        // nanoGPT get_lr, computed in Python: lr 6e-4, min 6e-5, warm-up 10, decay horizon 110.
        let s = try LearningRateSchedule(maxLR: 6e-4, minLR: 6e-5, warmupSteps: 10, decaySteps: 110)
        let expected: [(Int, Double)] = [
            (0, 5.454545454545454e-05),        // 1) 6e-4·1/11
            (9, 0.0005454545454545454),        // 1) 6e-4·10/11
            (10, 0.0006),                      // 3) ratio 0: the peak
            (35, 0.0005209188309203678),       // 3) ratio 1/4: 6e-5 + ½(1 + cos π/4)·5.4e-4
            (60, 0.00032999999999999994),      // 3) ratio 1/2: midpoint
            (85, 0.00013908116907963218),      // 3) ratio 3/4
            (110, 6e-05), (111, 6e-05), (1000, 6e-05),  // 3) ratio 1, then 2) the floor
        ]
        for (step, lr) in expected { expectClose(s(step), lr, tol: 1e-12, "lr(\(step))") }
        #expect(throws: ObjectiveError.self) { try LearningRateSchedule(maxLR: 1e-3, minLR: 0, warmupSteps: 5, decaySteps: 5) }
        #expect(throws: ObjectiveError.self) { try LearningRateSchedule(maxLR: 1e-3, minLR: 2e-3, warmupSteps: 0, decaySteps: 5) }
    }

    @Test func accumulationScales() throws {
        let acc = try GradientAccumulation(microSteps: 4)
        #expect(acc.uniformScale == 0.25)
        #expect((0..<8).filter { acc.isLast(microStep: $0) } == [3, 7])
        #expect(GradientAccumulation.scale(items: 3, totalItems: 12) == 0.25)
        #expect(GradientAccumulation.scaled([Float(2), -8], by: 0.25) == [0.5, -2])
        #expect(throws: ObjectiveError.self) { try GradientAccumulation(microSteps: 0) }
    }
}
