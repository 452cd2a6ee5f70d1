// Temporary copies of FeedbackStore types until that layer lands (same names and shapes).
public enum HarmLevel: String, CaseIterable, Sendable {
    case none, mild, moderate, severe
}

/// How far the reviewer has got.
public struct ReviewProgress: Equatable, Sendable {
    public var doneToday: Int
    public var remaining: Int
    public init(doneToday: Int, remaining: Int) { self.doneToday = doneToday; self.remaining = remaining }
}

