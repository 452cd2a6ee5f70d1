// The rating guidelines shown under `?`: a Markdown file the team edits
// (`feedback/guidelines.md`), drawn with the small subset of Markdown it needs.

import Foundation
import Support

public struct Guidelines: Sendable {
    public var path: String
    public var markdown: String

    public init(path: String, markdown: String) {
        self.path = path
        self.markdown = markdown
    }

    /// Reads the file; a missing file gives a short note saying where to write one, so the
    /// tool still works.
    public static func load(path: String) -> Guidelines {
        if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
            return Guidelines(path: path, markdown: text)
        }
        return Guidelines(path: path, markdown: """
            # No guidelines yet
            The team's rating guidelines belong in `\(path)` (Markdown). Until then: rate an
            answer *correct* only if you would accept it from a colleague without changes.
            """)
    }

    /// The guidelines as wrapped, styled lines for `columns` cells. Headings are bold,
    /// `**`/`` ` `` markers are dropped, paragraphs reflow, and a list item is one item
    /// however many source lines it spans: its lines are joined and wrapped with a hanging
    /// indent under the item's text.
    public func render(columns: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        var paragraph: [String] = []
        var item: (marker: String, parts: [String])?
        func flush() {
            if !paragraph.isEmpty {
                lines += TextWrap.wrap(Self.join(paragraph), width: columns).map { StyledLine($0) }
                paragraph.removeAll()
            }
            if let (marker, parts) = item {
                let indent = String(repeating: " ", count: DisplayWidth.of(marker))
                for (i, part) in TextWrap.wrap(Self.join(parts), width: columns - indent.count).enumerated() {
                    lines.append(StyledLine((i == 0 ? marker : indent) + part))
                }
                item = nil
            }
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = Self.inline(raw.trimmingCharacters(in: .whitespaces))
            if line.isEmpty {
                flush()
                if lines.last.map({ !$0.text.isEmpty }) ?? false { lines.append(StyledLine("")) }
            } else if line.hasPrefix("#") {
                flush()
                let title = line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
                lines += TextWrap.wrap(title, width: columns).map { StyledLine($0, .heading) }
            } else if let (marker, body) = Self.listItem(line) {
                flush()
                item = (marker, [body])
            } else if item != nil {
                item!.parts.append(line)  // the item goes on (indented or not, as Markdown allows)
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return lines
    }

    /// Source lines joined into one text: Japanese lines join without a space, English
    /// lines with one.
    static func join(_ parts: [String]) -> String {
        var joined = ""
        for part in parts {
            if let last = joined.last, let first = part.first,
                DisplayWidth.of(last) < 2 || DisplayWidth.of(first) < 2 { joined += " " }
            joined += part
        }
        return joined
    }

    /// `- item`, `* item` and `1. item` become a marker and the item text.
    static func listItem(_ line: String) -> (String, String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return ("• ", String(line.dropFirst(2))) }
        let digits = line.prefix(while: \.isASCII).prefix(while: \.isNumber)
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") {
            return ("\(digits). ", String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Drops emphasis and code markers; the terminal shows the words.
    static func inline(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")
    }
}
