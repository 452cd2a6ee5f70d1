import Foundation

/// The run-length, optimizer and schedule fields every step-based trainer shares (SFT, DPO,
/// KTO, reward model). Each trainer's `Parameters` holds one under `steps` with its own
/// defaults and reads its fields directly (`p.learningRate`) through `TrainerParameters`.
public struct StepParameters: Codable, Equatable, Sendable {
    /// Examples (pairs for DPO and the reward model) per micro-batch, grouped by length.
    public var batchSize: Int
    /// Micro-batches per optimizer step; their gradients add up (mean over the step's items).
    public var gradientAccumulation = 1
    public var epochs: Int
    /// Stop after this many optimizer steps even if epochs remain (nil: run all epochs).
    public var maxSteps: Int?
    /// Peak learning rate, reached at the end of warm-up.
    public var learningRate: Double
    /// Floor of the cosine decay, as a fraction of the peak rate.
    public var minLearningRateRatio = 0.1
    public var warmupSteps: Int
    /// Decoupled weight decay (AdamW); norm gains and head biases never decay.
    public var weightDecay = 0.0
    /// Clip the global gradient norm to this value.
    public var maxGradNorm = 1.0
    /// A checkpoint every N optimizer steps (0: none).
    public var checkpointEvery = 25
    /// Seeds the batch order (LoRA initialisation and dropout take their configuration's seed).
    public var seed: UInt64 = 0

    public init(batchSize: Int, epochs: Int, learningRate: Double, warmupSteps: Int) {
        self.batchSize = batchSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
    }
}

/// A trainer's `Parameters`: the shared `steps` fields read and written as its own
/// (`p.batchSize = 8` sets `p.steps.batchSize`), next to the trainer's objective fields.
@dynamicMemberLookup
public protocol TrainerParameters {
    var steps: StepParameters { get set }
}

extension TrainerParameters {
    public subscript<T>(dynamicMember path: WritableKeyPath<StepParameters, T>) -> T {
        get { steps[keyPath: path] }
        set { steps[keyPath: path] = newValue }
    }
}
