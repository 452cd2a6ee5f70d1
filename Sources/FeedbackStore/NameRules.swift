import Foundation
import Support

/// What a name typed by a person may hold. Names are printed on terminals, in reports and
/// in the review tool's header, so they are checked when they enter the database: a handle
/// (reviewer or policy name) is 1–64 printable characters without spaces; a display name is
/// 1–100 printable characters on one line, not blank. "Printable" means nothing that
/// `TerminalText` would have to neutralise: no control characters (escape sequences, tabs,
/// newlines), no bidirectional overrides or invisible format characters.
public enum NameRules {
    public static let maximumHandleLength = 64
    public static let maximumDisplayNameLength = 100

    /// Why `name` cannot be a handle (`what` is e.g. "reviewer name"), or nil if it can.
    public static func handleProblem(_ name: String, what: String = "reviewer name") -> String? {
        guard name.isEmpty || name.count > maximumHandleLength || name.contains(where: \.isWhitespace) || hasControls(name)
        else { return nil }
        return "a \(what) is 1–\(maximumHandleLength) printable characters without spaces, e.g. tanaka or v2"
    }

    /// Why `name` cannot be a display name, or nil if it can.
    public static func displayNameProblem(_ name: String) -> String? {
        guard name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || name.count > maximumDisplayNameLength || hasControls(name)
        else { return nil }
        return "a display name is 1–\(maximumDisplayNameLength) printable characters on one line, not blank, e.g. \"田中 花子\""
    }

    static func hasControls(_ text: String) -> Bool {
        text.unicodeScalars.contains { TerminalText.needsWork($0, multiline: false) }
    }
}
