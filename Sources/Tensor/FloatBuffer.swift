// An owned, contiguous, zero-initialised Float allocation (llm.c's `malloc` + pointer).
// Parameters, gradients, optimizer moments and activations live in these; views are plain
// `UnsafeMutablePointer<Float>` offsets into them.

/// A heap buffer of `count` Floats, freed when the object dies. Not thread-safe to resize;
/// concurrent kernels write disjoint ranges.
public final class FloatBuffer: @unchecked Sendable {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var count: Int

    public init(count: Int) {
        self.count = max(0, count)
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// Grows to at least `minimum` elements (contents are NOT preserved; new memory is zero).
    /// Returns true if it reallocated. Callers use it for activation buffers between steps.
    @discardableResult
    public func reserve(_ minimum: Int) -> Bool {
        guard minimum > count else { return false }
        pointer.deallocate()
        pointer = .allocate(capacity: minimum)
        pointer.initialize(repeating: 0, count: minimum)
        count = minimum
        return true
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    /// A copy of `count` elements starting at `offset`.
    public func array(offset: Int = 0, count n: Int? = nil) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer + offset, count: n ?? (count - offset)))
    }
}
