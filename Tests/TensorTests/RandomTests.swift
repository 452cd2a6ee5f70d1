import Foundation
import Testing
@testable import Tensor

/// Reference values: SplitMix64 and xoshiro256** outputs from the authors' C code
/// (https://prng.di.unimi.it/), recomputed with an independent Python transcription.
@Suite struct RandomTests {
    @Test func splitMix64MatchesReference() {
        var mix = SplitMix64(seed: 0)
        #expect(mix.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mix.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(mix.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func xoshiroMatchesHandComputedSteps() {
        // state {1,2,3,4}: rotl(2·5, 7)·9 = 11520; after one update s1 = 0 → 0.
        var rng = SeededRandom(state: (1, 2, 3, 4))
        #expect(rng.next() == 11520)
        #expect(rng.next() == 0)
        #expect(rng.next() == 1_509_978_240)
        #expect(rng.next() == 1_215_971_899_390_074_240)
    }

    @Test func seededStreamAndJumpMatchReference() {
        var rng = SeededRandom(seed: 42)
        #expect([rng.next(), rng.next(), rng.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        var jumped = SeededRandom(seed: 42)
        jumped.jump()
        #expect([jumped.next(), jumped.next(), jumped.next()] == [0x5008_6EF8_3CBF_4F4A, 0xBA28_5EC2_1347_D703, 0x5EA1_247B_4DC6_452A])
    }

    @Test func sameSeedSameNumbersOtherSeedOtherNumbers() {
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
        let xa = (0..<100).map { _ in a.nextNormal() }
        let xb = (0..<100).map { _ in b.nextNormal() }
        let xc = (0..<100).map { _ in c.nextNormal() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func codableStateResumesTheSameStream() throws {
        var rng = SeededRandom(seed: 3)
        _ = rng.nextNormal()  // leaves a spare deviate in the state
        let saved = try JSONEncoder().encode(rng)
        let expected = (0..<10).map { _ in rng.nextNormal() }
        var restored = try JSONDecoder().decode(SeededRandom.self, from: saved)
        #expect((0..<10).map { _ in restored.nextNormal() } == expected)
    }

    @Test func streamsAndSplitsAreDistinct() {
        var s0 = SeededRandom(seed: 1, stream: 0), s1 = SeededRandom(seed: 1, stream: 1)
        #expect(s0.next() != s1.next())
        var parent = SeededRandom(seed: 1)
        var child = parent.split()
        #expect(parent.next() != child.next())
    }

    @Test func uniformMomentsAndRange() {
        var rng = SeededRandom(seed: 11)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n {
            let x = Double(rng.nextFloat())
            #expect(x >= 0 && x < 1)
            sum += x; sumSq += x * x
        }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        // Standard error of the mean: sqrt(1/12 / n) ≈ 6.5e-4; allow 5 of them.
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(abs(variance - 1.0 / 12) < 2e-3)
    }

    @Test func normalMomentsAndTails() {
        var rng = SeededRandom(seed: 12)
        var buffer = [Float](repeating: 0, count: 200_000)
        buffer.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 2, std: 3) }
        let n = Double(buffer.count)
        let mean = buffer.reduce(0.0) { $0 + Double($1) } / n
        let variance = buffer.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        #expect(abs(mean - 2) < 5 * 3 / n.squareRoot())
        #expect(abs(variance - 9) < 0.15)
        // P(|z| > 1.96) = 0.05 for a standard normal.
        let tail = Double(buffer.filter { abs(($0 - 2) / 3) > 1.96 }.count) / n
        #expect(abs(tail - 0.05) < 0.003)
    }
}
