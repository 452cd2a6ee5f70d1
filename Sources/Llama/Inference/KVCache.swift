// Keys and values of every past position, for S sequence slots.
//
// Layout per layer: (S, KVH, P, D) — a KV head's keys of one slot are contiguous, so the
// attention of a new query reads one dense (len, D) block per head. P is the capacity in
// positions, fixed at creation: the cache never reallocates while decoding.
import Tensor

public final class KVCache {
    public let geometry: DecoderGeometry
    /// Sequence slots (S).
    public let slots: Int
    /// Positions per slot (P).
    public let capacity: Int
    /// Filled positions of each slot.
    public private(set) var lengths: [Int]
    let keys: FloatBuffer
    let values: FloatBuffer

    /// Floats per (layer, slot): KVH·P·D.
    private let slotStride: Int

    public init(geometry: DecoderGeometry, slots: Int, capacity: Int) {
        self.geometry = geometry
        self.slots = slots
        self.capacity = capacity
        slotStride = geometry.kvHeads * capacity * geometry.headDim
        let total = geometry.layers * slots * slotStride
        keys = FloatBuffer(count: total)
        values = FloatBuffer(count: total)
        lengths = [Int](repeating: 0, count: slots)
    }

    /// Bytes held by keys and values.
    public var byteCount: Int { 2 * keys.count * MemoryLayout<Float>.size }

    /// Start of (layer, slot, kv head): a (P, D) block.
    @inline(__always)
    func keyBlock(layer: Int, slot: Int, kvHead: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + (layer * slots + slot) * slotStride + kvHead * capacity * geometry.headDim
    }

    @inline(__always)
    func valueBlock(layer: Int, slot: Int, kvHead: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + (layer * slots + slot) * slotStride + kvHead * capacity * geometry.headDim
    }

    /// Forgets slot contents (the memory is reused).
    public func reset(slot: Int) { lengths[slot] = 0 }

    public func resetAll() { for s in 0..<slots { lengths[s] = 0 } }

    /// Marks `count` more positions of `slot` as filled (after a forward wrote them).
    func advance(slot: Int, by count: Int) { lengths[slot] += count }

    /// Makes `destination` a copy of `source` (every layer's filled positions): samples of
    /// one prompt share its prefill instead of recomputing it.
    public func copy(slot source: Int, to destination: Int) {
        guard source != destination else { return }
        let n = lengths[source] * geometry.headDim
        for layer in 0..<geometry.layers {
            for g in 0..<geometry.kvHeads {
                keyBlock(layer: layer, slot: destination, kvHead: g)
                    .update(from: keyBlock(layer: layer, slot: source, kvHead: g), count: n)
                valueBlock(layer: layer, slot: destination, kvHead: g)
                    .update(from: valueBlock(layer: layer, slot: source, kvHead: g), count: n)
            }
        }
        lengths[destination] = lengths[source]
    }
}
