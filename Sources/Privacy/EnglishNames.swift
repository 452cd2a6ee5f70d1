import Foundation

/// Person names written in Latin letters (English and romaji): after a title (Dr Smith,
/// Mrs. O'Brien), before a romaji honorific (Tanaka-san, Yamada sensei), after a context
/// word (patient John Smith, seen by Anna Lee, Name: …), and bare when the lexicon knows
/// the first name or the surname. Eponyms (Parkinson's disease, Wells score) stay.
struct EnglishNames {
    let lexicon: NameLexicon

    private struct Token {
        let start: Int
        let end: Int
        let text: String
        /// Capitalised and not all capitals: "Smith", "McDonald", "O'Brien".
        let capitalised: Bool
        /// "J." style initial.
        let initial: Bool
    }

    private static let word = Pattern(.name, #"\p{L}[\p{L}\p{M}'’]*"#)

    func candidates(in view: TextView) -> [Candidate] {
        let tokens = Self.word.candidates(in: view).map { c -> Token in
            var text = view.foldedString(c.start, c.end)
            var end = c.end
            for suffix in ["'s", "’s", "'", "’"] where text.hasSuffix(suffix) && text.count > suffix.count + 1 {
                text.removeLast(suffix.count)
                end -= suffix.utf16.count
                break
            }
            let first = text.unicodeScalars.first!
            let upper = CharacterSet.uppercaseLetters.contains(first)
            let hasLower = text.unicodeScalars.contains { CharacterSet.lowercaseLetters.contains($0) }
            let initial = text.count == 1 && upper && view.unit(end) == 0x2E
            return Token(start: c.start, end: end, text: text, capitalised: upper && hasLower && text.count >= 2, initial: initial)
        }
        var found: [Candidate] = []
        var t = 0
        while t < tokens.count {
            if let (first, last) = name(at: t, tokens, view) {
                found.append(Candidate(start: tokens[first].start, end: tokens[last].end, kind: .name))
                t = max(t, last) + 1
            } else {
                t += 1
            }
        }
        return found
    }

    /// The name (first and last token) that token `t` starts or triggers, if any.
    private func name(at t: Int, _ tokens: [Token], _ view: TextView) -> (Int, Int)? {
        let token = tokens[t]
        let lower = token.text.lowercased()
        let next = t + 1 < tokens.count ? tokens[t + 1] : nil
        // Dr Smith, Mrs. O'Brien, Prof. J. Tanaka
        if NameStoplists.titles.contains(token.text), let next, next.capitalised || next.initial,
           gap(token, next, view, .afterTitle), !NameStoplists.commonWords.contains(next.text) {
            return (t + 1, extend(t + 1, tokens, view))
        }
        // patient John Smith, seen by Anna Lee, Name: Mary Jones, name is Ken Ito
        if NameStoplists.contextWords.contains(lower), var n = next.map({ _ in t + 1 }) {
            if tokens[n].text == "is" || tokens[n].text == "was", n + 1 < tokens.count { n += 1 }
            let candidate = tokens[n]
            if candidate.capitalised, gap(tokens[n - 1], candidate, view, .afterLabel), plausible(candidate.text) {
                if NameStoplists.weakContextWords.contains(lower), !knownOrShaped(n, tokens, view) { return nil }
                let last = extend(n, tokens, view)
                if !eponymFollows(last, tokens, view) { return (n, last) }
            }
        }
        guard token.capitalised, plausible(token.text) else { return nil }
        // Tanaka-san, Yamada Taro sensei
        if let next, NameStoplists.romajiHonorifics.contains(next.text), gap(token, next, view, .within) {
            return (t, t)
        }
        if let afterNext = t + 2 < tokens.count ? tokens[t + 2] : nil, let next, next.capitalised,
           gap(token, next, view, .within), NameStoplists.romajiHonorifics.contains(afterNext.text),
           gap(next, afterNext, view, .within) {
            return (t, t + 1)
        }
        // Bare names the lexicon knows: a first name (and what follows), a romaji surname,
        // or an English surname next to another capitalised word.
        if lexicon.isLatinGiven(token.text) {
            let last = extend(t, tokens, view)
            return eponymFollows(last, tokens, view) ? nil : (t, last)
        }
        if lexicon.romajiSurnames.contains(token.text) {
            let last = extend(t, tokens, view)
            return eponymFollows(last, tokens, view) ? nil : (t, last)
        }
        if let next, next.capitalised, plausibleSurname(next.text), lexicon.englishSurnames.contains(next.text),
           gap(token, next, view, .within), !startsSentence(t, tokens, view) || lexicon.contains(token.text) {
            let last = extend(t + 1, tokens, view)
            return eponymFollows(last, tokens, view) ? nil : (t, last)
        }
        // Two capitalised words in a row that are neither common words nor eponyms:
        // "with Cormac Kowalczyk", "Reviewed today: Ingrid Pemberton".
        if let next, next.capitalised, plausibleSurname(next.text), gap(token, next, view, .space),
           !NameStoplists.microbeGenera.contains(token.text) {
            let last = extend(t + 1, tokens, view)
            return eponymFollows(last, tokens, view) ? nil : (t, last)
        }
        return nil
    }

    /// Follows a name over further capitalised words and initials: "John Q. Smith".
    private func extend(_ first: Int, _ tokens: [Token], _ view: TextView) -> Int {
        var last = first
        while last + 1 < tokens.count, last - first < 3 {
            let next = tokens[last + 1]
            guard next.capitalised || next.initial, gap(tokens[last], next, view, tokens[last].initial ? .afterInitial : .within),
                  !NameStoplists.commonWords.contains(next.text) || next.initial else { break }
            if view.unit(tokens[last].end) == 0x27 || view.unit(tokens[last].end) == 0x2019 { break }   // possessive ends it
            last += 1
        }
        return last
    }

    /// Not a common capitalised word, a month or an eponym.
    private func plausible(_ word: String) -> Bool {
        !NameStoplists.commonWords.contains(word) && !NameStoplists.eponyms.contains(word) && !NameStoplists.titles.contains(word)
    }

    /// The second word of a name may be a surname that is also an eponym (Mary Jones,
    /// Priyanka Johnson); an eponym after it ("Bence Jones protein") is caught by
    /// `eponymFollows`, and a first word that is an eponym never starts a bare name.
    private func plausibleSurname(_ word: String) -> Bool {
        !NameStoplists.commonWords.contains(word) && !NameStoplists.titles.contains(word)
    }

    private func knownOrShaped(_ t: Int, _ tokens: [Token], _ view: TextView) -> Bool {
        if lexicon.contains(tokens[t].text) { return true }
        guard t + 1 < tokens.count else { return false }
        let next = tokens[t + 1]
        return next.capitalised && plausibleSurname(next.text) && gap(tokens[t], next, view, .within)
    }

    /// "Wells score", "Bell's palsy", "Parkinson disease": the word after is a follower.
    private func eponymFollows(_ last: Int, _ tokens: [Token], _ view: TextView) -> Bool {
        guard last + 1 < tokens.count else { return false }
        return NameStoplists.eponymFollowers.contains(tokens[last + 1].text.lowercased())
    }

    private func startsSentence(_ t: Int, _ tokens: [Token], _ view: TextView) -> Bool {
        guard t > 0 else { return true }
        let between = view.foldedString(tokens[t - 1].end, tokens[t].start)
        return between.contains { ".!?\n:;".contains($0) }
    }

    /// What may stand between two words of a name or between a trigger and a name.
    private enum Gap {
        /// Optional "." then spaces: "Dr Smith", "Dr. Smith".
        case afterTitle
        /// Optional ":" or "," then spaces: "patient: John", "Name: Mary".
        case afterLabel
        /// One space or one hyphen: "Mary Jones", "Smith-Jones", "Tanaka-san".
        case within
        /// "." then optional spaces: "J. Smith".
        case afterInitial
        /// One space only: two bare capitalised words (a hyphen joins eponyms: Cockcroft-Gault).
        case space
    }

    private func gap(_ a: Token, _ b: Token, _ view: TextView, _ kind: Gap) -> Bool {
        guard a.end < b.start else { return false }
        var units = view.units[a.end..<b.start].map(TextView.fold)[...]
        func isSpace(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 }
        switch kind {
        case .within:
            return units.count == 1 && (isSpace(units.first!) || units.first! == 0x2D)
        case .space:
            return units.count == 1 && isSpace(units.first!)
        case .afterTitle, .afterLabel, .afterInitial:
            let optional: Set<UInt16> = kind == .afterLabel ? [0x3A, 0x2C] : [0x2E]
            if let first = units.first, optional.contains(first) { units = units.dropFirst() } else if kind == .afterInitial { return false }
            return kind == .afterInitial ? units.allSatisfy(isSpace) : !units.isEmpty && units.allSatisfy(isSpace)
        }
    }
}
