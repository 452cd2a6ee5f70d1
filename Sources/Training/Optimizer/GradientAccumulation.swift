// Gradient accumulation: a batch too large for memory runs as several micro-batches whose
// gradients add up in the parameter-gradient buffer before one optimizer step (nanoGPT
// `train.py`: `loss = loss / gradient_accumulation_steps`). Because the objectives return
// d loss / d (log-probs, rewards, values) — a handful of numbers per sequence — the cheap place
// to apply the scale is there, before the model backward, not on the parameter gradients.

public struct GradientAccumulation: Equatable, Sendable {
    public let microSteps: Int

    public init(microSteps: Int) throws {
        guard microSteps >= 1 else {
            throw ObjectiveError.invalidParameter(
                name: "microSteps", value: Double(microSteps), expected: "an integer ≥ 1 (1 = no accumulation)")
        }
        self.microSteps = microSteps
    }

    /// Scale for equal micro-batches: the accumulated gradient is the mean of the micro-batch means.
    public var uniformScale: Double { 1 / Double(microSteps) }

    /// Scale for a micro-batch of `items` out of `totalItems` in the step (uneven last batch):
    /// the accumulated gradient is then the mean over all items, as one large batch would give.
    public static func scale(items: Int, totalItems: Int) -> Double {
        totalItems > 0 ? Double(items) / Double(totalItems) : 0
    }

    /// Multiplies an objective's gradient (e.g. `DPO.Result.gradPolicyChosen`) by `scale`.
    public static func scaled<T: BinaryFloatingPoint>(_ gradient: [T], by scale: Double) -> [T] {
        gradient.map { T(Double($0) * scale) }
    }

    /// True on the micro-step (0-based) after which the optimizer steps.
    public func isLast(microStep: Int) -> Bool { microStep % microSteps == microSteps - 1 }
}
