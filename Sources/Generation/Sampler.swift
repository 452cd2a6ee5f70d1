import Foundation
import Tensor

/// One sampled token and its log-probability under the model itself (log-softmax of the
/// raw logits, before temperature or filtering) — the quantity RL objectives need.
public struct SampledToken: Equatable, Sendable {
    public var id: Int32
    public var logProb: Float
}

/// Picks the next token from one row of logits (V). Owns scratch buffers of size V so that
/// no call allocates; use one sampler per concurrently sampled row.
///
/// Order of the filters follows Hugging Face `generate` (TemperatureLogitsWarper, then
/// TopKLogitsWarper, then TopPLogitsWarper): temperature scales the logits, top-k keeps the
/// k largest, top-p keeps the smallest prefix of the remaining tokens (sorted by
/// probability, renormalized over what top-k kept) whose mass reaches p. With both set, the
/// kept set is therefore never larger than either filter alone.
public final class TokenSampler {
    public let vocabularySize: Int
    public let parameters: SamplingParameters
    /// Scratch reused every call: candidate tokens with their tempered weights, and the
    /// tempered weights of the whole vocabulary for unfiltered sampling.
    private var candidates: [Candidate]
    private var weights: [Float]
    private var binned: [Candidate]

    public init(vocabularySize: Int, parameters: SamplingParameters) {
        self.vocabularySize = vocabularySize
        self.parameters = parameters
        candidates = [Candidate](repeating: Candidate(weight: 0, id: 0), count: vocabularySize)
        binned = candidates
        weights = [Float](repeating: 0, count: vocabularySize)
    }

    /// logits (V) → token, drawing from `random` unless greedy.
    public func sample(_ logits: UnsafePointer<Float>, random: inout SeededRandom) -> SampledToken {
        let V = vocabularySize
        let maxLogit = maxElement(logits, V)
        let logZ = maxLogit + logf(sumExp(logits, V, shift: maxLogit))
        if parameters.isGreedy {
            var argmax = 0  // the first token with the largest logit
            while argmax < V - 1, logits[argmax] != maxLogit { argmax += 1 }
            return SampledToken(id: Int32(argmax), logProb: logits[argmax] - logZ)
        }
        let chosen = sampleTempered(logits, maxLogit: maxLogit, u: random.nextFloat())
        return SampledToken(id: chosen, logProb: logits[Int(chosen)] - logZ)
    }

    /// The distribution `sample` draws from after temperature, top-k and top-p, as
    /// (token, probability) pairs in decreasing probability; for tests and inspection.
    public func filteredDistribution(_ logits: UnsafePointer<Float>) -> [(id: Int32, probability: Float)] {
        let (count, mass) = keptCandidates(logits, maxLogit: maxElement(logits, vocabularySize))
        return (0..<count).map { (candidates[$0].id, candidates[$0].weight / mass) }
    }

    // MARK: - Drawing

    private func sampleTempered(_ logits: UnsafePointer<Float>, maxLogit: Float, u: Float) -> Int32 {
        let V = vocabularySize
        let invT = 1 / parameters.temperature
        let filtered = (parameters.topK > 0 && parameters.topK < V) || parameters.topP < 1
        if !filtered {
            // Inverse CDF over the whole vocabulary: no sort needed.
            var total: Float = 0
            weights.withUnsafeMutableBufferPointer { w in
                for i in 0..<V { w[i] = expf((logits[i] - maxLogit) * invT); total += w[i] }
            }
            let target = u * total
            var cumulative: Float = 0, last = 0
            for i in 0..<V where weights[i] > 0 {
                cumulative += weights[i]
                last = i
                if cumulative > target { return Int32(i) }
            }
            return Int32(last)  // rounding left the target just above the last sum
        }
        let (count, mass) = keptCandidates(logits, maxLogit: maxLogit)
        let target = u * mass
        var cumulative: Float = 0
        for j in 0..<count {
            cumulative += candidates[j].weight
            if cumulative > target { return candidates[j].id }
        }
        return candidates[count - 1].id
    }

    /// Fills `candidates[0..<count]` with the kept tokens, most likely first, and returns
    /// their count and summed weight.
    ///
    /// Sorting all V = 49152 logits every token would dominate a decode step, so only
    /// tokens whose tempered weight is at least `floor` (relative to the most likely token)
    /// are gathered and sorted. That set is exactly the top-|set| tokens; it suffices when
    /// it holds ≥ k tokens (top-k on) or, with top-p alone, when its mass reaches p of the
    /// total. Otherwise the floor is lowered until it does, ending with the whole vocabulary.
    private func keptCandidates(_ logits: UnsafePointer<Float>, maxLogit: Float) -> (count: Int, mass: Float) {
        let V = vocabularySize
        let T = parameters.temperature, invT = 1 / T
        let topKActive = parameters.topK > 0 && parameters.topK < V
        let topK = topKActive ? parameters.topK : V
        let total = sumExp(logits, V, shift: maxLogit, scale: invT)

        var floor: Float = 1e-4
        var count = 0
        candidates.withUnsafeMutableBufferPointer { c in
            while true {
                // weight ≥ floor  ⟺  logit ≥ max + T·ln(floor)
                let threshold = floor > 0 ? maxLogit + T * logf(floor) : -Float.infinity
                count = 0
                var gathered: Float = 0
                for i in 0..<V where logits[i] >= threshold {
                    let w = expApprox((logits[i] - maxLogit) * invT)  // as `total` sums them
                    c[count] = Candidate(weight: w, id: Int32(i))
                    gathered += w
                    count += 1
                }
                let enough = topKActive ? count >= topK : gathered >= parameters.topP * total
                if enough || floor == 0 { break }
                floor = floor > 1e-12 ? floor * 1e-4 : 0
            }
            // Descending weight; ties by lower token id, so the order is reproducible (as far
            // as top-k or top-p can reach: CandidateOrder.swift).
            binned.withUnsafeMutableBufferPointer { scratch in
                orderCandidates(c, count: count, scratch: scratch, prefixCount: topKActive ? topK : 0,
                                prefixMass: parameters.topP * total)
            }
        }
        count = min(count, topK)

        // Top-p over the distribution top-k left: renormalized over the kept k when top-k
        // is on, over the whole vocabulary otherwise.
        var mass: Float = 0
        for j in 0..<count { mass += candidates[j].weight }
        if parameters.topP < 1 {
            let needed = parameters.topP * (topKActive ? mass : total)
            var cumulative: Float = 0
            var kept = count
            for j in 0..<count {
                cumulative += candidates[j].weight
                if cumulative >= needed { kept = j + 1; break }
            }
            count = kept
            mass = 0
            for j in 0..<count { mass += candidates[j].weight }
        }
        return (count, mass)
    }
}

/// A token id with its tempered weight exp((l − max)/T).
struct Candidate {
    var weight: Float
    var id: Int32
}
