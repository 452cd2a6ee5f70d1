/// Person names in Japanese text: before an honorific (山田さん, 田中太郎様, ヤマダ先生,
/// ゆうとくん), after a label or role (氏名：山田太郎, 患者 山田太郎), and bare when the
/// lexicon knows the surname (山田太郎は, 佐藤 健が). The honorific and the label stay;
/// only the name is replaced.
struct JapaneseNames {
    let lexicon: NameLexicon

    /// Hiragana particles that can stand before a name written in hiragana.
    static let particles: Set<UInt16> = Set("がはをにでともへや".utf16)

    func candidates(in view: TextView) -> [Candidate] {
        honorificNames(view) + labelledNames(view) + bareNames(view)
    }

    // MARK: before an honorific

    func honorificNames(_ view: TextView) -> [Candidate] {
        var found: [Candidate] = []
        var i = 0
        while i < view.count {
            guard let honorific = honorific(at: i, view) else { i += 1; continue }
            var end = i
            if Script.isSpace(view.unit(end - 1)) { end -= 1 }
            if let name = nameBefore(end, honorific: honorific, view) { found.append(name) }
            i += honorific.utf16.count
        }
        return found
    }

    /// First UTF-16 units of the honorifics: most positions are ruled out by one look-up.
    static let honorificStarts = Set(NameStoplists.honorifics.compactMap(\.utf16.first))

    func honorific(at i: Int, _ view: TextView) -> String? {
        guard Self.honorificStarts.contains(view.units[i]) else { return nil }
        for h in NameStoplists.honorifics where matches(h, at: i, view) {
            let next = view.unit(i + h.utf16.count)
            switch h {
            case "様", "君": if Script.isKanji(next) { return nil }
            case "氏": if next == 0x540D /* 名 */ { return nil }
            default: break
            }
            return h
        }
        return nil
    }

    func nameBefore(_ end: Int, honorific: String, _ view: TextView) -> Candidate? {
        if Script.isKanji(view.unit(end - 1)) {
            var start = end
            while Script.isKanji(view.unit(start - 1)) || (view.unit(start - 1) == 0x30CE /* ノ */ && Script.isKanji(view.unit(start - 2))) {
                start -= 1
            }
            // 山田 太郎さん: a surname before a space belongs to the name
            if end - start <= 3, Script.isSpace(view.unit(start - 1)), Script.isKanji(view.unit(start - 2)) {
                var first = start - 1
                while Script.isKanji(view.unit(first - 1)) || (view.unit(first - 1) == 0x30CE && Script.isKanji(view.unit(first - 2))),
                      start - first <= 5 {
                    first -= 1
                }
                let family = view.string(first, start - 1)
                if !Script.isKanji(view.unit(first - 1)),
                   lexicon.japaneseSurnames.contains(family)
                    || (family.count >= 2 && !family.contains(where: NameStoplists.departmentEndings.contains)
                        && !NameStoplists.japaneseNonNames.contains(family)) {
                    start = first
                }
            }
            return kanjiName(start, end, view, honorific: honorific)
        }
        if Script.isKatakana(view.unit(end - 1)) {
            var start = end
            while Script.isKatakana(view.unit(start - 1)) || view.unit(start - 1) == 0x30FB /* ・ */
                    || (Script.isSpace(view.unit(start - 1)) && Script.isKatakana(view.unit(start - 2))) {
                start -= 1
            }
            return accept(start, end, view, minimum: 2)
        }
        if ["ちゃん", "くん", "さん", "さま"].contains(honorific), Script.isHiragana(view.unit(end - 1)) {
            var start = end
            while Script.isHiragana(view.unit(start - 1)), end - start < 5 { start -= 1 }
            // "瑞希ちゃんがはるきちゃん": the name starts after the last particle in front
            if Script.isHiragana(view.unit(start - 1)) || end - start == 5 {
                guard let particle = (start..<(end - 2)).first(where: { Self.particles.contains(view.units[$0]) }) else { return nil }
                start = particle + 1
            }
            guard end - start <= 4 else { return nil }
            // "たくさん" (many), "おばあちゃん": a word ending the run is not a name
            for cut in start..<(end - 1) where NameStoplists.japaneseNonNames.contains(view.string(cut, end)) { return nil }
            return accept(start, end, view, minimum: 2)
        }
        return nil
    }

    /// A kanji run before an honorific: roles in front are dropped, a known surname inside
    /// a longer run marks where the name starts.
    func kanjiName(_ runStart: Int, _ end: Int, _ view: TextView, honorific: String) -> Candidate? {
        var start = runStart
        var stripped = true
        while stripped {
            stripped = false
            let text = view.string(start, end)
            for role in NameStoplists.japaneseRoles where text.hasPrefix(role) && text.utf16.count > role.utf16.count {
                start += role.utf16.count
                stripped = true
                break
            }
        }
        let length = end - start
        if length > 4, let surname = firstSurname(start, end, view) { start = surname }
        guard end - start <= 7 else { return nil }
        let text = view.string(start, end)
        // One kanji: a known surname, or a given name before さん・ちゃん・くん (蒼さん);
        // before 様 a single kanji is usually a word (多様, 模様).
        if end - start == 1 && !lexicon.japaneseSurnames.contains(text) && !["さん", "ちゃん", "くん"].contains(honorific) { return nil }
        // 感冒様, 歯科医師: a clinical word or a department before the honorific
        if let last = text.last, NameStoplists.clinicalEndings.contains(last) || NameStoplists.departmentEndings.contains(last) { return nil }
        return accept(start, end, view, minimum: 1)
    }

    func accept(_ start: Int, _ end: Int, _ view: TextView, minimum: Int) -> Candidate? {
        guard end - start >= minimum else { return nil }
        let text = view.string(start, end).filter { $0 != " " && $0 != "　" }
        if NameStoplists.japaneseNonNames.contains(text) { return nil }
        return Candidate(start: start, end: end, kind: .name)
    }

    /// The first position in [start, end) where a lexicon surname of two or more kanji begins.
    func firstSurname(_ start: Int, _ end: Int, _ view: TextView) -> Int? {
        for p in start..<end {
            for length in stride(from: min(lexicon.longestJapaneseSurname, end - p), through: 2, by: -1)
            where lexicon.japaneseSurnames.contains(view.string(p, p + length)) {
                return p
            }
        }
        return nil
    }

    // MARK: helpers

    func matches(_ word: String, at i: Int, _ view: TextView) -> Bool {
        var k = i
        for u in word.utf16 {
            guard view.unit(k) == u else { return false }
            k += 1
        }
        return true
    }

    func find(_ word: String, from: Int, _ view: TextView) -> Int? {
        guard let first = word.utf16.first else { return nil }
        var i = from
        while i < view.count {
            if view.units[i] == first && matches(word, at: i, view) { return i }
            i += 1
        }
        return nil
    }
}
