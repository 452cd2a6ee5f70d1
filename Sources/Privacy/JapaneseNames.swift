/// Person names in Japanese text: before an honorific (山田さん, 田中太郎様, ヤマダ先生,
/// ゆうとくん), after a label or role (氏名：山田太郎, 患者 山田太郎), and bare when the
/// lexicon knows the surname (山田太郎は, 佐藤 健が). The honorific and the label stay;
/// only the name is replaced.
struct JapaneseNames {
    let lexicon: NameLexicon

    /// Labels after which the next kanji or katakana word is a name.
    static let strongLabels = ["患者氏名", "患者名", "氏名", "お名前", "名前", "署名", "記入者", "担当者", "連絡者", "キーパーソン"]
    /// Roles after which a word set off by a space or colon, or starting with a known
    /// surname, is a name.
    static let weakLabels = ["患者", "担当医", "主治医", "紹介医", "紹介元", "家族", "長男", "長女", "次男", "次女", "夫", "妻",
                             "母", "父", "息子", "娘", "看護師", "薬剤師", "医師", "Dr.", "Dr"]

    /// Hiragana particles that can stand before a name written in hiragana.
    static let particles: Set<UInt16> = Set("がはをにでともへや".utf16)

    func candidates(in view: TextView) -> [Candidate] {
        honorificNames(view) + labelledNames(view) + bareNames(view)
    }

    // MARK: before an honorific

    private func honorificNames(_ view: TextView) -> [Candidate] {
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

    private func honorific(at i: Int, _ view: TextView) -> String? {
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

    private func nameBefore(_ end: Int, honorific: String, _ view: TextView) -> Candidate? {
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
    private func kanjiName(_ runStart: Int, _ end: Int, _ view: TextView, honorific: String) -> Candidate? {
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

    private func accept(_ start: Int, _ end: Int, _ view: TextView, minimum: Int) -> Candidate? {
        guard end - start >= minimum else { return nil }
        let text = view.string(start, end).filter { $0 != " " && $0 != "　" }
        if NameStoplists.japaneseNonNames.contains(text) { return nil }
        return Candidate(start: start, end: end, kind: .name)
    }

    /// The first position in [start, end) where a lexicon surname of two or more kanji begins.
    private func firstSurname(_ start: Int, _ end: Int, _ view: TextView) -> Int? {
        for p in start..<end {
            for length in stride(from: min(lexicon.longestJapaneseSurname, end - p), through: 2, by: -1)
            where lexicon.japaneseSurnames.contains(view.string(p, p + length)) {
                return p
            }
        }
        return nil
    }

    // MARK: after a label

    private func labelledNames(_ view: TextView) -> [Candidate] {
        var found: [Candidate] = []
        for (labels, strong) in [(Self.strongLabels, true), (Self.weakLabels, false)] {
            for label in labels {
                var from = 0
                while let at = find(label, from: from, view) {
                    from = at + label.utf16.count
                    if let name = labelledName(after: from, strong: strong, view) { found.append(name) }
                }
            }
        }
        return found
    }

    private func labelledName(after labelEnd: Int, strong: Bool, _ view: TextView) -> Candidate? {
        var start = labelEnd
        var separated = false
        while let u = view.unit(start), Script.isSpace(u) || u == 0x3A || u == 0xFF1A || (strong && u == 0x306F /* は */) {
            start += 1
            separated = true
        }
        // A weak label inside a longer word (患者数, 父親) is not a label.
        if !separated && !strong && !Script.isKanji(view.unit(start)) && !Script.isKatakana(view.unit(start)) { return nil }
        var end = start
        if Script.isKanji(view.unit(start)) {
            while Script.isKanji(view.unit(end)) { end += 1 }
            if Script.isSpace(view.unit(end)), Script.isKanji(view.unit(end + 1)), end - start <= 4 {
                end += 1
                while Script.isKanji(view.unit(end)), end - start <= 8 { end += 1 }
            }
        } else if Script.isKatakana(view.unit(start)) {
            while Script.isKatakana(view.unit(end)) || view.unit(end) == 0x30FB
                    || (Script.isSpace(view.unit(end)) && Script.isKatakana(view.unit(end + 1))) { end += 1 }
        } else {
            return nil
        }
        // 主治医山田先生: the name ends where an honorific or role written in kanji begins
        if let cut = (start + 1..<end).first(where: { p in
            NameStoplists.honorifics.contains { matches($0, at: p, view) && Script.isKanji($0.utf16.first) }
        }) {
            end = cut
        }
        guard end - start >= 2, end - start <= 9 else { return nil }
        let text = view.string(start, end)
        if !strong {
            guard separated || firstSurname(start, end, view) == start else { return nil }
            if Script.isKanji(view.unit(start)) {
                guard lexicon.japaneseSurnames.contains(where: { text.hasPrefix($0) }) || givenNameShaped(text) else { return nil }
            }
        }
        if let last = text.last, NameStoplists.clinicalEndings.contains(last) || NameStoplists.departmentEndings.contains(last) { return nil }
        return accept(start, end, view, minimum: 2)
    }

    /// A kanji word of two to four characters with no character that names rarely have.
    private func givenNameShaped(_ text: String) -> Bool {
        let chars = text.filter { $0 != " " && $0 != "　" }
        return (2...5).contains(chars.count) && !chars.contains(where: NameStoplists.notInGivenNames.contains)
            && !NameStoplists.japaneseNonNames.contains(String(chars))
    }

    // MARK: bare names the lexicon knows

    private func bareNames(_ view: TextView) -> [Candidate] {
        var found: [Candidate] = []
        var i = 0
        while i < view.count {
            guard Script.isKanji(view.units[i]) else { i += 1; continue }
            var end = i
            while Script.isKanji(view.unit(end)) { end += 1 }
            if let name = bareName(i, end, view) { found.append(name) }
            i = end
        }
        return found
    }

    private func bareName(_ start: Int, _ end: Int, _ view: TextView) -> Candidate? {
        // 佐藤 健 / 榊原 美咲: a run, one space, and a short run, one side known
        if Script.isSpace(view.unit(end)), Script.isKanji(view.unit(end + 1)), end - start <= 3 {
            var next = end + 1
            while Script.isKanji(view.unit(next)) { next += 1 }
            let family = view.string(start, end), given = view.string(end + 1, next)
            if next - end - 1 <= 3,
               lexicon.japaneseSurnames.contains(family) && givenNameShaped(given)
                || lexicon.japaneseGivenNames.contains(given) && givenNameShaped(family) {
                return Candidate(start: start, end: next, kind: .name)
            }
        }
        // 宍戸大輔: an unknown surname of one to three kanji before a known given name of two or more
        for cut in stride(from: max(start + 1, end - 3), to: end - 1, by: 1) where end - start - (end - cut) <= 3 {
            let given = view.string(cut, end), family = view.string(start, cut)
            if given.count >= 2, lexicon.japaneseGivenNames.contains(given), !family.contains(where: NameStoplists.notInGivenNames.contains),
               !NameStoplists.japaneseNonNames.contains(family), !NameStoplists.japaneseRoles.contains(where: family.hasPrefix),
               let last = family.last, !NameStoplists.clinicalEndings.contains(last) {
                return Candidate(start: start, end: end, kind: .name)
            }
        }
        if let shaped = nameShaped(start, end, view) { return shaped }
        for p in start..<end {
            for length in stride(from: min(lexicon.longestJapaneseSurname, end - p), through: 1, by: -1) {
                let surname = view.string(p, p + length)
                guard lexicon.japaneseSurnames.contains(surname) else { continue }
                var rest = view.string(p + length, end)
                if NameStoplists.honorifics.contains(where: rest.hasPrefix) || NameStoplists.japaneseRoles.contains(where: rest.hasPrefix) {
                    rest = ""
                }
                if lexicon.japaneseGivenNames.contains(rest) { return Candidate(start: p, end: end, kind: .name) }
                if !rest.isEmpty, lexicon.japaneseGivenNames.contains(rest) { return Candidate(start: p, end: end, kind: .name) }
                guard p == start, length >= 2 else { continue }
                if rest.isEmpty { return Candidate(start: p, end: p + length, kind: .name) }
                if rest.count <= 2, !rest.contains(where: NameStoplists.notInGivenNames.contains),
                   let last = rest.last, !NameStoplists.clinicalEndings.contains(last) {
                    return Candidate(start: p, end: end, kind: .name)
                }
            }
        }
        return nil
    }

    /// A run shaped like a full name the lexicon does not hold: a surname of two or three
    /// kanji ending in a common surname kanji (芦田, 百瀬), then one to three kanji common in
    /// given names (晴臣), and after it a particle or punctuation (は, が, の, 、).
    private func nameShaped(_ start: Int, _ end: Int, _ view: TextView) -> Candidate? {
        let run = Array(view.string(start, end))
        guard (3...6).contains(run.count), run.count == end - start else { return nil }
        if end < view.count {
            guard let after = Unicode.Scalar(view.units[end]).map(Character.init),
                  Self.afterName.contains(after) || Script.isSpace(view.units[end]) else { return nil }
        }
        for surnameLength in [2, 3] where run.count - surnameLength >= 1 && run.count - surnameLength <= 3 {
            let family = run[..<surnameLength], given = run[surnameLength...]
            guard lexicon.japaneseSurnameFinals.contains(family.last!),
                  given.allSatisfy(lexicon.japaneseGivenNameKanji.contains),
                  !family.contains(where: NameStoplists.notInGivenNames.contains),
                  !NameStoplists.clinicalEndings.contains(family.first!),
                  !NameStoplists.japaneseRoles.contains(where: String(run).hasPrefix),
                  !NameStoplists.notSurnames.contains(String(family)) else { continue }
            return Candidate(start: start, end: end, kind: .name)
        }
        return nil
    }

    /// What may follow a bare name: particles and punctuation.
    static let afterName: Set<Character> = Set("はがのをにともへやさ、。，．,.)）」』")

    // MARK: helpers

    private func matches(_ word: String, at i: Int, _ view: TextView) -> Bool {
        var k = i
        for u in word.utf16 {
            guard view.unit(k) == u else { return false }
            k += 1
        }
        return true
    }

    private func find(_ word: String, from: Int, _ view: TextView) -> Int? {
        guard let first = word.utf16.first else { return nil }
        var i = from
        while i < view.count {
            if view.units[i] == first && matches(word, at: i, view) { return i }
            i += 1
        }
        return nil
    }
}
