import Testing
@testable import Review

@Suite struct LineEditorTests {
    func type(_ text: String, into editor: inout LineEditor) {
        for scalar in text.unicodeScalars { _ = editor.handle(.char(scalar)) }
    }

    @Test func backspaceRemovesWholeGraphemes() {
        var editor = LineEditor()
        type("薬を中止👨‍👩‍👧か\u{3099}", into: &editor)
        #expect(editor.text == "薬を中止👨‍👩‍👧が")
        #expect(editor.cursor == 6)
        _ = editor.handle(.backspace)   // が (two scalars) goes at once
        #expect(editor.text == "薬を中止👨‍👩‍👧")
        _ = editor.handle(.backspace)   // the family emoji (five scalars) goes at once
        #expect(editor.text == "薬を中止")
    }

    @Test func insertInTheMiddleAndAcceptOrCancel() {
        var editor = LineEditor(text: "血圧高い")
        _ = editor.handle(.left); _ = editor.handle(.left)
        type("が", into: &editor)
        #expect(editor.text == "血圧が高い")
        _ = editor.handle(.home); _ = editor.handle(.delete)
        #expect(editor.text == "圧が高い")
        #expect(editor.handle(.enter) == .accepted("圧が高い"))
        #expect(editor.handle(.escape) == .cancelled)
    }

    @Test func visibleWindowKeepsTheCursorOnScreen() {
        var editor = LineEditor()
        type(String(repeating: "あ", count: 30), into: &editor)  // 60 columns
        let (text, column) = editor.visible(columns: 21)
        #expect(text.displayWidth <= 21)
        #expect(column <= 20)  // room for the cursor cell
        #expect(column == text.displayWidth)
    }
}
