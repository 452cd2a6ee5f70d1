// The order top-k and top-p need: candidates by decreasing tempered weight, ties by lower
// token id. Sorting every candidate costs O(n log n) each token, and a flat distribution
// (high temperature, an untrained model, or a 150k-entry vocabulary) keeps most of them:
// 137k of Qwen2.5's 151,936 at T 0.7, top-p 0.9 on random weights, where the sort was an
// eighth of a batch-8 sampling step. Instead the candidates are placed in bins by the bits
// of their weight (a positive float's bit pattern grows with its value, so equal weights
// share a bin and every bin holds a contiguous range of weights) and only the leading bins
// are sorted, as far as the filters can reach; the tail that no filter can keep is left in
// bin order. The kept prefix is therefore exactly the prefix a full sort gives.

extension Candidate {
    /// The full order: decreasing weight, then increasing id.
    @inline(__always)
    static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        a.weight != b.weight ? a.weight > b.weight : a.id < b.id
    }
}

/// Orders `c[0..<count]` so that its first elements are in the full order at least until
/// `count ≥ prefixCount` or until their weights sum to at least `prefixMass` (whichever is
/// set; `prefixCount` 0 = not set), plus the bin that crosses it. `scratch` holds ≥ count.
func orderCandidates(_ c: UnsafeMutableBufferPointer<Candidate>, count: Int, scratch: UnsafeMutableBufferPointer<Candidate>,
                     prefixCount: Int, prefixMass: Float) {
    guard count > 4096 else {
        c[0..<count].sort(by: Candidate.before)
        return
    }
    var lowBits = UInt32.max, highBits: UInt32 = 0
    for i in 0..<count {
        let b = c[i].weight.bitPattern
        lowBits = min(lowBits, b)
        highBits = max(highBits, b)
    }
    // About 4096 bins: bin = (highest bits − bits) >> shift, bin 0 holding the heaviest.
    let span = highBits - lowBits
    let shift = max(0, (32 - span.leadingZeroBitCount) - 12)
    let bins = Int(span >> UInt32(shift)) + 1
    var starts = [Int](repeating: 0, count: bins + 1)
    for i in 0..<count { starts[Int((highBits - c[i].weight.bitPattern) >> UInt32(shift)) + 1] += 1 }
    for b in 0..<bins { starts[b + 1] += starts[b] }
    var next = starts
    for i in 0..<count {
        let b = Int((highBits - c[i].weight.bitPattern) >> UInt32(shift))
        scratch[next[b]] = c[i]
        next[b] += 1
    }
    var done = false, mass: Float = 0
    for b in 0..<bins {
        let range = starts[b]..<starts[b + 1]
        if !done {
            scratch[range].sort(by: Candidate.before)
            for j in range { mass += scratch[j].weight }
            done = prefixCount > 0 ? range.upperBound >= prefixCount : mass >= prefixMass
        }
        for j in range { c[j] = scratch[j] }
    }
}
