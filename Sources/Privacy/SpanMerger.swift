import Foundation

/// Turns overlapping detections into the scrubbed text: overlapping or touching
/// candidates of the same identifier merge into one span (the kind of higher rank wins),
/// spans widen to whole Characters, and each is replaced by its placeholder.
enum SpanMerger {
    static func result(_ text: String, view: TextView, candidates: [Candidate]) -> ScrubResult {
        let merged = merge(candidates, units: view.units)
        guard !merged.isEmpty else { return ScrubResult(text: text, spans: []) }
        let ns = text as NSString
        let lines = Lines(view.units)
        var output = ""
        var spans: [ScrubSpan] = []
        var cursor = text.startIndex
        var utf8Offset = 0, characterOffset = 0
        for candidate in merged {
            // Widen to whole grapheme clusters so the output never splits a Character.
            let whole = ns.rangeOfComposedCharacterSequences(for: NSRange(location: candidate.start, length: candidate.end - candidate.start))
            guard let range = Range(whole, in: text), range.lowerBound >= cursor else { continue }
            let before = text[cursor..<range.lowerBound]
            output += before
            utf8Offset += before.utf8.count
            characterOffset += before.count
            let original = String(text[range])
            let placeholder = candidate.kind.placeholder(japanese: lines.isJapanese(at: candidate.start))
            spans.append(ScrubSpan(
                kind: candidate.kind, utf8Start: utf8Offset, utf8End: utf8Offset + original.utf8.count,
                characterStart: characterOffset, characterEnd: characterOffset + original.count,
                text: original, placeholder: placeholder))
            output += placeholder
            utf8Offset += original.utf8.count
            characterOffset += original.count
            cursor = range.upperBound
        }
        output += text[cursor...]
        return ScrubResult(text: output, spans: spans)
    }

    /// Sorted, non-overlapping spans. Two addresses with one space between them are one
    /// address ("〒150-0001 東京都渋谷区神宮前1-2-3").
    static func merge(_ candidates: [Candidate], units: [UInt16] = []) -> [Candidate] {
        let sorted = candidates.sorted { ($0.start, -$0.end) < ($1.start, -$1.end) }
        var merged: [Candidate] = []
        for candidate in sorted {
            if var last = merged.last, last.kind == .address, candidate.kind == .address, candidate.start == last.end + 1,
               last.end < units.count, Script.isSpace(units[last.end]) {
                last.end = candidate.end
                merged[merged.count - 1] = last
            } else if var last = merged.last, candidate.start < last.end {
                // Overlap: one span; the kind of the larger part, ties to the higher rank.
                let lastLength = last.end - last.start, length = candidate.end - candidate.start
                if length > lastLength || (length == lastLength && candidate.kind > last.kind) { last.kind = candidate.kind }
                last.end = max(last.end, candidate.end)
                merged[merged.count - 1] = last
            } else {
                merged.append(candidate)
            }
        }
        return merged
    }

    /// The lines of a text (split at "\n") and which are Japanese: a line with kana or kanji
    /// in it is, and its names become 〔氏名〕. Built in one pass, looked up by binary search,
    /// so a long text with many spans costs no more than its length.
    struct Lines {
        private var starts: [Int] = [0]
        private var japanese: [Bool] = [false]

        init(_ units: [UInt16]) {
            for (i, unit) in units.enumerated() {
                if unit == 0x0A {
                    starts.append(i + 1)
                    japanese.append(false)
                } else if !japanese[japanese.count - 1], Script.isJapanese(unit) {
                    japanese[japanese.count - 1] = true
                }
            }
        }

        func isJapanese(at offset: Int) -> Bool {
            var low = 0, high = starts.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if starts[mid] <= offset { low = mid } else { high = mid - 1 }
            }
            return japanese[low]
        }
    }
}
