// Plain value types for preference data, independent of how they are stored. `Content` is
// whatever the caller trains on: token ids ([Int32]) for the trainers, strings for exports.
// (The feedback database is adapted to these by the layers above; Training never sees it.)

/// One pairwise preference: TRL's `{"prompt", "chosen", "rejected"}`.
public struct PreferencePair<Content> {
    public var prompt: Content
    public var chosen: Content
    public var rejected: Content

    public init(prompt: Content, chosen: Content, rejected: Content) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// One unpaired judgment: TRL's `{"prompt", "completion", "label"}`; `desirable` is the label.
/// `weight` multiplies the example's loss (KTO and the reward model's pointwise loss): 1 for
/// an ordinary judgment, more for a strong signal such as an answer rated severely harmful.
public struct LabelledCompletion<Content> {
    public var prompt: Content
    public var completion: Content
    public var desirable: Bool
    public var weight: Double

    public init(prompt: Content, completion: Content, desirable: Bool, weight: Double = 1) {
        self.prompt = prompt
        self.completion = completion
        self.desirable = desirable
        self.weight = weight
    }
}

extension PreferencePair: Equatable where Content: Equatable {}
extension PreferencePair: Sendable where Content: Sendable {}
extension LabelledCompletion: Equatable where Content: Equatable {}
extension LabelledCompletion: Sendable where Content: Sendable {}
