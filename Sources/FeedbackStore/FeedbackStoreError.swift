import Foundation

/// Everything that can go wrong in the feedback store, each case naming the thing that is
/// wrong and what to do about it.
public enum FeedbackStoreError: LocalizedError, Equatable, Sendable {
    case unknownReviewer(String)
    case reviewerExists(String)
    case invalidName(String, reason: String)
    case unknownPolicy(String)
    case unknownAssignment(Int64)
    case assignmentNotYours(assignment: Int64, reviewer: String)
    case assignmentNotOpen(assignment: Int64, state: String)
    case claimLapsed(assignment: Int64, minutes: Int)
    case wrongItemKind(assignment: Int64, expected: String)
    case unknownRating(kind: String, id: Int64)
    case ratingNotLive(kind: String, id: Int64)
    case invalidValue(field: String, value: String, hint: String)
    case badLine(file: String, line: Int, reason: String)
    case emptyFile(String)
    case unknownTrainingRun(Int64)
    case trainingRunFinished(Int64)
    case cannotCreate(path: String, reason: String)
    case cannotRead(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .unknownReviewer(let name):
            return "no reviewer named '\(name)'. Add one with: rounds reviewer add \(name)"
        case .reviewerExists(let name):
            return "a reviewer named '\(name)' already exists; pick another name"
        case .invalidName(let name, let reason):
            return "invalid name '\(name)': \(reason)"
        case .unknownPolicy(let name):
            return "no policy version named '\(name)'. Import samples of it first: rounds answers import FILE.jsonl"
        case .unknownAssignment(let id):
            return "no review assignment #\(id); ask for the next item instead"
        case .assignmentNotYours(let id, let reviewer):
            return "review assignment #\(id) belongs to another reviewer than '\(reviewer)'"
        case .assignmentNotOpen(let id, let state):
            return "review assignment #\(id) is \(state), not open; undo the last rating to reopen it"
        case .claimLapsed(let id, let minutes):
            return "the claim on review assignment #\(id) lapsed (no rating within \(minutes) minutes) and another reviewer"
                + " has taken the item; nothing was saved for it. Ask for the next item"
        case .wrongItemKind(let id, let expected):
            return "review assignment #\(id) is not a \(expected) item"
        case .unknownRating(let kind, let id):
            return "no \(kind) #\(id)"
        case .ratingNotLive(let kind, let id):
            return "\(kind) #\(id) was already superseded or retracted; edit the latest version instead"
        case .invalidValue(let field, let value, let hint):
            return "invalid \(field) '\(value)': \(hint)"
        case .badLine(let file, let line, let reason):
            return "\(file):\(line): \(reason). Nothing was imported; fix the line and import the file again"
        case .emptyFile(let file):
            return "\(file): no records found; expected one JSON object per line"
        case .unknownTrainingRun(let id):
            return "no training run #\(id)"
        case .trainingRunFinished(let id):
            return "training run #\(id) has already finished"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason). Check the folder exists and is writable"
        case .cannotRead(let path, let reason):
            return "\(path): \(reason). Check the path and that the file is readable"
        }
    }
}
