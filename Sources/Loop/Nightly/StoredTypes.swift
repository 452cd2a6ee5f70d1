import FeedbackStore

// The feedback store and the trainers both name their values ChatMessage, PreferencePair and
// LabelledCompletion (neither layer imports the other). This file sees only the store's, so
// the rest of Loop can tell them apart.
typealias StoredMessage = ChatMessage
typealias StoredJudgment = LabelledCompletion
