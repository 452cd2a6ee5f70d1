import FeedbackStore
import GRDB
import Testing
@testable import Review

/// A comment is scrubbed of identifiers when the editor closes: the reviewer sees the
/// scrubbed text before rating, and only that is saved.
@Suite struct CommentScrubTests {
    @Test func identifiersInACommentAreReplacedBeforeSaving() throws {
        // Given a reviewer typing a comment with a patient's name and phone number
        let (session, store, _) = try ReviewSessionTests.makeSession(judgments: 1)
        _ = try session.handle(.char("m"))
        for scalar in "山田太郎さん 090-1234-5678 に用量を確認".unicodeScalars { _ = try session.handle(.char(scalar)) }
        _ = try session.handle(.enter)

        // Then the draft and the details line show the scrubbed text, and the reviewer is told
        #expect(session.state.draft.comment == "〔氏名〕さん [PHONE] に用量を確認")
        #expect(session.state.message == "Comment scrubbed: 2 identifiers (name, phone) replaced.")
        #expect(ReviewChrome.details(session.state.draft, pair: false).contains("〔氏名〕さん [PHONE]"))

        // And the rating stores the scrubbed comment only
        _ = try session.handle(.char("x"))
        let comments = try store.reader.read { db in try String.fetchAll(db, sql: "SELECT comment FROM judgments") }
        #expect(comments == ["〔氏名〕さん [PHONE] に用量を確認"])
    }

    @Test func aCommentWithoutIdentifiersIsSavedAsTyped() throws {
        let (session, _, _) = try ReviewSessionTests.makeSession(judgments: 1)
        _ = try session.handle(.char("m"))
        for scalar in "HbA1c 7.2%、68歳でメトホルミン500 mgは妥当".unicodeScalars { _ = try session.handle(.char(scalar)) }
        _ = try session.handle(.enter)
        #expect(session.state.draft.comment == "HbA1c 7.2%、68歳でメトホルミン500 mgは妥当")
        #expect(session.state.message == nil)
    }
}
