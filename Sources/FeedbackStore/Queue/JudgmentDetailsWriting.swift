import Foundation
import GRDB

// The correction and rubric values saved with a judgment, in the judgment's transaction.
extension FeedbackStore {
    /// Inserts `details` for the judgment just inserted. A correction identical to the answer
    /// it corrects, or empty, is refused: it would teach nothing.
    static func insertDetails(_ details: JudgmentDetails, of judgment: Judgment, _ db: Database) throws {
        guard let judgmentID = judgment.id else { return }
        if let text = details.correction {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw FeedbackStoreError.invalidValue(field: "correction", value: text, hint: "write the corrected answer, or leave the correction out")
            }
            let original = try String.fetchOne(db, sql: "SELECT text FROM samples WHERE id = ?", arguments: [judgment.sampleID])
            guard original != text else {
                throw FeedbackStoreError.invalidValue(field: "correction", value: String(text.prefix(40)),
                                                      hint: "it is the answer unchanged; edit the answer or leave the correction out")
            }
            guard details.identifiersReplaced >= 0 else {
                throw FeedbackStoreError.invalidValue(field: "identifiers replaced", value: "\(details.identifiersReplaced)", hint: "a count of 0 or more")
            }
            var correction = Correction(id: nil, judgmentID: judgmentID, text: text,
                                        identifiersReplaced: details.identifiersReplaced, createdAt: judgment.createdAt)
            try correction.insert(db)
        }
        for (axis, value) in details.axes.sorted(by: { $0.key < $1.key }) {
            guard !axis.isEmpty, axis != HarmExtent.axis else {
                throw FeedbackStoreError.invalidValue(field: "rubric axis", value: axis,
                                                      hint: "a named axis; harm extent is saved as the judgment's harm level")
            }
            guard !value.isEmpty else {
                throw FeedbackStoreError.invalidValue(field: "value of rubric axis \(axis)", value: value, hint: "one of the axis's values")
            }
            try AxisRating(judgmentID: judgmentID, axis: axis, value: value).insert(db)
        }
    }
}
